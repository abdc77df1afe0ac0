package prompt

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/term"
)

// DrawsForms reports whether the terminal out can show huh's forms. A dumb
// terminal (Emacs's shell, say) cannot, and huh turns a form accessible there
// by itself, to read lines from a terminal put in raw mode for keys, where
// Enter never ends one. A terminal of unknown size (0 columns: a pty nobody
// sized) makes the forms panic.
func DrawsForms(out io.Writer) bool {
	if os.Getenv("TERM") == "dumb" {
		return false
	}
	if f, ok := out.(*os.File); ok {
		width, _, err := term.GetSize(int(f.Fd()))
		return err == nil && width > 0
	}
	return true
}

// terminalInput lets the forms share the terminal one after another without
// losing keys. Each huh form is a bubbletea program of its own, and a program
// that reads the terminal directly can leave its reading goroutine blocked
// after it ends, to swallow the next key the person types (an Enter for the
// following question, seen both in tmux and in TestInteractiveTerminal). So
// one goroutine reads the terminal for the whole session, and each form gets a
// reader that stops cleanly when its form is done, leaving unread bytes for
// the next. The terminal's input is put in raw mode once, for the whole
// session, since bubbletea does that only for an input it sees as a
// terminal; keys typed between two forms then reach the second unechoed and
// unbuffered, as they would if one program asked everything.
type terminalInput struct {
	chunks chan []byte
	mu     sync.Mutex
	unread []byte

	fd int
	// rawMu guards restore and guard: a signal restores the terminal from
	// the guard's goroutine.
	rawMu   sync.Mutex
	restore func() // set while the terminal is in raw mode
	guard   *rawGuard
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
	t.rawMu.Lock()
	defer t.rawMu.Unlock()
	if t.fd < 0 || t.restore != nil {
		return nil
	}
	restore, err := makeRawInput(t.fd)
	if err != nil {
		return err
	}
	t.restore = restore
	t.guard = guardRaw(t.restoreTerminal)
	return nil
}

// unraw gives the terminal back as it was.
func (t *terminalInput) unraw() {
	t.restoreTerminal()
	t.rawMu.Lock()
	guard := t.guard
	t.guard = nil
	t.rawMu.Unlock()
	if guard != nil {
		guard.close()
	}
}

func (t *terminalInput) restoreTerminal() {
	t.rawMu.Lock()
	defer t.rawMu.Unlock()
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

// lineInput is stdin for huh's accessible prompts, one byte per Read. huh
// reads each answer with a bufio.Scanner, which keeps whatever it read beyond
// the line it returns; given stdin itself, the first question would swallow
// the answers piped for the next ones. A Scanner stops reading as soon as it
// holds a newline, so fed a byte at a time it takes exactly one line.
//
// A Scanner also gives up on a line longer than its buffer (64 KiB), and
// huh then takes the default, leaving the rest of the line to the next
// question. So a line is cut off here first, at maxAnswerLine, and the input
// ends with errLineTooLong.
type lineInput struct {
	in io.Reader
	// end is the error that ended the input: io.EOF for its end, which also
	// ends it for every later question (a terminal would wait for another
	// Ctrl-D, a pipe would say EOF again).
	end  error
	line int // bytes read of the current line
}

// maxAnswerLine is the longest line gomicro reads as one answer, well
// within huh's Scanner buffer.
const maxAnswerLine = 16 << 10

// errLineTooLong ends the input at a line longer than maxAnswerLine.
var errLineTooLong = fmt.Errorf("the answer is longer than %d bytes, the most gomicro reads for one answer", maxAnswerLine)

func newLineInput(in io.Reader) *lineInput {
	return &lineInput{in: in}
}

func (l *lineInput) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for l.end == nil {
		n, err := l.in.Read(p[:1])
		l.end = err
		if n == 1 {
			if l.line++; p[0] == '\n' {
				l.line = 0
			} else if l.line > maxAnswerLine {
				l.end = errLineTooLong
				break
			}
			return 1, nil
		}
	}
	return 0, io.EOF
}

// err is the read error that ended the input, if it was not its end.
func (l *lineInput) err() error {
	if l.end == io.EOF {
		return nil
	}
	return l.end
}

// rawGuard makes a stop signal give the terminal back before it takes its
// course. In raw mode the terminal sends no signal of its own (Ctrl-C is a
// key the form reads), so it comes from outside: kill, a closed terminal
// window. Its course is then what it would have been without raw mode:
// gomicro's own handler of it, if there is one, or its default action.
type rawGuard struct {
	ch      chan os.Signal
	restore func()
	done    chan struct{}
	exited  chan struct{}
}

// stopSignals are those that end gomicro: SIGHUP too, for the closed window.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

func guardRaw(restore func()) *rawGuard {
	g := &rawGuard{ch: make(chan os.Signal, 1), restore: restore, done: make(chan struct{}), exited: make(chan struct{})}
	signal.Notify(g.ch, stopSignals...)
	go func() {
		defer close(g.exited)
		select {
		case <-g.done:
		case s := <-g.ch:
			g.restore()
			signal.Stop(g.ch)
			raise(s)
		}
	}()
	return g
}

// close stops guarding, once the terminal is restored. A signal caught but
// not yet acted on is raised again.
func (g *rawGuard) close() {
	signal.Stop(g.ch)
	close(g.done)
	<-g.exited
	select {
	case s := <-g.ch:
		raise(s)
	default:
	}
}

// raise sends s to gomicro again, now that it is no longer caught here.
func raise(s os.Signal) {
	if p, err := os.FindProcess(os.Getpid()); err == nil && p.Signal(s) == nil {
		return
	}
	// Where a process cannot signal itself, exit as if the signal had.
	status := 130
	if n, ok := s.(syscall.Signal); ok {
		status = 128 + int(n)
	}
	os.Exit(status)
}
