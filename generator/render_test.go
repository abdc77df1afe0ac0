package generator_test

import (
	"bytes"
	"errors"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/templates"
)

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
	answers, err := tmpl.Resolve(set, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := generator.Render(tmpl, answers)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// renderErr resolves set and renders, expecting Render to fail.
func renderErr(t *testing.T, tmpl *generator.Template, set map[string]string) error {
	t.Helper()
	answers, err := tmpl.Resolve(set, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := generator.Render(tmpl, answers)
	if err == nil {
		t.Fatalf("Render succeeded with %d files, want an error", len(out.Files))
	}
	return err
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

const questions = minimal + `questions:
  - name: name
    default: oddjob
    validate: name
  - name: owner
    default: launchdarkly
    validate: name
  - name: module
    default: "github.com/{{ .owner }}/{{ .name }}"
    validate: module
  - name: kind
    choices: [web, worker]
    default: web
  - name: docker
    type: bool
  - name: image
    default: "{{ .owner }}/{{ .name }}"
    when: "{{ .docker }}"
  - name: port
    default: "8080"
    when: '{{ eq .kind "web" }}'
`

func TestResolve(t *testing.T) {
	tmpl := mustLoad(t, tree(questions, nil))
	tests := []struct {
		name string
		set  map[string]string
		want generator.Answers
	}{
		{
			name: "defaults, one built from earlier answers",
			want: generator.Answers{
				"name": "oddjob", "owner": "launchdarkly", "module": "github.com/launchdarkly/oddjob",
				"kind": "web", "docker": false, "image": "launchdarkly/oddjob", "port": "8080",
			},
		},
		{
			name: "set feeds later defaults",
			set:  map[string]string{"name": "billing", "owner": "acme"},
			want: generator.Answers{
				"name": "billing", "owner": "acme", "module": "github.com/acme/billing",
				"kind": "web", "docker": false, "image": "acme/billing", "port": "8080",
			},
		},
		{
			name: "set wins over a default",
			set:  map[string]string{"name": "billing", "module": "example.com/x", "image": "img"},
			want: generator.Answers{
				"name": "billing", "owner": "launchdarkly", "module": "example.com/x",
				"kind": "web", "docker": false, "image": "img", "port": "8080",
			},
		},
		{
			name: "bool and choice",
			set:  map[string]string{"docker": "true", "kind": "worker"},
			want: generator.Answers{
				"name": "oddjob", "owner": "launchdarkly", "module": "github.com/launchdarkly/oddjob",
				"kind": "worker", "docker": true, "image": "launchdarkly/oddjob", "port": "8080",
			},
		},
		{
			name: "an answer holding template actions stays data",
			set:  map[string]string{"module": "{{ .name }}"},
			want: generator.Answers{
				"name": "oddjob", "owner": "launchdarkly", "module": "{{ .name }}",
				"kind": "web", "docker": false, "image": "launchdarkly/oddjob", "port": "8080",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "an answer holding template actions stays data" {
				// The module rule rejects it; use a tree without the rule.
				tmpl = mustLoad(t, tree(strings.Replace(questions, "validate: module", "", 1), nil))
			}
			got, err := tmpl.Resolve(tt.set, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Resolve = %v\nwant      %v", got, tt.want)
			}
		})
	}
}

func TestResolveParse(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+`questions:
  - name: b
    type: bool
  - name: c
    choices: [web, worker]
    default: web
`, nil))
	tests := []struct {
		key, value string
		want       any    // the typed answer
		rule       string // or the rule broken
	}{
		{"b", "true", true, ""},
		{"b", "false", false, ""},
		{"b", "1", true, ""},
		{"b", "0", false, ""},
		{"b", "TRUE", true, ""},
		{"b", "F", false, ""},
		{"b", "yes", nil, "answers to b are true or false"},
		{"b", "", nil, "answers to b are true or false"},
		{"b", " true", nil, "answers to b are true or false"},
		{"c", "web", "web", ""},
		{"c", "worker", "worker", ""},
		{"c", "Web", nil, "choose one of web, worker"},
		{"c", "", nil, "choose one of web, worker"},
		{"c", "web,worker", nil, "choose one of web, worker"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			got, err := tmpl.Resolve(map[string]string{tt.key: tt.value}, nil)
			if tt.rule == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got[tt.key] != tt.want {
					t.Errorf("%s = %#v, want %#v", tt.key, got[tt.key], tt.want)
				}
				return
			}
			var ps generator.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v, want generator.Problems", err)
			}
			want := generator.Problems{{Key: tt.key, Value: tt.value, Rule: tt.rule}}
			if !reflect.DeepEqual(ps, want) {
				t.Errorf("problems = %#v\nwant %#v", ps, want)
			}
		})
	}
}

