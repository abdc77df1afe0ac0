// Command oddjob is an HTTP service.
//
// Usage:
//
//	oddjob [-addr host:port] [-version]
//
// It listens on -addr (default ":$PORT", or ":8080" when PORT is unset),
// answers GET /healthz and GET /version, and shuts down gracefully on
// SIGINT or SIGTERM, giving requests in flight time to finish.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Version is set by the build: go build -ldflags "-X main.Version=abc123".
var Version = "DEV"

// shutdownTimeout bounds how long requests in flight get to finish after a signal.
const shutdownTimeout = 10 * time.Second

func main() {
	addr := flag.String("addr", defaultAddr(), "listen `address`; $PORT sets the default port")
	version := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *version {
		fmt.Println(Version)
		return
	}

	log.SetPrefix("oddjob: ")
	log.Printf("Starting oddjob version %s", Version)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if err := run(ctx, ln); err != nil {
		log.Fatal(err)
	}
	log.Print("stopped")
}

// defaultAddr is ":$PORT", or ":8080" when PORT is unset.
func defaultAddr() string {
	if port := os.Getenv("PORT"); port != "" {
		return ":" + port
	}
	return ":8080"
}

// newHandler returns the service's routes.
func newHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, Version+"\n")
	})
	return mux
}

// run serves HTTP on ln until ctx is cancelled, then shuts the server down,
// waiting up to shutdownTimeout for requests in flight.
func run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           newHandler(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Printf("listening on %s", ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Print("shutting down")
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
