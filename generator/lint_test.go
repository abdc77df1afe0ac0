package generator_test

import (
	"slices"
	"testing"
	"testing/fstest"

	"github.com/gomicro/gomicro/generator"
)

func TestLint(t *testing.T) {
	tmpl, err := generator.Load(fstest.MapFS{
		"template.yaml": {Data: []byte(`name: l
version: 1.0.0
questions:
  - name: name
    default: svc
  - name: owner
    default: acme
  - name: module
    default: 'github.com/{{ .owner }}/{{ .name }}'
  - name: ci
    choices: [circleci, github]
    default: circleci
  - name: unused
    type: bool
verbatim: [assets/**]
conditions:
  .github: '{{ eq .ci "github" }}'
`)},
		"go.mod":           {Data: []byte("module {{ .module }}\n")},
		".github/ci.yml":   {Data: []byte("static\n")},
		"{{ .name }}.conf": {Data: []byte("static\n")},
		"LICENSE":          {Data: []byte("static\n")},
		"assets/logo.txt":  {Data: []byte("{{ .unused }} is verbatim\n")},
		"range.txt":        {Data: []byte("{{ range .owner }}{{ .x }}{{ end }}\n")},
	}, "test")
	if err != nil {
		t.Fatal(err)
	}
	warnings, notes := tmpl.Lint()
	wantWarnings := []string{`question "unused" is used by no file, file name, condition, default or when: its answer changes nothing`}
	wantNotes := []string{".github/ci.yml uses no answer (fine for a static file)", "LICENSE uses no answer (fine for a static file)"}
	if !slices.Equal(warnings, wantWarnings) || !slices.Equal(notes, wantNotes) {
		t.Errorf("Lint() =\n  %q\n  %q\nwant\n  %q\n  %q", warnings, notes, wantWarnings, wantNotes)
	}

	// A file that hands over all the answers may read any of them.
	whole, err := generator.Load(fstest.MapFS{
		"template.yaml": {Data: []byte("name: l\nversion: 1.0.0\nquestions:\n  - name: a\n  - name: b\n")},
		"all.json":      {Data: []byte("{{ toJson . }}\n")},
		"sub.txt":       {Data: []byte(`{{ define "x" }}{{ .a }}{{ end }}{{ template "x" $ }}` + "\n")},
	}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if warnings, notes := whole.Lint(); len(warnings) > 0 || len(notes) > 0 {
		t.Errorf("whole answers: Lint() = %q, %q, want nothing", warnings, notes)
	}
}
