// Package gittest gives tests a git that depends on nothing of the machine:
// no system or global configuration (so no user's merge.conflictStyle,
// init.defaultBranch or hooks path changes what a test sees) and, for the
// commits a test makes itself, a fixed identity. It also runs git merge-file,
// the oracle the three-way merge is tested against.
package gittest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/gitrepo/gitenv"
)

// The identity the tests' own commits are made with.
const (
	Name  = "Test Person"
	Email = "test@example.com"
)

// NoConfig is the environment that keeps git from reading any system or
// global configuration file.
var NoConfig = []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull}

// Identity is the environment that makes git commit as Name and Email.
var Identity = []string{
	"GIT_AUTHOR_NAME=" + Name, "GIT_AUTHOR_EMAIL=" + Email,
	"GIT_COMMITTER_NAME=" + Name, "GIT_COMMITTER_EMAIL=" + Email,
}

// init drops the variables that point git at one repository (GIT_DIR,
// GIT_INDEX_FILE, ...), which a test binary inherits when go test runs from
// a git hook or under git rebase -x: a git a test starts must find its
// repository from its own directory, never write into the repository go
// test was run in (one such run once committed test commits and
// core.bare=true into this repository's own .git).
// (It starts no git: a test binary is also the gomicro that testscript
// runs, whose tests count the gits it starts.)
func init() {
	for _, key := range gitenv.Local {
		os.Unsetenv(key)
	}
}

// Env is this process's environment with NoConfig and then extra (KEY=VALUE)
// added, for a command a test starts: a later entry wins.
func Env(extra ...string) []string {
	env := append(os.Environ(), NoConfig...)
	return append(env, extra...)
}

// Isolate sets NoConfig and Identity in the test's environment (t.Setenv:
// restored afterwards, and the test may not be parallel), so every git the
// test and the code under test start is the same hermetic git.
func Isolate(t testing.TB) {
	t.Helper()
	for _, kv := range append(append([]string(nil), NoConfig...), Identity...) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// MergeFile runs git merge-file -p --diff3 in dir on the three sides,
// labelled ours, base and theirsLabel, and returns its output and exit
// status: the number of conflicts, which git caps at 127. Any other failure
// fails the test.
func MergeFile(t testing.TB, git, dir string, base, ours, theirs []byte, theirsLabel string) ([]byte, int) {
	t.Helper()
	for name, data := range map[string][]byte{"base": base, "ours": ours, "theirs": theirs} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(git, "merge-file", "-p", "--diff3",
		"-L", "ours", "-L", "base", "-L", theirsLabel, "ours", "base", "theirs")
	cmd.Dir = dir
	cmd.Env = Env("HOME=" + dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	status := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		status = exit.ExitCode()
	case err != nil:
		t.Fatalf("git merge-file: %v", err)
	}
	if status < 0 || status > 127 {
		t.Fatalf("git merge-file failed with status %d: %s", status, stderr.Bytes())
	}
	return out, status
}
