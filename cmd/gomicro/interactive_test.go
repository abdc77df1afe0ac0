package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestInteractiveTerminal drives the huh forms through a real
// pseudo-terminal, as a person would: it waits for each question to appear,
// types an answer or takes the default with Enter, and picks a choice with
// the arrow key. It types as soon as a question is drawn, which lost keys
// while each form read the terminal itself (see terminalInput).
func TestInteractiveTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a terminal session")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "new", "svc", "--no-git")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOMICRO_TEST_AS_MAIN=1", "TERM=xterm-256color", "ACCESSIBLE=")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	screen := &terminalOutput{}
	go screen.copyFrom(tty)

	steps := []struct{ question, keys string }{
		{"GitHub owner", "acme\r"},
		{"S3 bucket for build artifacts", "\r"}, // default
		{"Go module path", "\r"},                // default, from the answers so far
		{"What kind of service", "\x1b[B\r"},    // down to worker
		{"CI service", "\r"},
		{"Build tool", "\r"},
		{"Target platforms", "\r"},
		{"S3 region", "\r"},
	}
	for _, step := range steps {
		if !screen.waitFor(step.question, 15*time.Second) {
			t.Fatalf("question %q never appeared; the terminal shows:\n%s\nraw: %q", step.question, screen.text(), screen.all.String())
		}
		screen.forget()
		if _, err := tty.Write([]byte(step.keys)); err != nil {
			t.Fatal(err)
		}
	}
	if !screen.waitFor("Template applied in ./svc", 15*time.Second) {
		t.Fatalf("no success line; the terminal shows:\n%s", screen.text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("gomicro new: %v\n%s", err, screen.text())
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "svc", ".gomicro.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"github_username: acme", "s3_bucket: launchdarkly-artifacts", "module: github.com/acme/svc", "kind: worker", "ci: circleci"} {
		if !strings.Contains(string(manifest), want) {
			t.Errorf(".gomicro.yml lacks %q:\n%s", want, manifest)
		}
	}
}

// terminalOutput collects what the program draws, without escape sequences.
type terminalOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
	all bytes.Buffer
}

var escapes = regexp.MustCompile(`\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)`)

func (o *terminalOutput) copyFrom(tty *os.File) {
	b := make([]byte, 4096)
	for {
		n, err := tty.Read(b)
		o.mu.Lock()
		o.buf.Write(b[:n])
		o.all.Write(b[:n])
		o.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (o *terminalOutput) text() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return escapes.ReplaceAllString(o.buf.String(), "")
}

// forget drops what was drawn so far, so the next wait sees only new output.
func (o *terminalOutput) forget() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Reset()
}

func (o *terminalOutput) waitFor(s string, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(o.text(), s) {
			return true
		}
	}
	return false
}
