//go:build linux || darwin || freebsd || netbsd || openbsd

package machine

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// The go command's version comes from its GOROOT's VERSION file, found
// through the go on PATH, without running it; "" without a go command.
func TestGoCommandVersion(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	// A go that fails if run: the VERSION file must answer.
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "VERSION"), []byte("go1.99.2\ntime 2030-01-01\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOROOT", "")
	t.Setenv("PATH", bin)
	if got := goCommandVersion(); got != "go1.99.2" {
		t.Errorf("goCommandVersion() = %q, want go1.99.2", got)
	}
	t.Setenv("PATH", t.TempDir())
	if got := goCommandVersion(); got != "" {
		t.Errorf("goCommandVersion() without a go = %q, want \"\"", got)
	}
}

// GoVersion is a language version, whatever the machine has.
func TestGoVersion(t *testing.T) {
	if v := (Local{}).GoVersion(); !regexp.MustCompile(`^1\.\d+$`).MatchString(v) {
		t.Errorf("GoVersion() = %q, want a language version such as 1.26", v)
	}
}
