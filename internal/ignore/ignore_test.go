package ignore

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/gittest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// paths are the files every pattern list is tried on.
var paths = []string{
	"README.md", "main.go", "go.mod", "docs/a.md", "docs/b/c.md", "docs/b/c.go",
	"tests/x_test.go", "a/tests/y.go", "a/b/tests", "cmd/svc/main.go", "cmd/main.go",
	"x/docs/z.md", "x/z.md", "xy/docs/z.md", "ab/c/d.txt", ".github/workflows/ci.yml", "a/b/c/d.txt", "a/d.txt", "abc", "a.c", "abc/x",
	"#hash", "!bang", "sp ace", "trail ", "br]x", "b-c", "file.tmpl", "foo/bar/foo/bar",
}

// lists are the .gitignore files tried: one per case, lines joined.
var lists = [][]string{
	{"*.md"}, {"docs/**"}, {"tests/"}, {"/main.go"}, {"main.go"}, {"cmd/*/main.go"},
	{"**/main.go"}, {"docs/**/c.*"}, {"a/**/d.txt"}, {"a/**"}, {"**/tests"}, {"?.c"}, {"a?c"},
	{"[ab].c"}, {"[!b].c"}, {"[a-c]bc"}, {"b[]]x", "b[!a-c]*"}, {"[z-"}, {`\#hash`}, {`\!bang`},
	{"#hash"}, {"sp ace"}, {`trail\ `}, {"trail "}, {"*.md", "!docs/*.md"}, {"docs/", "!docs/a.md"},
	{"docs/*", "!docs/b/"}, {"*", "!*.go", "!*/"}, {"a**c"}, {"x**/z.md"}, {"**"}, {"/**/d.txt"},
	{"foo/**/bar"}, {"x/d**/z.md"}, {"a**/d.txt"}, {"*.tmpl", "!file.tmpl"}, {"abc/"}, {"d.txt", "!a/d.txt"}, {".github/"},
	{"b-c", "[a-]c"}, {"*/tests/*"}, {"/"}, {"a/b/"}, {"**/b/**"},
}

// TestMatchAsGit holds Matcher to git check-ignore --no-index on every list
// and path above: git says which paths the list matches, in a repository of
// nothing but that .gitignore.
func TestMatchAsGit(t *testing.T) {
	git := testtool.Require(t, "git", "apt-get install git")
	dir := t.TempDir()
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(git, args...)
		cmd.Dir, cmd.Env, cmd.Stdin = dir, gittest.Env(), strings.NewReader(stdin)
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		err := cmd.Run()
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && ee.ExitCode() == 1 {
			err = nil // nothing matched
		} else if err != nil {
			t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, stderr.String())
		}
		return out.String(), err
	}
	run("", "init", "-q")
	for _, list := range lists {
		if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte(strings.Join(list, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out, _ := run(strings.Join(paths, "\x00")+"\x00", "check-ignore", "--no-index", "--stdin", "-z")
		want := strings.Split(strings.TrimSuffix(out, "\x00"), "\x00")
		if out == "" {
			want = nil
		}
		m := New(list)
		var got []string
		for _, p := range paths {
			if m.Matches(p) {
				got = append(got, p)
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%q: matched %q, git matches %q", list, got, want)
		}
	}
}

func TestMatchNamesThePattern(t *testing.T) {
	m := New([]string{"# a comment", "", "docs/", "*.md", "!README.md"})
	for path, want := range map[string]string{"docs/b/c.go": "docs/", "x/y.md": "*.md", "README.md": "", "main.go": ""} {
		p, ok := m.Match(path)
		if ok != (want != "") || ok && p.Text != want {
			t.Errorf("Match(%q) = %q, %v; want %q", path, p.Text, ok, want)
		}
	}
	if p, _ := Parse("!docs/"); !p.Names("docs/a.md") || p.Names("main.go") {
		t.Errorf("Names of !docs/: want docs/a.md named, main.go not")
	}
}

// A pattern of many stars against a long name that almost matches: each
// star's tries fail once only, so this returns at once (without the memo,
// 2^20 tries).
func TestManyStars(t *testing.T) {
	pat := strings.Repeat("*a", 20) + "*b"
	if New([]string{pat}).Matches(strings.Repeat("a", 200)) {
		t.Errorf("%s matched a name with no b", pat)
	}
	if !New([]string{pat}).Matches(strings.Repeat("a", 200) + "b") {
		t.Errorf("%s did not match a name ending in b", pat)
	}
}
