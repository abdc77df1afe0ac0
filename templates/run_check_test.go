package templates_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// checkWeb starts the web service on a free port, checks /healthz and
// /version, and stops it with SIGTERM.
func checkWeb(ctx context.Context, t *testing.T, bin string, env []string, name, sha6 string) {
	cmd, logs := start(ctx, t, bin, env, "-addr", "127.0.0.1:0")
	m := logs.waitFor(t, regexp.MustCompile(`listening on (\S+)`))
	for path, want := range map[string]string{"/healthz": "ok\n", "/version": sha6 + "\n"} {
		resp, err := http.Get("http://" + m[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || string(body) != want {
			t.Errorf("GET %s = %d %q (%v), want 200 %q", path, resp.StatusCode, body, err, want)
		}
	}
	stop(t, cmd, logs, "Starting "+name+" version "+sha6, "shutting down", "stopped")
}

// checkWorker starts the worker with a short interval, waits for two rounds
// of work, and stops it with SIGTERM.
func checkWorker(ctx context.Context, t *testing.T, bin string, env []string, name, sha6 string) {
	cmd, logs := start(ctx, t, bin, env, "-interval", "20ms")
	logs.waitFor(t, regexp.MustCompile(`(?s)working.*working`))
	stop(t, cmd, logs, "Starting "+name+" version "+sha6, "stopped")
}

func start(ctx context.Context, t *testing.T, bin string, env []string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.Stdout = logs
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, logs
}

// stop sends SIGTERM and wants a clean exit whose log holds every one of lines.
func stop(t *testing.T, cmd *exec.Cmd, logs *syncBuffer, lines ...string) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after SIGTERM: %v; log:\n%s", err, logs)
		}
	case <-testtool.Context(t).Done():
		t.Fatalf("still running at the test's deadline, long after SIGTERM; log:\n%s", logs)
	}
	for _, line := range lines {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, logs)
		}
	}
}

// syncBuffer collects a running process's output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls the output until re matches, up to the test's deadline.
func (b *syncBuffer) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	for ; testtool.Before(t, time.Now()); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			return m
		}
	}
	t.Fatalf("no %q in the output by the test's deadline:\n%s", re, b)
	return nil
}
