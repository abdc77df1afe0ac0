package generator

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/gomicro/gomicro/internal/bytesize"
)

// errStopped fails the writes of a render the caller no longer waits for, so
// an abandoned template that keeps writing ends at its next write.
var errStopped = errors.New("render abandoned")

// run is the state of one render, or of the executions of one resolve: the
// output budget all its executions share, and the flag its caller sets when it
// stops waiting.
type run struct {
	max     int64
	left    int64 // bytes of output still allowed
	stopped atomic.Bool
	// where names what is executing, for the timeout message; it points at
	// strings the Template holds, so storing it does not allocate.
	where   atomic.Pointer[string]
	scratch limitedBuffer // for names and conditions, copied out as strings
}

func newRun(l Limits) *run {
	r := &run{max: l.MaxOutput, left: l.MaxOutput}
	r.scratch.r = r
	return r
}

// limitedBuffer is the writer every execution writes to: it fails the
// execution once the run's budget is spent, or once the run is abandoned.
type limitedBuffer struct {
	buf []byte
	r   *run
}

func (w *limitedBuffer) Write(p []byte) (int, error) {
	if err := w.r.spend(len(p)); err != nil {
		return 0, err
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// spend takes n bytes of output from the run's budget.
func (r *run) spend(n int) error {
	if r.stopped.Load() {
		return errStopped
	}
	if int64(n) > r.left {
		r.left = -1
		return outputError("output exceeds %s (the limit)", bytesize.String(r.max))
	}
	r.left -= int64(n)
	return nil
}

// text spends the run's budget on s, plain text written as it is (a file
// name without actions), as an execution writing it would.
func (r *run) text(s string) error { return r.spend(len(s)) }

// spent reports whether an execution ran out of budget; every later one
// would fail the same way.
func (r *run) spent() bool { return r.left < 0 }

// exec executes t into a buffer of its own, for file bodies. sizeHint is
// about the size the output will have (that of the text itself), so that the
// buffer is allocated once, not grown by doubling (a quarter less time and
// memory for the service template's render).
func (r *run) exec(t *template.Template, data any, sizeHint int) ([]byte, error) {
	w := limitedBuffer{r: r, buf: make([]byte, 0, min(int64(sizeHint), max(r.left, 0)))}
	if err := t.Execute(&w, data); err != nil {
		return nil, err
	}
	return w.buf, nil
}

// execString executes t into the run's scratch buffer, for the short outputs
// of names, conditions and questions.
func (r *run) execString(t *template.Template, data any) (string, error) {
	r.scratch.buf = r.scratch.buf[:0]
	if err := t.Execute(&r.scratch, data); err != nil {
		return "", err
	}
	return string(r.scratch.buf), nil
}

// wait waits for work, run in a goroutine of its own, for at most timeout or
// until ctx is done. text/template cannot be interrupted, so a render that
// outlives its wait is abandoned, not stopped: its goroutine runs on until
// the template ends, its next write fails or the process exits (the CLI exits
// right after reporting the error). what names the work in the messages.
func wait[T any](ctx context.Context, r *run, timeout time.Duration, what string, work func() (T, error)) (T, error) {
	type result struct {
		v        T
		err      error
		panicked any
	}
	done := make(chan result, 1) // buffered: an abandoned goroutine must not block on it
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{panicked: p}
			}
		}()
		v, err := work()
		done <- result{v: v, err: err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var zero T
	select {
	case res := <-done:
		if res.panicked != nil {
			panic(res.panicked) // as if the work had run on the caller's goroutine
		}
		return res.v, res.err
	case <-timer.C:
		r.stopped.Store(true)
		if where := r.where.Load(); where != nil {
			what += " " + *where
		}
		return zero, timeoutError("%s: took longer than %s (the limit)", what, timeout)
	case <-ctx.Done():
		r.stopped.Store(true)
		return zero, fmt.Errorf("%s: %w", what, ctx.Err())
	}
}

// plainText reports whether t's text holds no action at all, so that it
// cannot run long or write more than its own text, and need not be watched.
func plainText(t *template.Template) bool {
	if t == nil || t.Tree == nil || t.Root == nil {
		return true
	}
	for _, n := range t.Root.Nodes {
		if n.Type() != parse.NodeText {
			return false
		}
	}
	return true
}
