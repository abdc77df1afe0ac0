package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// discard is a logger for tests that do not look at the log.
var discard = slog.New(slog.DiscardHandler)

// logLines parses a JSON log (newLogger's "json" format) into its lines.
func logLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(log) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// syncBuffer is a bytes.Buffer that a logger in another goroutine may write.
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

func TestWork(t *testing.T) {
	var log bytes.Buffer
	logger, err := newLogger(&log, "text", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := work(t.Context(), logger); err != nil {
		t.Fatalf("work = %v, want nil", err)
	}
	if !strings.Contains(log.String(), "msg=working") {
		t.Errorf("work logged %q, want msg=working", &log)
	}
}

func TestRunRepeatsWorkUntilCancelled(t *testing.T) {
	var log syncBuffer
	logger, err := newLogger(&log, "json", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	calls := 0 // only run's goroutine touches it until run returns
	fakeWork := func(context.Context, *slog.Logger) error {
		calls++
		if calls == 1 {
			return errors.New("first round fails") // logged; the loop carries on
		}
		if calls == 3 {
			cancel()
		}
		return nil
	}
	returned := make(chan struct{})
	go func() {
		run(ctx, logger, time.Millisecond, fakeWork)
		close(returned)
	}()
	<-returned
	if calls != 3 {
		t.Errorf("work ran %d times, want 3", calls)
	}
	lines := logLines(t, log.String())
	if len(lines) != 1 || lines[0]["msg"] != "round failed" || lines[0]["err"] != "first round fails" {
		t.Errorf("log %v, want one line msg=\"round failed\" err=\"first round fails\"", lines)
	}
}

func TestRunFinishesTheRoundWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	inRound := make(chan context.Context)
	endRound := make(chan struct{})
	calls := 0
	fakeWork := func(ctx context.Context, _ *slog.Logger) error {
		calls++
		inRound <- ctx
		<-endRound
		return nil
	}
	returned := make(chan struct{})
	go func() {
		run(ctx, discard, time.Hour, fakeWork)
		close(returned)
	}()

	roundCtx := <-inRound
	cancel() // the first signal, in the middle of a round
	if err := roundCtx.Err(); err != nil {
		t.Errorf("the round's context ended with the signal (%v); the round should run to its end", err)
	}
	select {
	case <-returned:
		t.Fatal("run returned before the round in progress ended")
	default:
	}
	close(endRound)
	<-returned
	if calls != 1 {
		t.Errorf("work ran %d times, want 1: no round starts after the signal", calls)
	}
}

func TestRunStopsAtOnceWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := 0
	run(ctx, discard, time.Hour, func(context.Context, *slog.Logger) error {
		calls++
		return nil
	})
	if calls != 0 {
		t.Errorf("work ran %d times with a cancelled context, want 0", calls)
	}
}

func TestHandleSignals(t *testing.T) {
	var log syncBuffer
	logger, err := newLogger(&log, "text", "")
	if err != nil {
		t.Fatal(err)
	}
	sigs := make(chan os.Signal)
	shutdown := make(chan struct{})
	exited := make(chan int, 1)
	go handleSignals(sigs, logger, func() { close(shutdown) }, func(code int) { exited <- code })

	sigs <- syscall.SIGTERM
	<-shutdown // the first signal begins the shutdown...
	select {
	case code := <-exited:
		t.Fatalf("exit(%d) after the first signal, want a graceful shutdown", code)
	default: // ...and does not exit
	}
	sigs <- os.Interrupt
	if code := <-exited; code != forcedExitStatus {
		t.Errorf("exit(%d) after the second signal, want exit(%d)", code, forcedExitStatus)
	}
	for _, want := range []string{"signal=terminated", "second signal", "signal=interrupt"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, &log)
		}
	}
}

