package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/gomicro/gomicro/internal/gitrepo/gitenv"
)

// Error is a git command that failed.
type Error struct {
	Cmd string // the git subcommand, such as "status"
	Msg string // git's own explanation: its first error line
	Err error  // the underlying error (an *exec.ExitError, exec.ErrNotFound, ...)

	// Stderr is the end of what git wrote to its standard error (its last
	// 64 KiB), for a caller that looks for more than Msg.
	Stderr []byte
}

func (e *Error) Error() string { return "git " + e.Cmd + ": " + e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// Command is one run of git, for Run.
type Command struct {
	Dir  string   // the working directory; "" is the current one
	Args []string // the arguments, without "git" itself
	Env  []string // KEY=value pairs added to the scrubbed environment (see localEnv)

	Stdin io.Reader // git's standard input; nil is none

	// Stdout receives git's standard output as it is written, for a
	// caller that streams it (and bounds it). When nil, Run collects it
	// and returns it, and a failure git explains only there ("nothing to
	// commit") takes its message from it.
	Stdout io.Writer

	// Exec, when set, runs the prepared command in place of its Run
	// method and returns what Run would: the hook for a caller that
	// watches the output as it comes (a stall watchdog that kills a
	// fetch) or bounds the wait for it (WaitDelay). It may wrap Stdout
	// and Stderr, never drop them.
	Exec func(*exec.Cmd) error
}

// Run runs git as c says and returns its standard output (when c.Stdout is
// nil). Git's environment is the caller's without the variables that would
// point it at another repository (localEnv), plus c.Env. On failure the
// error is an *Error whose message is git's own: its first "fatal:" or
// "error:" line; when ctx ends first, git is killed and the message is
// ctx's.
func Run(ctx context.Context, c Command) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = childEnv(c.Env)
	if c.Stdin != nil {
		cmd.Stdin = c.Stdin
	}
	var collected bytes.Buffer
	cmd.Stdout = c.Stdout
	if c.Stdout == nil {
		cmd.Stdout = &collected
	}
	var stderr tailBuffer
	cmd.Stderr = &stderr
	run := (*exec.Cmd).Run
	if c.Exec != nil {
		run = c.Exec
	}
	if err := run(cmd); err != nil {
		return collected.Bytes(), runError(ctx, c.Args, stderr.Bytes(), collected.Bytes(), err)
	}
	return collected.Bytes(), nil
}

// git runs git with args in dir, feeding it stdin, with extra environment
// variables, and returns its standard output. Git may look for the
// repository past a filesystem boundary, as Find does. On failure the
// error is an *Error whose message is git's own.
func git(dir string, stdin []byte, extraEnv []string, args ...string) ([]byte, error) {
	c := Command{
		Dir:  dir,
		Args: args,
		Env:  append([]string{"GIT_DISCOVERY_ACROSS_FILESYSTEM=1"}, extraEnv...),
	}
	if stdin != nil {
		c.Stdin = bytes.NewReader(stdin)
	}
	return Run(context.Background(), c)
}

func runError(ctx context.Context, args []string, stderr, stdout []byte, err error) *Error {
	e := &Error{Cmd: Subcommand(args), Err: err, Stderr: stderr}
	switch {
	case ctx.Err() != nil:
		e.Msg, e.Err = ctx.Err().Error(), ctx.Err()
	case errors.Is(err, exec.ErrNotFound):
		e.Msg = "git is not installed (not found on PATH)"
	default:
		// Some failures ("nothing to commit") are explained on stdout.
		e.Msg = firstLine(stderr)
		if e.Msg == "" {
			e.Msg = firstLine(stdout)
		}
		if e.Msg == "" {
			e.Msg = err.Error()
		}
	}
	return e
}

// childEnv is the environment of every git child: the caller's, minus
// the variables that point git at one repository (gitenv.Local: a caller
// may have them set, gomicro run from a git hook or by hand, and git must
// find each project's repository from its directory), plus extra.
func childEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		key, _, _ := strings.Cut(kv, "=")
		if !gitenv.IsLocal(key) {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// Subcommand names the git command in args, past the global options (-c
// and -C take a value).
func Subcommand(args []string) string {
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "-c" || args[i] == "-C":
			i++
		case !strings.HasPrefix(args[i], "-"):
			return args[i]
		}
	}
	return "git"
}

// firstLine picks git's explanation out of its output: the first "fatal:"
// or "error:" line (a warning may come before it), else the first line
// that is not blank and not a "hint:". The "fatal: " or "error: " label
// goes. A carriage return ends a line too: --progress rewrites its line
// with one.
func firstLine(out []byte) string {
	var first string
	for _, line := range strings.FieldsFunc(string(out), func(r rune) bool { return r == '\n' || r == '\r' }) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "hint:") {
			continue
		}
		for _, label := range []string{"fatal: ", "error: "} {
			if msg, ok := strings.CutPrefix(line, label); ok {
				return msg
			}
		}
		if first == "" {
			first = line
		}
	}
	return first
}

// tailBuffer keeps the last 64 KiB written to it: git's stderr, where
// --progress writes a line per update and the reason of a failure comes
// last.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	const keep = 64 << 10
	t.b = append(t.b, p...)
	if len(t.b) > keep {
		t.b = append(t.b[:0], t.b[len(t.b)-keep:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) Bytes() []byte { return t.b }

// Message is git's own words for a failure, without the wrapping of the
// command that ran: for a person who can act on what git said.
func Message(err error) string {
	var ge *Error
	if errors.As(err, &ge) {
		return ge.Msg
	}
	return err.Error()
}
