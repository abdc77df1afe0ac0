package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestFirstLine(t *testing.T) {
	tests := []struct{ out, want string }{
		{"", ""},
		{"\n\n", ""},
		{"fatal: not a git repository (or any of the parent directories): .git\n", "not a git repository (or any of the parent directories): .git"},
		{"hint: something\n\nerror: real trouble\n", "real trouble"},
		{"warning: unable to access '/x': Permission denied\nfatal: bad config\n", "bad config"},
		{"warning: Not updating refs/x (new tip does not contain y)\n", "warning: Not updating refs/x (new tip does not contain y)"},
		{"Author identity unknown\n\n*** Please tell me who you are.\n\nfatal: unable to auto-detect email address\n", "unable to auto-detect email address"},
		{"On branch main\nnothing to commit\n", "On branch main"},
		// --progress rewrites its line with a carriage return.
		{"Receiving objects:  50% (1/2)\rfatal: the remote end hung up unexpectedly\r\n", "the remote end hung up unexpectedly"},
	}
	for _, tt := range tests {
		if got := firstLine([]byte(tt.out)); got != tt.want {
			t.Errorf("firstLine(%q) = %q, want %q", tt.out, got, tt.want)
		}
	}
}

func TestSubcommand(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "git"},
		{[]string{"status"}, "status"},
		{[]string{"-c", "a=b", "--git-dir=/x", "fetch", "origin"}, "fetch"},
		{[]string{"-C", "dir", "-c", "x=y", "log", "-1"}, "log"},
		{[]string{"--version"}, "git"},
	}
	for _, tt := range tests {
		if got := Subcommand(tt.args); got != tt.want {
			t.Errorf("Subcommand(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}

// Run drops the variables that point git elsewhere, streams stdin and
// stdout, adds Env, and runs the command through Exec when one is given.
func TestRun(t *testing.T) {
	setup(t)
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	run(t, dir, "init", "-q")
	t.Setenv("GIT_DIR", "/no/such/repository") // scrubbed
	got, err := Run(context.Background(), Command{Dir: dir, Args: []string{"rev-parse", "--absolute-git-dir"}})
	if want := filepath.Join(dir, ".git") + "\n"; err != nil || string(got) != want {
		t.Errorf("git rev-parse --absolute-git-dir with GIT_DIR set = %q, %v; want %q", got, err, want)
	}

	var out bytes.Buffer
	ran := false
	got, err = Run(context.Background(), Command{
		Dir:    dir,
		Args:   []string{"hash-object", "--stdin"},
		Stdin:  strings.NewReader("hello\n"),
		Stdout: &out,
		Exec:   func(c *exec.Cmd) error { ran = true; return c.Run() },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !ran {
		t.Error("Run did not go through Exec")
	}
	if len(got) != 0 {
		t.Errorf("Run returned %q with Stdout set, want nothing", got)
	}
	if want := "ce013625030ba8dba906f756967f9e9ca394464a\n"; out.String() != want {
		t.Errorf("stdout = %q, want %q", out.String(), want)
	}

	got, err = Run(context.Background(), Command{Dir: dir, Args: []string{"var", "GIT_AUTHOR_IDENT"}, Env: []string{"GIT_AUTHOR_NAME=Other Person"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "Other Person <") {
		t.Errorf("git var GIT_AUTHOR_IDENT = %q, want Env's name", got)
	}
}

func TestRunErrors(t *testing.T) {
	setup(t)
	dir := t.TempDir()

	_, err := Run(context.Background(), Command{Dir: dir, Args: []string{"-c", "x.y=z", "rev-parse", "--verify", "HEAD"}})
	var gerr *Error
	if !errors.As(err, &gerr) || gerr.Cmd != "rev-parse" || !strings.Contains(gerr.Msg, "not a git repository") || !bytes.Contains(gerr.Stderr, []byte("fatal:")) {
		t.Errorf("rev-parse outside a repository: %#v, want an *Error with git's message and stderr", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Run(ctx, Command{Dir: dir, Args: []string{"version"}})
	if !errors.As(err, &gerr) || !errors.Is(err, context.Canceled) || gerr.Msg != context.Canceled.Error() {
		t.Errorf("Run with a cancelled context: %v, want context.Canceled", err)
	}

	t.Setenv("PATH", t.TempDir())
	_, err = Run(context.Background(), Command{Dir: dir, Args: []string{"version"}})
	if !errors.As(err, &gerr) || !errors.Is(err, exec.ErrNotFound) || gerr.Msg != "git is not installed (not found on PATH)" {
		t.Errorf("Run without git: %v, want exec.ErrNotFound", err)
	}
}

func TestConfig(t *testing.T) {
	setup(t)
	dir := t.TempDir()
	run(t, dir, "init", "-q")
	run(t, dir, "config", "github.user", "  someone  ")
	if got, err := Config(dir, "github.user"); err != nil || got != "someone" {
		t.Errorf("Config(github.user) = %q, %v; want someone", got, err)
	}
	var gerr *Error
	if got, err := Config(dir, "user.signingkey"); !errors.As(err, &gerr) || got != "" {
		t.Errorf("Config(unset key) = %q, %v; want an *Error", got, err)
	}
}
