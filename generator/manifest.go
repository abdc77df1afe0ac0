package generator

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ManifestFile is the answers file every generated project holds.
const ManifestFile = ".gomicro.yml"

// manifestFormat is the format number gomicro writes. Every later gomicro
// keeps reading every earlier format.
const manifestFormat = 1

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
	Executable []string        `yaml:"executable"`
	order      []string        // question order, for writing answers
	raw        []byte          // the file as read, to tell whether an upgrade changes it
	exec       map[string]bool // Executable as a set, once read
	unknown    []unknownKey    // top-level keys gomicro does not own, kept on upgrade

	// Skip is the project's own skip: patterns (see owned.go).
	Skip []string `yaml:"-"`
}

// BaseMode is the mode path was generated with, or 0 when the manifest does
// not say (written by a gomicro that did not record modes).
func (m *Manifest) BaseMode(p string) fs.FileMode {
	if m.Executable == nil {
		return 0
	}
	if m.exec != nil && m.exec[p] || m.exec == nil && slices.Contains(m.Executable, p) {
		return 0o755
	}
	return 0o644
}

// Raw is the file as read (nil for a manifest not read from one).
func (m *Manifest) Raw() []byte { return m.raw }

func newManifest(t *Template, answers Answers, tree *Tree) *Manifest {
	m := &Manifest{
		Format:   manifestFormat,
		Template: t.Name,
		Source:   t.Source,
		Revision: t.Revision,
		Version:  t.Version,
		Answers:  t.recordable(answers),
		Files:    make(map[string]string, len(tree.Files)),
		order:    t.questionNames(),
	}
	m.Executable = []string{}
	for _, f := range tree.Files {
		m.Files[f.Path] = f.blobID()
		if f.Mode&0o111 != 0 {
			m.Executable = append(m.Executable, f.Path)
		}
	}
	return m
}

