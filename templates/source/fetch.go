package source

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

// FetchTimeoutEnv names the variable that sets how long a fetch (git
// clone, fetch or ls-remote; go mod download) may go without any progress
// before gomicro stops it: a Go duration such as 90s or 5m.
const FetchTimeoutEnv = "GOMICRO_FETCH_TIMEOUT"

var (
	// defaultFetchTimeout is the stall bound when FetchTimeoutEnv is unset.
	defaultFetchTimeout = 60 * time.Second
	// noticeAfter is how long a fetch runs before the progress callback
	// hears of it.
	noticeAfter = 2 * time.Second
)

// fetchTimeout reads FetchTimeoutEnv.
func fetchTimeout() (time.Duration, error) {
	v := os.Getenv(FetchTimeoutEnv)
	if v == "" {
		return defaultFetchTimeout, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%s: not a positive Go duration (such as 90s or 5m)", FetchTimeoutEnv, quoteSource(v))
	}
	return d, nil
}

type progressKey struct{}

// WithProgress returns ctx carrying say, which Open and OpenRevision call
// with one line, such as "fetching git https://example.com/t.git (gives up
// after 1m0s without progress)", when
// fetching a source has gone on for a couple of seconds. Where say writes
// (a terminal's stderr, say) is the caller's business.
func WithProgress(ctx context.Context, say func(line string)) context.Context {
	return context.WithValue(ctx, progressKey{}, say)
}

// fetching is what one Open or OpenRevision knows about its fetches.
type fetching struct {
	what    string        // the source, as messages name it
	timeout time.Duration // the stall bound
	say     func(string)  // nil: nobody listens
	once    sync.Once     // say is told once per Open
}

type fetchingKey struct{}

// withFetching prepares ctx for the fetches of s. Only git and module
// sources fetch; the others ignore FetchTimeoutEnv.
func withFetching(ctx context.Context, s Spec) (context.Context, error) {
	if s.Kind != Git && s.Kind != Module {
		return ctx, nil
	}
	timeout, err := fetchTimeout()
	if err != nil {
		return nil, err
	}
	say, _ := ctx.Value(progressKey{}).(func(string))
	return context.WithValue(ctx, fetchingKey{}, &fetching{what: string(s.Kind) + " " + quoteSource(s.String()), timeout: timeout, say: say}), nil
}

// fetchingOf is ctx's fetch settings, or the defaults.
func fetchingOf(ctx context.Context) *fetching {
	if f, ok := ctx.Value(fetchingKey{}).(*fetching); ok {
		return f
	}
	return &fetching{what: "a template", timeout: defaultFetchTimeout}
}

// notice is the line the progress callback hears.
func (f *fetching) notice() string {
	return fmt.Sprintf("fetching %s (gives up after %s without progress)", f.what, f.timeout)
}

// stallError says a fetch gave up.
func (f *fetching) stallError() string {
	return fmt.Sprintf("no progress for %s, gave up (%s raises the bound)", f.timeout, FetchTimeoutEnv)
}

// watchdog watches a fetching command: it tells f.say once the command has
// run for noticeAfter, and kills it when neither its output nor probe has
// changed for f.timeout. Its Write is the output's sign of life.
type watchdog struct {
	f       *fetching
	last    atomic.Int64 // time of the last sign of life, in UnixNano
	stalled atomic.Bool
}

func (w *watchdog) Write(p []byte) (int, error) {
	w.last.Store(time.Now().UnixNano())
	return len(p), nil
}

// run starts cmd, whose Stdout and Stderr are set, and waits for it as
// cmd.Run does. probe, when not nil, is polled for another sign of life: a
// change in what it returns. stalled reports that the watchdog killed cmd.
func (f *fetching) run(cmd *exec.Cmd, probe func() int64) (stalled bool, err error) {
	w := &watchdog{f: f}
	cmd.Stdout = io.MultiWriter(cmd.Stdout, w)
	cmd.Stderr = io.MultiWriter(cmd.Stderr, w)
	w.last.Store(time.Now().UnixNano())
	if err := cmd.Start(); err != nil {
		return false, err
	}
	done := make(chan struct{})
	defer close(done)
	if f.say != nil {
		notice := time.AfterFunc(noticeAfter, func() { f.once.Do(func() { f.say(f.notice()) }) })
		defer notice.Stop()
	}
	go func() {
		tick := time.NewTicker(min(max(f.timeout/10, 10*time.Millisecond), time.Second))
		defer tick.Stop()
		var seen int64
		if probe != nil {
			seen = probe()
		}
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if probe != nil {
				if v := probe(); v != seen {
					seen = v
					w.last.Store(time.Now().UnixNano())
				}
			}
			if time.Since(time.Unix(0, w.last.Load())) > f.timeout {
				w.stalled.Store(true)
				cmd.Process.Kill()
				return
			}
		}
	}()
	err = cmd.Wait()
	return w.stalled.Load(), err
}
