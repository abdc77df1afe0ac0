//go:build linux || darwin || freebsd || netbsd || openbsd

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// SIGINT or SIGTERM while template test runs a check: the check and what it
// started stop, every temporary project is removed, and gomicro exits 130 or
// 143.
func TestInterruptTemplateTest(t *testing.T) {
	for _, tt := range []struct {
		sig    syscall.Signal
		status int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			dir, tmp, mark := t.TempDir(), t.TempDir(), t.TempDir()
			files := map[string]string{
				"template.yaml": "name: slow\nversion: 1.0.0\nchecks:\n" +
					// A background child that ignores SIGINT, as a
					// non-interactive shell's background jobs do.
					"  - 'sleep 300 & echo $! > \"$MARK/pid.tmp\"; mv \"$MARK/pid.tmp\" \"$MARK/pid\"; wait'\n" +
					"  - touch \"$MARK/never\"\n",
				"README.md": "slow\n",
			}
			for p, data := range files {
				if err := os.WriteFile(filepath.Join(dir, p), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			g := startGomicro(t, dir, []string{"TMPDIR=" + tmp, "MARK=" + mark}, "template", "test", ".", "--env", "MARK")
			pidFile := filepath.Join(mark, "pid")
			var data []byte
			for ; ; time.Sleep(10 * time.Millisecond) {
				var err error
				if data, err = os.ReadFile(pidFile); err == nil {
					break
				}
				if !testtool.Before(t, time.Now()) {
					t.Fatalf("the check did not start by the test's deadline; stderr:\n%s", g.stderr.String())
				}
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
			if status := g.stop(t, tt.sig); status != tt.status {
				t.Errorf("exit status %d, want %d; stderr:\n%s", status, tt.status, g.stderr.String())
			}
			if !strings.Contains(g.stderr.String(), "gomicro: cancelled: checks stopped, temporary projects removed") {
				t.Errorf("stderr:\n%s", g.stderr.String())
			}
			if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
				t.Errorf("temporary projects left in $TMPDIR: %v", entries)
			}
			if _, err := os.Stat(filepath.Join(mark, "never")); err == nil {
				t.Errorf("the check after the stopped one ran")
			}
			for ; alive(pid); time.Sleep(10 * time.Millisecond) {
				if !testtool.Before(t, time.Now()) {
					t.Fatalf("the check's background process %d still runs at the test's deadline", pid)
				}
			}
		})
	}
}

// alive reports whether process pid runs (a zombie waiting for its parent
// to reap it does not).
func alive(pid int) bool {
	if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !os.IsNotExist(err) || !dirExists("/proc/self")
	}
	// pid (comm) S ...: the state follows the last ')'.
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

func dirExists(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}
