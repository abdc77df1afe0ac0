package main

import (
	"io"
	"os"
	"sync"

	"golang.org/x/term"
)

// terminalInput lets the forms share the terminal one after another without
// losing keys. Each huh form is a bubbletea program of its own, and a program
// that reads the terminal directly can leave its reading goroutine blocked
// after it ends, to swallow the next key the person types (an Enter for the
// following question, seen both in tmux and in TestInteractiveTerminal). So
// one goroutine reads the terminal for the whole session, and each form gets a
// reader that stops cleanly when its form is done, leaving unread bytes for
// the next. The terminal's input is put in raw mode once, for the whole
// session, since bubbletea does that only for an input it sees as a
// terminal.
type terminalInput struct {
	chunks chan []byte
	mu     sync.Mutex
	unread []byte

	fd      int
	restore func() // set while the terminal is in raw mode
}

func newTerminalInput(in io.Reader) *terminalInput {
	t := &terminalInput{chunks: make(chan []byte), fd: -1}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		t.fd = int(f.Fd())
	}
	go func() {
		for {
			b := make([]byte, 256)
			n, err := in.Read(b)
			if n > 0 {
				t.chunks <- b[:n]
			}
			if err != nil {
				close(t.chunks)
				return
			}
		}
	}()
	return t
}

// raw puts the terminal's input in raw mode until unraw.
func (t *terminalInput) raw() error {
	if t.fd < 0 || t.restore != nil {
		return nil
	}
	restore, err := makeRawInput(t.fd)
	t.restore = restore
	return err
}

func (t *terminalInput) unraw() {
	if t.restore != nil {
		t.restore()
		t.restore = nil
	}
}

// formReader is one form's view of the terminal: reads until done is closed.
type formReader struct {
	t    *terminalInput
	done chan struct{}
}

func (t *terminalInput) reader() *formReader {
	return &formReader{t: t, done: make(chan struct{})}
}

// stop ends the form's reads; bytes it has not consumed stay for the next.
func (r *formReader) stop() { close(r.done) }

func (r *formReader) Read(p []byte) (int, error) {
	r.t.mu.Lock()
	select {
	case <-r.done: // a form that has ended gets nothing more
		r.t.mu.Unlock()
		return 0, io.EOF
	default:
	}
	if len(r.t.unread) > 0 {
		n := copy(p, r.t.unread)
		r.t.unread = r.t.unread[n:]
		r.t.mu.Unlock()
		return n, nil
	}
	r.t.mu.Unlock()
	select {
	case <-r.done:
		return 0, io.EOF
	case b, ok := <-r.t.chunks:
		if !ok {
			return 0, io.EOF
		}
		r.t.mu.Lock()
		defer r.t.mu.Unlock()
		select {
		case <-r.done: // too late for this form: keep the keys for the next
			r.t.unread = append(r.t.unread, b...)
			return 0, io.EOF
		default:
		}
		n := copy(p, b)
		r.t.unread = append(r.t.unread, b[n:]...)
		return n, nil
	}
}
