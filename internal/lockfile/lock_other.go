//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package lockfile

import "context"

// Lock locks nothing where neither flock nor LockFileEx exists: mirrors
// must not rely on it alone (a template mirror has git's own ref locks,
// a project upgrade its staged apply).
func Lock(context.Context, string) (func(), error) {
	return func() {}, nil
}
