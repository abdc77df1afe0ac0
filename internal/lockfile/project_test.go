package lockfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The lock never lives in the project's tree: in the git directory when
// there is one (a linked work tree's own), else in the user's cache.
func TestProjectPath(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, "cache")
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", filepath.Join(dir, "home"))
	mkdir := func(p string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(dir, p)
	}
	mkdir("repo/.git")
	mkdir("repo/svc")
	mkdir("wt")
	mkdir("repo/.git/worktrees/wt")
	if err := os.WriteFile(filepath.Join(dir, "wt/.git"), []byte("gitdir: ../repo/.git/worktrees/wt\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mkdir("plain")
	if err := os.Symlink(filepath.Join(dir, "plain"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ dir, want string }{
		{"repo", filepath.Join(dir, "repo/.git/gomicro.lock")},
		{"repo/svc", filepath.Join(dir, "repo/.git/gomicro.lock")},
		{"repo/svc/not-yet", filepath.Join(dir, "repo/.git/gomicro.lock")},
		{"wt", filepath.Join(dir, "repo/.git/worktrees/wt/gomicro.lock")},
	} {
		if got, err := ProjectPath(filepath.Join(dir, tt.dir)); err != nil || got != tt.want {
			t.Errorf("ProjectPath(%s) = %q, %v; want %q", tt.dir, got, err, tt.want)
		}
	}
	plain, err := ProjectPath(filepath.Join(dir, "plain"))
	if err != nil || !strings.HasPrefix(plain, filepath.Join(cache, "gomicro", "locks")+string(filepath.Separator)) {
		t.Errorf("ProjectPath(plain) = %q, %v; want a file in the cache", plain, err)
	}
	if link, _ := ProjectPath(filepath.Join(dir, "link")); link != plain {
		t.Errorf("ProjectPath(link) = %q, want plain's %q", link, plain)
	}
}

// A second taker waits, then is told who holds the lock; after the
// release it takes it at once.
func TestProjectBusy(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	release, err := Project(context.Background(), dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	// flock is per open file: a second open in this process conflicts too.
	_, err = Project(context.Background(), dir, 0)
	var busy *BusyError
	if !errors.As(err, &busy) || busy.PID != os.Getpid() {
		t.Fatalf("second Project: %v, want busy with pid %d", err, os.Getpid())
	}
	release()
	release, err = Project(context.Background(), dir, 0)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	release()
}
