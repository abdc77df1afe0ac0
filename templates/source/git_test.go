package source

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/gomicro/gomicro/internal/testkit/gittest"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// gitTest isolates git from the machine's configuration and gomicro's
// mirrors from the real cache, and returns a helper that runs git in a
// directory.
func gitTest(t *testing.T) func(dir string, args ...string) string {
	t.Helper()
	testtool.Require(t, "git", "apt-get install git")
	home := t.TempDir()
	global := filepath.Join(home, "gitconfig")
	if err := os.WriteFile(global, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	gittest.Isolate(t)
	for k, v := range map[string]string{
		"XDG_CACHE_HOME":    filepath.Join(home, "cache"),
		"GIT_CONFIG_GLOBAL": global,
		// The mirror's git commands must not see these (gomicro run from
		// a git hook has them).
		"GIT_DIR":       "/nonexistent",
		"GIT_NAMESPACE": "elsewhere",
	} {
		t.Setenv(k, v)
	}
	return func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "GIT_DIR=") && !strings.HasPrefix(kv, "GIT_NAMESPACE=") {
				env = append(env, kv)
			}
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
}

func readString(t *testing.T, fsys fs.FS, name string) string {
	t.Helper()
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(data)
}

// templateRepo is a repository with a template in tpl/: v1.0.0 (an
// annotated tag), v1.1.0, and an untagged commit above them that carries
// only a pre-release tag and a "v9" (not a full version).
type templateRepo struct {
	dir              string
	v100, v110, head string // commit ids
}

func newTemplateRepo(t *testing.T, git func(string, ...string) string) templateRepo {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo with space")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	git(dir, "init", "--quiet", "--initial-branch=main")
	treetest.WriteDir(t, dir, map[string]string{
		".gitattributes":     "* export-subst\n*.txt text eol=crlf\nignored.txt export-ignore\n",
		"tpl/.gitattributes": "* export-subst\nignored.txt export-ignore\n",
		"tpl/template.yaml":  "name: t\nversion: 1.0.0\n",
		"tpl/README.md":      "1.0.0\n",
		"tpl/subst.txt":      "id $Format:%H$\n",
		"tpl/ignored.txt":    "kept\n",
		"other/file":         "not a template\n",
	})
	treetest.Write(t, afero.NewOsFs(), dir, map[string]string{"tpl/scripts/build.sh": "#!/bin/sh\necho build\n"}, 0o755)
	git(dir, "add", ".")
	git(dir, "commit", "--quiet", "-m", "one")
	git(dir, "tag", "-a", "-m", "release", "v1.0.0")
	r := templateRepo{dir: dir, v100: git(dir, "rev-parse", "HEAD")}
	treetest.WriteDir(t, dir, map[string]string{"tpl/README.md": "1.1.0\n"})
	git(dir, "commit", "--quiet", "-am", "two")
	git(dir, "tag", "v1.1.0")
	git(dir, "tag", "1.0.5")
	r.v110 = git(dir, "rev-parse", "HEAD")
	treetest.WriteDir(t, dir, map[string]string{"tpl/README.md": "unreleased\n"})
	git(dir, "commit", "--quiet", "-am", "three")
	git(dir, "tag", "v2.0.0-rc.1")
	git(dir, "tag", "v9")
	r.head = git(dir, "rev-parse", "HEAD")
	return r
}

// openTree parses src and opens its tree, failing the test on an error.
func openTree(t *testing.T, ctx context.Context, src string) Tree {
	t.Helper()
	spec, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := Open(ctx, spec)
	if err != nil {
		t.Fatalf("Open(%s): %v", src, err)
	}
	return tree
}

