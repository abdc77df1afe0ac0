//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package templatetest

import "os/exec"

// runGroup runs cmd; its context kills the check's own process.
func runGroup(cmd *exec.Cmd) error {
	return cmd.Run()
}
