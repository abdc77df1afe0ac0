//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package source

import "context"

// lockFile locks nothing where neither flock nor LockFileEx exists: mirrors
// are then protected only by git's own ref locks (a concurrent fetch fails
// rather than corrupts) and by the rename of a first clone into place.
func lockFile(context.Context, string, bool) (func(), error) {
	return func() {}, nil
}
