// Helpers more than one test file uses: template trees built in memory,
// Load and Render that fail the test, and a prompter that answers from a table.

package generator_test

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/templates"
)

// source is the name every test tree is loaded under; each problem line
// starts with "template test: ".
const source = "test"

// tree builds a template tree from template.yaml's text and file bodies.
func tree(config string, files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	if config != "" {
		fsys[generator.ConfigFile] = &fstest.MapFile{Data: []byte(config), Mode: 0o644}
	}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body), Mode: 0o644}
	}
	return fsys
}

// minimal is the smallest valid template.yaml header; tests append questions.
const minimal = "name: t\nversion: 1.0.0\n"

// mustLoad loads a tree built by tree and fails the test on any problem.
func mustLoad(t testing.TB, fsys fstest.MapFS) *generator.Template {
	t.Helper()
	tmpl, err := generator.Load(fsys, source)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// mustRender resolves set (no prompter) and renders.
func mustRender(t testing.TB, tmpl *generator.Template, set map[string]string) *generator.Tree {
	t.Helper()
	answers, err := tmpl.Resolve(context.Background(), set, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := generator.Render(context.Background(), tmpl, answers)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// paths lists the tree's paths, the answers file left out.
func paths(tr *generator.Tree) []string {
	var ps []string
	for _, f := range tr.Files {
		if f.Path != generator.ManifestFile {
			ps = append(ps, f.Path)
		}
	}
	return ps
}

func fileData(t *testing.T, tr *generator.Tree, p string) string {
	t.Helper()
	f, ok := tr.File(p)
	if !ok {
		t.Fatalf("no file %s in %v", p, paths(tr))
	}
	return string(f.Data)
}

// fakePrompter answers from a table and fails the test on any question it
// has no answer for. It records what it was asked, with the default shown.
type fakePrompter struct {
	t       *testing.T
	answers map[string]string
	asked   []string // "key [default]"
	checks  map[string]func(string) error
}

func (p *fakePrompter) Ask(q generator.Question, def string, check func(string) error) (string, error) {
	p.asked = append(p.asked, q.Name+" ["+def+"]")
	if p.checks == nil {
		p.checks = map[string]func(string) error{}
	}
	p.checks[q.Name] = check
	a, ok := p.answers[q.Name]
	if !ok {
		p.t.Errorf("unexpected question %s (prompt %q, default %q)", q.Name, q.Prompt, def)
		return "", errors.New("unexpected question " + q.Name)
	}
	return a, nil
}

// embeddedService is the default template tree built into gomicro.
func embeddedService() (fs.FS, error) { return templates.Lookup("service") }
