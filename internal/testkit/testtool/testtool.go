// Package testtool finds the outside programs and files that tests use
// (shellcheck, git, goreleaser, the CircleCI schema, ...). Locally a missing
// tool skips the test with a line saying how to install it; CI sets
// GOMICRO_REQUIRE_TOOLS=1 so that the same skip fails.
//
// Tools are looked up on PATH first, then in the tools cache that .ci/run
// fills (CacheDir()/bin), so a test finds them whether or not PATH was set up.
package testtool

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// RequireEnv is the variable that turns every "not installed" skip into a
// failure. .ci/run sets it.
const RequireEnv = "GOMICRO_REQUIRE_TOOLS"

// CacheDir is where .ci/run installs the tools it builds or downloads:
// $GOMICRO_TOOLS_CACHE when set, else ${XDG_CACHE_HOME:-$HOME/.cache}/gomicro-tools
// (the same expression .ci/run uses, on every OS).
func CacheDir() string {
	if dir := os.Getenv("GOMICRO_TOOLS_CACHE"); dir != "" {
		return dir
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "gomicro-tools")
}

// Require returns the path of the program name, found on PATH or in
// CacheDir()/bin, or skips (fails in CI) the test.
func Require(t testing.TB, name, howToInstall string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if dir := CacheDir(); dir != "" {
		if path, err := exec.LookPath(filepath.Join(dir, "bin", name)); err == nil {
			return path
		}
	}
	missing(t, name+" not found on PATH or in "+filepath.Join(CacheDir(), "bin"), howToInstall)
	return ""
}

// RequireFile returns the path of a file the test needs: the value of envVar
// when that is set (it must then exist), else defaultPath (relative paths are
// taken inside CacheDir()) when it exists; otherwise it skips (fails in CI)
// the test.
func RequireFile(t testing.TB, envVar, defaultPath, howToInstall string) string {
	t.Helper()
	if p := os.Getenv(envVar); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s=%s: %v", envVar, p, err)
		}
		return p
	}
	p := defaultPath
	if !filepath.IsAbs(p) {
		p = filepath.Join(CacheDir(), p)
	}
	if _, err := os.Stat(p); err == nil {
		return p
	}
	missing(t, "neither $"+envVar+" nor "+p+" exists", howToInstall)
	return ""
}

func missing(t testing.TB, what, howToInstall string) {
	t.Helper()
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("%s and %s is set; install it: %s", what, RequireEnv, howToInstall)
	}
	t.Skipf("%s; install it to run this test: %s", what, howToInstall)
}

// Deadline is when a test must give up waiting: the test binary's own
// deadline (go test -timeout), less a little time to report what it was
// waiting for. Without -timeout there is none, and neither is there here.
// Waiting with this, never with a fixed number of seconds, is how a test
// passes on a loaded machine and still ends when something truly hangs.
func Deadline(t testing.TB) (time.Time, bool) {
	d, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return time.Time{}, false
	}
	deadline, ok := d.Deadline()
	if !ok {
		return time.Time{}, false
	}
	margin := min(time.Until(deadline)/20, 10*time.Second)
	return deadline.Add(-margin), true
}

// Context is the test's context, ended at Deadline.
func Context(t testing.TB) context.Context {
	ctx := t.Context()
	if deadline, ok := Deadline(t); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		t.Cleanup(cancel)
	}
	return ctx
}

// Before reports whether the test may go on waiting at now: before
// Deadline, or always when there is none.
func Before(t testing.TB, now time.Time) bool {
	deadline, ok := Deadline(t)
	return !ok || now.Before(deadline)
}
