package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/gomicro/gomicro/internal/interrupt"
)

// interrupts is how SIGINT and SIGTERM stop a command (see package
// interrupt), in the commands' words: a signal outside a critical section
// ends gomicro with "cancelled: nothing written"; inside one, stopped says
// how the command ends once the writer has rolled back. A nil *interrupts
// (tests that build an IO by hand) never stops.
type interrupts struct{ w *interrupt.Watcher }

func watchInterrupts(stderr io.Writer) *interrupts {
	in := &interrupts{}
	in.w = interrupt.Watch(func(sig os.Signal) {
		fmt.Fprintln(stderr, "gomicro: "+errInterrupted.Error())
		os.Exit(interrupt.Status(sig))
	})
	return in
}

func (in *interrupts) watcher() *interrupt.Watcher {
	if in == nil {
		return nil
	}
	return in.w
}

func (in *interrupts) ready()                   { in.watcher().Ready() }
func (in *interrupts) stop()                    { in.watcher().Stop() }
func (in *interrupts) context() context.Context { return in.watcher().Context() }
func (in *interrupts) enter() (leave func())    { return in.watcher().Enter() }
func (in *interrupts) atExit(f func())          { in.watcher().AtExit(func(os.Signal) { f() }) }

// stopped returns the cancellation error for the caught signal, or nil.
func (in *interrupts) stopped() error {
	if sig := in.watcher().Signal(); sig != nil {
		return cancelled{status: signalStatus(sig)}
	}
	return nil
}

func signalStatus(sig os.Signal) int { return interrupt.Status(sig) }