func TestResolvePrompter(t *testing.T) {
	tmpl := mustLoad(t, tree(questions, nil))

	t.Run("when false: not asked, default used", func(t *testing.T) {
		p := &fakePrompter{t: t, answers: map[string]string{
			"name": "billing", "owner": "", "module": "", "kind": "worker", "docker": "",
		}}
		got, err := tmpl.Resolve(nil, p)
		if err != nil {
			t.Fatal(err)
		}
		wantAsked := []string{
			"name [oddjob]", "owner [launchdarkly]", "module [github.com/launchdarkly/billing]",
			"kind [web]", "docker [false]",
		}
		if !slices.Equal(p.asked, wantAsked) {
			t.Errorf("asked %q\nwant  %q", p.asked, wantAsked)
		}
		want := generator.Answers{
			"name": "billing", "owner": "launchdarkly", "module": "github.com/launchdarkly/billing",
			"kind": "worker", "docker": false, "image": "launchdarkly/billing", "port": "8080",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Resolve = %v\nwant      %v", got, want)
		}
	})

	t.Run("when true: asked", func(t *testing.T) {
		p := &fakePrompter{t: t, answers: map[string]string{
			"owner": "acme", "module": "", "docker": "true", "image": "", "port": "9090",
		}}
		got, err := tmpl.Resolve(map[string]string{"name": "billing", "kind": "web"}, p)
		if err != nil {
			t.Fatal(err)
		}
		wantAsked := []string{
			"owner [launchdarkly]", "module [github.com/acme/billing]", "docker [false]",
			"image [acme/billing]", "port [8080]",
		}
		if !slices.Equal(p.asked, wantAsked) {
			t.Errorf("asked %q\nwant  %q", p.asked, wantAsked)
		}
		if got["image"] != "acme/billing" || got["port"] != "9090" || got["docker"] != true {
			t.Errorf("Resolve = %v", got)
		}
	})

	t.Run("check validates the candidate, empty meaning the default", func(t *testing.T) {
		p := &fakePrompter{t: t, answers: map[string]string{
			"name": "", "owner": "", "module": "", "kind": "", "docker": "", "port": "",
		}}
		if _, err := tmpl.Resolve(nil, p); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			key, value string
			ok         bool
		}{
			{"name", "", true}, {"name", "Bad Name", false}, {"name", "good-name", true},
			{"kind", "", true}, {"kind", "worker", true}, {"kind", "cron", false},
			{"docker", "", true}, {"docker", "maybe", false}, {"docker", "true", true},
		} {
			if err := p.checks[c.key](c.value); (err == nil) != c.ok {
				t.Errorf("check %s %q = %v, want ok=%v", c.key, c.value, err, c.ok)
			}
		}
	})

	t.Run("a prompter error stops resolve", func(t *testing.T) {
		stop := errors.New("interrupted")
		_, err := tmpl.Resolve(nil, promptFunc(func(generator.Question, string) (string, error) { return "", stop }))
		if !errors.Is(err, stop) {
			t.Errorf("err = %v, want the prompter's error", err)
		}
	})
}

type promptFunc func(q generator.Question, def string) (string, error)

func (f promptFunc) Ask(q generator.Question, def string, _ func(string) error) (string, error) {
	return f(q, def)
}

func TestResolveProblems(t *testing.T) {
	tmpl := mustLoad(t, tree(questions, nil))
	_, err := tmpl.Resolve(map[string]string{
		"zeta":   "1",
		"port":   "80", // fine
		"kind":   "cron",
		"alpha":  "2",
		"name":   "Bad Name",
		"docker": "maybe",
		"owner":  "-acme",
	}, nil)
	var ps generator.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want generator.Problems", err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Key+"="+p.Value)
	}
	// Unknown keys first (sorted), then every bad answer in question order.
	// module's default names the bad name and is not reported again.
	want := []string{"alpha=2", "zeta=1", "name=Bad Name", "owner=-acme", "kind=cron", "docker=maybe"}
	if !slices.Equal(got, want) {
		t.Errorf("problems %q\nwant     %q", got, want)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("Error() has %d lines, want %d:\n%s", len(lines), len(want), err)
	}
	for _, w := range []struct {
		line int
		text string
	}{
		{0, `alpha "2": no such question in template t (it asks name, owner, module, kind, docker, image, port)`},
		{2, `name "Bad Name": names use only letters, digits, '-' and '_' (found " ")`},
		{4, `kind "cron": choose one of web, worker`},
		{5, `docker "maybe": answers to docker are true or false`},
	} {
		if lines[w.line] != w.text {
			t.Errorf("line %d = %q\nwant     %q", w.line+1, lines[w.line], w.text)
		}
	}
}

