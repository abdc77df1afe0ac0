package generator_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gomicro/gomicro/generator"
)

func TestConditions(t *testing.T) {
	fsys := fstest.MapFS{
		"template.yaml":            {Data: []byte("name: c\nversion: 1.0.0\nquestions:\n  - name: ci\n    choices: [circleci, github]\n    default: circleci\nconditions:\n  .circleci: '{{ eq .ci \"circleci\" }}'\n  .github: '{{ eq .ci \"github\" }}'\n  README.md: 'true'\n")},
		".circleci/config.yml":     {Data: []byte("circle\n")},
		".github/workflows/ci.yml": {Data: []byte("github\n")},
		".githubber/x":             {Data: []byte("prefix is not a directory match\n")},
		"README.md":                {Data: []byte("readme\n")},
	}
	tmpl, err := generator.Load(fsys, "test")
	if err != nil {
		t.Fatal(err)
	}
	for ci, want := range map[string]string{
		"circleci": ".circleci/config.yml .githubber/x .gomicro.yml README.md",
		"github":   ".github/workflows/ci.yml .githubber/x .gomicro.yml README.md",
	} {
		answers, err := tmpl.Resolve(map[string]string{"ci": ci}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tree, err := generator.Render(tmpl, answers)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range tree.Files {
			got = append(got, f.Path)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("ci=%s: files %v, want %s", ci, got, want)
		}
	}
}

func TestConditionErrors(t *testing.T) {
	for name, cond := range map[string]string{
		"names no file":  "  nosuch: 'true'\n",
		"does not parse": "  README.md: '{{ if }}'\n",
	} {
		fsys := fstest.MapFS{
			"template.yaml": {Data: []byte("name: c\nversion: 1.0.0\nconditions:\n" + cond)},
			"README.md":     {Data: []byte("readme\n")},
		}
		_, err := generator.Load(fsys, "test")
		if err == nil || !strings.Contains(err.Error(), "condition for ") {
			t.Errorf("%s: err = %v, want a condition error", name, err)
		}
	}
}
