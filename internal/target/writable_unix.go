//go:build unix

package target

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// writable tells whether files can be made in dir, as the write will try:
// access(2) answers for this user, root and read-only mounts included.
func writable(dir string) error {
	if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
		return fmt.Errorf("cannot write in %s: %v", Display(dir), err)
	}
	return nil
}
