package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gomicro/gomicro/generator"
)

// IO is the terminal a command talks to, injected so tests can drive every
// command with plain buffers.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
	// Terminal is true when both stdin and stdout are terminals: the only
	// case in which gomicro may show interactive prompts.
	Terminal bool
	// Accessible asks for line-by-line prompts read from In (for screen
	// readers and piped answers), terminal or not.
	Accessible bool

	// interrupts is set by run: how SIGINT and SIGTERM stop a command.
	interrupts *interrupts
}

func systemIO() IO {
	return IO{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		Terminal:   term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd())),
		Accessible: os.Getenv("ACCESSIBLE") != "",
	}
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks an error in how gomicro was called (exit status 2).
type usageError struct{ error }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// run executes one gomicro command line and returns the exit status. Every
// error line goes to stderr prefixed with "gomicro: ".
func run(args []string, stdio IO) int {
	stdio.interrupts = watchInterrupts(stdio.Err)
	defer stdio.interrupts.stop()
	root := newRootCmd(stdio)
	root.SetArgs(args)
	started := false
	root.PersistentPreRun = func(*cobra.Command, []string) { started = true }
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var exit exitStatus
	if errors.As(err, &exit) {
		return int(exit) // the command has said why already
	}
	var stop cancelled
	if errors.As(err, &stop) {
		fmt.Fprintln(stdio.Err, "gomicro: "+stop.Error())
		return stop.status
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(stdio.Err, "gomicro: "+line)
	}
	var usage usageError
	var problems generator.Problems
	switch {
	case errors.As(err, &problems):
		return exitFailure
	case errors.As(err, &usage) || !started:
		// Cobra's own errors (unknown command or flag, wrong number of
		// arguments) come before any command starts.
		return exitUsage
	}
	return exitFailure
}

// exitStatus is an error that carries its own exit status, for commands whose
// outcome is already printed (upgrade's conflicts).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func newRootCmd(stdio IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "gomicro",
		Short: "Scaffold Go microservice repositories and keep them up to date",
		Long: "gomicro writes a new Go service repository from a template (Go modules, a Version\n" +
			"set from the git SHA, cross-compiled .tar.gz artifacts, CI, S3 upload) and keeps it\n" +
			"current as the template improves.",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newNewCmd(stdio), newUpgradeCmd(stdio), newTemplatesCmd(stdio), newTemplateCmd(stdio), newVersionCmd(stdio))
	return root
}

func newVersionCmd(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print gomicro's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(stdio.Out, "gomicro "+Version)
			return err
		},
	}
}
