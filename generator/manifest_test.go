package generator_test

import (
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/generator"
)

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
			want := generator.Answers{"name": "svc", "note": note, "flag": true, "kind": "worker"}
			if !reflect.DeepEqual(m.Answers, want) {
				t.Errorf("answers = %#v\nwant      %#v\n%s", m.Answers, want, mf.Data)
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
		{"answers not a map", "format: 1\ntemplate: t\nversion: 1\nanswers: [a]\n", ".gomicro.yml: unmarshal errors:"},
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
