package templates_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gomicro/gomicro/internal/testkit/proctest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// The generated service's exit statuses (main.go.tmpl).
const (
	exitUsage  = 2 // a bad flag or environment variable
	exitForced = 1 // a second signal during the graceful shutdown
)

// checkWeb runs the web service built for this machine: JSON logs, the
// routes and a clean SIGTERM exit after a short drain; text logs, /readyz
// turning 503 during a long drain and a second SIGTERM ending it at once;
// bad LOG_FORMAT and SHUTDOWN_DRAIN values refused with exit status 2.
func checkWeb(ctx context.Context, t *testing.T, bin string, env []string, name, sha6 string) {
	t.Run("json-logs", func(t *testing.T) {
		p := start(ctx, t, bin, env, []string{"LOG_FORMAT=json", "SHUTDOWN_DRAIN=50ms"}, "-addr", "127.0.0.1:0")
		addr := p.stderr.WaitFor(t, regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`))[1]
		for path, want := range map[string]struct {
			status int
			body   string
		}{
			"/healthz": {http.StatusOK, "ok\n"},
			"/readyz":  {http.StatusOK, "ok\n"},
			"/version": {http.StatusOK, sha6 + "\n"},
			"/nope":    {http.StatusNotFound, ""},
		} {
			status, body := get(t, addr, path)
			if status != want.status || (want.body != "" && body != want.body) {
				t.Errorf("GET %s = %d %q, want %d %q", path, status, body, want.status, want.body)
			}
		}
		p.signal(t, syscall.SIGTERM)
		if code := p.wait(t); code != 0 {
			t.Fatalf("exit status %d after SIGTERM, want 0; stderr:\n%s", code, p.stderr)
		}

		lines := jsonLines(t, p.stderr.String())
		var msgs []string
		for _, l := range lines {
			msgs = append(msgs, fmt.Sprint(l["msg"]))
			switch {
			case l["msg"] == "listening" && l["version"] != sha6:
				t.Errorf("start log %v, want version %s", l, sha6)
			case l["msg"] == "request" && l["path"] == "/nope" && l["status"] != float64(http.StatusNotFound):
				t.Errorf("request log %v, want status 404", l)
			}
		}
		want := []string{"listening", "request", "shutdown requested; a second signal exits at once", "draining", "closing", "stopped"}
		if got := slices.Compact(msgs); !isSubsequence(want, got) {
			t.Errorf("log messages %q, want these in order: %q", got, want)
		}
		if out := p.stdout.String(); out != "" {
			t.Errorf("stdout %q, want nothing (logs go to stderr)", out)
		}
	})

	t.Run("drain", func(t *testing.T) {
		// A drain far longer than the test: only the second signal can end it.
		p := start(ctx, t, bin, env, nil, "-addr", "127.0.0.1:0", "-drain", "1h")
		m := p.stderr.WaitFor(t, regexp.MustCompile(`msg=listening addr=(\S+) version=(\S+)`))
		addr := m[1]
		if m[2] != sha6 {
			t.Errorf("start log names version %s, want %s", m[2], sha6)
		}
		p.signal(t, syscall.SIGTERM)
		for ; ; time.Sleep(20 * time.Millisecond) { // the readiness flip is the process's to make
			status, body := get(t, addr, "/readyz")
			if status == http.StatusServiceUnavailable {
				break
			}
			if status != http.StatusOK || body != "ok\n" || !testtool.Before(t, time.Now()) {
				t.Fatalf("GET /readyz after SIGTERM = %d %q, want 200 until it turns 503; stderr:\n%s", status, body, p.stderr)
			}
		}
		if status, body := get(t, addr, "/version"); status != http.StatusOK || body != sha6+"\n" {
			t.Errorf("GET /version during the drain = %d %q, want 200 %q", status, body, sha6+"\n")
		}
		p.signal(t, syscall.SIGTERM)
		if code := p.wait(t); code != exitForced {
			t.Fatalf("exit status %d after a second SIGTERM, want %d; stderr:\n%s", code, exitForced, p.stderr)
		}
		p.stderr.MustContain(t, "msg=draining drain=1h0m0s", "second signal")
	})

	checkUsageErrors(ctx, t, bin, env, []string{"-addr", "127.0.0.1:0"}, map[string]string{
		"LOG_FORMAT=xml":      `LOG_FORMAT="xml"`,
		"LOG_LEVEL=loud":      `LOG_LEVEL="loud"`,
		"SHUTDOWN_DRAIN=soon": "SHUTDOWN_DRAIN",
	})
}

// checkWorker runs the worker built for this machine: rounds on $INTERVAL
// with JSON logs and a clean SIGTERM exit; text logs, -interval and two
// SIGTERMs at once; bad LOG_FORMAT and INTERVAL values refused.
func checkWorker(ctx context.Context, t *testing.T, bin string, env []string, name, sha6 string) {
	t.Run("json-logs", func(t *testing.T) {
		p := start(ctx, t, bin, env, []string{"LOG_FORMAT=json", "INTERVAL=20ms"})
		p.stderr.WaitFor(t, regexp.MustCompile(`(?s)"msg":"working".*"msg":"working"`))
		p.signal(t, syscall.SIGTERM)
		if code := p.wait(t); code != 0 {
			t.Fatalf("exit status %d after SIGTERM, want 0; stderr:\n%s", code, p.stderr)
		}
		var msgs []string
		for _, l := range jsonLines(t, p.stderr.String()) {
			msgs = append(msgs, fmt.Sprint(l["msg"]))
			if l["msg"] == "starting" && (l["version"] != sha6 || l["interval"] != float64(20*time.Millisecond)) {
				t.Errorf("start log %v, want version %s and interval 20ms", l, sha6)
			}
		}
		want := []string{"starting", "working", "shutdown requested; a second signal exits at once", "stopped"}
		if got := slices.Compact(msgs); !isSubsequence(want, got) {
			t.Errorf("log messages %q, want these in order: %q", got, want)
		}
	})

	t.Run("two-signals", func(t *testing.T) {
		// The worker's sample round is instant, so the process is almost
		// always between rounds: the first signal ends it with status 0,
		// unless the second is handled first (forced, status 1). Either way
		// it exits promptly. A second signal during a shutdown that would
		// not end is the generated main_test.go's TestSecondSignalExitsAtOnce
		// (real signals to a child process); the round finished after the
		// first signal is its TestRunFinishesTheRoundWhenCancelled.
		p := start(ctx, t, bin, env, nil, "-interval", "1h")
		p.stderr.WaitFor(t, regexp.MustCompile(`msg=starting version=`+regexp.QuoteMeta(sha6)+` interval=1h0m0s`))
		p.stderr.WaitFor(t, regexp.MustCompile(`msg=working`))
		p.signal(t, syscall.SIGTERM)
		// The first may have ended it already: then there is no one to
		// send the second to, which is no failure.
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Fatalf("second SIGTERM: %v", err)
		}
		if code := p.wait(t); code != 0 && code != exitForced {
			t.Fatalf("exit status %d after two SIGTERMs, want 0 or %d; stderr:\n%s", code, exitForced, p.stderr)
		}
		p.stderr.MustContain(t, "shutdown requested")
	})

	checkUsageErrors(ctx, t, bin, env, nil, map[string]string{
		"LOG_FORMAT=xml": `LOG_FORMAT="xml"`,
		"LOG_LEVEL=loud": `LOG_LEVEL="loud"`,
		"INTERVAL=soon":  "INTERVAL",
	})
}

// checkUsageErrors runs the service with args once per bad variable in
// cases: each run must exit 2 at once with a message holding cases[variable].
func checkUsageErrors(ctx context.Context, t *testing.T, bin string, env, args []string, cases map[string]string) {
	t.Run("usage-errors", func(t *testing.T) {
		for kv, want := range cases {
			p := start(ctx, t, bin, env, []string{kv}, args...)
			if code := p.wait(t); code != exitUsage || !strings.Contains(p.stderr.String(), want) {
				t.Errorf("with %s: exit status %d, stderr %q; want %d and a message naming %s", kv, code, p.stderr, exitUsage, want)
			}
		}
	})
}

// checkVCSVersion checks the version fallback of a plain go build in the
// generated git repository dir (one commit, its build output ignored): the
// commit's 6-character prefix with VCS stamping, "-dirty" added when the work
// tree has changes (in a clone, with an untracked file), DEV without it.
func checkVCSVersion(ctx context.Context, t *testing.T, dir string, env []string, name, sha6 string) {
	t.Run("vcs-version", func(t *testing.T) {
		tmp := t.TempDir()
		build := func(dir, buildvcs, out string) string {
			t.Helper()
			bin := filepath.Join(tmp, out)
			// This machine's go env may hold GOFLAGS=-buildvcs=false: say what we mean.
			env := append(slices.Clip(env), "GOFLAGS=-buildvcs="+buildvcs)
			run(ctx, t, dir, env, "go", "build", "-buildvcs="+buildvcs, "-o", bin, ".")
			return strings.TrimSpace(run(ctx, t, dir, env, bin, "-version"))
		}
		if got := build(dir, "true", "stamped"); got != sha6 {
			t.Errorf("go build -buildvcs=true; %s -version = %q, want the commit's %q", name, got, sha6)
		}
		if got := build(dir, "false", "unstamped"); got != "DEV" {
			t.Errorf("go build -buildvcs=false; %s -version = %q, want DEV", name, got)
		}
		clone := filepath.Join(tmp, "clone")
		run(ctx, t, tmp, env, "git", "clone", "-q", dir, clone)
		if err := os.WriteFile(filepath.Join(clone, "scratch.txt"), []byte("an edit\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := build(clone, "true", "dirty"); got != sha6+"-dirty" {
			t.Errorf("go build -buildvcs=true with an untracked file; %s -version = %q, want %q", name, got, sha6+"-dirty")
		}
	})
}

// proc is a running service binary.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *proctest.Buffer
	done           chan struct{} // closed once the process has exited and err is set
	err            error         // cmd.Wait's
}

// start runs bin with args in env plus vars, and kills it when the test ends.
// env (gentest.ProjectEnv) holds none of the service's own variables, so
// the service sees only those in vars.
func start(ctx context.Context, t *testing.T, bin string, env, vars []string, args ...string) *proc {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(slices.Clone(env), vars...)
	p := &proc{cmd: cmd, stdout: &proctest.Buffer{}, stderr: &proctest.Buffer{}, done: make(chan struct{})}
	cmd.Stdout = p.stdout
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	return p
}

func (p *proc) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v; stderr:\n%s", sig, err, p.stderr)
	}
}

// wait waits for the process to exit, up to the test's deadline, and
// returns its exit status.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-testtool.Context(t).Done():
		t.Fatalf("still running at the test's deadline; stderr:\n%s", p.stderr)
	}
	var exit *exec.ExitError
	switch {
	case p.err == nil:
		return 0
	case errors.As(p.err, &exit) && exit.Exited():
		return exit.ExitCode()
	}
	t.Fatalf("%v; stderr:\n%s", p.err, p.stderr) // killed by a signal, say
	return 0
}

// get sends GET path to addr on a new connection and returns the status and body.
func get(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, string(body)
}

// jsonLines parses a JSON-lines log, failing the test on a line that is not
// a JSON object with time, level and msg.
func jsonLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(log) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line %q is not JSON: %v", line, err)
			continue
		}
		for _, key := range []string{"time", "level", "msg"} {
			if _, ok := m[key]; !ok {
				t.Errorf("log line %q has no %q", line, key)
			}
		}
		lines = append(lines, m)
	}
	return lines
}

// isSubsequence reports whether want's elements appear in got in order.
func isSubsequence(want, got []string) bool {
	for _, g := range got {
		if len(want) > 0 && g == want[0] {
			want = want[1:]
		}
	}
	return len(want) == 0
}
