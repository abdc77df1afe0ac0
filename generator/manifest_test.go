package generator_test

import (
	"context"
	"slices"

	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/afero"
	"go.yaml.in/yaml/v3"

	"github.com/gomicro/gomicro/generator"
)

// yaml11 are answers a YAML 1.1 reader would resolve to a bool or a number.
var yaml11 = map[string]bool{"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true, "12:30:45": true, "0123": true, "1.30": true, "1_000": true, "0b101": true}

func TestManifest(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+`questions:
  - name: name
    default: svc
  - name: note
  - name: flag
    type: bool
  - name: kind
    choices: [web, worker]
    default: worker
`, map[string]string{
		"a.txt":           "hello\n",
		"empty":           "",
		"{{ .name }}.txt": "{{ .note }}\n",
	}))
	for _, note := range []string{
		"plain", "true", "yes", "no", "on", "null", "~", "", "010", "0x1F", "1e3", "1.0", "- x", "a: b",
		"#c", "{{ .name }}", "multi\nline\n", " padded ", "'quoted\"", "ünïcode", "tab\there", "*ref", "&anchor", "!tag",
		"0123", "1.30", "0o17", "0b101", "+1", "-0", ".inf", "-.Inf", ".NaN", "1_000", "2001-12-14", "12:30:45", "<<", "=", "Null", "TRUE", "y", "n", "off",
	} {
		t.Run(note, func(t *testing.T) {
			tr := mustRender(t, tmpl, map[string]string{"note": note, "flag": "true"})
			mf, ok := tr.File(generator.ManifestFile)
			if !ok {
				t.Fatal("no .gomicro.yml")
			}
			if mf.Mode != 0o644 {
				t.Errorf("mode %v", mf.Mode)
			}
			m, err := generator.ReadManifest(mf.Data)
			if err != nil {
				t.Fatalf("ReadManifest: %v\n%s", err, mf.Data)
			}
			if m.Format != generator.ManifestFormat || m.Template != "t" || m.Version != "1.0.0" || m.Source != source {
				t.Errorf("header = %d %q %q %q", m.Format, m.Template, m.Version, m.Source)
			}
			// Answers read back as the text written: the bool question
			// parses its "true" again when it is used.
			want := generator.Answers{"name": "svc", "note": note, "flag": "true", "kind": "worker"}
			if !reflect.DeepEqual(m.Answers, want) {
				t.Errorf("answers = %#v\nwant      %#v\n%s", m.Answers, want, mf.Data)
			}
			// Written so that a YAML reader that does resolve plain
			// scalars reads the same text: quoted where it would not.
			var typed struct{ Answers map[string]any }
			if err := yaml.Unmarshal(mf.Data, &typed); err != nil || typed.Answers["note"] != note {
				t.Errorf("a typed YAML reader reads note as %#v (%v), want %q\n%s", typed.Answers["note"], err, note, mf.Data)
			}
			// YAML 1.1 readers also take y, off and 12:30:45 for a bool
			// or a number: those are quoted too.
			if yaml11[note] && !strings.Contains(string(mf.Data), "  note: \""+note+"\"\n") {
				t.Errorf("note %q is not quoted:\n%s", note, mf.Data)
			}
			digests := map[string]string{}
			for _, f := range tr.Files {
				if f.Path != generator.ManifestFile {
					digests[f.Path] = generator.BlobID(f.Data)
				}
			}
			if !maps.Equal(m.Files, digests) {
				t.Errorf("files = %v\nwant    %v", m.Files, digests)
			}
			if m.Files["a.txt"] != "ce013625030ba8dba906f756967f9e9ca394464a" {
				t.Errorf("a.txt digest %s is not its git blob id", m.Files["a.txt"])
			}
			if m.Files["empty"] != "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391" {
				t.Errorf("empty digest %s is not its git blob id", m.Files["empty"])
			}
		})
	}
}

