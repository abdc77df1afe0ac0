package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/gittest"
)

// TestVersionBuilt builds gomicro from a git repository holding a copy of
// this module, as a person does from a clone, and checks what version and
// --version print: the revision the go command stamped (GOFLAGS=-buildvcs=true,
// whatever go env says), +dirty once a file is edited, and the -X value
// when the build sets one.
func TestVersionBuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gomicro three times")
	}
	for _, tool := range []string{"git", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	src, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(t.TempDir(), "gomicro")
	copyModule(t, src, repo)

	gitEnv := gittest.Env(gittest.Identity...)
	runIn := func(dir string, env []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	runIn(repo, gitEnv, "git", "init", "-q")
	runIn(repo, gitEnv, "git", "add", "-A")
	runIn(repo, gitEnv, "git", "commit", "-q", "-m", "copy")
	rev := runIn(repo, gitEnv, "git", "rev-parse", "HEAD")[:12]

	bin := filepath.Join(t.TempDir(), "gomicro")
	goEnv := append(os.Environ(), "GOFLAGS=-buildvcs=true", "GOWORK=off")
	build := func(ldflags string) {
		t.Helper()
		// As go install ./cmd/gomicro builds it: with the flags this test
		// binary was built with, so that every dependency is a cache hit
		// (-trimpath or CGO_ENABLED=0 would compile them all, and the
		// standard library, once more: ~40 CPU-s on a cold cache).
		runIn(repo, goEnv, "go", "build", "-ldflags="+ldflags, "-o", bin, "./cmd/gomicro")
	}
	check := func(want func(string) bool, what string) {
		t.Helper()
		for _, arg := range []string{"version", "--version"} {
			got := runIn(repo, nil, bin, arg)
			t.Logf("gomicro %s: %s", arg, got)
			if !want(got) {
				t.Errorf("gomicro %s = %q, want %s", arg, got, what)
			}
		}
	}

	build("")
	check(func(s string) bool {
		return strings.HasPrefix(s, "gomicro ") && strings.Contains(s, rev) && !strings.Contains(s, "dirty")
	}, "the revision "+rev)

	readme := filepath.Join(repo, "README.md")
	f, err := os.OpenFile(readme, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("an edit\n")
	f.Close()
	build("")
	check(func(s string) bool {
		return strings.HasPrefix(s, "gomicro ") && strings.Contains(s, rev+"+dirty")
	}, "the revision "+rev+"+dirty")

	build("-X main.Version=1a2b3c")
	check(func(s string) bool { return s == "gomicro 1a2b3c" }, `"gomicro 1a2b3c"`)
}

// copyModule copies the module at src into dst, without its .git (a
// directory, or the file a linked worktree has).
func copyModule(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case d.Name() == ".git" && d.IsDir():
			return filepath.SkipDir
		case d.Name() == ".git":
			return nil // a worktree's .git file: the copy is a repository of its own
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular():
			return nil // symlinks and the like are no part of the build
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}
