package gitrepo

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/gittest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// setup requires git and gives this test a git that depends on nothing of
// the machine: no global or system config, a fixed identity, messages in
// English, and none of the variables that point git elsewhere.
func setup(t *testing.T) {
	t.Helper()
	gitPath := testtool.Require(t, "git", "apt-get install -y git")
	t.Setenv("PATH", filepath.Dir(gitPath)+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	gittest.Isolate(t)
	t.Setenv("LC_ALL", "C")
	for _, k := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CEILING_DIRECTORIES", "GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS", "SUDO_UID"} {
		unsetenv(t, k)
	}
}

// unsetenv removes k for the rest of the test.
func unsetenv(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "") // restores the old value afterwards
	os.Unsetenv(k)
}

// run runs git in dir and returns its standard output; the test fails if
// git does.
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return runStdin(t, dir, "", args...)
}

func runStdin(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// runFails runs git in dir, expects it to fail, and returns all it printed.
func runFails(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("git %s succeeded, want a failure:\n%s", strings.Join(args, " "), out)
	}
	return string(out)
}

// newRepo makes a repository in a new temporary directory with files
// committed, and returns its symlink-free top.
func newRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	top, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	run(t, top, "init", "-q")
	treetest.WriteDir(t, top, files)
	run(t, top, "add", "-A")
	run(t, top, "commit", "-q", "--allow-empty", "-m", "first")
	return top
}

// find is Find that must find a repository.
func find(t *testing.T, dir string) *Repo {
	t.Helper()
	r, err := Find(dir)
	if err != nil || r == nil {
		t.Fatalf("Find(%s) = %v, %v; want a repository", dir, r, err)
	}
	return r
}

// requireNoRepoAbove skips the test when dir's parents are in a git work
// tree: the test needs git to find nothing above it.
func requireNoRepoAbove(t *testing.T, dir string) {
	t.Helper()
	if _, ok := Top(filepath.Dir(dir)); ok {
		t.Skipf("the temporary directory %s is inside a git work tree", dir)
	}
}

// blobID is git's SHA-1 blob id of data, computed without git.
func blobID(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

func TestFindOutsideAnyRepository(t *testing.T) {
	setup(t)
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	requireNoRepoAbove(t, dir)
	// Without a .git there is nothing to ask git: not even a missing git is an error.
	t.Setenv("PATH", t.TempDir())
	r, err := Find(dir)
	if r != nil || err != nil {
		t.Fatalf("Find(%s) = %+v, %v; want nil, nil", dir, r, err)
	}
}

func TestFind(t *testing.T) {
	setup(t)
	top := newRepo(t, map[string]string{
		"main.go":             "package main\n",
		"svc/main.go":         "package main\n",
		"a b/ü \"q\"/f.txt":   "x\n",
		"services/billing/go": "x\n",
	})
	outside := t.TempDir()
	if err := os.Symlink(filepath.Join(top, "svc"), filepath.Join(outside, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("services/billing", filepath.Join(top, "alias")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		chdir  string // run from here, when set
		dir    string
		prefix string
	}{
		{name: "top", dir: top, prefix: "."},
		{name: "subdirectory", dir: filepath.Join(top, "svc"), prefix: "svc"},
		{name: "deep", dir: filepath.Join(top, "services", "billing"), prefix: "services/billing"},
		{name: "spaces quotes unicode", dir: filepath.Join(top, "a b", `ü "q"`), prefix: `a b/ü "q"`},
		{name: "relative", chdir: top, dir: "svc", prefix: "svc"},
		{name: "dot", chdir: filepath.Join(top, "svc"), dir: ".", prefix: "svc"},
		{name: "unclean", dir: top + "/svc/../services//billing/", prefix: "services/billing"},
		{name: "symlink from outside", dir: filepath.Join(outside, "link"), prefix: "svc"},
		{name: "symlink inside", dir: filepath.Join(top, "alias"), prefix: "services/billing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.chdir != "" {
				t.Chdir(tt.chdir)
			}
			r := find(t, tt.dir)
			if r.Top != top || r.Prefix != tt.prefix {
				t.Errorf("Find(%s) = {Top: %s, Prefix: %s}, want {Top: %s, Prefix: %s}", tt.dir, r.Top, r.Prefix, top, tt.prefix)
			}
		})
	}
}

// A GIT_DIR or GIT_WORK_TREE in gomicro's environment (a git hook) must not
// make every project look like the repository they name.
func TestFindIgnoresGitDirEnvironment(t *testing.T) {
	setup(t)
	project := newRepo(t, map[string]string{"main.go": "package main\n"})
	other := newRepo(t, map[string]string{"other.go": "package other\n"})
	t.Setenv("GIT_DIR", filepath.Join(other, ".git"))
	t.Setenv("GIT_WORK_TREE", other)
	t.Setenv("GIT_INDEX_FILE", filepath.Join(other, "no-such-index"))
	treetest.WriteDir(t, project, map[string]string{"main.go": "package main // edited\n"})

	r := find(t, project)
	if r.Top != project {
		t.Fatalf("Top = %s, want %s", r.Top, project)
	}
	got, err := r.Uncommitted()
	if err != nil || got != " M main.go" {
		t.Errorf("Uncommitted() = %q, %v; want %q", got, err, " M main.go")
	}
}

// Where a .git is but git cannot answer, Find and Uncommitted must fail, not
// report a clean project.
func TestFailsClosed(t *testing.T) {
	setup(t)
	tests := []struct {
		name    string
		prepare func(t *testing.T, top string) // breaks the repository at top
		want    string                         // in the error
		isErr   error                          // errors.Is, when set
	}{
		{
			name: "git not installed",
			prepare: func(t *testing.T, top string) {
				t.Setenv("PATH", t.TempDir())
			},
			want:  "git is not installed",
			isErr: exec.ErrNotFound,
		},
		{
			name: "gitdir file to nowhere",
			prepare: func(t *testing.T, top string) {
				os.RemoveAll(filepath.Join(top, ".git"))
				treetest.WriteDir(t, top, map[string]string{".git": "gitdir: /nonexistent/repo.git\n"})
			},
			want: "not a git repository",
		},
		{
			name: "empty .git directory",
			prepare: func(t *testing.T, top string) {
				requireNoRepoAbove(t, top)
				os.RemoveAll(filepath.Join(top, ".git"))
				os.Mkdir(filepath.Join(top, ".git"), 0o755)
			},
			want: "not a git repository",
		},
		{
			name: "corrupt index",
			prepare: func(t *testing.T, top string) {
				treetest.WriteDir(t, top, map[string]string{".git/index": "not an index"})
			},
			want: "index file",
		},
		{
			name: "dubious ownership",
			prepare: func(t *testing.T, top string) {
				if os.Geteuid() != 0 {
					t.Skip("needs root to give the repository to another user")
				}
				for _, p := range []string{top, filepath.Join(top, ".git")} {
					if err := os.Chown(p, 12345, 12345); err != nil {
						t.Fatal(err)
					}
				}
			},
			want: "dubious ownership",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := newRepo(t, map[string]string{"svc/main.go": "package main\n"})
			// A Repo found while git could still answer must fail afterwards too.
			before := find(t, filepath.Join(top, "svc"))
			tt.prepare(t, top)

			r, err := Find(filepath.Join(top, "svc"))
			if err == nil {
				_, err = r.Uncommitted()
			}
			check := func(what string, err error) {
				t.Helper()
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: error %v, want one containing %q", what, err, tt.want)
				}
				var gitErr *Error
				if !errors.As(err, &gitErr) {
					t.Errorf("%s: error %T, want *Error", what, err)
				}
				if tt.isErr != nil && !errors.Is(err, tt.isErr) {
					t.Errorf("%s: error %v is not %v", what, err, tt.isErr)
				}
			}
			check("Find, then Uncommitted", err)
			_, err = before.Uncommitted()
			check("Uncommitted", err)
		})
	}
}