// BlobID is the git blob id of data: the name git gives the file's content,
// so the pristine file can be found in a project's history.
func BlobID(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// manifestYAML fixes the key order of the written file; answers come in
// question order, which a map cannot keep.
type manifestYAML struct {
	manifestHead `yaml:",inline"`
	Files        map[string]string `yaml:"files"`
	Executable   []string          `yaml:"executable"`
}

// manifestHead is manifestYAML up to the files.
type manifestHead struct {
	Format   int       `yaml:"format"`
	Template string    `yaml:"template"`
	Source   string    `yaml:"source"`
	Revision string    `yaml:"revision,omitempty"`
	Version  string    `yaml:"version"`
	Answers  yaml.Node `yaml:"answers"`
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
			if yaml11Resolves(v) {
				value.Style = yaml.DoubleQuotedStyle
			}
		case bool:
			value.Tag, value.Value = "!!bool", strconv.FormatBool(v)
		case []string:
			value = listNode(v)
		default:
			if err := value.Encode(v); err != nil {
				return nil, fmt.Errorf("encode answer %s: %w", key, err)
			}
		}
		answers.Content = append(answers.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, value)
	}
	var buf bytes.Buffer
	buf.WriteString(manifestHeader)
	encode := func(v any) error {
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("encode %s: %w", ManifestFile, err)
		}
		return nil
	}
	head := manifestHead{m.Format, m.Template, m.Source, m.Revision, m.Version, answers}
	if len(m.Files) == 0 {
		doc := manifestYAML{head, m.Files, m.Executable}
		if err := encode(doc); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	// The same document in three parts, the files between them written
	// by hand where they can be (see writePlainFiles).
	if err := encode(head); err != nil {
		return nil, err
	}
	if !writePlainFiles(&buf, m.Files) {
		if err := encode(struct {
			Files map[string]string `yaml:"files"`
		}{m.Files}); err != nil {
			return nil, err
		}
	}
	if err := encode(struct {
		Executable []string `yaml:"executable"`
	}{m.Executable}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// yaml11Plain matches the plain scalars a YAML 1.1 reader (PyYAML, say)
// takes for a bool or a number: y, off, 12:30:45 (base 60), 0b1_0. The
// encoder quotes what YAML 1.2 would resolve to another type; these are
// quoted too, so that every reader of .gomicro.yml reads the text written.
var yaml11Plain = regexp.MustCompile(`^(?:[yYnN]|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF` +
	`|[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+` +
	`|[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*` +
	`|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|~|null|Null|NULL)$`)

func yaml11Resolves(v string) bool { return yaml11Plain.MatchString(v) }

// ReadManifest parses a project's .gomicro.yml. Answers are the text the
// user wrote: a hand-edited `github_username: 0123` is "0123", never the
// octal number YAML would resolve a plain 0123 to. Top-level keys gomicro
// does not own are kept, with their comments, for the next write (see
// keepUnknown).
func ReadManifest(data []byte) (*Manifest, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %s", ManifestFile, yamlMessage(err))
	}
	var raw struct {
		Format   int       `yaml:"format"`
		Template string    `yaml:"template"`
		Source   string    `yaml:"source"`
		Revision string    `yaml:"revision"`
		Version  string    `yaml:"version"`
		Answers  yaml.Node `yaml:"answers"`
		Files    yaml.Node `yaml:"files"`
		// A pointer, to tell an empty list from a manifest without one.
		Executable *[]string `yaml:"executable"`
		Skip       []string  `yaml:"skip"`
	}
	if err := doc.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%s: %s", ManifestFile, yamlMessage(err))
	}
	switch {
	case raw.Format < 1:
		return nil, fmt.Errorf("%s: format is missing", ManifestFile)
	case raw.Format > manifestFormat:
		return nil, fmt.Errorf("%s: format %d is newer than this gomicro reads (%d): upgrade gomicro", ManifestFile, raw.Format, manifestFormat)
	case raw.Template == "" || raw.Version == "":
		return nil, fmt.Errorf("%s: template and version are required", ManifestFile)
	}
	answers, problems := readAnswers(&raw.Answers)
	files, fileProblems := readFiles(&raw.Files)
	problems = append(problems, fileProblems...)
	for _, p := range sortedKeys(files) {
		if why := unsafeProjectPath(p); why != "" {
			problems = append(problems, fmt.Sprintf("%s: files: %q %s: refusing to touch it", ManifestFile, p, why))
		}
	}
	m := &Manifest{
		Format: raw.Format, Template: raw.Template, Source: raw.Source, Revision: raw.Revision, Version: raw.Version,
		Answers: answers, Files: files, raw: data, unknown: unknownKeys(&doc),
		Skip: raw.Skip,
	}
	problems = append(problems, CheckPatterns(ManifestFile+": skip", raw.Skip)...)
	if raw.Executable != nil {
		m.Executable = *raw.Executable
		m.exec = make(map[string]bool, len(m.Executable))
		for _, p := range m.Executable {
			m.exec[p] = true
			if _, ok := files[p]; !ok {
				problems = append(problems, fmt.Sprintf("%s: executable: %q is not among the files", ManifestFile, p))
			}
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return m, nil
}

// readFiles reads the files: mapping of path to blob id from its node.
// (Decoded as a map, yaml.v3 checks each key against every earlier one:
// 60 ms for the 5000 files of a large template, where a Go map's check
// is free.)
func readFiles(n *yaml.Node) (map[string]string, []string) {
	files := map[string]string{}
	switch {
	case n.Kind == 0, n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return files, nil
	case n.Kind != yaml.MappingNode:
		return nil, []string{fmt.Sprintf("%s: line %d: files: a mapping of path to blob id", ManifestFile, n.Line)}
	}
	var problems []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch _, dup := files[k.Value]; {
		case k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode:
			problems = append(problems, fmt.Sprintf("%s: line %d: files: a path and its blob id, each one line", ManifestFile, k.Line))
		case dup:
			problems = append(problems, fmt.Sprintf("%s: line %d: files: %q is listed twice", ManifestFile, k.Line, k.Value))
		default:
			files[k.Value] = v.Value
		}
	}
	return files, problems
}

// readAnswers takes each answer as the text written (the scalar's Value),
// whatever type YAML would resolve a plain scalar to: answers are strings
// to the questions that parse them (a bool question reads "true").
func readAnswers(n *yaml.Node) (Answers, []string) {
	switch {
	case n.Kind == 0: // no answers: key
		return nil, nil
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null": // answers: with nothing under it
		return Answers{}, nil
	case n.Kind != yaml.MappingNode:
		return nil, []string{fmt.Sprintf("%s: line %d: answers must map each question to its answer, as in name: svc", ManifestFile, n.Line)}
	}
	answers := make(Answers, len(n.Content)/2)
	var problems []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		switch _, dup := answers[k.Value]; {
		case k.Kind != yaml.ScalarNode:
			problems = append(problems, fmt.Sprintf("%s: line %d: answers: a question is named by one word", ManifestFile, k.Line))
		case dup:
			problems = append(problems, fmt.Sprintf("%s: line %d: answers: %s is answered twice", ManifestFile, k.Line, k.Value))
		case v.Kind == yaml.SequenceNode:
			var rule string
			if answers[k.Value], rule = readList(v); rule != "" {
				problems = append(problems, fmt.Sprintf("%s: line %d: answers: %s: %s", ManifestFile, v.Line, k.Value, rule))
			}
		case v.Kind != yaml.ScalarNode:
			problems = append(problems, fmt.Sprintf("%s: line %d: answers: %s: want one value, as in %s: text", ManifestFile, v.Line, k.Value, k.Value))
		default:
			answers[k.Value] = v.Value
		}
	}
	return answers, problems
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

// manifestKeys are the top-level keys gomicro owns in .gomicro.yml; every
// other key belongs to someone else and survives an upgrade.
var manifestKeys = []string{"format", "template", "source", "revision", "version", "answers", "files", "executable"}

// unknownKey is a top-level key of .gomicro.yml that gomicro does not own,
// with its value and comments as read, and the keys of gomicro's own that
// came before it, to put it back in its place.
type unknownKey struct {
	after      []string
	key, value *yaml.Node
}

func unknownKeys(doc *yaml.Node) []unknownKey {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	top := doc.Content[0]
	var unknown []unknownKey
	var known []string
	for i := 0; i+1 < len(top.Content); i += 2 {
		k := top.Content[i]
		if slices.Contains(manifestKeys, k.Value) {
			known = append(known, k.Value)
			continue
		}
		unknown = append(unknown, unknownKey{after: slices.Clone(known), key: k, value: top.Content[i+1]})
	}
	return unknown
}

// keepUnknown puts the top-level keys of m that gomicro does not own into
// data, a manifest gomicro wrote: each after the last of gomicro's keys that
// came before it in m, so a team's own keys and comments stay where they
// were. data comes back unchanged when m has none.
func (m *Manifest) keepUnknown(data []byte) ([]byte, error) {
	if len(m.unknown) == 0 {
		return data, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %s", ManifestFile, yamlMessage(err))
	}
	top := doc.Content[0]
	present := map[string]bool{}
	for i := 0; i < len(top.Content); i += 2 {
		present[top.Content[i].Value] = true
	}
	place := func(u unknownKey) string { // the key it follows, "" for the top
		for i := len(u.after) - 1; i >= 0; i-- {
			if present[u.after[i]] {
				return u.after[i]
			}
		}
		return ""
	}
	var content []*yaml.Node
	add := func(after string) {
		for _, u := range m.unknown {
			if place(u) == after {
				content = append(content, u.key, u.value)
			}
		}
	}
	add("")
	if len(content) > 0 && len(top.Content) > 0 {
		// Keys above gomicro's own: gomicro's header comment, which the
		// old first key carries too, stays on top, once.
		if header := top.Content[0].HeadComment; header != "" {
			first := *content[0]
			if own := strings.TrimPrefix(strings.TrimPrefix(first.HeadComment, header), "\n"); own != "" {
				header += "\n" + own
			}
			first.HeadComment = header
			content[0] = &first
		}
		second := *top.Content[0]
		second.HeadComment = ""
		top.Content[0] = &second
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		content = append(content, top.Content[i], top.Content[i+1])
		add(top.Content[i].Value)
	}
	top.Content = content
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("encode %s: %w", ManifestFile, err)
	}
	return buf.Bytes(), nil
}

// sameAnswers reports whether two answers files, both as gomicro wrote
// them, record the same answers: their answers: blocks are the same
// lines (line endings aside). An upgrade compares the project's with the
// pristine record's to know that nobody edited an answer by hand since the
// recorded files were rendered (see deferred.go).
func sameAnswers(a, b []byte) bool {
	block := func(data []byte) []byte {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		_, rest, ok := bytes.Cut(data, []byte("\nanswers:"))
		if !ok {
			return nil
		}
		end := 0
		for i, line := range bytes.SplitAfter(rest, []byte("\n")) {
			if i > 0 && len(line) > 0 && line[0] != ' ' && line[0] != '\t' {
				break
			}
			end += len(line)
		}
		return rest[:end]
	}
	x, y := block(a), block(b)
	return x != nil && bytes.Equal(x, y)
}
