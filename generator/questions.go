package generator

// Richer questions: type multi (any of its choices), type int (within min
// and max), secret questions (asked with the input hidden, taken from the
// environment where nobody is asked, never recorded) and validate's
// pattern form.
//
// An answer stays the text a person or --set gives, as for every other
// question, so the Prompter, --set and user defaults are unchanged; parse
// turns the text into the value templates see: a []string for multi (in
// the order of its choices, each once), an int for int. .gomicro.yml
// records those as a YAML list and a YAML integer (manifest.go), and an
// upgrade reads them back as text (AnswerText).

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template/parse"

	"go.yaml.in/yaml/v3"
)

// The richer question types.
const (
	TypeMulti = "multi"
	TypeInt   = "int"
)

var questionTypes = []string{TypeString, TypeBool, TypeChoice, TypeMulti, TypeInt}

// NoneAnswer answers a multi question with none of its choices at a
// prompt, where an empty line takes the default. (--set key= and a
// recorded empty list say none too.)
const NoneAnswer = "-"

// SecretShown stands for a secret answer wherever an answer is shown: in a
// problem, at a prompt.
const SecretShown = "(secret)"

// richer is what Load makes of a question's richer keys.
type richer struct {
	defaultList bool           // default was written as a YAML list
	pattern     *regexp.Regexp // validate's pattern, compiled
}

// questionKeys are the keys a question may have in template.yaml: the yaml
// names of Question's fields.
var questionKeys = sync.OnceValue(func() map[string]bool {
	keys := map[string]bool{}
	rt := reflect.TypeFor[Question]()
	for i := range rt.NumField() {
		if name, _, _ := strings.Cut(rt.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
})

// questionFields is Question without its UnmarshalYAML.
type questionFields Question

// UnmarshalYAML reads a question of template.yaml: a default may be a list
// (of a multi question's choices), and validate a mapping of pattern and
// message. Unknown keys are refused here, as Load's decoder refuses them
// elsewhere (a Node's Decode does not know of KnownFields).
func (q *Question) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return n.Decode((*questionFields)(q))
	}
	var errs []string
	c := *n
	c.Content = slices.Clone(n.Content)
	for i := 0; i+1 < len(c.Content); i += 2 {
		k, v := c.Content[i], c.Content[i+1]
		switch {
		case k.Value == "<<" && k.Tag == "!!merge": // the decoder merges it
		case !questionKeys()[k.Value]:
			errs = append(errs, fmt.Sprintf("line %d: field %s not found in type generator.Question", k.Line, k.Value))
		case k.Value == "default" && v.Kind == yaml.SequenceNode:
			items := make([]string, len(v.Content))
			for j, item := range v.Content {
				if item.Kind != yaml.ScalarNode {
					errs = append(errs, fmt.Sprintf("line %d: default: a list holds choices, one word each", item.Line))
				}
				items[j] = item.Value
			}
			q.richer.defaultList = true
			c.Content[i+1] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: strings.Join(items, ","), Line: v.Line, Column: v.Column}
		case k.Value == "validate" && v.Kind == yaml.MappingNode:
			errs = append(errs, q.decodePattern(v)...)
			c.Content[i+1] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Line: v.Line, Column: v.Column}
		}
	}
	if err := c.Decode((*questionFields)(q)); err != nil {
		te, ok := err.(*yaml.TypeError)
		if !ok {
			return err
		}
		errs = append(errs, te.Errors...)
	}
	if len(errs) > 0 {
		return &yaml.TypeError{Errors: errs}
	}
	return nil
}

// decodePattern reads validate's mapping form: pattern and message.
func (q *Question) decodePattern(v *yaml.Node) []string {
	var errs []string
	for j := 0; j+1 < len(v.Content); j += 2 {
		k, val := v.Content[j], v.Content[j+1]
		switch {
		case val.Kind != yaml.ScalarNode:
			errs = append(errs, fmt.Sprintf("line %d: validate: %s is one line of text", val.Line, k.Value))
		case k.Value == "pattern":
			q.Pattern = val.Value
		case k.Value == "message":
			q.Message = val.Value
		default:
			errs = append(errs, fmt.Sprintf("line %d: validate: field %s is not pattern or message", k.Line, k.Value))
		}
	}
	if q.Pattern == "" {
		errs = append(errs, fmt.Sprintf("line %d: validate: pattern is required (a Go regular expression)", v.Line))
	}
	return errs
}

