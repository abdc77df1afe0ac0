package gitrepo

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTop(t *testing.T) {
	dir := t.TempDir()
	requireNoRepoAbove(t, dir)
	deep := filepath.Join(dir, "repo", "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if top, ok := Top(deep); ok {
		t.Fatalf("Top(%s) = %s, true before any .git", deep, top)
	}
	// A .git file (a linked work tree, a submodule) counts as a .git directory does.
	if err := os.WriteFile(filepath.Join(dir, "repo", ".git"), []byte("gitdir: elsewhere\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{deep, filepath.Join(dir, "repo")} {
		if top, ok := Top(d); !ok || top != filepath.Join(dir, "repo") {
			t.Errorf("Top(%s) = %s, %v; want %s, true", d, top, ok, filepath.Join(dir, "repo"))
		}
	}
	if top, ok := Top(dir); ok {
		t.Errorf("Top(%s) = %s, true above the repository", dir, top)
	}
}
