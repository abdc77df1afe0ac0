// Package interrupt turns SIGINT and SIGTERM into a clean stop. Outside a
// critical section nothing of the user's has been touched yet (prompts,
// loading, rendering, which may hang on a template that loops), so the
// program ends at once. Inside one (writing a project, applying an
// upgrade, running a template's checks) the writer must not be cut short:
// the context is cancelled, the writer rolls back what it did and returns,
// and the caller ends with the signal's status.
//
// A nil *Watcher (tests that need no signals) is always ready, never
// cancelled, and has caught nothing.
package interrupt

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Watcher catches SIGINT and SIGTERM for one command.
type Watcher struct {
	ctx    context.Context
	cancel context.CancelFunc
	exit   func(sig os.Signal)

	mu       sync.Mutex
	critical int
	caught   os.Signal
	onExit   []func(os.Signal) // run before an immediate exit: the terminal is restored
	signals  chan os.Signal
	done     bool // Stop was called: the command has returned

	// watching is closed once the signals are caught (see Watch).
	watching chan struct{}
}

// Watch starts catching SIGINT and SIGTERM. A signal outside any critical
// section runs the AtExit functions, in the order given, and then exit,
// which is to end the process (os.Exit(Status(sig)), after a word of why).
// All of them run holding the watcher's lock, so no critical section
// begins meanwhile, and Signal waits for them: a goroutine that sees the
// context cancelled and asks why does not race them to the exit.
//
// signal.Notify hands each signal to the runtime's signal-mask thread and
// waits for its answer, some 0.2 ms of thread switches, so it runs on a
// goroutine of its own while the command parses its flags, loads and
// renders its template. Until it is done a signal ends the program by its
// default action, as it does while the Go runtime starts (a shell reports
// the same 130 or 143): nothing has been asked or written yet, since Enter,
// which every write comes after, and Ready, which every question comes
// after, wait for it.
func Watch(exit func(sig os.Signal)) *Watcher {
	ctx, cancel := context.WithCancel(context.Background())
	w := &Watcher{ctx: ctx, cancel: cancel, exit: exit, signals: make(chan os.Signal, 1), watching: make(chan struct{})}
	go func() {
		signal.Notify(w.signals, os.Interrupt, syscall.SIGTERM)
		close(w.watching)
		for sig := range w.signals {
			w.handle(sig)
		}
	}()
	return w
}

// Ready waits until the signals are caught.
func (w *Watcher) Ready() {
	if w != nil {
		<-w.watching
	}
}

// Stop ends the watch when the command returns. Giving the signals back
// takes the same round trips as catching them, so that too is left to a
// goroutine: a signal caught meanwhile is ignored, the command being over.
func (w *Watcher) Stop() {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
	w.cancel()
	go func() {
		w.Ready()
		signal.Stop(w.signals)
		close(w.signals)
	}()
}

func (w *Watcher) handle(sig os.Signal) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.caught != nil || w.done {
		return
	}
	w.caught = sig
	w.cancel()
	if w.critical > 0 {
		return // the writer rolls back and the command reports it
	}
	for _, f := range w.onExit {
		f(sig)
	}
	w.exit(sig)
}

// Context is cancelled when a signal arrives.
func (w *Watcher) Context() context.Context {
	if w == nil {
		return context.Background()
	}
	return w.ctx
}

// Enter starts a critical section; the returned function ends it.
func (w *Watcher) Enter() (leave func()) {
	if w == nil {
		return func() {}
	}
	w.Ready()
	w.mu.Lock()
	w.critical++
	w.mu.Unlock()
	return func() {
		w.mu.Lock()
		w.critical--
		w.mu.Unlock()
	}
}

// AtExit registers f to run, given the signal, if a signal ends the
// program outside a critical section.
func (w *Watcher) AtExit(f func(sig os.Signal)) {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.onExit = append(w.onExit, f)
	w.mu.Unlock()
}

// Signal is the signal caught, or nil. An exit function, which is given
// the signal, must not call it.
func (w *Watcher) Signal() os.Signal {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.caught
}

// Status is the exit status for a program that sig ended, by the shell's
// convention 128 plus the signal number: 130 for SIGINT, 143 for SIGTERM.
func Status(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}
