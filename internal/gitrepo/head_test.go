package gitrepo

import (
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// TestHead asks for HEAD's commit before the first commit, on a branch,
// detached, and from a project in a subdirectory.
func TestHead(t *testing.T) {
	setup(t)
	top := newRepo(t, map[string]string{"svc/main.go": "package main\n"})
	dir := t.TempDir()
	run(t, dir, "init", "-q")
	unborn := find(t, dir)
	if id, err := unborn.Head(); id != "" || err != nil {
		t.Errorf("Head() before the first commit = %q, %v; want \"\", nil", id, err)
	}

	first := strings.TrimSpace(run(t, top, "rev-parse", "HEAD"))
	treetest.WriteDir(t, top, map[string]string{"svc/main.go": "package main // two\n"})
	run(t, top, "commit", "-qam", "second")
	second := strings.TrimSpace(run(t, top, "rev-parse", "HEAD"))
	r := find(t, top+"/svc")
	if id, err := r.Head(); id != second || err != nil {
		t.Errorf("Head() on a branch = %q, %v; want %s", id, err, second)
	}
	run(t, top, "checkout", "-q", "--detach", first)
	if id, err := r.Head(); id != first || err != nil {
		t.Errorf("Head() detached = %q, %v; want %s", id, err, first)
	}
}