func TestGit(t *testing.T) {
	git := gitTest(t)
	r := newTemplateRepo(t, git)
	ctx := context.Background()
	url := fileURL(r.dir)

	// No ref: the highest release tag, not the untagged commit above it nor
	// its pre-release.
	tree := openTree(t, ctx, url+"//tpl")
	if tree.Revision != r.v110 {
		t.Errorf("newest release: revision %s, want v1.1.0's %s", tree.Revision, r.v110)
	}
	if got := readString(t, tree.FS, "README.md"); got != "1.1.0\n" {
		t.Errorf("newest release: README.md %q", got)
	}

	// A plain path with @REF, and an annotated tag.
	tree = openTree(t, ctx, r.dir+"//tpl@v1.0.0")
	if tree.Revision != r.v100 {
		t.Errorf("@v1.0.0: revision %s, want %s", tree.Revision, r.v100)
	}
	if got := readString(t, tree.FS, "README.md"); got != "1.0.0\n" {
		t.Errorf("@v1.0.0: README.md %q", got)
	}
	// The tree is the template's, byte for byte and with its modes: no
	// export-subst, export-ignore or eol conversion from .gitattributes.
	if got := readString(t, tree.FS, "subst.txt"); got != "id $Format:%H$\n" {
		t.Errorf("subst.txt %q: git archive applied export-subst or eol", got)
	}
	if got := readString(t, tree.FS, "ignored.txt"); got != "kept\n" {
		t.Errorf("ignored.txt %q", got)
	}
	for name, exec := range map[string]bool{"scripts/build.sh": true, "README.md": false, "template.yaml": false} {
		info, err := fs.Stat(tree.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm()&0o111 != 0; got != exec {
			t.Errorf("%s: mode %v, executable %v want %v", name, info.Mode(), got, exec)
		}
	}
	if _, err := fs.Stat(tree.FS, "other"); err == nil {
		t.Error("the tree holds more than SUBDIR")
	}

	// A branch, an abbreviated commit, a full commit id.
	if tree := openTree(t, ctx, url+"//tpl@main"); tree.Revision != r.head {
		t.Errorf("@main: revision %s, want %s", tree.Revision, r.head)
	}
	if tree := openTree(t, ctx, url+"//tpl@"+r.v100[:9]); tree.Revision != r.v100 {
		t.Errorf("@%s: revision %s, want %s", r.v100[:9], tree.Revision, r.v100)
	}
	if tree := openTree(t, ctx, url+"//tpl@"+strings.ToUpper(r.v110)); tree.Revision != r.v110 {
		t.Errorf("@full id: revision %s, want %s", tree.Revision, r.v110)
	}

	// Errors: one line naming what is wrong.
	for src, want := range map[string]string{
		url + "//tpl@v9.9.9":  "template git " + url + `//tpl@v9.9.9: no tag, branch or commit "v9.9.9" (tags: v9, v1.0.0, 1.0.5, v1.1.0, v2.0.0-rc.1)`,
		url + "//nope@v1.0.0": "template git " + url + `//nope@v1.0.0: no template.yaml in "nope" at commit ` + r.v100[:12],
		url + "@v1.0.0":       "template git " + url + "@v1.0.0: no template.yaml in the repository root at commit " + r.v100[:12],
		url + "//tpl@0000000": "no tag, branch or commit \"0000000\"",
	} {
		spec, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Open(ctx, spec)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Open(%s): %v\nwant one line with: %s", src, err, want)
		}
	}

	// Offline: the source goes away. A full commit id the mirror holds is
	// read without asking the remote; anything else asks, and says what git
	// said.
	if err := os.Rename(r.dir, r.dir+".gone"); err != nil {
		t.Fatal(err)
	}
	spec, err := Parse(url + "//tpl")
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := OpenRevision(ctx, spec, r.v100)
	if err != nil {
		t.Fatalf("OpenRevision offline: %v", err)
	}
	if got := readString(t, fsys, "README.md"); got != "1.0.0\n" {
		t.Errorf("OpenRevision offline: README.md %q", got)
	}
	if tree := openTree(t, ctx, url+"//tpl@"+r.head); tree.Revision != r.head {
		t.Errorf("Open of a cached full id offline: revision %s", tree.Revision)
	}
	for _, s := range []Spec{{Git, url, "tpl", "v1.0.0"}, {Git, url, "tpl", ""}} {
		_, err := Open(ctx, s)
		if err == nil || !strings.Contains(err.Error(), "template git "+s.String()+": git fetch: ") ||
			!strings.Contains(err.Error(), "does not appear to be a git repository") || strings.Contains(err.Error(), "\n") {
			t.Errorf("Open(%s) offline: %v, want git's one line", s, err)
		}
	}
	missing := strings.Repeat("ab", 20)
	if _, err := OpenRevision(ctx, spec, missing); err == nil || !strings.Contains(err.Error(), "does not appear to be a git repository") {
		t.Errorf("OpenRevision of an unknown commit offline: %v", err)
	}
	// A commit the mirror holds, without the directory: said at once, no
	// fetch.
	nope := Spec{Git, url, "nope", ""}
	if _, err := OpenRevision(ctx, nope, r.v100); err == nil || !strings.Contains(err.Error(), `no template.yaml in "nope" at commit `+r.v100[:12]) {
		t.Errorf("OpenRevision of a commit without the directory: %v", err)
	}
	if _, err := OpenRevision(ctx, spec, "v1.0.0"); err == nil || !strings.Contains(err.Error(), "full commit id") {
		t.Errorf("OpenRevision of a tag: %v", err)
	}
	// Without the network: what the mirror holds, and ErrNotCached for the
	// rest, before git is asked to fetch.
	if fsys, err := OpenCachedRevision(ctx, spec, r.v100); err != nil || readString(t, fsys, "README.md") != "1.0.0\n" {
		t.Errorf("OpenCachedRevision of a cached commit: %v", err)
	}
	if _, err := OpenCachedRevision(ctx, spec, missing); !errors.Is(err, ErrNotCached) {
		t.Errorf("OpenCachedRevision of an unknown commit: %v, want ErrNotCached", err)
	}
	other, err := Parse("file://" + filepath.ToSlash(t.TempDir()) + "/never-cloned.git")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCachedRevision(ctx, other, r.v100); !errors.Is(err, ErrNotCached) {
		t.Errorf("OpenCachedRevision of a source never cloned: %v, want ErrNotCached", err)
	}
}

