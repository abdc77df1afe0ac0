//go:build linux || darwin || freebsd || netbsd || openbsd

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/gomicro/gomicro/internal/machine"
)

// TestInteractiveTerminal drives the huh forms through a real
// pseudo-terminal, as a person would: it waits for each question to appear,
// types an answer or takes the default with Enter, and picks a choice with
// the arrow key. It types as soon as a question is drawn, which lost keys
// while each form read the terminal itself (see internal/prompt's terminalInput).
func TestInteractiveTerminal(t *testing.T) {
	s := startTerminal(t, sized, "TERM=xterm-256color", "ACCESSIBLE=")
	steps := []struct{ question, keys string }{
		{"GitHub owner", "acme\r"},
		{"S3 bucket for build artifacts", "\r"}, // default
		{"Go module path", "\r"},                // default, from the answers so far
		{"What kind of service", "\x1b[B\r"},    // down to worker
		{"CI service", "\r"},
		{"Build tool", "\r"},
		{"Target platforms", "\r"},
		{"Container image", "\r"},
		{"S3 region", "\r"},
		{"Go version", "\r"}, // default: this machine's go
	}
	for _, step := range steps {
		s.waitFor(step.question)
		s.screen.forget()
		s.send(step.keys)
	}
	s.waitFor("Template applied in ./svc")
	if err := s.wait(); err != nil {
		t.Fatalf("gomicro new: %v\n%s", err, s.screen.text())
	}
	s.checkRestored()
	manifest, err := os.ReadFile(filepath.Join(s.dir, "svc", ".gomicro.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"github_username: acme", "s3_bucket: acme-artifacts", "module: github.com/acme/svc", "kind: worker", "ci: circleci"} {
		if !strings.Contains(string(manifest), want) {
			t.Errorf(".gomicro.yml lacks %q:\n%s", want, manifest)
		}
	}
}

// TestInteractiveCtrlC: Ctrl-C at a form (a key in raw mode, not a signal)
// cancels the run: exit 130, one line saying so, nothing written, and the
// terminal back in its own mode.
func TestInteractiveCtrlC(t *testing.T) {
	s := startTerminal(t, sized, "TERM=xterm-256color", "ACCESSIBLE=")
	s.waitFor("GitHub owner")
	s.send("\x03")
	s.expectCancelled(130)
}

// TestInteractiveCtrlCLater: the same on a later question, after answers were
// given.
func TestInteractiveCtrlCLater(t *testing.T) {
	s := startTerminal(t, sized, "TERM=xterm-256color", "ACCESSIBLE=")
	s.waitFor("GitHub owner")
	s.screen.forget()
	s.send("acme\r")
	s.waitFor("S3 bucket for build artifacts")
	s.send("\x03")
	s.expectCancelled(130)
}

// TestInteractiveSIGTERM: kill while a form waits ends gomicro as SIGTERM
// does, but not before the terminal is out of raw mode.
func TestInteractiveSIGTERM(t *testing.T) {
	s := startTerminal(t, sized, "TERM=xterm-256color", "ACCESSIBLE=")
	s.waitFor("GitHub owner")
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s.expectSignalled(syscall.SIGTERM)
}

// TestInteractiveAccessible: with ACCESSIBLE=1 on a real terminal each
// question is on the screen, in plain text, before anything is typed.
func TestInteractiveAccessible(t *testing.T) {
	s := startTerminal(t, sized, "TERM=xterm-256color", "ACCESSIBLE=1")
	steps := []struct{ question, keys string }{
		{"GitHub owner (user or organisation) (the account or organisation that hosts the repository) [acme]:", "acme\r"},
		{"S3 bucket for build artifacts (scripts/upload.sh puts archives under s3://BUCKET/NAME/VERSION/) [acme-artifacts]:", "\r"},
		{"Go module path [github.com/acme/svc]:", "\r"},
		{"What kind of service (web: an HTTP server with /healthz and /version; worker: a loop doing periodic work) (1. web, 2. worker) [web]:", "2\r"},
		{"CI service", "\r"},
		{"Build tool", "\r"},
		{"Target platforms (build constraint)", "\r"},
		{"Container image", "\r"},
		{"S3 region (default for S3_REGION in scripts/upload.sh) [us-east-1]:", "\r"},
		{"Go version (go.mod's go line and CI's Go image, e.g. 1.26; defaults to the local go's) [" + machine.Local{}.GoVersion() + "]:", "\r"},
	}
	for _, step := range steps {
		s.waitFor(step.question)
		s.screen.forget()
		s.send(step.keys)
	}
	s.waitFor("Template applied in ./svc")
	if err := s.wait(); err != nil {
		t.Fatalf("gomicro new: %v\n%s", err, s.screen.text())
	}
	s.checkRestored()
	if raw := s.screen.raw(); strings.Contains(raw, "\x1b") {
		t.Errorf("ACCESSIBLE output holds escape sequences: %q", raw)
	}
	manifest, err := os.ReadFile(filepath.Join(s.dir, "svc", ".gomicro.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"github_username: acme", "module: github.com/acme/svc", "kind: worker", "s3_region: us-east-1"} {
		if !strings.Contains(string(manifest), want) {
			t.Errorf(".gomicro.yml lacks %q:\n%s", want, manifest)
		}
	}
}

// TestInteractiveAccessibleCtrlC: in line mode the terminal turns Ctrl-C into
// SIGINT, which ends gomicro with nothing written.
func TestInteractiveAccessibleCtrlC(t *testing.T) {
	s := startTerminal(t, sized, "TERM=xterm-256color", "ACCESSIBLE=1")
	s.waitFor("GitHub owner")
	s.screen.forget()
	s.send("acme\r")
	s.waitFor("S3 bucket for build artifacts")
	s.send("\x03")
	s.expectSignalled(syscall.SIGINT)
}

// TestInteractiveLineTerminals: a terminal that cannot show forms (a dumb
// one, or one of unknown size, where the forms would panic) is asked line by
// line, and Ctrl-D there ends the input: every later question takes its
// default.
func TestInteractiveLineTerminals(t *testing.T) {
	for _, tc := range []struct {
		name string
		size pty.Winsize
		term string
	}{
		{"dumb", sized, "TERM=dumb"},
		{"unsized", pty.Winsize{}, "TERM=xterm-256color"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startTerminal(t, tc.size, tc.term, "ACCESSIBLE=")
			s.waitFor("GitHub owner (user or organisation) (the account or organisation that hosts the repository) [acme]:")
			s.screen.forget()
			s.send("acme\r")
			s.waitFor("S3 bucket for build artifacts")
			s.send("\x04")
			s.waitFor("Template applied in ./svc")
			if err := s.wait(); err != nil {
				t.Fatalf("gomicro new: %v\n%s", err, s.screen.text())
			}
			s.checkRestored()
			manifest, err := os.ReadFile(filepath.Join(s.dir, "svc", ".gomicro.yml"))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"github_username: acme", "s3_bucket: acme-artifacts", "kind: web"} {
				if !strings.Contains(string(manifest), want) {
					t.Errorf(".gomicro.yml lacks %q:\n%s", want, manifest)
				}
			}
		})
	}
}

