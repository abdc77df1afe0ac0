//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package prompt

import "golang.org/x/term"

// makeRawInput falls back to term.MakeRaw where termios is not available.
func makeRawInput(fd int) (restore func(), err error) {
	state, err := term.MakeRaw(fd)
	if err != nil {
		return nil, err
	}
	return func() { term.Restore(fd, state) }, nil
}

// echoOff leaves the echo to huh's own password read where termios is
// not available.
func echoOff(int) (restore func(), err error) { return func() {}, nil }