func TestUncommitted(t *testing.T) {
	setup(t)
	committed := map[string]string{
		".gitignore":    "*.log\n",
		"top.txt":       "top\n",
		"other/b.txt":   "b\n",
		"svc/main.go":   "package main\n",
		"svc/sub/a.txt": "a\n",
	}
	tests := []struct {
		name    string
		project string
		change  func(t *testing.T, top string)
		want    string
	}{
		{name: "clean", project: "svc", change: func(*testing.T, string) {}, want: ""},
		{
			name: "changes elsewhere in the repository", project: "svc",
			change: func(t *testing.T, top string) {
				treetest.WriteDir(t, top, map[string]string{"top.txt": "edited\n", "other/b.txt": "edited\n", "other/new.txt": "new\n"})
				run(t, top, "add", "other/new.txt")
				treetest.WriteDir(t, top, map[string]string{"svc-sibling/x": "not in svc\n"})
			},
			want: "",
		},
		{
			name: "ignored file", project: "svc",
			change: func(t *testing.T, top string) { treetest.WriteDir(t, top, map[string]string{"svc/debug.log": "x\n"}) },
			want:   "",
		},
		{
			name: "modified", project: "svc",
			change: func(t *testing.T, top string) {
				treetest.WriteDir(t, top, map[string]string{"svc/main.go": "edited\n"})
			},
			want: " M svc/main.go",
		},
		{
			name: "staged new file", project: "svc",
			change: func(t *testing.T, top string) {
				treetest.WriteDir(t, top, map[string]string{"svc/new.go": "package main\n"})
				run(t, top, "add", "svc/new.go")
			},
			want: "A  svc/new.go",
		},
		{
			name: "untracked in a subdirectory", project: "svc",
			change: func(t *testing.T, top string) { treetest.WriteDir(t, top, map[string]string{"svc/sub/new.txt": "x\n"}) },
			want:   "?? svc/sub/new.txt",
		},
		{
			name: "untracked though the repository hides untracked files", project: "svc",
			change: func(t *testing.T, top string) {
				run(t, top, "config", "status.showUntrackedFiles", "no")
				treetest.WriteDir(t, top, map[string]string{"svc/new.txt": "x\n"})
			},
			want: "?? svc/new.txt",
		},
		{
			name: "deleted", project: "svc",
			change: func(t *testing.T, top string) { os.Remove(filepath.Join(top, "svc", "main.go")) },
			want:   " D svc/main.go",
		},
		{
			name: "renamed", project: "svc",
			change: func(t *testing.T, top string) { run(t, top, "mv", "svc/main.go", "svc/renamed.go") },
			want:   "R  svc/main.go -> svc/renamed.go",
		},
		{
			name: "several", project: "svc",
			change: func(t *testing.T, top string) {
				treetest.WriteDir(t, top, map[string]string{"svc/main.go": "edited\n", "svc/sub/a.txt": "edited\n", "svc/z.txt": "new\n"})
			},
			want: " M svc/main.go and 2 more",
		},
		{
			name: "spaces and unicode", project: "svc",
			change: func(t *testing.T, top string) { treetest.WriteDir(t, top, map[string]string{"svc/ü x.txt": "x\n"}) },
			want:   "?? svc/ü x.txt",
		},
		{
			name: "quote and newline are quoted", project: "svc",
			change: func(t *testing.T, top string) {
				treetest.WriteDir(t, top, map[string]string{"svc/a \"b\"\n.txt": "x\n"})
			},
			want: `?? "svc/a \"b\"\n.txt"`,
		},
		{
			name: "project at the top sees everything", project: ".",
			change: func(t *testing.T, top string) {
				treetest.WriteDir(t, top, map[string]string{"other/b.txt": "edited\n"})
			},
			want: " M other/b.txt",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := newRepo(t, committed)
			tt.change(t, top)
			got, err := find(t, filepath.Join(top, tt.project)).Uncommitted()
			if err != nil || got != tt.want {
				t.Errorf("Uncommitted() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestBlobs(t *testing.T) {
	setup(t)
	files := map[string]string{
		"svc/main.go":    "package main\n",
		"svc/copy.go":    "package main\n", // the same blob as main.go
		"svc/empty":      "",
		"svc/binary":     "\x00\n\x01 blob 3\n\nno final newline",
		"svc/a b/ü.txt":  "unicode path\n",
		"svc/deleted.go": "gone from the work tree, not from git\n",
	}
	top := newRepo(t, files)
	os.Remove(filepath.Join(top, "svc", "deleted.go"))
	r := find(t, filepath.Join(top, "svc"))

	ids := map[string]string{}
	want := map[string][]byte{}
	for p, content := range files {
		rel := strings.TrimPrefix(p, "svc/")
		ids[rel] = blobID([]byte(content))
		want[rel] = []byte(content)
	}
	ids["upper.go"] = strings.ToUpper(blobID([]byte("package main\n")))
	want["upper.go"] = []byte("package main\n")
	// Left out: absent, not a blob, not an id.
	ids["missing"] = blobID([]byte("never stored\n"))
	ids["tree"] = strings.TrimSpace(run(t, top, "rev-parse", "HEAD:svc"))
	ids["commit"] = strings.TrimSpace(run(t, top, "rev-parse", "HEAD"))
	ids["expression"] = "HEAD:svc/main.go"
	ids["short"] = blobID([]byte("package main\n"))[:12]

	got, err := r.Blobs(ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("Blobs returned %d files, want %d", len(got), len(want))
	}
	for p, data := range want {
		if !bytes.Equal(got[p], data) {
			t.Errorf("Blobs()[%q] = %q, want %q", p, got[p], data)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("Blobs() has %q, want it left out", p)
		}
	}

	if got, err := r.Blobs(nil); err != nil || len(got) != 0 {
		t.Errorf("Blobs(nil) = %v, %v; want an empty map", got, err)
	}
}

// parseBatch must step over the content of a non-blob answer, or every
// later blob would be read from the wrong place.
func TestParseBatchSkipsNonBlobContent(t *testing.T) {
	out := "aaaa tree 5\ntree!\nbbbb missing\ncccc blob 3\nxyz\n"
	got, err := parseBatch([]byte(out), []string{"aaaa", "bbbb", "cccc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || string(got["cccc"]) != "xyz" {
		t.Errorf("parseBatch = %q, want only cccc: xyz", got)
	}
	if _, err := parseBatch([]byte("cccc blob 30\nxyz\n"), []string{"cccc"}); err == nil {
		t.Error("parseBatch accepted an answer shorter than its size")
	}
}

func TestPristineRef(t *testing.T) {
	setup(t)
	long := strings.Repeat("ü", 40) // 80 bytes, 240 escaped
	tests := []struct {
		prefix, want string
	}{
		{".", "refs/gomicro/pristine/%2E"},
		{"svc", "refs/gomicro/pristine/svc"},
		{"svc/inner", "refs/gomicro/pristine/svc%2Finner"},
		{"svc%2Finner", "refs/gomicro/pristine/svc%252Finner"},
		{"my_service-2", "refs/gomicro/pristine/my_service-2"},
		{"a.lock", "refs/gomicro/pristine/a%2Elock"},
		{".hidden/x..y", "refs/gomicro/pristine/%2Ehidden%2Fx%2E%2Ey"},
		{"at@{1}", "refs/gomicro/pristine/at%40%7B1%7D"},
		{"sp ace~^:?*[\\", "refs/gomicro/pristine/sp%20ace%7E%5E%3A%3F%2A%5B%5C"},
		{"ü", "refs/gomicro/pristine/%C3%BC"},
		{"@", "refs/gomicro/pristine/%40"},
		{long, "refs/gomicro/pristine/%sha256-"},
		{long + "x", "refs/gomicro/pristine/%sha256-"},
	}
	seen := map[string]string{}
	dir := t.TempDir()
	for _, tt := range tests {
		got := (&Repo{Prefix: tt.prefix}).PristineRef()
		if !strings.HasPrefix(got, tt.want) || (!strings.HasSuffix(tt.want, "-") && got != tt.want) {
			t.Errorf("PristineRef for %q = %q, want %q", tt.prefix, got, tt.want)
		}
		if other, ok := seen[got]; ok {
			t.Errorf("%q and %q share the ref %s", tt.prefix, other, got)
		}
		seen[got] = tt.prefix
		if name := strings.TrimPrefix(got, pristinePrefix); len(name) > maxRefName {
			t.Errorf("PristineRef for %q: %d-byte name, want at most %d", tt.prefix, len(name), maxRefName)
		}
		run(t, dir, "check-ref-format", got)
	}
}

func TestRecordPristine(t *testing.T) {
	setup(t)
	top := newRepo(t, map[string]string{"svc/inner/x": "x\n"})
	weird := []string{"a b/c \"d\"\n.txt", "ü.txt", "\"leading-quote", `back\slash`, "tab\there", "-dash"}
	projects := []struct {
		prefix string
		files  []File
	}{
		{".", []File{{Path: "top.txt", Data: []byte("top\n"), Mode: 0o644}}},
		{"svc", []File{
			{Path: "main.go", Data: []byte("package main\n"), Mode: 0o644},
			{Path: "scripts/build.sh", Data: []byte("#!/bin/sh\n"), Mode: 0o755},
			{Path: "link", Data: []byte("main.go"), Mode: fs.ModeSymlink | 0o777},
		}},
		// Nested in svc: its ref must not collide with svc's.
		{"svc/inner", []File{{Path: "inner.go", Data: []byte("package inner\n"), Mode: 0o644}}},
	}
	for _, name := range weird {
		projects[1].files = append(projects[1].files, File{Path: "weird/" + name, Data: []byte(name), Mode: 0o644})
	}

	for _, p := range projects {
		r := find(t, filepath.Join(top, p.prefix))
		if _, err := r.RecordPristine(p.files, "gomicro service@1.0.0 as rendered"); err != nil {
			t.Fatalf("RecordPristine for %s: %v", p.prefix, err)
		}
	}
	for _, p := range projects {
		r := find(t, filepath.Join(top, p.prefix))
		ref := r.PristineRef()
		var want []string
		ids := map[string]string{}
		for _, f := range p.files {
			want = append(want, fmt.Sprintf("%s blob %s\t%s", gitMode(f.Mode), blobID(f.Data), f.Path))
			ids[f.Path] = blobID(f.Data)
		}
		slices.Sort(want)
		got := strings.Split(strings.TrimSuffix(run(t, top, "ls-tree", "-r", "-z", ref), "\x00"), "\x00")
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s tree:\n%q\nwant\n%q", ref, got, want)
		}
		if who := run(t, top, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", ref); who != "gomicro <gomicro@localhost>|gomicro <gomicro@localhost>|gomicro service@1.0.0 as rendered\n" {
			t.Errorf("%s commit: %q", ref, who)
		}
		blobs, err := r.Blobs(ids)
		if err != nil || len(blobs) != len(ids) {
			t.Errorf("Blobs of %s's pristine files: %d of %d, %v", p.prefix, len(blobs), len(ids), err)
		}
	}

	// A second render of svc: the ref moves on, with the first as parent,
	// and the tree holds only the new files.
	r := find(t, filepath.Join(top, "svc"))
	first := strings.TrimSpace(run(t, top, "rev-parse", r.PristineRef()))
	next := []File{{Path: "main.go", Data: []byte("package main // 1.1.0\n"), Mode: 0o644}}
	if _, err := r.RecordPristine(next, "gomicro service@1.1.0 as rendered"); err != nil {
		t.Fatal(err)
	}
	if parent := strings.TrimSpace(run(t, top, "rev-parse", r.PristineRef()+"^")); parent != first {
		t.Errorf("parent of the second render = %s, want the first, %s", parent, first)
	}
	if files := run(t, top, "ls-tree", "-r", "--name-only", r.PristineRef()); files != "main.go\n" {
		t.Errorf("second render's tree holds %q, want only main.go", files)
	}
	reachable := run(t, top, "rev-list", "--objects", "--all")
	for _, f := range append(projects[1].files, projects[2].files...) {
		if !strings.Contains(reachable, blobID(f.Data)) {
			t.Errorf("blob of %s is no longer reachable from a ref", f.Path)
		}
	}
	if refs := run(t, top, "for-each-ref", "--format=%(refname)", "refs/gomicro/"); refs != "refs/gomicro/pristine/%2E\nrefs/gomicro/pristine/svc\nrefs/gomicro/pristine/svc%2Finner\n" {
		t.Errorf("refs:\n%s", refs)
	}
}

func TestRecordPristineRefusesBadPaths(t *testing.T) {
	setup(t)
	top := newRepo(t, nil)
	r := find(t, top)
	for _, p := range []string{"", ".", "../x", "/abs", "a//b", "a/./b", "a/", "nul\x00"} {
		if _, err := r.RecordPristine([]File{{Path: p, Data: []byte("x")}}, "m"); err == nil {
			t.Errorf("RecordPristine accepted the path %q", p)
		}
	}
	if refs := run(t, top, "for-each-ref", "refs/gomicro/"); refs != "" {
		t.Errorf("refs written anyway:\n%s", refs)
	}
}

// An older gomicro's single refs/gomicro/pristine is moved aside, not lost.
func TestRecordPristineMovesLegacyRef(t *testing.T) {
	setup(t)
	tests := []struct {
		name       string
		packed     bool // the legacy ref is in packed-refs, not a loose file
		keptBefore bool // refs/gomicro/legacy-pristine exists already
	}{
		{name: "loose"},
		{name: "packed", packed: true},
		{name: "legacy-pristine exists already", keptBefore: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := newRepo(t, map[string]string{"other/old.txt": "old project's pristine file\n", "svc/x": "x\n"})
			legacy := strings.TrimSpace(run(t, top, "commit-tree", "HEAD^{tree}", "-m", "legacy"))
			run(t, top, "update-ref", legacyRef, legacy)
			var kept string
			if tt.keptBefore {
				kept = strings.TrimSpace(run(t, top, "commit-tree", "HEAD:other", "-m", "moved earlier"))
				run(t, top, "update-ref", legacyKeep, kept)
			}
			if tt.packed {
				run(t, top, "pack-refs", "--all")
			}

			r := find(t, filepath.Join(top, "svc"))
			if _, err := r.RecordPristine([]File{{Path: "x", Data: []byte("x\n"), Mode: 0o644}}, "m"); err != nil {
				t.Fatal(err)
			}
			refs := run(t, top, "for-each-ref", "--format=%(refname)", "refs/gomicro/")
			if refs != legacyKeep+"\n"+pristinePrefix+"svc\n" {
				t.Errorf("refs:\n%s", refs)
			}
			keep := strings.TrimSpace(run(t, top, "rev-parse", legacyKeep))
			switch {
			case !tt.keptBefore && keep != legacy:
				t.Errorf("%s = %s, want the legacy commit %s", legacyKeep, keep, legacy)
			case tt.keptBefore:
				parents := strings.Fields(run(t, top, "log", "-1", "--format=%P", legacyKeep))
				if !slices.Equal(parents, []string{kept, legacy}) {
					t.Errorf("%s parents = %v, want %s and %s", legacyKeep, parents, kept, legacy)
				}
			}
			// Its objects stay reachable for the project whose base they are.
			if !strings.Contains(run(t, top, "rev-list", "--objects", legacyKeep), blobID([]byte("old project's pristine file\n"))) {
				t.Error("the legacy pristine file is no longer reachable")
			}
			// And it keeps working: another record moves the new ref only.
			if _, err := r.RecordPristine([]File{{Path: "x", Data: []byte("y\n"), Mode: 0o644}}, "m"); err != nil {
				t.Fatal(err)
			}
			if again := strings.TrimSpace(run(t, top, "rev-parse", legacyKeep)); again != keep {
				t.Errorf("%s moved again: %s -> %s", legacyKeep, keep, again)
			}
		})
	}
}

// TestRecordPristineOnStaleTips: two projects of one repository read their
// tips, then record one after the other. The first moves the legacy ref;
// the second, whose tip still shows it, records all the same.
func TestRecordPristineOnStaleTips(t *testing.T) {
	setup(t)
	top := newRepo(t, map[string]string{"a/x": "x\n", "b/x": "x\n"})
	legacy := strings.TrimSpace(run(t, top, "commit-tree", "HEAD^{tree}", "-m", "legacy"))
	run(t, top, "update-ref", legacyRef, legacy)
	a, b := find(t, filepath.Join(top, "a")), find(t, filepath.Join(top, "b"))
	tipA, err := a.ReadPristineTip()
	if err != nil {
		t.Fatal(err)
	}
	tipB, err := b.ReadPristineTip()
	if err != nil {
		t.Fatal(err)
	}
	files := []File{{Path: "x", Data: []byte("x\n"), Mode: 0o644}}
	if _, err := a.RecordPristineOn(tipA, files, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RecordPristineOn(tipB, files, "b"); err != nil {
		t.Fatalf("the second project's record, on a tip that still shows the legacy ref: %v", err)
	}
	refs := run(t, top, "for-each-ref", "--format=%(refname)", "refs/gomicro/")
	if refs != legacyKeep+"\n"+pristinePrefix+"a\n"+pristinePrefix+"b\n" {
		t.Errorf("refs:\n%s", refs)
	}
	if keep := strings.TrimSpace(run(t, top, "rev-parse", legacyKeep)); keep != legacy {
		t.Errorf("%s = %s, want the legacy commit %s", legacyKeep, keep, legacy)
	}
}

// statusCodes maps each path of `git status --porcelain -z` to its XY code.
func statusCodes(t *testing.T, top string) map[string]string {
	t.Helper()
	codes := map[string]string{}
	for _, e := range strings.Split(run(t, top, "status", "--porcelain", "-z"), "\x00") {
		if len(e) > 3 {
			codes[e[3:]] = e[:2]
		}
	}
	return codes
}

func TestMarkConflicts(t *testing.T) {
	for _, project := range []string{"svc", "."} {
		t.Run("project "+project, func(t *testing.T) {
			testMarkConflicts(t, project)
		})
	}
}

func testMarkConflicts(t *testing.T, project string) {
	setup(t)
	stage := func(s string, mode fs.FileMode) *Stage { return &Stage{Data: []byte(s), Mode: mode} }
	conflicts := []struct {
		Conflict
		status string // git status' XY for it
	}{
		{Conflict{Path: "both.txt", Base: stage("base\n", 0o644), Ours: stage("ours\n", 0o644), Theirs: stage("theirs\n", 0o644)}, "UU"},
		{Conflict{Path: "a b/\"q\" ü.txt", Base: stage("b\n", 0o644), Ours: stage("o\n", 0o644), Theirs: stage("t\n", 0o644)}, "UU"},
		{Conflict{Path: "run.sh", Base: stage("#!/bin/sh\n", 0o755), Ours: stage("#!/bin/sh\nours\n", 0o755), Theirs: stage("#!/bin/sh\ntheirs\n", 0o644)}, "UU"},
		{Conflict{Path: "added.txt", Ours: stage("team's\n", 0o644), Theirs: stage("template's\n", 0o644)}, "AA"},
		{Conflict{Path: "removed.txt", Base: stage("base\n", 0o644), Ours: stage("edited\n", 0o644)}, "UD"},
		{Conflict{Path: "deleted.txt", Base: stage("base\n", 0o644), Theirs: stage("changed\n", 0o644)}, "DU"},
	}
	// The repository before the upgrade: ours committed; then the work tree
	// as the upgrade leaves it, with markers.
	committed := map[string]string{"untouched.txt": "x\n"}
	for _, c := range conflicts {
		if c.Ours != nil {
			committed[filepath.ToSlash(filepath.Join(project, c.Path))] = string(c.Ours.Data)
		}
	}
	top := newRepo(t, committed)
	run(t, top, "update-index", "--chmod=+x", filepath.ToSlash(filepath.Join(project, "run.sh")))
	run(t, top, "commit", "-q", "-m", "executable")
	r := find(t, filepath.Join(top, project))
	var cs []Conflict
	for _, c := range conflicts {
		cs = append(cs, c.Conflict)
		treetest.WriteDir(t, filepath.Join(top, project), map[string]string{c.Path: "<<<<<<< ours\nmarkers\n>>>>>>> theirs\n"})
	}

	if err := r.MarkConflicts(cs); err != nil {
		t.Fatal(err)
	}
	// Twice is the same as once: stages replace stages.
	if err := r.MarkConflicts(cs); err != nil {
		t.Fatal(err)
	}

	codes := statusCodes(t, top)
	var wantUnmerged []string
	var wantStages []string
	for _, c := range conflicts {
		path := r.topPath(c.Path)
		if codes[path] != c.status {
			t.Errorf("git status: %q for %s, want %q", codes[path], path, c.status)
		}
		wantUnmerged = append(wantUnmerged, c.Path)
		for i, s := range c.stages() {
			if s != nil {
				wantStages = append(wantStages, fmt.Sprintf("%s %s %d\t%s", gitMode(s.Mode), blobID(s.Data), i+1, path))
			}
		}
	}
	if codes[r.topPath("untouched.txt")] != "" {
		t.Errorf("untouched.txt has status %q", codes[r.topPath("untouched.txt")])
	}
	slices.Sort(wantStages)
	stages := strings.Split(strings.TrimSuffix(run(t, top, "ls-files", "-u", "-z"), "\x00"), "\x00")
	slices.Sort(stages)
	if !slices.Equal(stages, wantStages) {
		t.Errorf("git ls-files -u:\n%q\nwant\n%q", stages, wantStages)
	}
	slices.Sort(wantUnmerged)
	if got, err := r.Unmerged(); err != nil || !slices.Equal(got, wantUnmerged) {
		t.Errorf("Unmerged() = %q, %v; want %q", got, err, wantUnmerged)
	}
	if dirty, err := r.Uncommitted(); err != nil || dirty == "" {
		t.Errorf("Uncommitted() = %q, %v; want the conflicts", dirty, err)
	}
	if diff := run(t, top, "diff"); !strings.Contains(diff, "diff --cc "+r.topPath("both.txt")) {
		t.Errorf("git diff shows no combined diff for both.txt:\n%s", diff)
	}
	// Plain commit only: `git commit -a` stages the files, markers and all,
	// and commits them, after a real `git merge` just the same.
	if out := runFails(t, top, "commit", "-q", "-m", "sneak the markers in"); !strings.Contains(out, "unmerged") {
		t.Errorf("git commit failed, but not for the unmerged files:\n%s", out)
	}

	// git add resolves one; the rest stay unmerged.
	run(t, top, "add", "--", r.topPath("both.txt"))
	if code := statusCodes(t, top)[r.topPath("both.txt")]; code != "M " {
		t.Errorf("after git add: status %q, want %q", code, "M ")
	}
	if got, err := r.Unmerged(); err != nil || slices.Contains(got, "both.txt") || len(got) != len(wantUnmerged)-1 {
		t.Errorf("after git add: Unmerged() = %q, %v", got, err)
	}
}

func TestMarkConflictsRefusesBadConflicts(t *testing.T) {
	setup(t)
	top := newRepo(t, map[string]string{"f": "x\n"})
	r := find(t, top)
	bad := []Conflict{
		{Path: "f", Base: &Stage{Data: []byte("x\n")}}, // neither side
		{Path: "../f", Ours: &Stage{}, Theirs: &Stage{}},
		{Path: "", Ours: &Stage{}, Theirs: &Stage{}},
	}
	for _, c := range bad {
		if err := r.MarkConflicts([]Conflict{c}); err == nil {
			t.Errorf("MarkConflicts accepted %+v", c)
		}
	}
	if err := r.MarkConflicts(nil); err != nil {
		t.Errorf("MarkConflicts(nil) = %v", err)
	}
	if out := run(t, top, "ls-files", "-u"); out != "" {
		t.Errorf("stages written anyway:\n%s", out)
	}
}

func TestUnmergedAfterGitMerge(t *testing.T) {
	setup(t)
	top := newRepo(t, map[string]string{"svc/f.txt": "base\n", "g.txt": "base\n"})
	run(t, top, "checkout", "-q", "-b", "theirs")
	treetest.WriteDir(t, top, map[string]string{"svc/f.txt": "theirs\n", "g.txt": "theirs\n"})
	run(t, top, "commit", "-q", "-am", "theirs")
	run(t, top, "checkout", "-q", "-")
	treetest.WriteDir(t, top, map[string]string{"svc/f.txt": "ours\n", "g.txt": "ours\n"})
	run(t, top, "commit", "-q", "-am", "ours")
	runFails(t, top, "merge", "theirs")

	got, err := find(t, filepath.Join(top, "svc")).Unmerged()
	if err != nil || !slices.Equal(got, []string{"f.txt"}) {
		t.Errorf("Unmerged() = %q, %v; want only f.txt (g.txt is outside the project)", got, err)
	}
}

func TestInit(t *testing.T) {
	setup(t)
	files := map[string]string{
		"main.go": "package main\n", "a b/ü.txt": "x\n", "scripts/build.sh": "#!/bin/sh\n",
		// Matched by the person's global ignore rules (excludes, below):
		// committed all the same, and reported.
		".circleci/config.yml": "version: 2.1\n", "svc.local.conf": "k=v\n",
		// A name git would read as a pattern unless told it is literal.
		"[ab].txt": "x\n",
	}
	wantIgnored := []string{".circleci/config.yml", "svc.local.conf"}
	excludes := filepath.Join(t.TempDir(), "ignore")
	if err := os.WriteFile(excludes, []byte("*.conf\n.circleci/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		env          func(t *testing.T)
		wantFallback bool
		wantAuthor   string
	}{
		{
			name:       "with an identity",
			env:        func(t *testing.T) {},
			wantAuthor: gittest.Name + " <" + gittest.Email + ">",
		},
		{
			name: "without an identity",
			env: func(t *testing.T) {
				for _, k := range []string{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL", "GIT_CONFIG_GLOBAL"} {
					unsetenv(t, k)
				}
				t.Setenv("HOME", t.TempDir()) // no .gitconfig
				// Without this git may make up an identity from the host name.
				t.Setenv("GIT_CONFIG_COUNT", "1")
				t.Setenv("GIT_CONFIG_KEY_0", "user.useConfigOnly")
				t.Setenv("GIT_CONFIG_VALUE_0", "true")
			},
			wantFallback: true,
			wantAuthor:   "gomicro <gomicro@localhost>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Hooks the person has everywhere must not run.
			hooks := t.TempDir()
			marker := filepath.Join(t.TempDir(), "hook ran")
			for _, hook := range []string{"pre-commit", "commit-msg", "post-commit"} {
				script := fmt.Sprintf("#!/bin/sh\necho %s >> '%s'\nexit 1\n", hook, marker)
				if err := os.WriteFile(filepath.Join(hooks, hook), []byte(script), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv("GIT_CONFIG_PARAMETERS", "'core.hooksPath'='"+hooks+"' 'core.excludesFile'='"+excludes+"'")
			tt.env(t)
			dir := t.TempDir()
			treetest.WriteDir(t, dir, files)

			done, err := Init(dir, "Generated by gomicro service@1.2.0")
			if err != nil {
				t.Fatal(err)
			}
			if done.FallbackIdentity != tt.wantFallback {
				t.Errorf("fallback identity = %v, want %v", done.FallbackIdentity, tt.wantFallback)
			}
			if !slices.Equal(done.Ignored, wantIgnored) {
				t.Errorf("Ignored = %q, want %q", done.Ignored, wantIgnored)
			}
			if got := run(t, dir, "log", "--format=%an <%ae>|%s"); got != tt.wantAuthor+"|Generated by gomicro service@1.2.0\n" {
				t.Errorf("git log = %q", got)
			}
			var want []string
			for p := range files {
				want = append(want, p)
			}
			slices.Sort(want)
			if got := strings.Split(strings.TrimSuffix(run(t, dir, "ls-files", "-z"), "\x00"), "\x00"); !slices.Equal(got, want) {
				t.Errorf("committed %q, want %q", got, want)
			}
			if _, err := os.Stat(marker); err == nil {
				out, _ := os.ReadFile(marker)
				t.Errorf("hooks ran: %s", out)
			}
			// The first commit is the pristine record too.
			if head, pristine := run(t, dir, "rev-parse", "HEAD"), run(t, dir, "rev-parse", "refs/gomicro/pristine/%2E"); head != pristine {
				t.Errorf("pristine ref = %s, want HEAD %s", pristine, head)
			}
			if data, ok := find(t, dir).PristineFile("main.go"); !ok || string(data) != "package main\n" {
				t.Errorf("PristineFile(main.go) = %q, %v", data, ok)
			}
		})
	}
}

// TestRecordPristineByID: a file known by its blob id only is recorded
// by reference when the repository holds the blob; otherwise nothing is
// recorded and MissingBlobsError names the files to give the content of.
func TestRecordPristineByID(t *testing.T) {
	setup(t)
	top := newRepo(t, map[string]string{"kept.txt": "kept\n"})
	r := find(t, top)
	files := []File{
		{Path: "kept.txt", Mode: 0o644, ID: blobID([]byte("kept\n"))},
		{Path: "new.txt", Data: []byte("new\n"), Mode: 0o644},
	}
	if _, err := r.RecordPristine(files, "m"); err != nil {
		t.Fatal(err)
	}
	want := "100644 blob " + blobID([]byte("kept\n")) + "\tkept.txt\n100644 blob " + blobID([]byte("new\n")) + "\tnew.txt\n"
	if got := run(t, top, "ls-tree", "-r", r.PristineRef()); got != want {
		t.Errorf("tree:\n%s\nwant\n%s", got, want)
	}
	before := run(t, top, "rev-parse", r.PristineRef())
	lost := []File{{Path: "b.txt", Mode: 0o644, ID: blobID([]byte("nowhere\n"))}, {Path: "a.txt", Mode: 0o644, ID: blobID([]byte("lost\n"))}}
	var missing *MissingBlobsError
	if _, err := r.RecordPristine(append(files, lost...), "m"); !errors.As(err, &missing) || !slices.Equal(missing.Paths, []string{"a.txt", "b.txt"}) {
		t.Fatalf("RecordPristine with missing blobs: %v, want MissingBlobsError for a.txt, b.txt", err)
	}
	if after := run(t, top, "rev-parse", r.PristineRef()); after != before {
		t.Errorf("the ref moved on a failed record")
	}
}

func TestInitErrors(t *testing.T) {
	setup(t)
	tests := []struct {
		name  string
		dir   func(t *testing.T) string
		isErr error
	}{
		{name: "no such directory", dir: func(t *testing.T) string { return filepath.Join(t.TempDir(), "missing") }, isErr: fs.ErrNotExist},
		{name: "nothing to commit", dir: func(t *testing.T) string { return t.TempDir() }},
		{
			name: "git not installed",
			dir: func(t *testing.T) string {
				t.Setenv("PATH", t.TempDir())
				return t.TempDir()
			},
			isErr: exec.ErrNotFound,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done, err := Init(tt.dir(t), "m")
			fallback := done.FallbackIdentity
			var gitErr *Error
			if err == nil || fallback || !errors.As(err, &gitErr) || gitErr.Msg == "" {
				t.Fatalf("Init = %v, %v (%T); want an *Error with a message", fallback, err, err)
			}
			if tt.isErr != nil && !errors.Is(err, tt.isErr) {
				t.Errorf("Init: %v is not %v", err, tt.isErr)
			}
		})
	}
}

// In a SHA-256 repository object ids are 64 hex digits, the zero id too.
func TestMarkConflictsSHA256(t *testing.T) {
	setup(t)
	top, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	run(t, top, "init", "-q", "--object-format=sha256")
	treetest.WriteDir(t, top, map[string]string{"f.txt": "ours\n"})
	run(t, top, "add", "f.txt")
	run(t, top, "commit", "-q", "-m", "first")
	r := find(t, top)
	c := Conflict{Path: "f.txt", Base: &Stage{Data: []byte("base\n")}, Ours: &Stage{Data: []byte("ours\n")}, Theirs: &Stage{Data: []byte("theirs\n")}}
	if err := r.MarkConflicts([]Conflict{c}); err != nil {
		t.Fatal(err)
	}
	if code := statusCodes(t, top)["f.txt"]; code != "UU" {
		t.Errorf("git status: %q, want UU", code)
	}
	ours := strings.TrimSpace(run(t, top, "rev-parse", ":2:f.txt"))
	if want := strings.TrimSpace(run(t, top, "rev-parse", "HEAD:f.txt")); ours != want || len(ours) != 64 {
		t.Errorf("stage 2 = %s, want %s", ours, want)
	}
}

// TestResetPristine: a record made beside a write that failed is taken
// back: to the tip before it, or to no ref at all.
func TestResetPristine(t *testing.T) {
	setup(t)
	top := newRepo(t, map[string]string{"x": "x\n"})
	r := find(t, top)
	record := func(body string) string {
		t.Helper()
		was, err := r.RecordPristine([]File{{Path: "x", Data: []byte(body), Mode: 0o644}}, "m")
		if err != nil {
			t.Fatal(err)
		}
		return was
	}
	tip := func() string {
		return strings.TrimSpace(run(t, top, "for-each-ref", "--format=%(objectname)", r.PristineRef()))
	}
	if was := record("1\n"); was != "" {
		t.Errorf("the first record: was %q, want none", was)
	}
	if err := r.ResetPristine(""); err != nil {
		t.Fatal(err)
	}
	if got := tip(); got != "" {
		t.Errorf("after a reset to none: %q", got)
	}
	record("1\n")
	first := tip()
	if was := record("2\n"); was != first {
		t.Errorf("the second record: was %q, want %s", was, first)
	}
	if err := r.ResetPristine(first); err != nil {
		t.Fatal(err)
	}
	if got := tip(); got != first {
		t.Errorf("after a reset: %s, want %s", got, first)
	}
}
