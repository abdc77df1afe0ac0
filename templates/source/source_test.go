package source

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestParse(t *testing.T) {
	tmp := t.TempDir()
	for _, d := range []string{"work/tpl", "x/.git", "work/repo/.git", "abs", "work/example.org/y"} {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, "work", "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(tmp, "work"))
	x := fileURL(filepath.Join(tmp, "x"))
	abs := filepath.Join(tmp, "abs")

	good := []struct {
		in   string
		want Spec
	}{
		{"git@host:o/r.git//sub@v1", Spec{Git, "git@host:o/r.git", "sub", "v1"}},
		{"git@host:o/r", Spec{Git, "git@host:o/r", "", ""}},
		{"me@host:/srv/r.git@feature/x", Spec{Git, "me@host:/srv/r.git", "", "feature/x"}},
		{"https://user@host/o/r.git@main", Spec{Git, "https://user@host/o/r.git", "", "main"}},
		{"https://host/o/r", Spec{Git, "https://host/o/r", "", ""}},
		{"http://host/o/r//a@1.2.3", Spec{Git, "http://host/o/r", "a", "1.2.3"}},
		{"ssh://git@host:22/o/r//a/b@v1.2.0", Spec{Git, "ssh://git@host:22/o/r", "a/b", "v1.2.0"}},
		{"file:///tmp/r//sub", Spec{Git, "file:///tmp/r", "sub", ""}},
		{"file:///tmp/r@0123abc", Spec{Git, "file:///tmp/r", "", "0123abc"}},
		{"example.com/acme/t//service@v1.4.0", Spec{Module, "example.com/acme/t", "service", "v1.4.0"}},
		{"example.com/acme/t@latest", Spec{Module, "example.com/acme/t", "", "latest"}},
		{"example.com/acme/t", Spec{Module, "example.com/acme/t", "", ""}},
		{"example.com/acme/t/v2//a/b@<v2.3.0", Spec{Module, "example.com/acme/t/v2", "a/b", "<v2.3.0"}},
		{"./tpl", Spec{Dir, filepath.Join(tmp, "work", "tpl"), "", ""}},
		{"tpl", Spec{Dir, filepath.Join(tmp, "work", "tpl"), "", ""}},
		{"example.org/y", Spec{Dir, filepath.Join(tmp, "work", "example.org", "y"), "", ""}}, // an existing path wins
		{abs, Spec{Dir, abs, "", ""}},
		{"../x@v1", Spec{Git, x, "", "v1"}},
		{"../x//a/b@main", Spec{Git, x, "a/b", "main"}},
		{filepath.Join(tmp, "x") + "//sub@v1.0.0", Spec{Git, x, "sub", "v1.0.0"}},
		{"repo@v2", Spec{Git, fileURL(filepath.Join(tmp, "work", "repo")), "", "v2"}}, // a repository is here
		// //SUBDIR on a local repository says git even without @REF (and
		// whether or not the work tree holds SUBDIR): its newest release.
		{"repo//service", Spec{Git, fileURL(filepath.Join(tmp, "work", "repo")), "service", ""}},
		{"../x//a/b", Spec{Git, x, "a/b", ""}},
		{filepath.Join(tmp, "x") + "//sub", Spec{Git, x, "sub", ""}},
		// A directory that holds no repository reads // as /.
		{"./tpl//", Spec{Dir, filepath.Join(tmp, "work", "tpl"), "", ""}},
		{abs + "//", Spec{Dir, abs, "", ""}},
		{"service", Spec{Embedded, "service", "", ""}},
		{"embedded:service", Spec{Embedded, "service", "", ""}},
	}
	for _, c := range good {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("Parse(%q) = %#v, want %#v", c.in, got, c.want)
			continue
		}
		// String is the canonical form, and reads back to the same Spec.
		again, err := Parse(got.String())
		if err != nil || again != got {
			t.Errorf("Parse(%q.String() = %q) = %#v, %v; want %#v", c.in, got.String(), again, err, got)
		}
		if l := got.Latest(); l.Ref != "" || l.Kind != got.Kind || l.Location != got.Location || l.Subdir != got.Subdir {
			t.Errorf("%q.Latest() = %#v", c.in, l)
		}
	}

	bad := []struct{ in, want string }{
		{"", "empty"},
		{"@v1", `no repository, module or directory before "@v1"`},
		{"git@host:", `no repository path after "git@host:"`},
		{"@host:o/r", "no user before @"},
		{"https://host//", `empty SUBDIR after "//"`},
		{"https://host//sub", "no repository path"},
		{"https://host", "no repository path"},
		{"https:///o/r", "no host"},
		{"ftp://host/r", `unsupported URL scheme "ftp"`},
		{"ssh://-oProxyCommand=x/r", "the host starts with -"},
		{"git@-oProxyCommand=x:r", "a user or host starts with -"},
		{"https://host/o/r@", `empty REF after "@"`},
		{"https://host/o/r@-x", `REF "-x": starts with -`},
		{"https://host/o/r@a..b", `REF "a..b"`},
		{"https://host/o/r//a/../b@v1", `SUBDIR "a/../b"`},
		{"git@host:o/r//sub/@v1", `SUBDIR "sub/"`},
		{"example.com/x//../y", `SUBDIR "../y"`},
		{"example.com/x//./y@v1", `SUBDIR "./y"`},
		{"example.com/x@-v1", `VERSION "-v1": starts with -`},
		{"example.com/x y", "not a Go module path"},
		{"nosuch", "template nosuch: not a directory nor an embedded template (embedded: service)"},
		{"embedded:nosuch", `no embedded template "nosuch" (embedded: service)`},
		{"embedded:service@1.0.0", "an embedded template takes no @REF"},
		{"./missing", "template ./missing: no such directory"},
		{"../missing@v1", `no such directory "../missing"`},
		{"../x//", `empty SUBDIR after "//"`},
		{"../x//a/../b", `SUBDIR "a/../b"`},
		{"file", "not a directory"},
		{"some/where", "not a directory, git repository"},
	}
	for _, c := range bad {
		got, err := Parse(c.in)
		if err == nil {
			t.Errorf("Parse(%q) = %#v, want an error", c.in, got)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q): %q, want one line with %q", c.in, err, c.want)
		}
	}
}

