package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
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

// get sends a GET to the server at addr and returns the status and body.
// Each request gets its own connection, as a load balancer's probe might.
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
		t.Fatalf("GET %s: reading the body: %v", path, err)
	}
	return resp.StatusCode, string(body)
}

func TestHandler(t *testing.T) {
	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string
	}{
		{"GET", "/healthz", http.StatusOK, "ok\n"},
		{"HEAD", "/healthz", http.StatusOK, ""},
		{"GET", "/readyz", http.StatusOK, "ok\n"},
		{"GET", "/version", http.StatusOK, "v1.2.3\n"},
		{"POST", "/healthz", http.StatusMethodNotAllowed, ""},
		{"GET", "/nope", http.StatusNotFound, ""},
	}
	h := newServer(discard, "v1.2.3", 0).handler()
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if tt.wantBody != "" && rec.Body.String() != tt.wantBody {
				t.Errorf("body = %q, want %q", rec.Body.String(), tt.wantBody)
			}
		})
	}
}

func TestReadyzOnceShutdownBegins(t *testing.T) {
	s := newServer(discard, "v1.2.3", 0)
	h := s.handler()
	close(s.stopping) // what run does when shutdown begins
	for path, want := range map[string]int{
		"/readyz":  http.StatusServiceUnavailable,
		"/healthz": http.StatusOK, // the process is still alive
		"/version": http.StatusOK,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("GET %s once shutdown has begun = %d, want %d", path, rec.Code, want)
		}
	}
}

func TestRequestLog(t *testing.T) {
	for _, level := range []string{"info", "debug"} {
		t.Run(level, func(t *testing.T) {
			var log bytes.Buffer
			logger, err := newLogger(&log, "json", level)
			if err != nil {
				t.Fatal(err)
			}
			h := newServer(logger, "v1.2.3", 0).handler()
			for _, path := range []string{"/version", "/healthz", "/nope"} {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
			}

			want := []struct {
				level, path string
				status      float64 // JSON numbers decode as float64
			}{
				{"INFO", "/version", http.StatusOK},
				{"DEBUG", "/healthz", http.StatusOK}, // probes: debug only
				{"INFO", "/nope", http.StatusNotFound},
			}
			if level == "info" {
				want = append(want[:1], want[2])
			}
			lines := logLines(t, log.String())
			if len(lines) != len(want) {
				t.Fatalf("%d log lines, want %d:\n%s", len(lines), len(want), &log)
			}
			for i, w := range want {
				l := lines[i]
				if l["msg"] != "request" || l["level"] != w.level || l["method"] != "GET" || l["path"] != w.path || l["status"] != w.status {
					t.Errorf("log line %d = %v, want msg=request level=%s method=GET path=%s status=%v", i, l, w.level, w.path, w.status)
				}
				if d, ok := l["duration"].(float64); !ok || d < 0 {
					t.Errorf("log line %d has duration %v, want a number of nanoseconds", i, l["duration"])
				}
			}
		})
	}
}

func TestStatusRecorder(t *testing.T) {
	for name, tt := range map[string]struct {
		handler http.HandlerFunc
		want    int
	}{
		"nothing written": {func(w http.ResponseWriter, r *http.Request) {}, http.StatusOK},
		"body only":       {func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "x") }, http.StatusOK},
		"status":          {func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }, http.StatusTeapot},
		"early hints first": {func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusAccepted)
		}, http.StatusAccepted},
	} {
		rec := &statusRecorder{ResponseWriter: httptest.NewRecorder()}
		tt.handler(rec, httptest.NewRequest("GET", "/", nil))
		if got := rec.statusCode(); got != tt.want {
			t.Errorf("%s: status %d, want %d", name, got, tt.want)
		}
	}
}

// TestRunShutdown walks run through a shutdown: serving, then the drain
// (readiness 503, everything else still served), then closed.
func TestRunShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	var log syncBuffer
	logger, err := newLogger(&log, "json", "debug") // probes too
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(logger, "v1.2.3", 7*time.Second)
	drainAsked := make(chan time.Duration, 1)
	endDrain := make(chan time.Time)
	s.after = func(d time.Duration) <-chan time.Time {
		drainAsked <- d
		return endDrain
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.run(ctx, ln) }()

	if status, body := get(t, addr, "/readyz"); status != http.StatusOK || body != "ok\n" {
		t.Fatalf("GET /readyz while serving = %d %q, want 200 \"ok\\n\"", status, body)
	}

	cancel() // the first signal
	if d := <-drainAsked; d != 7*time.Second {
		t.Errorf("drain of %v, want the server's 7s", d)
	}
	if status, _ := get(t, addr, "/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz during the drain = %d, want 503", status)
	}
	if status, body := get(t, addr, "/version"); status != http.StatusOK || body != "v1.2.3\n" {
		t.Errorf("GET /version during the drain = %d %q, want 200 \"v1.2.3\\n\"", status, body)
	}

	close(endDrain)
	if err := <-done; err != nil {
		t.Fatalf("run = %v, want nil after a clean shutdown", err)
	}
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Error("the server still accepts connections after run returned")
	}

	var msgs []string
	for _, l := range logLines(t, log.String()) {
		msgs = append(msgs, l["msg"].(string))
		if l["msg"] == "listening" && (l["addr"] != addr || l["version"] != "v1.2.3") {
			t.Errorf("start log %v, want addr=%s version=v1.2.3", l, addr)
		}
	}
	got := strings.Join(msgs, ",")
	if want := "listening,request,draining,request,request,closing"; got != want {
		t.Errorf("log messages %s, want %s", got, want)
	}
}

func TestRunWithoutDrain(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := newServer(discard, "v1.2.3", 0).run(ctx, ln); err != nil {
		t.Fatalf("run with no drain = %v, want nil", err)
	}
}

func TestRunReportsServeError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if err := newServer(discard, "v1.2.3", 0).run(t.Context(), ln); err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("run on a closed listener = %v, want the listener's error", err)
	}
}

func TestDefaultAddr(t *testing.T) {
	t.Setenv("PORT", "")
	if got := defaultAddr(); got != ":8080" {
		t.Errorf("defaultAddr() without PORT = %q, want :8080", got)
	}
	t.Setenv("PORT", "9090")
	if got := defaultAddr(); got != ":9090" {
		t.Errorf("defaultAddr() with PORT=9090 = %q, want :9090", got)
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
