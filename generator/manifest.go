package generator

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

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
	Revision string            `yaml:"revision,omitempty"` // see Template.Revision
	Version  string            `yaml:"version"`
	Answers  Answers           `yaml:"-"`
	Files    map[string]string `yaml:"files"`
	// Executable lists the files generated with an execute bit, so an
	// upgrade knows each file's base mode even when the base content comes
	// from git, and a template's chmod reaches a project whose team left the
	// mode alone. Nil in manifests written before gomicro recorded modes:
	// then the base mode is known only where the base is re-rendered.
	Executable []string `yaml:"executable"`
	order      []string // question order, for writing answers
	raw        []byte   // the file as read, to tell whether an upgrade changes it
}

// BaseMode is the mode path was generated with, or 0 when the manifest does
// not say (written by a gomicro that did not record modes).
func (m *Manifest) BaseMode(p string) fs.FileMode {
	if m.Executable == nil {
		return 0
	}
	if slices.Contains(m.Executable, p) {
		return 0o755
	}
	return 0o644
}

func newManifest(t *Template, answers Answers, tree *Tree) *Manifest {
	m := &Manifest{
		Format:   ManifestFormat,
		Template: t.Name,
		Source:   t.Source,
		Revision: t.Revision,
		Version:  t.Version,
		Answers:  answers,
		Files:    make(map[string]string, len(tree.Files)),
		order:    t.questionNames(),
	}
	m.Executable = []string{}
	for _, f := range tree.Files {
		m.Files[f.Path] = BlobID(f.Data)
		if f.Mode&0o111 != 0 {
			m.Executable = append(m.Executable, f.Path)
		}
	}
	return m
}

// manifestYAML fixes the key order of the written file; answers come in
// question order, which a map cannot keep.
type manifestYAML struct {
	Format     int               `yaml:"format"`
	Template   string            `yaml:"template"`
	Source     string            `yaml:"source"`
	Revision   string            `yaml:"revision,omitempty"`
	Version    string            `yaml:"version"`
	Answers    yaml.Node         `yaml:"answers"`
	Files      map[string]string `yaml:"files"`
	Executable []string          `yaml:"executable"`
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
		// Answers are strings and bools: built as nodes directly, not
		// through Node.Encode, which reflects and encodes each one apart
		// (a fifth of a millisecond of every gomicro new). A !!str tag
		// keeps a string that reads as another type ("true", "1.26")
		// quoted, as Encode would.
		value := &yaml.Node{Kind: yaml.ScalarNode}
		switch v := v.(type) {
		case string:
			value.Tag, value.Value = "!!str", v
		case bool:
			value.Tag, value.Value = "!!bool", strconv.FormatBool(v)
		default:
			if err := value.Encode(v); err != nil {
				return nil, fmt.Errorf("encode answer %s: %w", key, err)
			}
		}
		answers.Content = append(answers.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, value)
	}
	var buf bytes.Buffer
	buf.WriteString(manifestHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	err := enc.Encode(manifestYAML{m.Format, m.Template, m.Source, m.Revision, m.Version, answers, m.Files, m.Executable})
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
		Revision string            `yaml:"revision"`
		Version  string            `yaml:"version"`
		Answers  map[string]any    `yaml:"answers"`
		Files    map[string]string `yaml:"files"`
		// A pointer, to tell an empty list from a manifest without one.
		Executable *[]string `yaml:"executable"`
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
	var problems []string
	for _, p := range sortedKeys(raw.Files) {
		if why := unsafeProjectPath(p); why != "" {
			problems = append(problems, fmt.Sprintf("%s: files: %q %s: refusing to touch it", ManifestFile, p, why))
		}
	}
	m := &Manifest{
		Format: raw.Format, Template: raw.Template, Source: raw.Source, Revision: raw.Revision, Version: raw.Version,
		Answers: raw.Answers, Files: raw.Files, raw: data,
	}
	if raw.Executable != nil {
		m.Executable = *raw.Executable
		for _, p := range m.Executable {
			if _, ok := raw.Files[p]; !ok {
				problems = append(problems, fmt.Sprintf("%s: executable: %q is not among the files", ManifestFile, p))
			}
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return m, nil
}

// unsafeProjectPath says why p may not name a file gomicro writes or
// removes, or returns "": p must be a clean relative path inside the
// project, outside any version-control directory, and not the manifest.
func unsafeProjectPath(p string) string {
	switch {
	case p == "" || path.IsAbs(p) || strings.HasPrefix(p, "\\") || filepath.VolumeName(p) != "":
		return "is not a relative path"
	case strings.ContainsRune(p, '\\') || strings.ContainsRune(p, 0):
		return "holds a backslash or NUL"
	case path.Clean(p) != p || p == "." || p == ".." || strings.HasPrefix(p, "../"):
		return "is not a clean path inside the project"
	case p == ManifestFile:
		return "is the answers file itself"
	}
	for _, seg := range strings.Split(p, "/") {
		// An upgrade must never touch the project's own repository.
		if isVCSName(seg) {
			return "lies in a version-control directory"
		}
	}
	return ""
}
