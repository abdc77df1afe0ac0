// Command billing is a worker: it does a round of work at start and then
// every -interval until it is told to stop.
//
// Usage:
//
//	billing [-interval duration] [-version]
//
// The interval defaults to $INTERVAL (a Go duration such as 30s or 5m), or 1m.
//
// Logs are written to stderr with log/slog: text lines, or JSON lines when
// LOG_FORMAT=json. LOG_LEVEL (debug, info, warn, error; default info) sets
// the least level logged.
//
// Shutdown: on SIGINT or SIGTERM the round in progress, if any, runs to its
// end and the worker exits 0. A second signal exits at once with status 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

// Version is set by the build: go build -ldflags "-X main.Version=abc123"
// (scripts/build.sh does this). While it is "DEV",
// version reports the commit the go command recorded in the binary instead.
var Version = "DEV"

func main() {
	intervalDefault, err := durationEnv("INTERVAL", time.Minute)
	if err != nil {
		exitUsage(err)
	}
	interval := flag.Duration("interval", intervalDefault, "time between the starts of two rounds of work; $INTERVAL sets the default")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if flag.NArg() != 0 {
		exitUsage(fmt.Errorf("unexpected argument %q", flag.Arg(0)))
	}
	if *showVersion {
		fmt.Println(version())
		return
	}
	if *interval <= 0 {
		exitUsage(fmt.Errorf("-interval %v: must be positive", *interval))
	}
	logger, err := newLogger(os.Stderr, os.Getenv("LOG_FORMAT"), os.Getenv("LOG_LEVEL"))
	if err != nil {
		exitUsage(err)
	}
	slog.SetDefault(logger) // the log package and libraries using slog's default log through it too

	ctx := shutdownOnSignal(logger)
	logger.Info("starting", "version", version(), "interval", *interval)
	run(ctx, logger, *interval, work)
	logger.Info("stopped")
}

// work does one round of the service's periodic work. Replace its body with
// the real job. Its ctx is not cancelled by the first signal: the round runs
// to its end (a second signal exits at once), so give slow calls their own
// deadlines (context.WithTimeout) rather than letting a round hang.
func work(ctx context.Context, logger *slog.Logger) error {
	logger.InfoContext(ctx, "working")
	return nil
}

// run calls work at once and then every interval until ctx is cancelled.
// Cancelling ctx never cuts a round short: work gets a context that keeps
// ctx's values but not its cancellation, and run returns once the round in
// progress has ended. A failed round is logged and the next one runs on
// schedule; a round longer than interval delays the next one.
func run(ctx context.Context, logger *slog.Logger, interval time.Duration, work func(context.Context, *slog.Logger) error) {
	roundCtx := context.WithoutCancel(ctx)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for ctx.Err() == nil {
		if err := work(roundCtx, logger); err != nil {
			logger.Error("round failed", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-ticker.C:
		}
	}
}

// forcedExitStatus is the exit status when a second signal ends the process
// before its graceful shutdown is done.
const forcedExitStatus = 1

// shutdownOnSignal returns a context that the first SIGINT or SIGTERM
// cancels, to begin a graceful shutdown. A second signal exits the process
// at once with forcedExitStatus, for when that shutdown takes too long.
func shutdownOnSignal(logger *slog.Logger) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go handleSignals(sigs, logger, cancel, os.Exit)
	return ctx
}

// handleSignals calls shutdown on the first signal from sigs and exit on
// the second.
func handleSignals(sigs <-chan os.Signal, logger *slog.Logger, shutdown func(), exit func(int)) {
	sig := <-sigs
	logger.Info("shutdown requested; a second signal exits at once", "signal", sig.String())
	shutdown()
	sig = <-sigs
	logger.Warn("second signal: exiting at once", "signal", sig.String(), "status", forcedExitStatus)
	exit(forcedExitStatus)
}

// newLogger returns a logger writing to w: text lines when format is "" or
// "text", JSON lines when it is "json". level is the least level logged:
// "" (info), debug, info, warn or error.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var opts slog.HandlerOptions // Level nil: info
	if level != "" {
		var l slog.Level
		if err := l.UnmarshalText([]byte(level)); err != nil {
			return nil, fmt.Errorf("LOG_LEVEL=%q: want debug, info, warn or error", level)
		}
		opts.Level = l
	}
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, &opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, &opts)), nil
	}
	return nil, fmt.Errorf("LOG_FORMAT=%q: want text or json", format)
}

// version is Version or, while that is "DEV", the commit the binary was
// built from, as the go command records it (go build in a git checkout).
func version() string {
	info, _ := debug.ReadBuildInfo()
	return versionFrom(Version, info)
}

// versionFrom returns v unless it is "DEV" and info names a VCS revision:
// then the revision's first 6 characters (the form scripts/build.sh uses),
// with "-dirty" when the work tree had uncommitted changes. info may be nil.
func versionFrom(v string, info *debug.BuildInfo) string {
	if v != "DEV" || info == nil {
		return v
	}
	var revision string
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if revision == "" {
		return v
	}
	revision = revision[:min(6, len(revision))]
	if modified {
		revision += "-dirty"
	}
	return revision
}

// durationEnv returns the environment variable name as a Go duration (such
// as 500ms, 30s or 5m), or def when it is unset or empty.
func durationEnv(name string, def time.Duration) (time.Duration, error) {
	s := os.Getenv(name)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

// exitUsage reports a bad flag, argument or environment variable and exits
// with status 2, as the flag package does.
func exitUsage(err error) {
	fmt.Fprintf(os.Stderr, "billing: %v\n", err)
	os.Exit(2)
}
