package generator_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
)

// exclude: leaves files of the tree out of the render, unparsed (a
// template's own tests may hold {{ }} of their own); template.yaml is never
// rendered; lint warns of once: and exclude: patterns that match nothing.
func TestExcludeAndLint(t *testing.T) {
	config := minimal + "once: [\"cmd/*/main.go\", \"nothing.go\"]\n" +
		"exclude: [\"/README.md\", \"tests/\", \".ci/**\", \"gone/\"]\nquestions: [{name: name, default: svc}]\n"
	tmpl := mustLoad(t, tree(config, map[string]string{
		"README.md": "the template's own {{ broken", "docs/README.md": "{{ .name }}",
		"tests/render_test.go": "{{ nope }}", "a/tests/b.txt": "x", ".ci/run": "x",
		"cmd/{{ .name }}/main.go": "package main // {{ .name }}",
	}))
	got := paths(mustRender(t, tmpl, nil))
	if want := []string{"cmd/svc/main.go", "docs/README.md"}; !slices.Equal(got, want) {
		t.Errorf("rendered %q, want %q", got, want)
	}
	warnings, _ := tmpl.Lint()
	want := []string{
		`once: pattern "nothing.go" matches no file name of the template (names are matched as written, {{ }} and all)`,
		`exclude: pattern "gone/" matches no file or directory of the template`,
	}
	if !slices.Equal(warnings, want) {
		t.Errorf("lint warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
	}
	_, err := generator.Load(tree(minimal+"once: [\"\", \"# main.go\"]\n", nil), source)
	if err == nil || !strings.Contains(err.Error(), `once[0]: "" is not a pattern`) || !strings.Contains(err.Error(), `once[1]: "# main.go" is not a pattern`) {
		t.Errorf("blank and comment patterns: %v", err)
	}
}

// ownedVersion is a template version for TestOnceAndSkip: main.go is the
// team's from the first day, the rest the template's.
func ownedVersion(t *testing.T, version, body string) *generator.Template {
	t.Helper()
	config := fmt.Sprintf("name: demo\nversion: %s\nonce: [main.go, static.go]\n", version)
	return mustLoad(t, fstest.MapFS{
		generator.ConfigFile: {Data: []byte(config)},
		"main.go":            {Data: []byte("package main // " + body + "\n")},
		"static.go":          {Data: []byte("package main\n")},
		"a.txt":              {Data: []byte("a " + body + "\n")},
		"docs/x.md":          {Data: []byte("x " + body + "\n")},
	})
}

// once: files and skip: paths are never written on upgrade; the report
// lists them as skipped only when the template changed them; --skip is
// recorded, sorted and once, and honoured by the next upgrade too.
func TestOnceAndSkip(t *testing.T) {
	ctx := context.Background()
	v1, v2, v3 := ownedVersion(t, "1.0.0", "v1"), ownedVersion(t, "2.0.0", "v2"), ownedVersion(t, "3.0.0", "v3")
	fsys := afero.NewMemMapFs()
	upgGenerate(t, fsys, "svc", v1, nil)
	upgWrite(t, fsys, "svc/main.go", "package main // ours\n", 0o644)
	upgrade := func(theirs *generator.Template, base *generator.Template, skip ...string) *generator.Upgraded {
		old := upgManifest(t, fsys, "svc")
		u, err := generator.Upgrade(ctx, generator.UpgradeRequest{Project: fsys, Dir: "svc", Old: old, Theirs: theirs, Skip: skip,
			Bases: []generator.BaseSource{{Name: "history", Files: func(func(string) bool) (map[string]generator.File, error) {
				return generator.BaseFiles(base, old.Answers, nil)
			}}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := u.Plan.Apply(ctx, fsys, "svc"); err != nil {
			t.Fatal(err)
		}
		return u
	}
	u := upgrade(v2, v1, "docs/", "*.tmp", "docs/")
	want := map[string]string{
		"main.go":   "skipped: the template's once: file is the team's",
		"static.go": "unchanged: ",
		"a.txt":     "updated: ",
		"docs/x.md": "skipped: skip: docs/ in .gomicro.yml",
	}
	for p, w := range want {
		if c := upgChange(t, u.Plan, p); c.Action.String()+": "+c.Why() != w {
			t.Errorf("%s: %s: %s, want %s", p, c.Action, c.Why(), w)
		}
	}
	for p, w := range map[string]string{"main.go": "package main // ours\n", "docs/x.md": "x v1\n", "a.txt": "a v2\n"} {
		if got, _ := afero.ReadFile(fsys, "svc/"+p); string(got) != w {
			t.Errorf("after the upgrade, %s holds %q, want %q", p, got, w)
		}
	}
	manifest, _ := afero.ReadFile(fsys, "svc/"+generator.ManifestFile)
	if !strings.HasSuffix(string(manifest), "skip:\n  - '*.tmp'\n  - docs/\n") {
		t.Errorf(".gomicro.yml ends:\n%s\nwant skip: with *.tmp and docs/, sorted, once each", manifest[len(manifest)-60:])
	}
	u = upgrade(v3, v2, "a.txt")
	if c := upgChange(t, u.Plan, "docs/x.md"); c.Action != generator.Skipped {
		t.Errorf("the next upgrade: docs/x.md %s, want skipped", c.Action)
	}
	if c := upgChange(t, u.Plan, "a.txt"); c.Action != generator.Skipped || c.Why() != "skip: a.txt in .gomicro.yml" {
		t.Errorf("a.txt: %s (%s), want skipped by its own pattern", c.Action, c.Why())
	}
	if got := upgManifest(t, fsys, "svc").Skip; !slices.Equal(got, []string{"*.tmp", "a.txt", "docs/"}) {
		t.Errorf("skip: %q", got)
	}
}

// A hand-edited skip: entry that is no pattern is refused by name.
func TestManifestSkipRefusesNonPatterns(t *testing.T) {
	data := "format: 1\ntemplate: demo\nversion: 1.0.0\nfiles: {}\nskip:\n  - docs/\n  - ''\n"
	if _, err := generator.ReadManifest([]byte(data)); err == nil || !strings.Contains(err.Error(), `.gomicro.yml: skip[1]: "" is not a pattern`) {
		t.Errorf("ReadManifest: %v", err)
	}
}

// skip: is the project's key: an upgrade keeps it where the team wrote
// it, with its comment, and --skip adds to it there; a `!` pattern takes a
// path back.
func TestSkipKeptInPlace(t *testing.T) {
	ctx := context.Background()
	v1, v2 := ownedVersion(t, "1.0.0", "v1"), ownedVersion(t, "2.0.0", "v2")
	fsys := afero.NewMemMapFs()
	upgGenerate(t, fsys, "svc", v1, nil)
	data, _ := afero.ReadFile(fsys, "svc/"+generator.ManifestFile)
	data = []byte(strings.Replace(string(data), "template: demo\n", "template: demo\n# ours: the team writes these\nskip: [docs/*, '!docs/x.md']\n", 1))
	upgWrite(t, fsys, "svc/"+generator.ManifestFile, string(data), 0o644)
	for _, skip := range [][]string{nil, {"a.txt"}} {
		old := upgManifest(t, fsys, "svc")
		u, err := generator.Upgrade(ctx, generator.UpgradeRequest{Project: fsys, Dir: "svc", Old: old, Theirs: v2, Skip: skip})
		if err != nil {
			t.Fatal(err)
		}
		if c := upgChange(t, u.Plan, "docs/x.md"); c.Action == generator.Skipped {
			t.Errorf("--skip %q: docs/x.md skipped, though !docs/x.md takes it back", skip)
		}
		got := string(u.Plan.Manifest.Data)
		want := "template: demo\n# ours: the team writes these\nskip: [docs/*, '!docs/x.md']\n"
		if skip != nil {
			want = "template: demo\n# ours: the team writes these\nskip:\n  - a.txt\n  - docs/*\n  - '!docs/x.md'\n"
		}
		if !strings.Contains(got, want) {
			t.Errorf("--skip %q: .gomicro.yml:\n%s\nwant it to hold:\n%s", skip, got, want)
		}
	}
}