// sized is the terminal most tests run in.
var sized = pty.Winsize{Rows: 30, Cols: 200}

// session is gomicro new svc --no-git running on a pseudo-terminal.
type session struct {
	t      *testing.T
	dir    string
	cmd    *exec.Cmd
	ptm    *os.File // the side the test types into and reads from
	screen *terminalOutput
	until  time.Time // when waiting gives up; zero for never

	exited   chan struct{} // closed once gomicro has exited
	waitErr  error
	termios  *unix.Termios // the terminal's settings as gomicro left them
	termErr  error
	drained  chan struct{} // closed once everything gomicro wrote has been read
	original unix.Termios
}

// startTerminal starts gomicro with the terminal as stdin, stdout and stderr,
// and as its controlling terminal. The test keeps the terminal side open too,
// to read the settings gomicro leaves behind.
func startTerminal(t *testing.T, size pty.Winsize, env ...string) *session {
	return startTerminalArgs(t, size, []string{"new", "svc", "--no-git"}, env...)
}

// startTerminalArgs is startTerminal running gomicro with args.
func startTerminalArgs(t *testing.T, size pty.Winsize, args []string, env ...string) *session {
	if testing.Short() {
		t.Skip("drives a terminal session")
	}
	s := &session{t: t, dir: t.TempDir(), screen: &terminalOutput{}, exited: make(chan struct{}), drained: make(chan struct{})}
	// Leave a tenth of the test's time, at least a second, to report what
	// the terminal showed; without a deadline, wait as long as gomicro runs.
	if deadline, ok := t.Deadline(); ok {
		s.until = deadline.Add(-max(time.Until(deadline)/10, time.Second))
	}
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	s.ptm = ptm
	if err := pty.Setsize(ptm, &size); err != nil {
		t.Fatal(err)
	}
	original, err := unix.IoctlGetTermios(int(tty.Fd()), ioctlGetTermios)
	if err != nil {
		t.Fatal(err)
	}
	s.original = *original
	s.cmd = exec.Command(os.Args[0], args...)
	s.cmd.Dir = s.dir
	s.cmd.Env = append(os.Environ(), append([]string{"GOMICRO_TEST_AS_MAIN=1"}, env...)...)
	s.cmd.Stdin, s.cmd.Stdout, s.cmd.Stderr = tty, tty, tty
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go s.screen.copyFrom(ptm, s.drained)
	go func() {
		s.waitErr = s.cmd.Wait()
		s.termios, s.termErr = unix.IoctlGetTermios(int(tty.Fd()), ioctlGetTermios)
		// With the last terminal side closed, reading the other ends once
		// everything written has been read.
		tty.Close()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Kill()
			<-s.exited
		}
		ptm.Close()
	})
	return s
}

