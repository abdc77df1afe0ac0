package generator_test

import (
	"bytes"
	"context"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
)

// renderErr resolves set and renders, expecting Render to fail.
func renderErr(t *testing.T, tmpl *generator.Template, set map[string]string) error {
	t.Helper()
	answers, err := tmpl.Resolve(context.Background(), set, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := generator.Render(context.Background(), tmpl, answers)
	if err == nil {
		t.Fatalf("Render succeeded with %d files, want an error", len(out.Files))
	}
	return err
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
			// Names that are plain text are refused at Load
			// (TestLoadErrors); a name's actions only say at render.
			name:  "a file renders to a sidecar's name",
			files: map[string]string{"config.yml{{ `.gomicro-new` }}": "x"},
			want:  []string{"a file renders to config.yml.gomicro-new, which gomicro writes itself"},
		},
		{
			name:  "a .tmpl file renders to the answers file",
			files: map[string]string{"{{ `.gomicro` }}.yml.tmpl": "x: 1\n"},
			want:  []string{".gomicro.yml"},
		},
		{
			// A key no question defines is refused at Load
			// (TestLoadUndefinedRefs) where dot is still the answers;
			// under with or range only a render finds it.
			name:  "missing key in a body",
			files: map[string]string{"a.txt": "{{ with . }}{{ .nope }}{{ end }}"},
			want:  []string{`render a.txt: template: a.txt:1:15: executing "a.txt" at <.nope>: map has no entry for key "nope"`},
		},
		{
			name:  "missing key in a name",
			files: map[string]string{"{{ with . }}{{ .nope }}{{ end }}/a.txt": "x"},
			want:  []string{`render name of {{ with . }}{{ .nope }}{{ end }}/a.txt:`},
		},
		{
			name: "every problem is reported, one per line",
			files: map[string]string{
				"a.txt":                              "{{ with . }}{{ .nope }}{{ end }}",
				"b/{{ with . }}{{ .x }}{{ end }}.go": "x",
				"c.txt":                              `{{ fail "c is broken" }}`,
			},
			want: []string{"a.txt", "b/{{ with . }}{{ .x }}{{ end }}.go", "c.txt:1:3: executing \"c.txt\" at <fail \"c is broken\">: error calling fail: c is broken"},
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
	tmpl := gentest.Load(t, "service")
	for _, set := range []map[string]string{nil, {"kind": "worker", "platforms": "linux windows"}} {
		first := mustRender(t, tmpl, set)
		for range 3 {
			again := mustRender(t, tmpl, set)
			if !reflect.DeepEqual(first, again) {
				t.Fatalf("two renders of the same answers differ")
			}
		}
		// A fresh Load gives the same bytes too.
		tmpl2 := gentest.Load(t, "service")
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
			answers, err := tmpl.Resolve(context.Background(), map[string]string{"name": "x"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			render := func() string {
				tr, err := generator.Render(context.Background(), tmpl, answers)
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
		answers, err := tmpl.Resolve(context.Background(), map[string]string{"ci": ci}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tree, err := generator.Render(context.Background(), tmpl, answers)
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
