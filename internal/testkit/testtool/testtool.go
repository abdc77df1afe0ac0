// Package testtool finds the outside programs and files that tests use
// (shellcheck, git, goreleaser, the CircleCI schema, ...). Locally a missing
// tool skips the test with a line saying how to install it; CI sets
// GOMICRO_REQUIRE_TOOLS=1 so that the same skip fails.
//
// Tools are looked up on PATH first, then in the tools cache that .ci/run
// fills (CacheDir()/bin), so a test finds them whether or not PATH was set up.
//
// A package whose tests use it runs them through Main (or Report), which
// ends the run with one line per missing tool on stderr, such as
//
//	templates: 12 checks skipped: goreleaser not on PATH (go install github.com/goreleaser/goreleaser/v2@v2.15.1)
//
// so that a plain go test ./..., which shows nothing of a passing package
// but its ok line, still says what it did not check (see summaryWriter).
package testtool

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
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
// CacheDir()/bin, or skips (fails in CI) the test. A check that needs no
// tool itself but the output of one (the archives a goreleaser build
// leaves) requires that tool too, so that it skips with it instead of
// failing for want of its output.
func Require(t testing.TB, name, howToInstall string) string {
	t.Helper()
	if path, ok := Find(name); ok {
		return path
	}
	missing(t, name, name+" not on PATH", howToInstall)
	return ""
}

// Find looks name up as Require does, without skipping: on PATH, then in
// CacheDir()/bin.
func Find(name string) (string, bool) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, true
	}
	if dir := CacheDir(); dir != "" {
		if path, err := exec.LookPath(filepath.Join(dir, "bin", name)); err == nil {
			return path, true
		}
	}
	return "", false
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
	missing(t, envVar, "no "+filepath.Base(p)+" ($"+envVar+" unset, not in "+filepath.Dir(p)+")", howToInstall)
	return ""
}

func missing(t testing.TB, key, what, howToInstall string) {
	t.Helper()
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("%s and %s is set; install it: %s", what, RequireEnv, howToInstall)
	}
	skipped.add(key, what, howToInstall, t.Name())
	t.Skipf("%s; install it to run this test: %s (bash .ci/run installs every tool the tests use)", what, howToInstall)
}

// skipped counts, per missing tool, the checks it skipped, for Report.
var skipped = skipLog{byKey: map[string]*toolSkips{}}

type skipLog struct {
	mu    sync.Mutex
	byKey map[string]*toolSkips
	order []string
}

type toolSkips struct {
	what, howToInstall string
	tests              map[string]bool
}

func (l *skipLog) add(key, what, howToInstall, test string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.byKey[key]
	if !ok {
		s = &toolSkips{what: what, howToInstall: howToInstall, tests: map[string]bool{}}
		l.byKey[key] = s
		l.order = append(l.order, key)
	}
	s.tests[test] = true
}

// lines is the report: one line per missing tool, in the order they were
// first missed.
func (l *skipLog) lines(pkg string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var lines []string
	for _, key := range l.order {
		s := l.byKey[key]
		checks := "checks"
		if len(s.tests) == 1 {
			checks = "check"
		}
		lines = append(lines, fmt.Sprintf("%s: %d %s skipped: %s (%s)", pkg, len(s.tests), checks, s.what, s.howToInstall))
	}
	return lines
}

// Main runs the package's tests and exits with their status, after Report.
func Main(m *testing.M) {
	os.Exit(Report(m.Run()))
}

// Report prints, once the tests have run, one line per tool whose absence
// skipped checks (see the package comment) where the person who ran go test
// sees it, and returns code. For a TestMain that hands m to another runner
// (testscript.Main): give it a Reporting(m).
func Report(code int) int {
	lines := skipped.lines(packageName())
	if len(lines) == 0 {
		return code
	}
	w, done := summaryWriter()
	defer done()
	fmt.Fprintln(w, strings.Join(lines, "\n"))
	return code
}

// Reporting wraps m so that its Run ends with Report.
func Reporting(m interface{ Run() int }) interface{ Run() int } {
	return reporting{m}
}

type reporting struct{ m interface{ Run() int } }

func (r reporting) Run() int { return Report(r.m.Run()) }

// packageName is the last element of the package under test, from the
// test binary's name (templates.test).
func packageName() string {
	name := filepath.Base(os.Args[0])
	name = strings.TrimSuffix(name, ".exe")
	return strings.TrimSuffix(name, ".test")
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

// CCompiler is the C compiler cgo would use ($CC, else the go command's
// default) and whether it is installed. Without one, go test -race cannot
// run: the race detector needs cgo.
func CCompiler() (string, bool) {
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
		if runtime.GOOS == "darwin" || runtime.GOOS == "freebsd" || runtime.GOOS == "openbsd" {
			cc = "clang"
		}
	}
	_, ok := Find(cc)
	return cc, ok
}

// RequireRace skips (fails in CI) a test that runs the race detector where
// there is no C compiler for it.
func RequireRace(t testing.TB) {
	t.Helper()
	if cc, ok := CCompiler(); !ok {
		missing(t, cc, cc+" not on PATH, which the race detector needs", "apt-get install -y gcc")
	}
}

// WriteExecutable writes data to path, mode 0755, for the test to run.
// Written plainly, a process that another goroutine of the test binary
// forks while the file is open for writing inherits the descriptor until
// it execs, and running the file in that moment fails with ETXTBSY, "text
// file busy" (go.dev/issue/22315; seen in the matrix under load). Holding
// syscall.ForkLock for reading, as code that opens descriptors must to keep
// them out of children, lets no fork happen while the file is open.
func WriteExecutable(t testing.TB, path string, data []byte) {
	t.Helper()
	syscall.ForkLock.RLock()
	err := os.WriteFile(path, data, 0o755)
	syscall.ForkLock.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
}