func (s *session) send(keys string) {
	s.t.Helper()
	if _, err := s.ptm.Write([]byte(keys)); err != nil {
		s.t.Fatal(err)
	}
}

// waitFor waits until want is on the screen, and fails the test if gomicro
// ends, or the test's time runs out, without showing it.
func (s *session) waitFor(want string) {
	s.t.Helper()
	for {
		if strings.Contains(s.screen.text(), want) {
			return
		}
		select {
		case <-s.drained:
			if strings.Contains(s.screen.text(), want) {
				return
			}
			<-s.exited
			s.t.Fatalf("gomicro ended (%v) without showing %q; the terminal shows:\n%s\nraw: %q", s.waitErr, want, s.screen.text(), s.screen.raw())
		case <-time.After(10 * time.Millisecond):
		}
		if !s.until.IsZero() && time.Now().After(s.until) {
			s.t.Fatalf("%q never appeared; the terminal shows:\n%s\nraw: %q", want, s.screen.text(), s.screen.raw())
		}
	}
}

// wait waits for gomicro to exit and for all it wrote to be read.
func (s *session) wait() error {
	s.t.Helper()
	var timeout <-chan time.Time
	if !s.until.IsZero() {
		timeout = time.After(time.Until(s.until))
	}
	select {
	case <-s.drained:
		// Drained comes of the terminal side closing, which gomicro's
		// exit precedes, but only s.exited makes waitErr safe to read.
		<-s.exited
		return s.waitErr
	case <-timeout:
		s.t.Fatalf("gomicro did not exit; the terminal shows:\n%s", s.screen.text())
		return nil
	}
}

// expectCancelled checks a cancelled run: its exit status, its one line,
// nothing written, the terminal restored.
func (s *session) expectCancelled(status int) {
	s.t.Helper()
	err := s.wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != status {
		s.t.Errorf("gomicro exited with %v; want exit status %d", err, status)
	}
	if want := "gomicro: cancelled: nothing written"; !strings.Contains(s.screen.text(), want) {
		s.t.Errorf("the terminal lacks %q; it shows:\n%s", want, s.screen.text())
	}
	if _, err := os.Lstat(filepath.Join(s.dir, "svc")); !errors.Is(err, os.ErrNotExist) {
		s.t.Errorf("./svc exists after a cancelled run (%v)", err)
	}
	s.checkRestored()
}

// expectSignalled checks a run a signal stopped: it took the signal's course,
// which is death by it or, where gomicro handles it, a cancelled run (exit
// 128+n and its one line), and wrote nothing and left the terminal restored.
func (s *session) expectSignalled(sig syscall.Signal) {
	s.t.Helper()
	err := s.wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		s.t.Fatalf("gomicro exited with %v; want it stopped by %v", err, sig)
	}
	status, _ := exit.Sys().(syscall.WaitStatus)
	switch {
	case status.Signaled() && status.Signal() == sig:
	case status.Exited() && status.ExitStatus() == 128+int(sig):
		if want := "gomicro: cancelled: nothing written"; !strings.Contains(s.screen.text(), want) {
			s.t.Errorf("the terminal lacks %q; it shows:\n%s", want, s.screen.text())
		}
	default:
		s.t.Errorf("gomicro exited with %v; want it stopped by %v (or exit status %d)", err, sig, 128+int(sig))
	}
	if _, err := os.Lstat(filepath.Join(s.dir, "svc")); !errors.Is(err, os.ErrNotExist) {
		s.t.Errorf("./svc exists after a stopped run (%v)", err)
	}
	s.checkRestored()
}

// checkRestored checks that gomicro left the terminal as it found it: echo,
// line editing and Ctrl-C as a signal, which raw mode turns off.
func (s *session) checkRestored() {
	s.t.Helper()
	<-s.exited
	if s.termErr != nil {
		s.t.Fatal(s.termErr)
	}
	const modes = unix.ECHO | unix.ICANON | unix.ISIG | unix.IEXTEN
	if got, want := s.termios.Lflag&modes, s.original.Lflag&modes; got != want {
		s.t.Errorf("gomicro left the terminal with local modes %#x; it found them %#x", got, want)
	}
	if got, want := s.termios.Iflag, s.original.Iflag; got != want {
		s.t.Errorf("gomicro left the terminal with input modes %#x; it found them %#x", got, want)
	}
}

// terminalOutput collects what the program draws, without escape sequences.
type terminalOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
	all bytes.Buffer
}

var escapes = regexp.MustCompile(`\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)`)

func (o *terminalOutput) copyFrom(tty *os.File, done chan<- struct{}) {
	defer close(done)
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

func (o *terminalOutput) raw() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.all.String()
}

// forget drops what was drawn so far, so the next wait sees only new output.
func (o *terminalOutput) forget() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Reset()
}