func TestResolveDefaultDoesNotRender(t *testing.T) {
	// A default that names a later question is refused at Load (see
	// TestLoadRefs); one that fails only when executed is a problem of its
	// question.
	tmpl := mustLoad(t, tree(minimal+`questions:
  - name: first
    default: '{{ fail "no default for first" }}'
  - name: later
    default: x
`, nil))
	_, err := tmpl.Resolve(nil, nil)
	var ps generator.Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Key != "first" || !strings.Contains(ps[0].Rule, "default does not render") {
		t.Fatalf("err = %#v, want one problem for first's default", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("problem is not one line: %q", err)
	}
	// Answering first directly needs no default.
	if _, err := tmpl.Resolve(map[string]string{"first": "y"}, nil); err != nil {
		t.Error(err)
	}
}

func TestRenderAnswersAreData(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+`questions:
  - name: name
  - name: other
    default: SECRET
`, map[string]string{
		"{{ .name }}.txt":      "name={{ .name }} other={{ .other }}\n",
		"dir/{{ .name }}/x.go": "package x\n",
	}))
	tr := mustRender(t, tmpl, map[string]string{"name": "{{ .other }}"})
	wantPaths := []string{"dir/{{ .other }}/x.go", "{{ .other }}.txt"}
	if got := paths(tr); !slices.Equal(got, wantPaths) {
		t.Errorf("paths %q, want %q", got, wantPaths)
	}
	if got, want := fileData(t, tr, "{{ .other }}.txt"), "name={{ .other }} other=SECRET\n"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	for _, f := range tr.Files {
		if f.Path != "{{ .other }}.txt" && bytes.Contains(f.Data, []byte("SECRET")) && f.Path != generator.ManifestFile {
			t.Errorf("%s executed an answer: %q", f.Path, f.Data)
		}
	}
	// Other template syntax in an answer is inert too.
	tr = mustRender(t, tmpl, map[string]string{"name": `{{ env "HOME" }}{{ end }}{{`})
	if got := paths(tr); !slices.Contains(got, `{{ env "HOME" }}{{ end }}{{.txt`) {
		t.Errorf("paths %q", got)
	}
}

func TestRenderPaths(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+`questions:
  - name: name
    default: svc
  - name: docker
    type: bool
`, map[string]string{
		"go.mod.tmpl":                              "module {{ .name }}\n",
		"cmd/{{ .name }}/main.go.tmpl":             "package main\n",
		"{{ if .docker }}Dockerfile{{ end }}":      "FROM scratch\n",
		"{{ if .docker }}deploy{{ end }}/k8s.yaml": "kind: Pod\n",
		"tmpl/keep.tmpl.txt":                       "a .tmpl in the middle stays\n",
		"docs/x.tmpl.tmpl":                         "only one .tmpl goes\n",
		".github/workflows/{{ .name }}.yml":        "name: {{ .name }}\n",
	}))
	tr := mustRender(t, tmpl, nil)
	want := []string{
		".github/workflows/svc.yml", "cmd/svc/main.go", "docs/x.tmpl", "go.mod", "tmpl/keep.tmpl.txt",
	}
	if got := paths(tr); !slices.Equal(got, want) {
		t.Errorf("paths %q\nwant  %q", got, want)
	}
	tr = mustRender(t, tmpl, map[string]string{"docker": "true", "name": "api"})
	want = []string{
		".github/workflows/api.yml", "Dockerfile", "cmd/api/main.go", "deploy/k8s.yaml", "docs/x.tmpl", "go.mod",
		"tmpl/keep.tmpl.txt",
	}
	if got := paths(tr); !slices.Equal(got, want) {
		t.Errorf("paths %q\nwant  %q", got, want)
	}
	if got := fileData(t, tr, "go.mod"); got != "module api\n" {
		t.Errorf("go.mod = %q", got)
	}
}

