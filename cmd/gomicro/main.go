// Command gomicro scaffolds Go microservice repositories from templates and
// keeps them up to date.
//
// Usage:
//
//	gomicro new NAME [--non-interactive] [--set key=value]... [--template SRC]
//	                 [--output DIR] [--force] [--dry-run] [--no-git]
//	gomicro upgrade [DIR...] [--dry-run] [--check] [--set key=value]...
//	                 [--template SRC] [--force] [--non-interactive]
//	gomicro templates [-v]
//	gomicro template test|lint [SRC]
//	gomicro version              (or gomicro --version)
//	gomicro completion bash|zsh|fish|powershell
//
// Example:
//
//	gomicro new billing --non-interactive --set github_username=acme --set s3_bucket=acme-artifacts
//
// creates ./billing, a Go service with a cross-compiling build script, an S3
// upload script and a CircleCI config, as a git repository with one commit.
package main

import "os"

// Version is gomicro's own version, set at build time with
// -ldflags "-X main.Version=<sha>", exactly like the services it generates.
// Left at DEV, gomicro version reports what the go command recorded instead
// (see buildinfo.Version).
var Version = "DEV"

func main() {
	tuneGC()
	os.Exit(run(os.Args[1:], systemIO()))
}
