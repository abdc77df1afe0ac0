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

// echoOff turns the terminal's echo off, lines and signals as they were,
// until the function it returns restores it. A secret's prompt is printed
// after this, so keys typed (or pasted) the moment the prompt shows are
// never echoed: huh turns the echo off only once it starts reading.
func echoOff(fd int) (restore func(), err error) {
	termios, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, err
	}
	old := *termios
	termios.Lflag &^= unix.ECHO
	termios.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, termios); err != nil {
		return nil, err
	}
	return func() { unix.IoctlSetTermios(fd, ioctlSetTermios, &old) }, nil
}