func TestManifestAnswerOrder(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+"questions:\n  - name: zz\n    default: '1'\n  - name: aa\n    default: '2'\n  - name: mm\n    default: '3'\n", nil))
	mf, _ := mustRender(t, tmpl, nil).File(generator.ManifestFile)
	s := string(mf.Data)
	if !strings.HasPrefix(s, "# ") {
		t.Errorf("no header comment:\n%s", s)
	}
	iz, ia, im := strings.Index(s, "zz:"), strings.Index(s, "aa:"), strings.Index(s, "mm:")
	if iz < 0 || !(iz < ia && ia < im) {
		t.Errorf("answers not in question order:\n%s", s)
	}
}

func TestReadManifestErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"empty", "", ".gomicro.yml: format is missing"},
		{"missing format", "template: t\nversion: 1.0.0\n", ".gomicro.yml: format is missing"},
		{"format zero", "format: 0\ntemplate: t\nversion: 1.0.0\n", ".gomicro.yml: format is missing"},
		{"newer format", "format: 2\ntemplate: t\nversion: 1.0.0\n", ".gomicro.yml: format 2 is newer than this gomicro reads (1): upgrade gomicro"},
		{"missing template", "format: 1\nversion: 1.0.0\n", ".gomicro.yml: template and version are required"},
		{"missing version", "format: 1\ntemplate: t\n", ".gomicro.yml: template and version are required"},
		{"malformed", "format: 1\ntemplate: [t\n", ".gomicro.yml: "},
		{"format not a number", "format: one\ntemplate: t\nversion: 1.0.0\n", ".gomicro.yml: unmarshal errors: line 1: cannot unmarshal"},
		{"answers not a map", "format: 1\ntemplate: t\nversion: 1\nanswers: [a]\n", ".gomicro.yml: line 4: answers must map each question to its answer, as in name: svc"},
		{"answer not a value", "format: 1\ntemplate: t\nversion: 1\nanswers:\n  a: {b: c}\n", ".gomicro.yml: line 5: answers: a: want one value, as in a: text"},
		{"answer twice", "format: 1\ntemplate: t\nversion: 1\nanswers:\n  a: b\n  a: c\n", ".gomicro.yml: line 6: answers: a is answered twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := generator.ReadManifest([]byte(tt.data))
			if err == nil {
				t.Fatalf("ReadManifest = %+v, want an error", m)
			}
			if !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %q\nwant one line starting %q", err, tt.want)
			}
		})
	}
	// Fields a later gomicro might add do not stop this one.
	m, err := generator.ReadManifest([]byte("format: 1\ntemplate: t\nversion: 1.0.0\nextra: x\nanswers: {a: b}\n"))
	if err != nil || m.Answers["a"] != "b" {
		t.Errorf("ReadManifest with an extra field = %+v, %v", m, err)
	}
}

// A hand-edited answer is the text the user wrote, whatever YAML would
// resolve a plain scalar to (issue 15.10: github_username: 0123 was read as
// octal and rewritten as "83", go_version: 1.30 as "1.3"), and gomicro
// writes it back so that it reads the same.
func TestReadManifestAnswersAsWritten(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+"questions:\n  - name: note\n  - name: flag\n    type: bool\n", nil))
	for _, tt := range []struct{ yaml, want string }{
		{"0123", "0123"}, {"1.30", "1.30"}, {"0x1F", "0x1F"}, {"1e3", "1e3"}, {"0o17", "0o17"},
		{"1_000", "1_000"}, {"+12", "+12"}, {".inf", ".inf"}, {"2001-12-14", "2001-12-14"},
		{"yes", "yes"}, {"~", "~"}, {"null", "null"}, {"", ""}, {"'0123'", "0123"}, {`"1.30"`, "1.30"},
		{"!!int 0123", "0123"}, {"|\n    two\n    lines", "two\nlines\n"}, {"&a 0123", "0123"},
	} {
		t.Run(tt.yaml, func(t *testing.T) {
			data := "format: 1\ntemplate: t\nversion: 1.0.0\nanswers:\n  note: " + tt.yaml + "\n  flag: true\n"
			m, err := generator.ReadManifest([]byte(data))
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Answers["note"]; got != tt.want {
				t.Errorf("note: %s read as %#v, want %q", tt.yaml, got, tt.want)
			}
			answers, err := tmpl.ResolveUpgrade(context.Background(), m.Answers, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if answers["flag"] != true {
				t.Errorf("flag: true resolves to %#v, want true", answers["flag"])
			}
			mf, _ := mustRender(t, tmpl, map[string]string{"note": answers["note"].(string), "flag": "true"}).File(generator.ManifestFile)
			again, err := generator.ReadManifest(mf.Data)
			if err != nil {
				t.Fatal(err)
			}
			if again.Answers["note"] != tt.want {
				t.Errorf("written back as\n%s\nwhich reads %#v, want %q", mf.Data, again.Answers["note"], tt.want)
			}
		})
	}
}

