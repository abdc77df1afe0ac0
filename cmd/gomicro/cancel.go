package main

import "fmt"

// cancelled is the error of a run the user stopped: Ctrl-C at a prompt, or
// SIGINT/SIGTERM while gomicro works. Whatever was under way has been rolled
// back by the time it is returned, so its message can promise that nothing
// was written. Its exit status follows the shell's convention, 128 plus the
// signal number: 130 for Ctrl-C or SIGINT, 143 for SIGTERM.
type cancelled struct {
	status int
	what   string // what became of the work; "nothing written" when empty
}

// errInterrupted is Ctrl-C: at a prompt, or SIGINT.
var errInterrupted = cancelled{status: 130}

func (c cancelled) Error() string {
	if c.what == "" {
		return "cancelled: nothing written"
	}
	return "cancelled: " + c.what
}

func (c cancelled) String() string { return fmt.Sprintf("cancelled (exit %d)", c.status) }
