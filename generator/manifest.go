package generator

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// ManifestFile is the answers file every generated project holds.
const ManifestFile = ".gomicro.yml"

// ManifestFormat is the format number gomicro writes. Every later gomicro
// keeps reading every earlier format.
const ManifestFormat = 1

// Manifest is the content of .gomicro.yml: enough to render the project again
// (template, version, answers) and to tell the team's edits from the
// template's (each file's git blob id as generated).
type Manifest struct {
	Format   int               `yaml:"format"`
	Template string            `yaml:"template"`
	Source   string            `yaml:"source"`
	Version  string            `yaml:"version"`
	Answers  Answers           `yaml:"-"`
	Files    map[string]string `yaml:"files"`
	order    []string          // question order, for writing answers
	raw      []byte            // the file as read, to tell whether an upgrade changes it
}

func newManifest(t *Template, answers Answers, tree *Tree) *Manifest {
	m := &Manifest{
		Format:   ManifestFormat,
		Template: t.Name,
		Source:   t.Source,
		Version:  t.Version,
		Answers:  answers,
		Files:    make(map[string]string, len(tree.Files)),
		order:    t.questionNames(),
	}
	for _, f := range tree.Files {
		m.Files[f.Path] = BlobID(f.Data)
	}
	return m
}

// manifestYAML fixes the key order of the written file; answers come in
// question order, which a map cannot keep.
type manifestYAML struct {
	Format   int               `yaml:"format"`
	Template string            `yaml:"template"`
	Source   string            `yaml:"source"`
	Version  string            `yaml:"version"`
	Answers  yaml.Node         `yaml:"answers"`
	Files    map[string]string `yaml:"files"`
}

const manifestHeader = "# Written by gomicro: the template and answers this project was generated from.\n" +
	"# gomicro upgrade reads it; change answers with gomicro upgrade --set key=value.\n"

func (m *Manifest) marshal() ([]byte, error) {
	answers := yaml.Node{Kind: yaml.MappingNode}
	for _, key := range m.order {
		v, ok := m.Answers[key]
		if !ok {
			continue
		}
		var value yaml.Node
		if err := value.Encode(v); err != nil {
			return nil, fmt.Errorf("encode answer %s: %w", key, err)
		}
		answers.Content = append(answers.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, &value)
	}
	var buf bytes.Buffer
	buf.WriteString(manifestHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	err := enc.Encode(manifestYAML{m.Format, m.Template, m.Source, m.Version, answers, m.Files})
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", ManifestFile, err)
	}
	return buf.Bytes(), nil
}

// ReadManifest parses a project's .gomicro.yml.
func ReadManifest(data []byte) (*Manifest, error) {
	var raw struct {
		Format   int               `yaml:"format"`
		Template string            `yaml:"template"`
		Source   string            `yaml:"source"`
		Version  string            `yaml:"version"`
		Answers  map[string]any    `yaml:"answers"`
		Files    map[string]string `yaml:"files"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %s", ManifestFile, yamlMessage(err))
	}
	switch {
	case raw.Format < 1:
		return nil, fmt.Errorf("%s: format is missing", ManifestFile)
	case raw.Format > ManifestFormat:
		return nil, fmt.Errorf("%s: format %d is newer than this gomicro reads (%d): upgrade gomicro", ManifestFile, raw.Format, ManifestFormat)
	case raw.Template == "" || raw.Version == "":
		return nil, fmt.Errorf("%s: template and version are required", ManifestFile)
	}
	return &Manifest{
		Format: raw.Format, Template: raw.Template, Source: raw.Source, Version: raw.Version,
		Answers: raw.Answers, Files: raw.Files, raw: data,
	}, nil
}
