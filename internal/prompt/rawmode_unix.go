//go:build linux || darwin || freebsd || netbsd || openbsd

package prompt

import "golang.org/x/sys/unix"

// makeRawInput is term.MakeRaw for the input side only: keys arrive one by
// one, unechoed and unsignalled, while output processing (\n -> \r\n) stays
// on, as the forms' renderer expects of a terminal it did not set up itself.
// It returns a function that restores the terminal.
func makeRawInput(fd int) (restore func(), err error) {
	termios, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, err
	}
	old := *termios
	termios.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	termios.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	termios.Cflag &^= unix.CSIZE | unix.PARENB
	termios.Cflag |= unix.CS8
	termios.Cc[unix.VMIN] = 1
	termios.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, termios); err != nil {
		return nil, err
	}
	return func() { unix.IoctlSetTermios(fd, ioctlSetTermios, &old) }, nil
}
