package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// interrupts turns SIGINT and SIGTERM into a clean stop. Outside a
// critical section nothing of the user's has been touched yet (prompts,
// loading, rendering, which may hang on a template that loops), so gomicro
// exits at once. Inside one (writing a project, applying an upgrade) the
// writer must not be cut short: the context is cancelled, the writer rolls
// back what it did and returns, and the command exits with the signal's
// status.
type interrupts struct {
	ctx    context.Context
	cancel context.CancelFunc
	stderr io.Writer

	mu       sync.Mutex
	critical int
	caught   os.Signal
	onExit   []func() // run before an immediate exit: the terminal is restored
	signals  chan os.Signal
	done     bool // stop was called: the command has returned

	// watching is closed once the signals are caught (see watchInterrupts).
	watching chan struct{}
}

// watchInterrupts starts catching SIGINT and SIGTERM. signal.Notify hands
// each signal to the runtime's signal-mask thread and waits for its answer,
// some 0.2 ms of thread switches, so it runs on a goroutine of its own while
// the command parses its flags, loads and renders its template. Until it is
// done a signal ends gomicro by its default action, as it does while the Go
// runtime starts (a shell reports the same 130 or 143): nothing has been
// asked or written yet, since enter, which every write comes after, and
// newPrompter, which every question comes after, wait for it (see ready).
func watchInterrupts(stderr io.Writer) *interrupts {
	ctx, cancel := context.WithCancel(context.Background())
	in := &interrupts{ctx: ctx, cancel: cancel, stderr: stderr, signals: make(chan os.Signal, 1), watching: make(chan struct{})}
	go func() {
		signal.Notify(in.signals, os.Interrupt, syscall.SIGTERM)
		close(in.watching)
		for sig := range in.signals {
			in.handle(sig)
		}
	}()
	return in
}

// ready waits until the signals are caught. A nil *interrupts (tests that
// build an IO by hand) is always ready.
func (in *interrupts) ready() {
	if in != nil {
		<-in.watching
	}
}

// stop ends the watch when the command returns. Giving the signals back
// takes the same round trips as catching them, so that too is left to a
// goroutine: a signal caught meanwhile is ignored, the command being over.
func (in *interrupts) stop() {
	in.mu.Lock()
	in.done = true
	in.mu.Unlock()
	in.cancel()
	go func() {
		in.ready()
		signal.Stop(in.signals)
		close(in.signals)
	}()
}

func (in *interrupts) handle(sig os.Signal) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.caught != nil || in.done {
		return
	}
	in.caught = sig
	in.cancel()
	if in.critical > 0 {
		return // the writer rolls back and run reports it
	}
	for _, f := range in.onExit {
		f()
	}
	fmt.Fprintln(in.stderr, "gomicro: "+errInterrupted.Error())
	os.Exit(signalStatus(sig))
}

// context is cancelled when a signal arrives. A nil *interrupts (tests
// that build an IO by hand) never is.
func (in *interrupts) context() context.Context {
	if in == nil {
		return context.Background()
	}
	return in.ctx
}

// enter starts a critical section; the returned function ends it.
func (in *interrupts) enter() (leave func()) {
	if in == nil {
		return func() {}
	}
	in.ready()
	in.mu.Lock()
	in.critical++
	in.mu.Unlock()
	return func() {
		in.mu.Lock()
		in.critical--
		in.mu.Unlock()
	}
}

// atExit registers f to run if a signal ends gomicro outside a critical
// section.
func (in *interrupts) atExit(f func()) {
	if in == nil {
		return
	}
	in.mu.Lock()
	in.onExit = append(in.onExit, f)
	in.mu.Unlock()
}

// stopped returns the cancellation error for the caught signal, or nil.
func (in *interrupts) stopped() error {
	if in == nil {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.caught == nil {
		return nil
	}
	return cancelled{status: signalStatus(in.caught)}
}

func signalStatus(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}
