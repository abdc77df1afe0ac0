package generator

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ReadAnswersFile reads the answers of `gomicro new --answers FILE` and
// `gomicro adopt --answers FILE`: a YAML map from question to answer, or
// another project's .gomicro.yml (recognised by its format key: then
// manifest is true, and its answers are taken; see ForAnotherProject).
// Each answer is the text written, as in .gomicro.yml (a plain 0123 is
// "0123"). A key the template does not ask is the caller's to refuse, as
// for --set.
func ReadAnswersFile(data []byte) (set map[string]string, manifest bool, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, false, errors.New(yamlMessage(err))
	}
	if doc.Kind == 0 {
		return map[string]string{}, false, nil // an empty file answers nothing
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, false, fmt.Errorf("line %d: want a map of question to answer, as in github_username: acme", top.Line)
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "format" {
			manifest = true
		}
	}
	if !manifest {
		set, err = answerPairs(top)
		return set, false, err
	}
	answers := mapValue(top, "answers")
	if answers == nil {
		return map[string]string{}, true, nil
	}
	set, err = answerPairs(answers)
	return set, true, err
}

// ForAnotherProject takes the answers recorded by another project's
// .gomicro.yml for a new one: its name goes, and so does every answer that
// was that project's default (a module path made from its name, say), so
// that here it is this project's default again. The other answers stay,
// those to questions t does not ask among them (an error, as for --set).
func (t *Template) ForAnotherProject(ctx context.Context, recorded map[string]string) (map[string]string, error) {
	ex := t.newQuestionRun()
	answers := Answers{}
	kept := map[string]string{}
	for k, v := range recorded {
		if _, asked := t.Question(k); !asked {
			kept[k] = v
		}
	}
	for _, q := range t.Questions {
		v, ok := recorded[q.Name]
		if !ok {
			continue
		}
		def, _, err := ex.defaultOf(ctx, &q, answers)
		if isLimit(err) {
			return nil, err
		}
		if parsed, rule := q.parse(v); rule == "" {
			answers[q.Name] = parsed
		}
		if q.Name != "name" && (err != nil || def != v) {
			kept[q.Name] = v
		}
	}
	return kept, nil
}

// mapValue is the value of key in the mapping m, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// answerPairs reads a mapping of one-word keys to scalar values, every
// problem at once.
func answerPairs(m *yaml.Node) (map[string]string, error) {
	if m.Kind == yaml.ScalarNode && m.Tag == "!!null" {
		return map[string]string{}, nil
	}
	if m.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: answers must map each question to its answer, as in name: svc", m.Line)
	}
	set := make(map[string]string, len(m.Content)/2)
	var problems []string
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		_, dup := set[k.Value]
		switch {
		case k.Kind != yaml.ScalarNode:
			problems = append(problems, fmt.Sprintf("line %d: a question is named by one word", k.Line))
		case dup:
			problems = append(problems, fmt.Sprintf("line %d: %s is answered twice", k.Line, k.Value))
		case v.Kind == yaml.SequenceNode: // a multi answer, as .gomicro.yml records it
			list, rule := readList(v)
			if rule != "" {
				problems = append(problems, fmt.Sprintf("line %d: %s: %s", v.Line, k.Value, rule))
			}
			set[k.Value] = strings.Join(list, ",")
		case v.Kind != yaml.ScalarNode:
			problems = append(problems, fmt.Sprintf("line %d: %s: want one value, as in %s: text", k.Line, k.Value, k.Value))
		default:
			set[k.Value] = v.Value
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return set, nil
}
