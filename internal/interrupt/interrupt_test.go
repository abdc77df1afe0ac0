//go:build linux || darwin || freebsd || netbsd || openbsd

package interrupt

import (
	"os"
	"slices"
	"syscall"
	"testing"
)

// send delivers sig to this process, which w catches.
func send(t *testing.T, w *Watcher, sig syscall.Signal) {
	t.Helper()
	w.Ready()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		t.Fatal(err)
	}
}

// Inside a critical section a signal cancels the context and ends nothing.
func TestCriticalSection(t *testing.T) {
	w := Watch(func(sig os.Signal) { t.Errorf("exit(%v) inside a critical section", sig) })
	defer w.Stop()
	w.AtExit(func(os.Signal) { t.Error("an exit function ran inside a critical section") })
	leave := w.Enter()
	send(t, w, syscall.SIGTERM)
	<-w.Context().Done()
	leave()
	if sig := w.Signal(); sig != syscall.SIGTERM {
		t.Errorf("Signal() = %v, want SIGTERM", sig)
	}
	if got := Status(w.Signal()); got != 143 {
		t.Errorf("Status = %d, want 143", got)
	}
}

// Outside one, the exit functions run in order, holding the lock, then
// exit with the signal.
func TestOutsideCriticalSection(t *testing.T) {
	var ran []string
	exited := make(chan os.Signal, 1)
	w := Watch(func(sig os.Signal) { exited <- sig })
	defer w.Stop()
	w.AtExit(func(os.Signal) { ran = append(ran, "first") })
	w.AtExit(func(sig os.Signal) {
		ran = append(ran, "second: "+sig.String())
		// Held, so that Signal waits for the exit: a goroutine that sees
		// the context cancelled says nothing meanwhile.
		if w.mu.TryLock() {
			t.Error("an exit function runs without the watcher's lock")
			w.mu.Unlock()
		}
	})
	send(t, w, syscall.SIGINT)
	if sig := <-exited; sig != syscall.SIGINT || Status(sig) != 130 {
		t.Errorf("exit(%v), status %d, want SIGINT and 130", sig, Status(sig))
	}
	if want := []string{"first", "second: " + syscall.SIGINT.String()}; !slices.Equal(ran, want) {
		t.Errorf("exit functions ran %q, want %q", ran, want)
	}
	if w.Context().Err() == nil {
		t.Error("the context is not cancelled")
	}
}

// Only the first signal counts, and none once Stop was called.
func TestAfterStop(t *testing.T) {
	w := Watch(func(sig os.Signal) { t.Errorf("exit(%v) after Stop", sig) })
	w.Ready()
	w.Stop()
	w.handle(syscall.SIGINT) // as if caught before signal.Stop took effect
	if sig := w.Signal(); sig != nil {
		t.Errorf("Signal() = %v after Stop, want nil", sig)
	}
}

// A nil watcher is ready, never cancelled, and has caught nothing.
func TestNil(t *testing.T) {
	var w *Watcher
	w.Ready()
	w.Enter()()
	w.AtExit(func(os.Signal) {})
	if w.Context().Err() != nil || w.Signal() != nil {
		t.Error("a nil watcher was stopped")
	}
	w.Stop()
}
