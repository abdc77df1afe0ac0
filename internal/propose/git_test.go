package propose

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/testkit/gittest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// TestMain ends the run with one line per tool whose absence skipped checks.
func TestMain(m *testing.M) { testtool.Main(m) }

// branch is the branch every test proposes on.
const branch = "gomicro/upgrade"

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
	for _, k := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CEILING_DIRECTORIES", "GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS"} {
		unsetenv(t, k)
	}
}

// unsetenv removes k for the rest of the test.
func unsetenv(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "") // restores the old value afterwards
	os.Unsetenv(k)
}

// run runs git in dir and returns its standard output, without the final
// newline; the test fails if git does.
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return runStdin(t, dir, "", args...)
}

func runStdin(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	return strings.TrimSuffix(string(output(t, dir, stdin, args...)), "\n")
}

// output runs git in dir with stdin and returns all of its standard output.
func output(t *testing.T, dir, stdin string, args ...string) []byte {
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
	return out
}

// base is the project every test starts from, committed on main.
var base = map[string]string{
	".gomicro.yml": "version: 1.0.0\n",
	"main.go":      "package main\n",
	"old.txt":      "old\n",
	"run.sh":       "#!/bin/sh\n",
	"svc/go.mod":   "module svc\n",
}

// newRepo makes a repository in a new directory with base committed on
// main, and a bare repository beside it as its origin. It returns the
// symlink-free top of the work tree and the first commit's id.
func newRepo(t *testing.T) (top, start string) {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	top = filepath.Join(dir, "project")
	run(t, dir, "init", "-q", "--bare", "origin.git")
	run(t, dir, "init", "-q", "-b", "main", "project")
	write(t, top, base)
	run(t, top, "add", "-A")
	run(t, top, "commit", "-q", "-m", "first")
	run(t, top, "remote", "add", "origin", filepath.Join(dir, "origin.git"))
	run(t, top, "push", "-q", "origin", "main")
	return top, run(t, top, "rev-parse", "HEAD")
}

// repo is the gitrepo.Repo of dir.
func repo(t *testing.T, dir string) *gitrepo.Repo {
	t.Helper()
	r, err := gitrepo.Find(dir)
	if err != nil || r == nil {
		t.Fatalf("gitrepo.Find(%s) = %v, %v; want a repository", dir, r, err)
	}
	return r
}

// write writes files (slash path -> content) below top with mode 0o644,
// making the directories between.
func write(t *testing.T, top string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		name := filepath.Join(top, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(name, 0o644); err != nil { // beat the umask
			t.Fatal(err)
		}
	}
}

// tree lists the files of a commit's tree: path -> "MODE content".
func tree(t *testing.T, top, commit string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, rec := range strings.Split(run(t, top, "ls-tree", "-r", "-z", commit), "\x00") {
		meta, path, ok := strings.Cut(rec, "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta) // mode type id
		files[path] = f[0] + " " + string(output(t, top, "", "cat-file", "blob", f[2]))
	}
	return files
}

// state is what a refused Commit must leave as it was: every ref, HEAD
// and the index.
func state(t *testing.T, top string) string {
	t.Helper()
	return strings.Join([]string{
		run(t, top, "for-each-ref"),
		readFile(t, filepath.Join(top, ".git", "HEAD")),
		run(t, top, "ls-files", "-s"),
	}, "\n")
}

// readFile is the content of the file name.
func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// commits counts the commit objects the repository holds, reachable or not.
func commits(t *testing.T, top string) int {
	t.Helper()
	out := run(t, top, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype)")
	return strings.Count(out, "commit")
}

// message is a commit's message, exactly as stored.
func message(t *testing.T, top, commit string) string {
	t.Helper()
	_, msg, _ := strings.Cut(string(output(t, top, "", "cat-file", "commit", commit)), "\n\n")
	return msg
}

// checkOnBranch checks that the work tree is on branch at commit, made on
// start, with an index that holds commit's tree and git status saying
// wantStatus (clean when "").
func checkOnBranch(t *testing.T, top, start, commit, wantStatus string) {
	t.Helper()
	if got := run(t, top, "symbolic-ref", "HEAD"); got != "refs/heads/"+branch {
		t.Errorf("HEAD is %s, want refs/heads/%s", got, branch)
	}
	if got := run(t, top, "rev-parse", "refs/heads/"+branch); got != commit {
		t.Errorf("%s is at %s, want %s", branch, got, commit)
	}
	if got, want := run(t, top, "rev-list", "--parents", "-n1", commit), commit+" "+start; got != want {
		t.Errorf("commit and parents: %s, want %s", got, want)
	}
	if got := run(t, top, "diff-index", "--cached", "--name-status", commit); got != "" {
		t.Errorf("the index differs from the commit:\n%s", got)
	}
	if got := run(t, top, "status", "--porcelain", "--untracked-files=all"); got != wantStatus {
		t.Errorf("git status --porcelain:\n%s\nwant:\n%s", got, wantStatus)
	}
}

// diffTrees lists how got differs from want, one line per path.
func diffTrees(got, want map[string]string) []string {
	var diffs []string
	for p, w := range want {
		if g, ok := got[p]; !ok {
			diffs = append(diffs, "missing "+p)
		} else if g != w {
			diffs = append(diffs, p+": "+strings.TrimSpace(g)+", want "+strings.TrimSpace(w))
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, "unexpected "+p)
		}
	}
	slices.Sort(diffs)
	return diffs
}