func TestRenderPathEscapes(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+"questions:\n  - name: name\n", map[string]string{
		"a/{{ .name }}/b.txt": "x",
	}))
	for _, name := range []string{"..", ".", "a/b", "../x", `a\b`, `..\..\x`, "/abs", "x\x00y"} {
		t.Run(name, func(t *testing.T) {
			err := renderErr(t, tmpl, map[string]string{"name": name})
			msg := err.Error()
			if !strings.Contains(msg, "a/{{ .name }}/b.txt") {
				t.Errorf("error does not name the source path: %q", msg)
			}
			if !strings.Contains(msg, "outside the project root") || strings.Contains(msg, "\n") {
				t.Errorf("error = %q, want one line saying the path leaves the project root", msg)
			}
		})
	}
	// The template's own text is held to the same rule as answers.
	for seg, want := range map[string]string{
		`{{ "." }}`:                       `"."`,
		`{{ ".." }}`:                      `".."`,
		`x{{ printf "%c" 47 }}y`:          `"x/y"`,
		`{{ printf "%c" 92 }}`:            `"\\"`,
		`{{ printf "..%c.." 92 }}`:        `"..\\.."`,
		`nul{{ printf "%c" 0 }}`:          `"nul\x00"`,
		`{{ .name }}{{ printf "%c" 47 }}`: `"svc/"`,
	} {
		tmpl := mustLoad(t, tree(minimal+"questions:\n  - name: name\n    default: svc\n", map[string]string{
			"a/" + seg + "/b.txt": "x",
		}))
		err := renderErr(t, tmpl, nil)
		if want := "a/" + seg + "/b.txt renders to a path outside the project root (segment " + want + ")"; !strings.HasSuffix(err.Error(), want) {
			t.Errorf("err = %q\nwant it to end %q", err, want)
		}
	}
	// A segment that renders empty drops the file, wherever it is.
	tmpl2 := mustLoad(t, tree(minimal, map[string]string{
		"{{ if false }}x{{ end }}/a.txt": "x",
		"d/{{ \"\" }}/b.txt":             "x",
		"d/c{{ \"\" }}.txt":              "kept",
	}))
	if got := paths(mustRender(t, tmpl2, nil)); !slices.Equal(got, []string{"d/c.txt"}) {
		t.Errorf("paths %q, want only d/c.txt", got)
	}
	// A segment that merely contains dots is a name like any other.
	tr := mustRender(t, tmpl, map[string]string{"name": "..."})
	if got := paths(tr); !slices.Equal(got, []string{"a/.../b.txt"}) {
		t.Errorf("paths %q", got)
	}
}

func TestRenderVerbatim(t *testing.T) {
	raw := "{{ .name }} {{ if }} \x00\xff\r\n{{"
	tmpl := mustLoad(t, tree(minimal+`questions:
  - name: name
    default: svc
verbatim: ["assets/**", "*.txt", "docs/*.md"]
`, map[string]string{
		"assets/app.js":         raw,
		"assets/css/deep/x.css": raw,
		"notes.txt":             raw,
		"{{ .name }}.txt":       raw, // verbatim body, rendered name
		"docs/a.md":             raw,
		"docs/sub/b.md.tmpl":    "rendered {{ .name }}",
		"sub/c.txt":             "rendered {{ .name }}", // *.txt matches the root only
		"README.md":             "rendered {{ .name }}",
	}))
	tr := mustRender(t, tmpl, nil)
	for _, p := range []string{"assets/app.js", "assets/css/deep/x.css", "notes.txt", "svc.txt", "docs/a.md"} {
		if got := fileData(t, tr, p); got != raw {
			t.Errorf("%s = %q, want the source bytes", p, got)
		}
	}
	for _, p := range []string{"docs/sub/b.md", "sub/c.txt", "README.md"} {
		if got := fileData(t, tr, p); got != "rendered svc" {
			t.Errorf("%s = %q, want it rendered", p, got)
		}
	}
}