func TestEmbedded(t *testing.T) {
	spec, err := Parse("service")
	if err != nil {
		t.Fatal(err)
	}
	tree, err := Open(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Revision != "" {
		t.Errorf("Revision = %q, want none", tree.Revision)
	}
	if _, err := fs.Stat(tree.FS, ConfigFile); err != nil {
		t.Error(err)
	}
	old, err := OpenRevision(context.Background(), spec, "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	data, err := fs.ReadFile(old, ConfigFile)
	if err != nil || !strings.Contains(string(data), "1.0.0") {
		t.Errorf("snapshot 1.0.0: %q, %v", data, err)
	}
	if _, err := OpenRevision(context.Background(), spec, "0.0.1"); err == nil {
		t.Error("OpenRevision of a version never released: no error")
	}
}

func TestDir(t *testing.T) {
	dir := t.TempDir()
	spec, err := Parse(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), spec); err == nil || !strings.Contains(err.Error(), "no template.yaml in the directory") {
		t.Errorf("Open of a directory without template.yaml: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte("name: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := Open(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Revision != "" {
		t.Errorf("Revision = %q, want none", tree.Revision)
	}
	if _, err := fs.Stat(tree.FS, ConfigFile); err != nil {
		t.Error(err)
	}
	if _, err := OpenRevision(context.Background(), spec, "x"); !errors.Is(err, ErrNoRevision) {
		t.Errorf("OpenRevision of a directory: %v, want ErrNoRevision", err)
	}
}

func TestNewestTag(t *testing.T) {
	for _, c := range []struct {
		tags []string
		want string
	}{
		{nil, ""},
		{[]string{"release", "v1", "v1.2"}, ""},
		{[]string{"v1.0.0", "v1.10.0", "v1.9.0"}, "v1.10.0"},
		{[]string{"1.2.0", "v1.1.0"}, "1.2.0"},
		{[]string{"v1.0.0", "v2.0.0-rc.1"}, "v1.0.0"},
		{[]string{"v2.0.0-rc.1", "v2.0.0-beta"}, "v2.0.0-rc.1"},
		{[]string{"v1.0.0", "1.0.0"}, "1.0.0"},
		{[]string{"v1.0.0+b", "v1.0.0"}, "v1.0.0"},
	} {
		if got := newestTag(c.tags); got != c.want {
			t.Errorf("newestTag(%q) = %q, want %q", c.tags, got, c.want)
		}
	}
}

// TestGitTree reads a tree as a template from git is read: files with
// their execute bits, directories git lists only through their files, a
// symbolic link listed as such, a submodule as an empty directory.
func TestGitTree(t *testing.T) {
	git := gitTest(t)
	dir := t.TempDir()
	git(dir, "init", "-q")
	files := map[string]string{"template.yaml": "name: t\n", "a/run.sh": "#!/bin/sh\n", "a/b/c.txt": "c", "top": "top", "same": "top"}
	for name, body := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("top", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	git(dir, "add", "-A")
	git(dir, "update-index", "--add", "--cacheinfo", "160000,"+strings.Repeat("1", 40)+",sub")
	git(dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "t")
	commit := strings.TrimSpace(git(dir, "rev-parse", "HEAD"))
	m := &mirror{root: dir, dir: filepath.Join(dir, ".git")}
	fsys, err := m.tree(context.Background(), commit, "")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"top": "top", "same": "top", "a/b/c.txt": "c"} {
		if data, err := fs.ReadFile(fsys, name); err != nil || string(data) != want {
			t.Errorf("%s: %q, %v", name, data, err)
		}
	}
	if info, err := fs.Stat(fsys, "sub"); err != nil || info.Mode() != fs.ModeDir|0o755 {
		t.Errorf("the submodule: %v, %v; want an empty directory", info, err)
	}
	// The symbolic link is listed but not followed (the generator refuses
	// links), which TestFS would take for an error: test below it.
	sub, err := fs.Sub(fsys, "a")
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(sub, "run.sh", "b/c.txt"); err != nil {
		t.Error(err)
	}
	if data, err := fs.ReadFile(fsys, "top"); err != nil || string(data) != "top" {
		t.Errorf("top: %q, %v", data, err)
	}
	for name, want := range map[string]fs.FileMode{"a/run.sh": 0o755, "a/b/c.txt": 0o644, "a/b": fs.ModeDir | 0o755} {
		info, err := fs.Stat(fsys, name)
		if err != nil || info.Mode() != want {
			t.Errorf("%s: mode %v, %v; want %v", name, info.Mode(), err, want)
		}
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	var link fs.DirEntry
	for _, e := range entries {
		if e.Name() == "link" {
			link = e
		}
	}
	if link == nil || link.Type() != fs.ModeSymlink {
		t.Errorf("link listed as %v, want a symlink", link)
	}
}