// checkRicher checks what template.yaml says of a question's richer keys,
// and compiles its pattern.
func (q *Question) checkRicher(where string) []string {
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, ConfigFile+": "+where+": "+fmt.Sprintf(format, args...))
	}
	literal := !strings.Contains(q.Default, "{{") // a default that is a template is checked when it renders
	if q.richer.defaultList && q.Type != TypeMulti {
		bad("default is a list, which only a question of type multi takes")
	}
	switch q.Type {
	case TypeMulti:
		problems = append(problems, q.checkMulti(where, literal)...)
	case TypeInt:
		problems = append(problems, q.checkInt(where, literal)...)
	}
	if (q.Min != nil || q.Max != nil) && q.Type != TypeInt {
		bad("min and max bound a question of type int, not %s", q.Type)
	}
	if (q.Validate != "" || q.Pattern != "") && (q.Type == TypeMulti || q.Type == TypeInt) {
		bad("validate checks text answers, not those of type %s", q.Type)
	}
	if q.Pattern != "" {
		re, err := regexp.Compile(q.Pattern)
		if err != nil {
			bad("validate: pattern %q does not compile: %s", q.Pattern, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
		q.richer.pattern = re
	}
	switch {
	case q.Secret && q.Type != TypeString:
		bad("a secret is a question of type string, not %s", q.Type)
	case q.Secret && q.Env == "":
		bad("a secret needs env: the environment variable upgrade and --non-interactive take it from (it is never recorded)")
	case q.Env != "" && !q.Secret:
		bad("env names where a secret comes from, and this question is not secret: true")
	case q.Env != "" && !isQuestionKey(q.Env):
		bad("env %q is not an environment variable's name (letters, digits and '_', not starting with a digit)", q.Env)
	}
	return problems
}

func (q *Question) checkMulti(where string, literal bool) []string {
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, ConfigFile+": "+where+": "+fmt.Sprintf(format, args...))
	}
	if len(q.Choices) == 0 {
		bad("type multi needs choices")
	}
	for _, c := range q.Choices {
		if c == "" || c == NoneAnswer || strings.Contains(c, ",") || strings.TrimSpace(c) != c {
			bad("choice %q: a multi question's choices are listed with commas, so none is empty, %q, or holds a comma or outer spaces", c, NoneAnswer)
		}
	}
	if literal && len(problems) == 0 {
		if _, rule := q.parseMulti(q.Default); rule != "" {
			bad("default %q: %s", q.Default, rule)
		}
	}
	return problems
}

func (q *Question) checkInt(where string, literal bool) []string {
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, ConfigFile+": "+where+": "+fmt.Sprintf(format, args...))
	}
	if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
		bad("min %d is above max %d", *q.Min, *q.Max)
		return problems
	}
	if literal && q.Default != "" {
		if _, rule := q.parseInt(q.Default); rule != "" {
			bad("default %q: %s", q.Default, rule)
		}
	}
	return problems
}

// parseMulti reads a comma list of choices: the answer is those choices,
// in the order of the question's, each once. "" and NoneAnswer are none.
func (q Question) parseMulti(raw string) ([]string, string) {
	list := []string{}
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == NoneAnswer {
		return list, ""
	}
	picked := map[string]bool{}
	for _, item := range strings.Split(raw, ",") {
		item = strings.TrimSpace(item)
		if !slices.Contains(q.Choices, item) {
			return nil, fmt.Sprintf("choose any of %s, separated by commas (%q is not one)", strings.Join(q.Choices, ", "), item)
		}
		picked[item] = true
	}
	for _, c := range q.Choices {
		if picked[c] {
			list = append(list, c)
		}
	}
	return list, ""
}

// parseInt reads a whole number within the question's bounds.
func (q Question) parseInt(raw string) (int, string) {
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err == nil && (q.Min == nil || n >= *q.Min) && (q.Max == nil || n <= *q.Max) {
		return n, ""
	}
	return 0, "answers to " + q.Name + " are " + q.bounds()
}

// bounds says which numbers an int question takes.
func (q Question) bounds() string {
	switch {
	case q.Min != nil && q.Max != nil:
		return fmt.Sprintf("whole numbers from %d to %d", *q.Min, *q.Max)
	case q.Min != nil:
		return fmt.Sprintf("whole numbers from %d up", *q.Min)
	case q.Max != nil:
		return fmt.Sprintf("whole numbers up to %d", *q.Max)
	}
	return "whole numbers"
}

// parseRicher is parse for the richer types, and "" ok=false for the others.
func (q Question) parseRicher(raw string) (v any, rule string, ok bool) {
	switch q.Type {
	case TypeMulti:
		list, rule := q.parseMulti(raw)
		return list, rule, true
	case TypeInt:
		n, rule := q.parseInt(raw)
		return n, rule, true
	}
	return nil, "", false
}

// checkPattern is the rule raw breaks of validate's pattern form, or "".
func (q Question) checkPattern(raw string) string {
	if q.richer.pattern == nil || q.richer.pattern.MatchString(raw) {
		return ""
	}
	if q.Message != "" {
		return q.Message
	}
	return "must match the pattern " + q.Pattern
}

// shown is value as a problem or prompt may show it: SecretShown for a
// secret's.
func (q Question) shown(value string) string {
	if q.Secret && value != "" {
		return SecretShown
	}
	return value
}

