//go:build linux || darwin || freebsd || netbsd || openbsd

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"
)

// TestNoTerminalSays: without both a terminal to read and one to draw on,
// new refuses to prompt (exit 2) and names the one that is missing:
// gomicro new svc | cat has a terminal for stdin, but not for stdout.
func TestNoTerminalSays(t *testing.T) {
	for _, tc := range []struct {
		name          string
		ttyIn, ttyOut bool
		want          string
	}{
		{"stdout piped", true, false, "stdout is not a terminal"},
		{"stdin piped", false, true, "stdin is not a terminal"},
		{"both piped", false, false, "stdin and stdout are not terminals"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ptm, tty, err := pty.Open()
			if err != nil {
				t.Skipf("no pseudo-terminal: %v", err)
			}
			defer ptm.Close()
			go io.Copy(io.Discard, ptm)
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "new", "svc", "--no-git")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOMICRO_TEST_AS_MAIN=1", "ACCESSIBLE=", "TERM=xterm-256color")
			var stdout, stderr bytes.Buffer
			cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(""), &stdout, &stderr
			if tc.ttyIn {
				cmd.Stdin = tty
			}
			if tc.ttyOut {
				cmd.Stdout = tty
			}
			err = cmd.Run()
			tty.Close()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != exitUsage {
				t.Fatalf("gomicro new: %v, want exit status %d; stderr:\n%s", err, exitUsage, stderr.String())
			}
			want := "gomicro: github_username needs an answer and " + tc.want + ": pass --non-interactive to take defaults and --set values, or set ACCESSIBLE=1 to answer line by line\n"
			if got := stderr.String(); got != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
			}
			if _, err := os.Stat(filepath.Join(dir, "svc")); !os.IsNotExist(err) {
				t.Errorf("svc exists after the refusal (%v)", err)
			}
		})
	}
}
