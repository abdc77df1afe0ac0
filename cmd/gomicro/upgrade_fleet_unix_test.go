//go:build linux || darwin || freebsd || netbsd || openbsd

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// fleetRun is this test binary started as gomicro upgrade on several
// projects, its stdout read line by line and its stderr watched.
type fleetRun struct {
	cmd    *exec.Cmd
	out    *bufio.Reader
	seen   bytes.Buffer // stdout read so far
	stderr *interruptible
}

func startFleet(t *testing.T, dir string, env []string, args ...string) *fleetRun {
	t.Helper()
	g := gomicro(t, dir, env, args...)
	stdout, err := g.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	return &fleetRun{cmd: g.start(t).cmd, out: bufio.NewReader(stdout), stderr: g}
}

// waitOut reads stdout until a line starts with prefix (no timeout of its
// own: the test binary's deadline bounds it).
func (f *fleetRun) waitOut(t *testing.T, prefix string) {
	t.Helper()
	for {
		line, err := f.out.ReadString('\n')
		f.seen.WriteString(line)
		if strings.HasPrefix(line, prefix) {
			return
		}
		if err != nil {
			t.Fatalf("gomicro ended before printing %q; stdout:\n%s\nstderr:\n%s", prefix, f.seen.String(), f.stderr.stderr.String())
		}
	}
}

// stop sends sig and returns the exit status, with all of stdout and stderr.
func (f *fleetRun) stop(t *testing.T, sig syscall.Signal) (int, string, string) {
	t.Helper()
	if err := f.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		for f.stderr.lines.Scan() {
		}
		close(done)
	}()
	rest, _ := io.ReadAll(f.out)
	f.seen.Write(rest)
	<-done
	err := f.cmd.Wait()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return f.cmd.ProcessState.ExitCode(), f.seen.String(), f.stderr.stderr.String()
}

// demoTemplates writes template demo at 1.0.0 and 2.0.0 in dir, as
// tpl-1.0.0 and tpl-2.0.0: three files, all of which 2.0.0 changes.
func demoTemplates(t *testing.T, dir string) {
	t.Helper()
	for version, body := range map[string]string{"1.0.0": "one\n", "2.0.0": "two\n"} {
		treetest.WriteDir(t, filepath.Join(dir, "tpl-"+version), map[string]string{
			"template.yaml": "name: demo\nversion: " + version + "\nquestions:\n  - name: name\n",
			"a.txt":         body, "b/c.txt": body, "d.txt": body,
		})
	}
}

// growingTemplates is demoTemplates with two files new in 2.0.0. In a
// project git holds, an upgrade rewrites the files it changes in place,
// in the half of its write that no signal stops, and writes only new
// files first: a test that interrupts the write holds it on those
// (GOMICRO_TEST_HOLD).
func growingTemplates(t *testing.T, dir string) {
	t.Helper()
	demoTemplates(t, dir)
	treetest.WriteDir(t, filepath.Join(dir, "tpl-2.0.0"), map[string]string{"e.txt": "two\n", "f/g.txt": "two\n"})
}

// fleetProjects makes the demo templates in dir, project cur at 2.0.0 and
// the others at 1.0.0, without git.
func fleetProjects(t *testing.T, dir string, behind ...string) {
	t.Helper()
	demoTemplates(t, dir)
	mk := func(name, version string) {
		if status, _, stderr := gomicroIn(t, "new", name, "--non-interactive", "--no-git", "--output", dir, "--template", filepath.Join(dir, "tpl-"+version)); status != 0 {
			t.Fatalf("new %s: %s", name, stderr)
		}
	}
	mk("cur", "2.0.0")
	for _, name := range behind {
		mk(name, "1.0.0")
	}
}

