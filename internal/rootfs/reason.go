package rootfs

import (
	"errors"
	"io/fs"
)

// Reason is err without the operation and path of the *fs.PathError it
// holds ("permission denied" for "open /x/y: permission denied"), for a
// message that names the path already; any other error is returned as it
// is. What it returns still answers errors.Is (fs.ErrNotExist, ...).
func Reason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
