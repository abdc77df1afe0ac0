//go:build linux || darwin || freebsd || netbsd || openbsd

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gomicro/gomicro/internal/templatetest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// SIGINT or SIGTERM while template test runs a check: the check and what it
// started stop, every temporary project is removed, and gomicro exits 130 or
// 143.
func TestInterruptTemplateTest(t *testing.T) {
	for _, tt := range []struct {
		sig    syscall.Signal
		status int
		json   bool // --json: the document says "stopped"
	}{{syscall.SIGINT, 130, false}, {syscall.SIGTERM, 143, false}, {syscall.SIGINT, 130, true}} {
		name := tt.sig.String()
		if tt.json {
			name += " json"
		}
		t.Run(name, func(t *testing.T) {
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
			args := []string{"template", "test", ".", "--env", "MARK"}
			if tt.json {
				args = append(args, "--json")
			}
			var stdout bytes.Buffer
			g := gomicro(t, dir, []string{"TMPDIR=" + tmp, "MARK=" + mark}, args...)
			g.cmd.Stdout = &stdout
			g.start(t)
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
			if tt.json {
				var rep templatetest.Report
				if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || rep.Status != templatetest.StatusStopped || len(rep.Combinations) != 0 {
					t.Errorf("stdout %s (%v), want a document whose status is stopped, with no combination", stdout.String(), err)
				}
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
