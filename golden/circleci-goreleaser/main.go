// Command billing is a worker: it does its work at start and then every
// -interval until SIGINT or SIGTERM, and then exits cleanly.
//
// Usage:
//
//	billing [-interval duration] [-version]
//
// The interval defaults to $INTERVAL (a Go duration such as 30s or 5m), or 1m.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Version is set by the build: go build -ldflags "-X main.Version=abc123".
var Version = "DEV"

func main() {
	interval := flag.Duration("interval", time.Minute, "time between runs of the work; $INTERVAL sets the default")
	version := flag.Bool("version", false, "print the version and exit")
	if s, ok := os.LookupEnv("INTERVAL"); ok {
		d, err := time.ParseDuration(s)
		if err != nil {
			fmt.Fprintf(os.Stderr, "billing: INTERVAL: %v\n", err)
			os.Exit(2)
		}
		*interval = d
	}
	flag.Parse()
	if *version {
		fmt.Println(Version)
		return
	}
	if *interval <= 0 {
		fmt.Fprintf(os.Stderr, "billing: -interval %v: must be positive\n", *interval)
		os.Exit(2)
	}

	log.SetPrefix("billing: ")
	log.Printf("Starting billing version %s", Version)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	run(ctx, *interval, work)
	log.Print("stopped")
}

// work does one round of the service's periodic work. Replace its body with
// the real job; it should return promptly once ctx is cancelled.
func work(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	log.Print("working")
	return nil
}

// run calls work at once and then every interval until ctx is cancelled.
// A failed round is logged and the next one runs on schedule.
func run(ctx context.Context, interval time.Duration, work func(context.Context) error) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for ctx.Err() == nil {
		if err := work(ctx); err != nil && ctx.Err() == nil {
			log.Printf("work: %v", err)
		}
		select {
		case <-ctx.Done():
		case <-ticker.C:
		}
	}
}
