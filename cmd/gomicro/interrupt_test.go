//go:build linux || darwin || freebsd || netbsd || openbsd

package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/gittest"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// interruptible is this test binary started as gomicro, stopped by
// GOMICRO_TEST_HOLD in the middle of writing (or, without it, wherever it
// waits), for a test to send it a signal.
type interruptible struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	lines  *bufio.Scanner
}

// startGomicro starts gomicro args in dir, with env added to a hermetic
// git's.
func startGomicro(t *testing.T, dir string, env []string, args ...string) *interruptible {
	t.Helper()
	return gomicro(t, dir, env, args...).start(t)
}

// gomicro is startGomicro's process before it starts, for a test that
// wants more of it (its stdout) first.
func gomicro(t *testing.T, dir string, env []string, args ...string) *interruptible {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	g := &interruptible{cmd: exec.Command(exe, args...)}
	g.cmd.Dir = dir
	g.cmd.Env = gittest.Env(append([]string{"GOMICRO_TEST_AS_MAIN=1"}, env...)...)
	return g
}

// start starts g, its stderr read line by line, and kills it when the test
// ends if it is still running.
func (g *interruptible) start(t *testing.T) *interruptible {
	t.Helper()
	pipe, err := g.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	g.lines = bufio.NewScanner(io.TeeReader(pipe, &g.stderr))
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.cmd.Process.Kill(); g.cmd.Wait() })
	return g
}

// waitFor reads stderr until a line contains s. It has no timeout of its
// own: the test binary's deadline bounds it, so a loaded machine cannot
// make it fail.
func (g *interruptible) waitFor(t *testing.T, s string) {
	t.Helper()
	for g.lines.Scan() {
		if strings.Contains(g.lines.Text(), s) {
			return
		}
	}
	t.Fatalf("gomicro ended before printing %q; stderr:\n%s", s, g.stderr.String())
}

// stop sends sig and returns the exit status.
func (g *interruptible) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	if err := g.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	for g.lines.Scan() { // drain, so the process is never blocked on stderr
	}
	err := g.cmd.Wait()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return g.cmd.ProcessState.ExitCode()
}

// SIGINT or SIGTERM while new writes: every file written so far is removed,
// the project directory too, and gomicro exits 130 or 143.
func TestInterruptNew(t *testing.T) {
	for _, tt := range []struct {
		sig    syscall.Signal
		status int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "unrelated"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			before := treetest.SnapshotDir(t, dir)
			g := startGomicro(t, dir, []string{"GOMICRO_TEST_HOLD=4"}, "new", "svc", "--non-interactive", "--no-git")
			g.waitFor(t, "gomicro-test: holding")
			if _, err := os.Stat(filepath.Join(dir, "svc")); err != nil {
				t.Fatalf("holding, but the project is not being written: %v", err)
			}
			if status := g.stop(t, tt.sig); status != tt.status {
				t.Errorf("exit status %d, want %d; stderr:\n%s", status, tt.status, g.stderr.String())
			}
			if !strings.Contains(g.stderr.String(), "gomicro: cancelled: nothing written") {
				t.Errorf("stderr:\n%s", g.stderr.String())
			}
			treetest.Equal(t, "after the interrupt", treetest.SnapshotDir(t, dir), before)
		})
	}
}

// SIGINT while upgrade stages its writes: the project is as it was, and no
// staging directory is left.
func TestInterruptUpgrade(t *testing.T) {
	dir := t.TempDir()
	demoTemplates(t, dir)
	made := startGomicro(t, dir, nil, "new", "svc", "--non-interactive", "--no-git", "--template", "./tpl-1.0.0")
	if err := made.cmd.Wait(); err != nil {
		t.Fatalf("new: %v\n%s", err, made.stderr.String())
	}
	project := filepath.Join(dir, "svc")
	before := treetest.SnapshotDir(t, project)
	g := startGomicro(t, project, []string{"GOMICRO_TEST_HOLD=2"}, "upgrade", "--template", "../tpl-2.0.0")
	g.waitFor(t, "gomicro-test: holding")
	if status := g.stop(t, syscall.SIGINT); status != 130 {
		t.Errorf("exit status %d, want 130; stderr:\n%s", status, g.stderr.String())
	}
	if !strings.Contains(g.stderr.String(), "gomicro: cancelled: nothing written") {
		t.Errorf("stderr:\n%s", g.stderr.String())
	}
	treetest.Equal(t, "after the interrupt", treetest.SnapshotDir(t, project), before)
}

// SIGINT while an upgrade in git writes the work tree: the pristine
// record, made meanwhile, is taken back with it, so the next upgrade's
// base is the render the project has.
func TestInterruptUpgradeGit(t *testing.T) {
	dir := t.TempDir()
	growingTemplates(t, dir)
	made := startGomicro(t, dir, nil, "new", "svc", "--non-interactive", "--template", "./tpl-1.0.0")
	if err := made.cmd.Wait(); err != nil {
		t.Fatalf("new: %v\n%s", err, made.stderr.String())
	}
	project := filepath.Join(dir, "svc")
	pristine := func() string {
		cmd := exec.Command("git", "rev-parse", "refs/gomicro/pristine/%2E")
		cmd.Dir = project
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git rev-parse: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	before, tip := treetest.SnapshotDir(t, filepath.Join(project, "a.txt")), pristine()
	g := startGomicro(t, project, []string{"GOMICRO_TEST_HOLD=2"}, "upgrade", "--template", "../tpl-2.0.0")
	g.waitFor(t, "gomicro-test: holding")
	if status := g.stop(t, syscall.SIGINT); status != 130 {
		t.Errorf("exit status %d, want 130; stderr:\n%s", status, g.stderr.String())
	}
	treetest.Equal(t, "a.txt after the interrupt", treetest.SnapshotDir(t, filepath.Join(project, "a.txt")), before)
	if got := pristine(); got != tip {
		t.Errorf("the pristine ref moved from %s to %s, though the upgrade was rolled back", tip, got)
	}
}

// SIGINT while gomicro waits for an answer: it stops at once, nothing
// written, though its stdin never ends.
func TestInterruptAtPrompt(t *testing.T) {
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "new", "svc", "--no-git")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOMICRO_TEST_AS_MAIN=1", "ACCESSIBLE=1")
	stdinR, stdinW, err := os.Pipe() // held open: the answer never comes
	if err != nil {
		t.Fatal(err)
	}
	defer stdinW.Close()
	cmd.Stdin = stdinR
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdinR.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// Wait for the first question, so the signal meets a gomicro that is
	// reading its answer (no timeout of our own: the test's deadline).
	var seen bytes.Buffer
	buf := make([]byte, 256)
	for !strings.Contains(seen.String(), "GitHub owner") {
		n, err := stdout.Read(buf)
		seen.Write(buf[:n])
		if err != nil {
			t.Fatalf("gomicro ended before asking: %v\n%s%s", err, seen.String(), stderr.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, stdout)
	cmd.Wait()
	if status := cmd.ProcessState.ExitCode(); status != 130 {
		t.Errorf("exit status %d, want 130; stderr:\n%s", status, stderr.String())
	}
	if !strings.Contains(stderr.String(), "gomicro: cancelled: nothing written") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %v", entries)
	}
}