// TestSecondSignalExitsAtOnce sends real signals to a child process (this
// test binary run again) whose graceful shutdown would take an hour: the
// first signal begins the shutdown, the second ends the process at once.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	if os.Getenv("TEST_SIGNAL_CHILD") == "1" {
		logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
		ctx := shutdownOnSignal(logger)
		logger.Info("ready")
		<-ctx.Done()
		time.Sleep(time.Hour) // a shutdown far too slow
		return
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM to send on Windows")
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestSecondSignalExitsAtOnce$")
	cmd.Env = append(os.Environ(), "TEST_SIGNAL_CHILD=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	// readUntil reads the child's log up to a line that holds s.
	readUntil := func(s string) {
		t.Helper()
		for lines.Scan() {
			if strings.Contains(lines.Text(), s) {
				return
			}
		}
		t.Fatalf("the child's log ended without %q", s)
	}
	signal := func() {
		t.Helper()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}

	readUntil("msg=ready") // its signal handling is in place
	signal()
	readUntil("shutdown requested")
	signal()
	readUntil("second signal")
	for lines.Scan() { // read to the end before Wait closes the pipe
	}
	var exit *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &exit) || exit.ExitCode() != forcedExitStatus {
		t.Fatalf("the child ended with %v, want exit status %d", err, forcedExitStatus)
	}
}

func TestNewLogger(t *testing.T) {
	tests := []struct {
		format, level string
		want          string // the start of the line logged by Info, or "" for none
		wantErr       string
	}{
		{"", "", "time=", ""},
		{"text", "", "time=", ""},
		{"json", "", `{"time":`, ""},
		{"json", "warn", "", ""},
		{"json", "DEBUG", `{"time":`, ""},
		{"xml", "", "", `LOG_FORMAT="xml"`},
		{"JSON", "", "", `LOG_FORMAT="JSON"`},
		{"json", "verbose", "", `LOG_LEVEL="verbose"`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		logger, err := newLogger(&out, tt.format, tt.level)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("newLogger(%q, %q) error = %v, want one naming %s", tt.format, tt.level, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("newLogger(%q, %q) = %v", tt.format, tt.level, err)
			continue
		}
		logger.Info("hello", "k", "v")
		if got := out.String(); !strings.HasPrefix(got, tt.want) || (tt.want == "") != (got == "") {
			t.Errorf("newLogger(%q, %q) logged %q, want a line starting %q", tt.format, tt.level, got, tt.want)
		}
	}
}

func TestVersionFrom(t *testing.T) {
	vcs := func(settings ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{}
		for i := 0; i < len(settings); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return info
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name, version string
		info          *debug.BuildInfo
		want          string
	}{
		{"set by -ldflags", "abc123", vcs("vcs.revision", rev), "abc123"},
		{"no build info", "DEV", nil, "DEV"},
		{"no VCS info", "DEV", vcs("-trimpath", "true"), "DEV"},
		{"clean checkout", "DEV", vcs("vcs", "git", "vcs.revision", rev, "vcs.modified", "false"), "012345"},
		{"edited checkout", "DEV", vcs("vcs.revision", rev, "vcs.modified", "true"), "012345-dirty"},
		{"short revision", "DEV", vcs("vcs.revision", "1234"), "1234"},
	}
	for _, tt := range tests {
		if got := versionFrom(tt.version, tt.info); got != tt.want {
			t.Errorf("%s: versionFrom(%q, ...) = %q, want %q", tt.name, tt.version, got, tt.want)
		}
	}
}

func TestDurationEnv(t *testing.T) {
	const name = "TEST_DURATION_ENV"
	for value, want := range map[string]time.Duration{"": 3 * time.Second, "250ms": 250 * time.Millisecond, "0": 0} {
		t.Setenv(name, value)
		if got, err := durationEnv(name, 3*time.Second); err != nil || got != want {
			t.Errorf("%s=%q: durationEnv = %v, %v; want %v", name, value, got, err, want)
		}
	}
	t.Setenv(name, "soon")
	if _, err := durationEnv(name, time.Second); err == nil || !strings.Contains(err.Error(), name) {
		t.Errorf("%s=soon: durationEnv error = %v, want one naming %s", name, err, name)
	}
}
