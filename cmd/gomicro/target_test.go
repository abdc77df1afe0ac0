//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// readOnlyParent makes parent/target (an empty directory) and makes parent
// immutable, so nothing can be created or removed in it, whoever we are
// (these tests run as root in CI, where a chmod would not stop anything).
func readOnlyParent(t *testing.T) (parent string) {
	t.Helper()
	chattr := testtool.Require(t, "chattr", "apt-get install e2fsprogs")
	parent = filepath.Join(t.TempDir(), "parent")
	if err := os.MkdirAll(filepath.Join(parent, "target"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(chattr, "+i", parent).CombinedOutput(); err != nil {
		t.Fatalf("chattr +i: %v: %s (the temporary directory's file system must support immutable files)", err, out)
	}
	t.Cleanup(func() { exec.Command(chattr, "-i", parent).Run() })
	return parent
}

func runCLI(args ...string) (status int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	status = run(args, IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return status, out.String(), errOut.String()
}

// An empty, writable target inside a parent gomicro cannot write is fine:
// new writes inside the target only. --dry-run agrees.
func TestNewIntoEmptyTargetOfReadOnlyParent(t *testing.T) {
	parent := readOnlyParent(t)
	for _, dry := range []bool{true, false} {
		args := []string{"new", "target", "--output", parent, "--non-interactive", "--no-git"}
		if dry {
			args = append(args, "--dry-run")
		}
		status, stdout, stderr := runCLI(args...)
		if status != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, status, stdout, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(parent, "target", "main.go")); err != nil {
		t.Error(err)
	}
}

// A missing target in a parent gomicro cannot write: one clear line, exit 1,
// and --dry-run says the same.
func TestNewMissingTargetInReadOnlyParent(t *testing.T) {
	parent := readOnlyParent(t)
	for _, dry := range []bool{true, false} {
		args := []string{"new", "svc", "--output", parent, "--non-interactive", "--no-git"}
		if dry {
			args = append(args, "--dry-run")
		}
		status, stdout, stderr := runCLI(args...)
		if status != 1 || !strings.Contains(stderr, "cannot write in "+parent) {
			t.Errorf("%v: exit %d, want 1 naming the parent\n%s%s", args, status, stdout, stderr)
		}
	}
}