// AnswerText is an answer as text, as --set takes it: a multi answer's
// choices separated by commas.
func AnswerText(v any) string {
	if list, ok := v.([]string); ok {
		return strings.Join(list, ",")
	}
	return fmt.Sprint(v)
}

// secretFromEnv is a secret question's answer where nobody is asked it,
// and where it came from: the environment variable it names, else its
// default def (from defFrom), else fromUnsetSecret. An empty variable
// counts as unset: a CI job that lacks the secret it passes on sets it
// empty.
func (t *Template) secretFromEnv(q *Question, def string, defFrom int) (string, int) {
	if t.Environ != nil {
		if v, ok := t.Environ(q.Env); ok && v != "" {
			return v, fromAnswer
		}
	}
	if def == "" {
		return "", fromUnsetSecret
	}
	return def, defFrom
}

// recordable is answers without the secrets: what .gomicro.yml holds.
func (t *Template) recordable(answers Answers) Answers {
	out := make(Answers, len(answers))
	for k, v := range answers {
		if q, ok := t.Question(k); !ok || !q.Secret {
			out[k] = v
		}
	}
	return out
}

// multiValues are the answers template test tries for a multi question:
// its default, each choice alone, all of them and none, each once. Every
// subset would be 2^n answers (a question of ten choices alone would make
// a thousand projects), while a template mostly ranges over the list or
// tests one choice in it: one of each, all and none find what those miss.
func (q *Question) multiValues(def string) []string {
	if list, rule := q.parseMulti(def); rule == "" {
		def = AnswerText(list)
	}
	values := append([]string{def}, q.Choices...)
	values = append(values, strings.Join(q.Choices, ","), "")
	var out []string
	for _, v := range values {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// orEmpty is recorded, or no answers when nil: an upgrade's resolve
// always has recorded answers, which tells it from new's.
func orEmpty(recorded Answers) Answers {
	if recorded == nil {
		return Answers{}
	}
	return recorded
}

// listNode is a multi answer as .gomicro.yml records it: a list of
// strings, each quoted where a YAML 1.1 reader would take it for another
// type (see yaml11Plain).
func listNode(list []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	if len(list) == 0 {
		n.Style = yaml.FlowStyle
	}
	for _, s := range list {
		item := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
		if yaml11Resolves(s) {
			item.Style = yaml.DoubleQuotedStyle
		}
		n.Content = append(n.Content, item)
	}
	return n
}

// readList reads a recorded multi answer: a list of words.
func readList(n *yaml.Node) ([]string, string) {
	list := make([]string, len(n.Content))
	for i, item := range n.Content {
		if item.Kind != yaml.ScalarNode {
			return nil, "a list holds one word per choice"
		}
		list[i] = item.Value
	}
	return list, ""
}

// Answers shows what a question takes, as gomicro templates lists it:
// [oddjob] for a string, [web*|worker] for a choice and [true|false*] for
// a bool, the default marked with *, [us*|eu*|ap] for a multi question
// (each choice of its default marked), [2] (1 to 9) for an int, and for
// a secret where it comes from, never its default. A choice whose default
// is none of its choices (a template expression, say) shows it apart:
// [a|b] [DEFAULT].
func (q Question) Answers() string {
	if q.Secret {
		return "(secret, from $" + q.Env + ")"
	}
	choices, defaults := q.Choices, []string{q.Default}
	switch q.Type {
	case TypeBool:
		choices = []string{"true", "false"}
	case TypeMulti:
		defaults = strings.Split(q.Default, ",")
	case TypeInt:
		if bounds := strings.TrimPrefix(q.bounds(), "whole numbers"); bounds != "" {
			return "[" + q.Default + "] (" + strings.TrimSpace(bounds) + ")"
		}
	}
	if len(choices) == 0 {
		return "[" + q.Default + "]"
	}
	marked := make([]string, len(choices))
	found := 0
	for i, c := range choices {
		marked[i] = c
		if slices.Contains(defaults, c) {
			marked[i] += "*"
			found++
		}
	}
	s := "[" + strings.Join(marked, "|") + "]"
	if found == 0 && q.Default != "" {
		s += " [" + q.Default + "]"
	}
	return s
}

// secretRefs reports each secret tree reads where its value would be shown
// or recorded: a file's name (in every report, and .gomicro.yml), a
// default (another answer, recorded), a next step (printed). File bodies,
// conditions and whens may read it. (A text that hands all the answers on,
// {{ toJson . }}, is not caught.)
func (t *Template) secretRefs(where string, tree *parse.Tree) []string {
	if tree == nil {
		return nil
	}
	var problems []string
	seen := map[string]bool{}
	walkRefs(tree.Root, true, func(ref, key string) {
		if q, ok := t.Question(key); ok && q.Secret && !seen[key] {
			seen[key] = true
			problems = append(problems, fmt.Sprintf("%s: reads the secret %s, which would be shown or recorded there: a secret is for file bodies, conditions and whens", where, ref))
		}
	})
	return problems
}
