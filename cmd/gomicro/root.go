package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/buildinfo"
)

// IO is the terminal a command talks to, injected so tests can drive every
// command with plain buffers.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
	// Terminal is true when both stdin and stdout are terminals: the only
	// case in which gomicro may show interactive prompts.
	Terminal bool
	// InTerminal and OutTerminal say which of stdin and stdout is a
	// terminal, so that a refusal to prompt can name the one that is not.
	InTerminal, OutTerminal bool
	// Accessible asks for line-by-line prompts read from In (for screen
	// readers and piped answers), terminal or not.
	Accessible bool

	// interrupts is set by run: how SIGINT and SIGTERM stop a command.
	interrupts *interrupts
}

func systemIO() IO {
	in, out := term.IsTerminal(int(os.Stdin.Fd())), term.IsTerminal(int(os.Stdout.Fd()))
	return IO{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		Terminal:   in && out,
		InTerminal: in, OutTerminal: out,
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
	for _, line := range strings.Split(suggestionLine(err.Error()), "\n") {
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

// suggestionLine folds the block cobra appends to an unknown command's
// error ("\n\nDid you mean this?\n\tnew\n") into the line it follows, so
// that every line gomicro prints is one "gomicro: " line.
func suggestionLine(msg string) string {
	first, block, found := strings.Cut(msg, "\n\nDid you mean this?\n")
	if !found {
		return msg
	}
	return first + didYouMean(strings.Fields(block))
}

// didYouMean is "; did you mean a or b?", or "" for no names.
func didYouMean(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(names, " or ") + "?"
}

// subcommandsOnly is the Args of a command that only groups others
// (gomicro template): an argument is an unknown subcommand, named with the
// nearest ones, as cobra does for gomicro's own.
func subcommandsOnly(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's own default, set only where it suggests
	}
	return usagef("unknown command %q for %q%s", args[0], cmd.CommandPath(), didYouMean(cmd.SuggestionsFor(args[0])))
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
		// Non-empty for cobra to act on --version; what is printed is
		// version(), worked out only then (see versionTemplate).
		Version:       "DEV",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	// --version prints what the version command prints; declared here so
	// that cobra gives it no -v, which templates takes for --verbose.
	root.Flags().Bool("version", false, "print gomicro's version")
	versionTemplate()
	root.SetVersionTemplate("gomicro {{gomicroVersion}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newNewCmd(stdio), newUpgradeCmd(stdio), newDiffCmd(stdio), newAdoptCmd(stdio), newTemplatesCmd(stdio), newTemplateCmd(stdio), newVersionCmd(stdio))
	return root
}

func newVersionCmd(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print gomicro's version",
		Long: "Print gomicro's version: the one set at build time with -ldflags \"-X main.Version=...\",\n" +
			"else the module version and git revision the go command recorded, else DEV.",
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(stdio.Out, "gomicro "+version())
			return err
		},
	}
}

// versionTemplate gives cobra's templates gomicroVersion, so that the build
// information is read only by a command that prints it.
var versionTemplate = sync.OnceFunc(func() { cobra.AddTemplateFunc("gomicroVersion", version) })

// version is gomicro's version: Version when the build set it, else what
// the go command recorded in the binary.
func version() string {
	if Version != "DEV" && Version != "" {
		return Version
	}
	return buildinfo.Read()
}