func TestGitDefaultBranch(t *testing.T) {
	git := gitTest(t)
	dir := t.TempDir()
	git(dir, "init", "--quiet", "--initial-branch=trunk")
	treetest.WriteDir(t, dir, map[string]string{"template.yaml": "name: t\n", "README.md": "trunk\n"})
	git(dir, "add", ".")
	git(dir, "commit", "--quiet", "-m", "one")
	git(dir, "tag", "release-1") // not a version
	git(dir, "checkout", "--quiet", "-b", "other")
	treetest.WriteDir(t, dir, map[string]string{"README.md": "other\n"})
	git(dir, "commit", "--quiet", "-am", "other")
	git(dir, "checkout", "--quiet", "trunk")
	trunk := git(dir, "rev-parse", "HEAD")

	spec, err := Parse(dir + "@trunk")
	if err != nil {
		t.Fatal(err)
	}
	spec = spec.Latest()
	tree, err := Open(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Revision != trunk || readString(t, tree.FS, "README.md") != "trunk\n" {
		t.Errorf("no semver tag: revision %s, want the default branch's %s", tree.Revision, trunk)
	}

	// The default branch is renamed and moves on: the next Open follows it,
	// though the mirror was cloned when it was trunk.
	git(dir, "branch", "-m", "trunk", "main")
	treetest.WriteDir(t, dir, map[string]string{"README.md": "main\n"})
	git(dir, "commit", "--quiet", "-am", "two")
	main := git(dir, "rev-parse", "HEAD")
	tree, err = Open(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Revision != main || readString(t, tree.FS, "README.md") != "main\n" {
		t.Errorf("renamed default branch: revision %s, want %s", tree.Revision, main)
	}
}

func TestGitConcurrent(t *testing.T) {
	git := gitTest(t)
	r := newTemplateRepo(t, git)
	spec := Spec{Kind: Git, Location: fileURL(r.dir), Subdir: "tpl"}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	revs := make([]string, len(errs))
	for i := range errs {
		wg.Go(func() {
			var tree Tree
			if i%2 == 0 {
				tree, errs[i] = Open(context.Background(), spec)
				revs[i] = tree.Revision
			} else {
				_, errs[i] = OpenRevision(context.Background(), spec, r.v100)
				revs[i] = r.v110
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil || revs[i] != r.v110 {
			t.Errorf("#%d: %s, %v", i, revs[i], err)
		}
	}
	// One mirror, its lock, and nothing left over from the clone.
	entries, err := os.ReadDir(filepath.Join(os.Getenv("XDG_CACHE_HOME"), "gomicro", "git"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("cache holds %v, want one mirror and its lock", names)
	}
}

func TestGitCancelled(t *testing.T) {
	git := gitTest(t)
	r := newTemplateRepo(t, git)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Open(ctx, Spec{Kind: Git, Location: fileURL(r.dir), Subdir: "tpl"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context: %v", err)
	}
}

// TestGitTagKinds: the newest release is found whatever kind of tag names
// it: a tag of an annotated tag peels to its commit, and a tag of a tree is
// refused in one line.
func TestGitTagKinds(t *testing.T) {
	git := gitTest(t)
	r := newTemplateRepo(t, git)
	ctx := context.Background()
	url := fileURL(r.dir)
	git(r.dir, "tag", "-a", "-m", "inner", "inner", r.v100)
	git(r.dir, "tag", "-a", "-m", "outer", "v3.0.0", "inner")
	if tree := openTree(t, ctx, url+"//tpl"); tree.Revision != r.v100 {
		t.Errorf("v3.0.0, a tag of a tag: revision %s, want %s", tree.Revision, r.v100)
	}
	if tree := openTree(t, ctx, url+"//tpl@v3.0.0"); tree.Revision != r.v100 {
		t.Errorf("@v3.0.0, a tag of a tag: revision %s, want %s", tree.Revision, r.v100)
	}
	git(r.dir, "tag", "v4.0.0", r.v110+"^{tree}")
	spec, err := Parse(url + "//tpl")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, spec)
	if want := "tag v4.0.0 does not point to a commit"; err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("v4.0.0, a tag of a tree: %v; want one line with %q", err, want)
	}
}

// TestGitWithBase: a tree opened beside a base takes the blobs the base
// holds from it and reads the others from git; either way it is the tree
// as committed. A base that fails, or that is no git tree, is not used.
func TestGitWithBase(t *testing.T) {
	git := gitTest(t)
	r := newTemplateRepo(t, git)
	ctx := context.Background()
	url := fileURL(r.dir)
	plain := openTree(t, ctx, url+"//tpl@v1.1.0")
	base := openTree(t, ctx, url+"//tpl@v1.0.0")
	for name, b := range map[string]func() (fs.FS, error){
		"git base":    func() (fs.FS, error) { return base.FS, nil },
		"failed base": func() (fs.FS, error) { return nil, errors.New("no base") },
		"other base":  func() (fs.FS, error) { return fstest.MapFS{"README.md": {Data: []byte("other\n")}}, nil },
	} {
		tree := openTree(t, WithBase(ctx, b), url+"//tpl@v1.1.0")
		if diff := treetest.Diff(treetest.SnapshotFS(t, tree.FS), treetest.SnapshotFS(t, plain.FS)); len(diff) > 0 {
			t.Errorf("%s: the tree read beside it differs:\n%s", name, strings.Join(diff, "\n"))
		}
	}
}

// TestReuseBlobs: a blob the base holds is taken from it, by id, unless
// it is listed at another size; every other blob is left to read.
func TestReuseBlobs(t *testing.T) {
	base := memFS{
		".":     {name: ".", mode: fs.ModeDir | 0o755},
		"a.txt": {name: "a.txt", mode: 0o644, id: "aaaa", data: []byte("same\n")},
		"l":     {name: "l", mode: fs.ModeSymlink | 0o777, id: "cccc", data: []byte("a.txt")},
		"e":     {name: "e", mode: 0o644, id: "eeee", data: []byte{}},
	}
	moved := &memNode{name: "b.txt", mode: 0o755, id: "aaaa", size: 5}
	link := &memNode{name: "k", mode: fs.ModeSymlink | 0o777, id: "cccc"}
	empty := &memNode{name: "e", mode: 0o644, id: "eeee", size: 0}
	wrong := &memNode{name: "w", mode: 0o644, id: "eeee", size: 3}
	fresh := &memNode{name: "n.txt", mode: 0o644, id: "bbbb", size: 4}
	blobs := map[string][]*memNode{"aaaa": {moved}, "cccc": {link}, "bbbb": {fresh}, "eeee": {empty, wrong}}
	reuseBlobs(WithBase(context.Background(), func() (fs.FS, error) { return base, nil }), blobs)
	if string(moved.data) != "same\n" || string(link.data) != "a.txt" {
		t.Errorf("reused: %q, %q; want the base's bytes", moved.data, link.data)
	}
	if got := slices.Sorted(maps.Keys(blobs)); !slices.Equal(got, []string{"bbbb", "eeee"}) {
		t.Errorf("left to read: %v, want [bbbb eeee] (new, and listed at another size)", got)
	}
}
