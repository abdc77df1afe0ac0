//go:build linux || darwin || freebsd || netbsd || openbsd

package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/gittest"
)

// One project, one writer: while an upgrade is writing, a second upgrade
// or new --force on the same project waits briefly, then fails with one
// line naming the first; once the first is dead (however it died), its
// lock blocks nobody.
func TestProjectLock(t *testing.T) {
	for _, git := range []bool{false, true} {
		t.Run(fmt.Sprintf("git=%v", git), func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
			growingTemplates(t, dir)
			args := []string{"new", "svc", "--non-interactive", "--template", "./tpl-1.0.0"}
			if !git {
				args = append(args, "--no-git")
			}
			made := startGomicro(t, dir, gittest.Identity, args...)
			if err := made.cmd.Wait(); err != nil {
				t.Fatalf("new: %v\n%s", err, made.stderr.String())
			}
			project := filepath.Join(dir, "svc")
			first := startGomicro(t, project, []string{"GOMICRO_TEST_HOLD=2"}, "upgrade", "--template", "../tpl-2.0.0")
			first.waitFor(t, "gomicro-test: holding")
			busy := fmt.Sprintf("another gomicro is working on this project (pid %d)", first.cmd.Process.Pid)

			second := startGomicro(t, project, nil, "upgrade", "--force", "--template", "../tpl-2.0.0")
			if status := second.finish(t); status != 1 {
				t.Errorf("second upgrade: exit status %d, want 1; stderr:\n%s", status, second.stderr.String())
			}
			if got, want := second.stderr.String(), "gomicro: .: "+busy+"\n.: refused\n"; got != want {
				t.Errorf("second upgrade: stderr %q, want %q", got, want)
			}
			again := startGomicro(t, dir, nil, "new", "svc", "--non-interactive", "--force", "--no-git", "--template", "./tpl-2.0.0")
			if status := again.finish(t); status != 1 {
				t.Errorf("new --force: exit status %d, want 1; stderr:\n%s", status, again.stderr.String())
			}
			if got, want := again.stderr.String(), "gomicro: ./svc: "+busy+"\n"; got != want {
				t.Errorf("new --force: stderr %q, want %q", got, want)
			}

			// Killed outright: the kernel drops the lock with the process.
			first.stop(t, syscall.SIGKILL)
			after := startGomicro(t, project, nil, "upgrade", "--force", "--template", "../tpl-2.0.0")
			after.finish(t)
			if strings.Contains(after.stderr.String(), "another gomicro") {
				t.Errorf("a dead gomicro's lock blocks: %s", after.stderr.String())
			}
		})
	}
}

// finish waits for g to end by itself and returns its exit status.
func (g *interruptible) finish(t *testing.T) int {
	t.Helper()
	for g.lines.Scan() {
	}
	g.cmd.Wait()
	return g.cmd.ProcessState.ExitCode()
}
