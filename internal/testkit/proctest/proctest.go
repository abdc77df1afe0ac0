// Package proctest helps tests that watch a running process or a command
// run side by side with others: Buffer collects output that several
// goroutines write while the test reads it.
package proctest

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// Buffer is a bytes.Buffer safe for concurrent Write and String: give one
// Buffer as both stdout and stderr and the test sees how the two interleave.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns all written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitFor polls the output until re matches, up to the test's deadline, and
// returns the match and its submatches.
func (b *Buffer) WaitFor(t testing.TB, re *regexp.Regexp) []string {
	t.Helper()
	for ; testtool.Before(t, time.Now()); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			return m
		}
	}
	t.Fatalf("no %q in the output by the test's deadline:\n%s", re, b)
	return nil
}

// MustContain fails the test unless the output holds each of subs.
func (b *Buffer) MustContain(t testing.TB, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(b.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, b)
		}
	}
}

// Output runs name in dir with env (nil: this process's) until it ends or
// ctx does, and returns its stdout and stderr together, as written. A run
// ctx cut short says so in its error.
func Output(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w: stopped at the test's deadline", ctx.Err())
	}
	return out.String(), err
}