// An upgrade rewrites .gomicro.yml; what gomicro does not own survives it
// (issue 15.11): top-level keys it does not know stay in place with their
// comments. A recorded answer to a question the template does not ask is
// dropped, as copier drops it from its answers file, and Upgraded.Dropped
// names it for the report.
func TestUpgradeKeepsUnknownManifestKeys(t *testing.T) {
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{"a.txt": {data: "a {{ .name }}\n"}})
	v2 := upgTemplate(t, "1.1.0", map[string]upgFile{"a.txt": {data: "a {{ .name }}\n"}, "b.txt": {data: "b\n"}})
	fsys := afero.NewMemMapFs()
	upgGenerate(t, fsys, "svc", v1, nil)
	data, err := afero.ReadFile(fsys, "svc/"+generator.ManifestFile)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "format: 1\n", "# the team's own\nowner: payments # pager\nformat: 1\n", 1)
	edited = strings.Replace(edited, "version: 1.0.0\n", "version: 1.0.0\nrenovate:\n  enabled: false\n", 1)
	edited = strings.Replace(edited, "  unused: a\n", "  unused: a\n  retired: yes\n", 1)
	edited += "# last words\nzz: [1, 2]\n"
	upgWrite(t, fsys, "svc/"+generator.ManifestFile, edited, 0o644)

	old := upgManifest(t, fsys, "svc")
	u, err := generator.Upgrade(context.Background(), generator.UpgradeRequest{Project: fsys, Dir: "svc", Old: old, Theirs: v2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(u.Dropped, []string{"retired"}) {
		t.Errorf("Dropped = %q, want [retired]", u.Dropped)
	}
	want := strings.Replace(edited, "version: 1.0.0\n", "version: 1.1.0\n", 1)
	want = strings.Replace(want, "  retired: yes\n", "", 1)
	want = strings.Replace(want, "\nexecutable:", "\n  b.txt: "+generator.BlobID([]byte("b\n"))+"\nexecutable:", 1)
	if got := string(u.Plan.Manifest.Data); got != want {
		t.Errorf("new %s:\n%s\nwant:\n%s", generator.ManifestFile, got, want)
	}
	// Kept keys are no change of their own: right after the upgrade the
	// project is current.
	if err := u.Plan.Apply(context.Background(), fsys, "svc"); err != nil {
		t.Fatal(err)
	}
	if again := upgPlan(t, fsys, "svc", v2, v2, nil); again.plan.Behind() {
		t.Errorf("behind right after the upgrade:\n%s", again.plan.Diff())
	}
	// Nor is recording modes in a manifest written before gomicro did
	// (the team's last key stays after files:, where it was).
	data, err = afero.ReadFile(fsys, "svc/"+generator.ManifestFile)
	if err != nil {
		t.Fatal(err)
	}
	upgWrite(t, fsys, "svc/"+generator.ManifestFile, strings.Replace(string(data), "executable: []\n", "", 1), 0o644)
	if again := upgPlan(t, fsys, "svc", v2, v2, nil); again.plan.Behind() {
		t.Errorf("an old-format manifest with a key after files is behind:\n%s", again.plan.Diff())
	}
}
