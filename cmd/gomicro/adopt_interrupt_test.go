//go:build linux || darwin || freebsd || netbsd || openbsd

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// SIGINT while adopt writes .gomicro.yml: the repository is as it was.
func TestInterruptAdopt(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := treetest.SnapshotDir(t, dir)
	g := startGomicro(t, dir, []string{"GOMICRO_TEST_HOLD=1"}, "adopt", "--template", "service", "--set", "github_username=acme")
	g.waitFor(t, "gomicro-test: holding")
	if _, err := os.Stat(filepath.Join(dir, ".gomicro.yml")); err != nil {
		t.Fatalf("holding, but .gomicro.yml is not being written: %v", err)
	}
	if status := g.stop(t, syscall.SIGINT); status != 130 {
		t.Errorf("exit status %d, want 130; stderr:\n%s", status, g.stderr.String())
	}
	if !strings.Contains(g.stderr.String(), "gomicro: cancelled: nothing written") {
		t.Errorf("stderr:\n%s", g.stderr.String())
	}
	treetest.Equal(t, "after the interrupt", treetest.SnapshotDir(t, dir), before)
}
