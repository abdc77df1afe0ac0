//go:build linux || darwin || freebsd || netbsd || openbsd

package prompt

import (
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/gomicro/gomicro/generator"
)

// echoWatcher is a terminal's output that notes, at each write, whether
// the terminal echoes what is typed.
type echoWatcher struct {
	fd     int
	mu     sync.Mutex
	text   strings.Builder
	echoed []string // what was written while the echo was on
}

func (w *echoWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.text.Write(p)
	if termios, err := unix.IoctlGetTermios(w.fd, ioctlGetTermios); err != nil || termios.Lflag&unix.ECHO != 0 {
		w.echoed = append(w.echoed, string(p))
	}
	return len(p), nil
}

// TestSecretPromptEchoOff: a secret's prompt is written with the echo
// already off, so a key typed (or a line pasted) the moment it shows is
// never echoed. huh turns the echo off only once it reads, after its
// prompt; a person quick on the keys (and CI, once) saw the secret.
func TestSecretPromptEchoOff(t *testing.T) {
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptm.Close()
	defer tty.Close()
	go io.Copy(io.Discard, ptm) // the terminal's own echo, if any
	if _, err := ptm.WriteString("hunter2\n"); err != nil {
		t.Fatal(err)
	}
	out := &echoWatcher{fd: int(tty.Fd())}
	p := Lines(Streams{In: tty, Out: out})
	q := generator.Question{Name: "api_key", Prompt: "The API key", Secret: true}
	got, err := p.Ask(q, "", func(string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got != "hunter2" {
		t.Errorf("answer = %q, want hunter2", got)
	}
	for _, w := range out.echoed {
		if strings.Contains(w, "The API key") {
			t.Errorf("the prompt %q was written with the terminal's echo on", w)
		}
	}
	termios, err := unix.IoctlGetTermios(int(tty.Fd()), ioctlGetTermios)
	if err != nil {
		t.Fatal(err)
	}
	if termios.Lflag&unix.ECHO == 0 {
		t.Errorf("the echo is still off after the question")
	}
}
