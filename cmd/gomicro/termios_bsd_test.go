//go:build darwin || freebsd || netbsd || openbsd

package main

import "golang.org/x/sys/unix"

// ioctlGetTermios reads a pseudo-terminal's mode (interactive_test.go);
// internal/prompt has the same for raw mode.
const ioctlGetTermios = unix.TIOCGETA