func TestRenderModes(t *testing.T) {
	fsys := fstest.MapFS{
		generator.ConfigFile: {Data: []byte(minimal + "verbatim: [\"bin/*\"]\n")},
		"exec.sh":            {Data: []byte("echo hi\n"), Mode: 0o755},
		"user-x-only":        {Data: []byte("x"), Mode: 0o744},
		"other-x-only":       {Data: []byte("x"), Mode: 0o641},
		"shebang.sh":         {Data: []byte("#!/bin/sh\necho hi\n"), Mode: 0o644},
		"readonly.sh":        {Data: []byte("#!/usr/bin/env bash\n"), Mode: 0o444}, // as embed.FS reports
		"rendered-shebang":   {Data: []byte("{{ if true }}#!{{ end }}/bin/sh\n"), Mode: 0o644},
		"comment-first":      {Data: []byte("# #!/bin/sh\n"), Mode: 0o644},
		"space-first":        {Data: []byte(" #!/bin/sh\n"), Mode: 0o644},
		"plain.txt":          {Data: []byte("text\n"), Mode: 0o600},
		"bin/tool":           {Data: []byte("\x7fELF{{"), Mode: 0o755},
		"bin/tool.sh":        {Data: []byte("#!{{ bash }}\n"), Mode: 0o644},
		"script.sh.tmpl":     {Data: []byte("#!/bin/sh\n# {{ 1 }}\n"), Mode: 0o644},
		"empty":              {Data: nil, Mode: 0o644},
	}
	tr := mustRender(t, mustLoad(t, fsys), nil)
	want := map[string]fs.FileMode{
		"exec.sh": 0o755, "user-x-only": 0o755, "other-x-only": 0o755, "shebang.sh": 0o755,
		"readonly.sh": 0o755, "rendered-shebang": 0o755, "comment-first": 0o644, "space-first": 0o644,
		"plain.txt": 0o644, "bin/tool": 0o755, "bin/tool.sh": 0o755, "script.sh": 0o755, "empty": 0o644,
		generator.ManifestFile: 0o644,
	}
	got := map[string]fs.FileMode{}
	for _, f := range tr.Files {
		got[f.Path] = f.Mode
	}
	if !maps.Equal(got, want) {
		for p, m := range want {
			if got[p] != m {
				t.Errorf("%s: mode %v, want %v", p, got[p], m)
			}
		}
		t.Errorf("modes %v", got)
	}
}

func TestRenderTargets(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+`questions:
  - name: platforms
    default: "linux,!arm darwin"
`, map[string]string{
		"targets.txt": "{{ range targets .platforms }}{{ . }} {{ .OS }}-{{ .Arch }}\n{{ end }}",
	}))
	tr := mustRender(t, tmpl, nil)
	want := "darwin/amd64 darwin-amd64\ndarwin/arm64 darwin-arm64\nlinux/386 linux-386\n" +
		"linux/amd64 linux-amd64\nlinux/arm64 linux-arm64\n"
	if got := fileData(t, tr, "targets.txt"); got != want {
		t.Errorf("targets.txt = %q\nwant %q", got, want)
	}
	tr = mustRender(t, tmpl, map[string]string{"platforms": "windows && amd64"})
	if got := fileData(t, tr, "targets.txt"); got != "windows/amd64 windows-amd64\n" {
		t.Errorf("targets.txt = %q", got)
	}
	// Without a validate rule a bad expression reaches targets, which fails
	// the render with the file named.
	err := renderErr(t, tmpl, map[string]string{"platforms": "linx"})
	if !strings.Contains(err.Error(), "targets.txt") {
		t.Errorf("error = %q, want it to name targets.txt", err)
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "two files render to the same path",
			files: map[string]string{"a.txt": "1", "a.txt.tmpl": "2"},
			want:  []string{"two files render to a.txt"},
		},
		{
			name:  "two names render alike",
			files: map[string]string{"{{ .name }}.txt": "1", "svc.txt": "2"},
			want:  []string{"two files render to svc.txt"},
		},
		{
			name:  "a file renders to the answers file",
			files: map[string]string{".gomicro.yml": "x: 1\n"},
			want:  []string{"a file renders to .gomicro.yml, which gomicro writes itself"},
		},
		{
			name:  "a .tmpl file renders to the answers file",
			files: map[string]string{"{{ `.gomicro` }}.yml.tmpl": "x: 1\n"},
			want:  []string{".gomicro.yml"},
		},
		{
			name:  "missing key in a body",
			files: map[string]string{"a.txt": "{{ .nope }}"},
			want:  []string{`render a.txt: template: a.txt:1:3: executing "a.txt" at <.nope>: map has no entry for key "nope"`},
		},
		{
			name:  "missing key in a name",
			files: map[string]string{"{{ .nope }}/a.txt": "x"},
			want:  []string{`render name of {{ .nope }}/a.txt:`},
		},
		{
			name: "every problem is reported, one per line",
			files: map[string]string{
				"a.txt":         "{{ .nope }}",
				"b/{{ .x }}.go": "x",
				"c.txt":         `{{ fail "c is broken" }}`,
			},
			want: []string{"a.txt", "b/{{ .x }}.go", "c.txt:1:3: executing \"c.txt\" at <fail \"c is broken\">: error calling fail: c is broken"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := mustLoad(t, tree(minimal+"questions:\n  - name: name\n    default: svc\n", tt.files))
			err := renderErr(t, tmpl, nil)
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(tt.want), err)
			}
			if !strings.HasPrefix(lines[0], "template test: ") {
				t.Errorf("error does not name the template: %q", lines[0])
			}
			for i, w := range tt.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("line %d = %q\nwant it to contain %q", i+1, lines[i], w)
				}
			}
		})
	}
}

