package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

// fallbackIdentity commits for a machine whose git knows no user (a fresh CI
// box): generation must not fail for it, and the person can amend later.
var fallbackIdentity = []string{"-c", "user.name=gomicro", "-c", "user.email=gomicro@localhost"}

// commitProject makes dir a git repository whose first commit holds every
// generated file, so upgrade can always find the pristine files in history.
// It costs three processes and runs no hooks. A failure is reported as a
// note: the project is written either way.
func commitProject(stdio IO, dir, message string) {
	if _, err := exec.LookPath("git"); err != nil {
		fmt.Fprintln(stdio.Err, "gomicro: note: git not found; the project is not a git repository (install git, or pass --no-git to skip this note)")
		return
	}
	noHooks := []string{"-c", "core.hooksPath=/dev/null"}
	steps := [][]string{
		{"init", "-q"},
		{"add", "-A"},
	}
	for _, step := range steps {
		if out, err := git(dir, append(noHooks, step...)...); err != nil {
			fmt.Fprintf(stdio.Err, "gomicro: note: git %s failed, the project has no first commit: %s\n", step[0], firstLine(out, err))
			return
		}
	}
	commit := append(noHooks, "commit", "-q", "--no-verify", "-m", message)
	if _, err := git(dir, commit...); err == nil {
		return
	}
	out, err := git(dir, append(fallbackIdentity, commit...)...)
	if err != nil {
		fmt.Fprintf(stdio.Err, "gomicro: note: git commit failed, the project has no first commit: %s\n", firstLine(out, err))
		return
	}
	fmt.Fprintln(stdio.Err, "gomicro: note: git has no user.name/user.email here; the first commit is by gomicro <gomicro@localhost> (git commit --amend --reset-author to change it)")
}

func git(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.Bytes(), err
}

func firstLine(out []byte, err error) string {
	for _, line := range strings.Split(string(out), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "hint:") {
			return line
		}
	}
	return err.Error()
}