// SIGTERM while projects of a fleet are being applied: each apply rolls
// back, no project starts after the signal, the project that had finished
// is reported, and gomicro exits 143.
func TestFleetInterruptApply(t *testing.T) {
	dir := t.TempDir()
	behind := []string{"a", "b", "c", "d", "e"}
	fleetProjects(t, dir, behind...)
	before := map[string]map[string]treetest.Entry{}
	for _, p := range behind {
		before[p] = treetest.SnapshotDir(t, filepath.Join(dir, p))
	}
	f := startFleet(t, dir, []string{"GOMICRO_TEST_HOLD=2"}, append([]string{"upgrade", "--template", "./tpl-2.0.0", "cur"}, behind...)...)
	// cur comes first and is current: its block is printed once it is done.
	f.waitOut(t, "cur: base:")
	f.stderr.waitFor(t, "gomicro-test: holding")
	status, stdout, stderr := f.stop(t, syscall.SIGTERM)
	if status != 143 {
		t.Errorf("exit status %d, want 143; stderr:\n%s", status, stderr)
	}
	if want := "cur: base: demo 2.0.0 as it renders today (3 files)\ncur: current (demo 2.0.0)\n"; stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	if !strings.HasSuffix(stderr, "gomicro: cancelled: no project but those above was touched\n") {
		t.Errorf("stderr:\n%s", stderr)
	}
	for _, p := range behind {
		treetest.Equal(t, p+" after the interrupt", treetest.SnapshotDir(t, filepath.Join(dir, p)), before[p])
	}
}

// SIGINT while no apply runs (a project's template is still rendering,
// in a loop): gomicro ends at once, printing what has finished.
func TestFleetInterruptRender(t *testing.T) {
	dir := t.TempDir()
	fleetProjects(t, dir, "loop")
	// loop's template, as recorded, now never finishes rendering.
	treetest.WriteDir(t, filepath.Join(dir, "tpl-1.0.0"), map[string]string{
		"template.yaml": "name: demo\nversion: 1.1.0\nquestions:\n  - name: name\n",
		"a.txt":         "{{ range 100000000000 }}{{ end }}",
	})
	f := startFleet(t, dir, []string{"GOMICRO_RENDER_TIMEOUT=1h"}, "upgrade", "cur", "loop")
	f.waitOut(t, "cur: base:")
	status, stdout, stderr := f.stop(t, syscall.SIGINT)
	if status != 130 {
		t.Errorf("exit status %d, want 130; stderr:\n%s", status, stderr)
	}
	if want := "cur: base: demo 2.0.0 as it renders today (3 files)\ncur: current (demo 2.0.0)\n"; stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	if stderr != "gomicro: cancelled: no project but those above was touched\n" {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// SIGTERM during an apply with --json: the document is still written, for
// the projects that finished, and nothing else is on stdout. cur and a
// share a repository, so cur is done before a's apply holds.
func TestFleetInterruptJSON(t *testing.T) {
	dir := t.TempDir()
	growingTemplates(t, dir)
	mono := filepath.Join(dir, "mono")
	gitIn(t, dir, "init", "-q", mono)
	for name, version := range map[string]string{"cur": "2.0.0", "a": "1.0.0"} {
		makeProject(t, mono, name, filepath.Join(dir, "tpl-"+version), "--no-git")
	}
	gitIn(t, mono, "add", "-A")
	gitIn(t, mono, "commit", "-qm", "two services")
	before := treetest.SnapshotDir(t, filepath.Join(mono, "a"))
	f := startFleet(t, dir, []string{"GOMICRO_TEST_HOLD=2"}, "upgrade", "--json", "--template", "./tpl-2.0.0", "mono/cur", "mono/a")
	f.stderr.waitFor(t, "gomicro-test: holding")
	status, stdout, stderr := f.stop(t, syscall.SIGTERM)
	if status != 143 {
		t.Errorf("exit status %d, want 143; stderr:\n%s", status, stderr)
	}
	var doc upgradeDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is no document: %v\n%s", err, stdout)
	}
	if len(doc.Projects) != 1 || doc.Projects[0].Path != "mono/cur" || doc.Projects[0].Status != "current" || doc.Status != "current" {
		t.Errorf("document: %s", stdout)
	}
	if !strings.HasSuffix(stderr, "gomicro: cancelled: no project but those above was touched\n") {
		t.Errorf("stderr:\n%s", stderr)
	}
	treetest.Equal(t, "a after the interrupt", treetest.SnapshotDir(t, filepath.Join(mono, "a")), before)
}