func TestRenderDeterministic(t *testing.T) {
	fsys, err := embeddedService()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := generator.Load(fsys, "embedded:service")
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []map[string]string{nil, {"kind": "worker", "platforms": "linux windows"}} {
		first := mustRender(t, tmpl, set)
		for range 3 {
			again := mustRender(t, tmpl, set)
			if !reflect.DeepEqual(first, again) {
				t.Fatalf("two renders of the same answers differ")
			}
		}
		// A fresh Load gives the same bytes too.
		tmpl2, err := generator.Load(fsys, "embedded:service")
		if err != nil {
			t.Fatal(err)
		}
		again := mustRender(t, tmpl2, set)
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("renders of two loads differ")
		}
		if !slices.IsSortedFunc(first.Files, func(a, b generator.File) int { return strings.Compare(a.Path, b.Path) }) {
			t.Errorf("files not sorted by path")
		}
	}
}

// TestRenderNoClock: sprig's date functions format time.Now() when given
// anything but a time or an integer, and format in time.Local; either makes
// a render depend on when and where it runs.
func TestRenderNoClock(t *testing.T) {
	for _, body := range []string{
		`{{ date "2006-01-02T15:04:05.000000000" "" }}`,
		`{{ dateInZone "15:04:05.000000000" "x" "UTC" }}`,
		`{{ date_in_zone "15:04:05.000000000" .name "UTC" }}`,
		`{{ htmlDate "" }}{{ htmlDateInZone "" "UTC" }}`,
		`{{ date "15:04 MST" 0 }}`,
		`{{ htmlDate 0 }}`,
		`{{ toDate "2006-01-02 15:04" "2020-01-01 00:00" | unixEpoch }}`,
	} {
		t.Run(body, func(t *testing.T) {
			tmpl, err := generator.Load(tree(minimal+"questions:\n  - name: name\n", map[string]string{"f.txt": body}), source)
			if err != nil {
				return // refused at load: fixed by removing the function
			}
			answers, err := tmpl.Resolve(map[string]string{"name": "x"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			render := func() string {
				tr, err := generator.Render(tmpl, answers)
				if err != nil {
					return "error"
				}
				f, _ := tr.File("f.txt")
				return string(f.Data)
			}
			local := time.Local
			defer func() { time.Local = local }()
			time.Local = time.UTC
			first := render()
			time.Sleep(2 * time.Millisecond)
			time.Local = time.FixedZone("X", 9*3600+1800)
			if second := render(); first != second {
				t.Errorf("%s renders %q, then %q", body, first, second)
			}
		})
	}
}

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

func TestBlobID(t *testing.T) {
	for _, tt := range []struct{ data, want string }{
		{"hello\n", "ce013625030ba8dba906f756967f9e9ca394464a"},
		{"", "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"},
		{"hello world", "95d09f2b10159347eece71399a7e2e907ea3df4f"},
	} {
		if got := generator.BlobID([]byte(tt.data)); got != tt.want {
			t.Errorf("BlobID(%q) = %s, want %s", tt.data, got, tt.want)
		}
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

// embeddedService is the default template tree built into gomicro.
func embeddedService() (fs.FS, error) { return templates.Lookup("service") }

// TestRenderFileAndDirectoryClash: a file and a directory at one path cannot
// both be written; Render should say so, as it does for two files at one path.
func TestRenderFileAndDirectoryClash(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+"questions:\n  - name: name\n    default: docs\n", map[string]string{
		"{{ .name }}": "a file",
		"docs/a.md":   "in a directory",
	}))
	err := renderErr(t, tmpl, nil)
	if !strings.Contains(err.Error(), "docs") || strings.Contains(err.Error(), "\n") {
		t.Errorf("err = %q, want one line naming docs", err)
	}
}
