//go:build linux || darwin || freebsd || netbsd || openbsd

package templatetest

import (
	"os/exec"
	"syscall"
	"time"
)

// runGroup runs cmd in a process group of its own, so that stopping a check
// stops everything it started (go test's test binaries, a server it ran in
// the background): when cmd's context is done the group gets SIGINT, as
// from a terminal's Ctrl-C, and SIGKILL 3 seconds later. Whatever of the
// group is left when the check ends is killed too.
func runGroup(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	done := make(chan struct{})
	cmd.Cancel = func() error {
		pgid := cmd.Process.Pid
		err := syscall.Kill(-pgid, syscall.SIGINT)
		go func() {
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
			}
		}()
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	err := cmd.Wait()
	close(done)
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // leftovers; ESRCH when none
	return err
}
