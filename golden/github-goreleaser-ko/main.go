// Command oddjob is an HTTP service.
//
// Usage:
//
//	oddjob [-addr host:port] [-drain duration] [-version]
//
// It listens on -addr (default ":$PORT", or ":8080" when PORT is unset; port 0
// picks a free port, which the start log names) and answers:
//
//	GET /healthz   200 "ok" while the process is up (liveness)
//	GET /readyz    200 "ok" while serving, 503 once shutdown has begun (readiness)
//	GET /version   the version, as -version prints it
//
// Logs are written to stderr with log/slog: text lines, or JSON lines when
// LOG_FORMAT=json. LOG_LEVEL (debug, info, warn, error; default info) sets
// the least level logged: every request is logged, health probes at debug.
//
// Shutdown: on SIGINT or SIGTERM, /readyz turns 503 while the service goes
// on serving for the drain time (-drain, default $SHUTDOWN_DRAIN or 5s), so
// that load balancers stop sending it requests; then it stops accepting
// connections, gives requests in flight up to 10s to finish and exits 0.
// A second signal exits at once with status 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

// Version is set by the build: go build -ldflags "-X main.Version=abc123"
// (.goreleaser.yaml does this). While it is "DEV",
// version reports the commit the go command recorded in the binary instead.
var Version = "DEV"

// Timeouts of the HTTP server: a slow or idle client cannot hold a
// connection (and its memory) for ever.
const (
	// readHeaderTimeout bounds reading a request's headers (slowloris).
	readHeaderTimeout = 5 * time.Second
	// readTimeout bounds reading a whole request, body included.
	readTimeout = 15 * time.Second
	// writeTimeout bounds the time from the end of the request headers to
	// the end of the response: the longest a handler can take.
	writeTimeout = 30 * time.Second
	// idleTimeout is how long a keep-alive connection may wait for its next
	// request. It is longer than load balancers' own idle timeouts (60s on
	// an AWS ALB), so that the balancer, not the service, closes an idle
	// connection: a service closing it may race a request being sent on it.
	idleTimeout = 120 * time.Second
	// shutdownTimeout bounds how long requests in flight get to finish
	// once the drain is over.
	shutdownTimeout = 10 * time.Second
	// defaultDrain is the drain when neither -drain nor SHUTDOWN_DRAIN is
	// given: time for load balancers to see /readyz fail and stop sending.
	defaultDrain = 5 * time.Second
)

func main() {
	drainDefault, err := durationEnv("SHUTDOWN_DRAIN", defaultDrain)
	if err != nil {
		exitUsage(err)
	}
	addr := flag.String("addr", defaultAddr(), "listen `address` (host:port; port 0 picks a free one); $PORT sets the default port")
	drain := flag.Duration("drain", drainDefault, "after a signal, how long /readyz answers 503 before the server closes; $SHUTDOWN_DRAIN sets the default")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if flag.NArg() != 0 {
		exitUsage(fmt.Errorf("unexpected argument %q", flag.Arg(0)))
	}
	if *showVersion {
		fmt.Println(version())
		return
	}
	if *drain < 0 {
		exitUsage(fmt.Errorf("-drain %v: must not be negative", *drain))
	}
	logger, err := newLogger(os.Stderr, os.Getenv("LOG_FORMAT"), os.Getenv("LOG_LEVEL"))
	if err != nil {
		exitUsage(err)
	}
	slog.SetDefault(logger) // the log package and libraries using slog's default log through it too

	ctx := shutdownOnSignal(logger)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		logger.Error("cannot listen", "err", err)
		os.Exit(1)
	}
	if err := newServer(logger, version(), *drain).run(ctx, ln); err != nil {
		logger.Error("server failed", "err", err)
		os.Exit(1)
	}
	logger.Info("stopped")
}

// defaultAddr is ":$PORT", or ":8080" when PORT is unset.
func defaultAddr() string {
	if port := os.Getenv("PORT"); port != "" {
		return ":" + port
	}
	return ":8080"
}

// server is the HTTP service: its routes, its readiness and its shutdown.
type server struct {
	logger  *slog.Logger
	version string
	drain   time.Duration

	// stopping is closed when shutdown begins; /readyz answers 503 from then on.
	stopping chan struct{}
	// after waits out the drain. It is time.After; tests replace it so that
	// they end the drain when they choose.
	after func(time.Duration) <-chan time.Time
}

func newServer(logger *slog.Logger, version string, drain time.Duration) *server {
	return &server{
		logger:   logger,
		version:  version,
		drain:    drain,
		stopping: make(chan struct{}),
		after:    time.After,
	}
}

// handler returns the service's routes, each request logged.
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, s.version+"\n")
	})
	return logRequests(s.logger, mux)
}

// readyz tells load balancers whether to send requests here: "ok" while
// serving, 503 from the moment shutdown begins.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	select {
	case <-s.stopping:
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
	default:
		io.WriteString(w, "ok\n")
	}
}

// run serves HTTP on ln until ctx is cancelled (by the first signal) and
// then shuts down in two steps. The drain: /readyz answers 503 while every
// route is still served, for s.drain, so that load balancers take the
// service out of rotation before it stops listening. Then the server closes
// its listener and waits up to shutdownTimeout for requests in flight.
func (s *server) run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelError),
	}
	errc := make(chan error, 1)
	// Logged before serving, so it comes before any request's log line.
	s.logger.Info("listening", "addr", ln.Addr().String(), "version", s.version)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc: // Serve always returns an error
		return err
	case <-ctx.Done():
	}
	close(s.stopping)
	// Answer with "Connection: close" from now on and close idle
	// connections, so clients and balancers move to other instances.
	srv.SetKeepAlivesEnabled(false)
	s.logger.Info("draining", "drain", s.drain)
	select {
	case err := <-errc:
		return err
	case <-s.after(s.drain):
	}

	s.logger.Info("closing", "timeout", shutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// logRequests logs a line for each request: method, path, status and
// duration. Health probes (/healthz and /readyz), which load balancers and
// orchestrators send every few seconds, are logged at debug level, the
// rest at info.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			level = slog.LevelDebug
		}
		logger.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.statusCode()),
			slog.Duration("duration", time.Since(start)),
		)
	})
}

// statusRecorder is an http.ResponseWriter that remembers the status it sent.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 { // a 1xx is informational: the final status follows
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK // what net/http sends when Write comes first
	}
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's own writer
// (to flush, or to set deadlines).
func (r *statusRecorder) Unwrap() http.ResponseWriter {
	return r.ResponseWriter
}

// statusCode is the status sent: 200 when the handler wrote nothing.
func (r *statusRecorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
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
// then the revision's first 6 characters (the form .goreleaser.yaml uses),
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
	fmt.Fprintf(os.Stderr, "oddjob: %v\n", err)
	os.Exit(2)
}
