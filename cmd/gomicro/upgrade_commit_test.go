package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/gittest"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// commitJSON runs upgrade --commit --json in this process and decodes the
// one project of its document.
func commitJSON(t *testing.T, args ...string) (int, upgradeProject, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	status := run(append([]string{"upgrade", "--commit", "--json"}, args...), IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	var doc upgradeDoc
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil || len(doc.Projects) != 1 {
		t.Fatalf("stdout is no one-project document (%v):\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	return status, doc.Projects[0], errOut.String()
}

// gitOutput is git's stdout in dir, trimmed.
func gitOutput(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// Issue 17, part 1: upgrade --commit puts the upgrade on its branch as one
// commit on top of the commit it started from, and stays there with a
// clean work tree; run again against an origin that holds that commit, it
// makes none (already proposed); a current project gets no branch.
func TestUpgradeCommit(t *testing.T) {
	gittest.Isolate(t)
	dir := t.TempDir()
	v1, v2 := fleetTemplates(t, dir)
	p := makeProject(t, dir, "svc", v1)
	origin := filepath.Join(dir, "origin.git")
	gitIn(t, dir, "init", "-q", "--bare", origin)
	gitIn(t, p, "remote", "add", "origin", origin)
	start := gitOutput(t, p, "rev-parse", "HEAD")
	home := gitOutput(t, p, "symbolic-ref", "--short", "HEAD")

	status, got, stderr := commitJSON(t, p, "--template", v2)
	if status != 0 || stderr != "" || got.Status != "upgraded" || got.Branch != "gomicro/upgrade" || got.Proposed != "new" {
		t.Fatalf("exit %d, %+v\nstderr:\n%s", status, got, stderr)
	}
	if head := gitOutput(t, p, "rev-parse", "HEAD"); head != got.Commit {
		t.Errorf("HEAD is %s, the report says %s", head, got.Commit)
	}
	if parent := gitOutput(t, p, "rev-parse", "HEAD^"); parent != start {
		t.Errorf("the commit's parent is %s, want the start %s", parent, start)
	}
	if branch := gitOutput(t, p, "symbolic-ref", "--short", "HEAD"); branch != "gomicro/upgrade" {
		t.Errorf("the work tree is on %s", branch)
	}
	if st := gitOutput(t, p, "status", "--porcelain"); st != "" {
		t.Errorf("the work tree is not clean:\n%s", st)
	}
	msg := gitOutput(t, p, "log", "-1", "--format=%B")
	if !strings.HasPrefix(msg, "gomicro: upgrade demo 1.0.0 -> 2.0.0\n\nupdated  shared.txt") {
		t.Errorf("commit message:\n%s", msg)
	}
	if files := gitOutput(t, p, "diff", "--name-only", "HEAD^", "HEAD"); files != ".gomicro.yml\nshared.txt" {
		t.Errorf("the commit holds:\n%s", files)
	}

	// The daily job's second run: origin has the branch; from the start
	// again, the same upgrade is already proposed.
	gitIn(t, p, "push", "-q", "origin", "gomicro/upgrade")
	gitIn(t, p, "fetch", "-q", "origin")
	gitIn(t, p, "checkout", "-q", home)
	gitIn(t, p, "branch", "-q", "-D", "gomicro/upgrade")
	status, again, stderr := commitJSON(t, p, "--template", v2)
	if status != 0 || again.Proposed != "already" || again.Commit != got.Commit {
		t.Errorf("second run: exit %d, %+v, want already proposed %s\nstderr:\n%s", status, again, got.Commit, stderr)
	}

	// On the branch, the project is current: nothing to commit.
	status, cur, _ := commitJSON(t, p, "--template", v2)
	if status != 0 || cur.Status != "current" || cur.Commit != "" || cur.Proposed != "" {
		t.Errorf("current: exit %d, %+v", status, cur)
	}
}

// With conflicts, the files are committed with their markers; the exit
// status says there were conflicts, and upgrade --check fails on the
// branch until they are resolved.
func TestUpgradeCommitConflicts(t *testing.T) {
	gittest.Isolate(t)
	dir := t.TempDir()
	v1, v2 := fleetTemplates(t, dir)
	p := makeProject(t, dir, "svc", v1)
	treetest.WriteDir(t, p, map[string]string{"shared.txt": "one\ntwo\nthree (team)\n"})
	gitIn(t, p, "commit", "-qam", "team edit")

	status, got, stderr := commitJSON(t, p, "--template", v2, "--branch", "chore/template")
	if status != 1 || got.Status != "conflicts" || got.Branch != "chore/template" || got.Proposed != "new" {
		t.Fatalf("exit %d, %+v\nstderr:\n%s", status, got, stderr)
	}
	if shared := gitOutput(t, p, "show", "HEAD:shared.txt"); !strings.Contains(shared, "<<<<<<<") {
		t.Errorf("shared.txt is committed without its markers:\n%s", shared)
	}
	if msg := gitOutput(t, p, "log", "-1", "--format=%B"); !strings.Contains(msg, "conflict  shared.txt") || !strings.Contains(msg, "gomicro upgrade --check") {
		t.Errorf("commit message:\n%s", msg)
	}
	if st := gitOutput(t, p, "status", "--porcelain"); st != "" {
		t.Errorf("the work tree is not clean:\n%s", st)
	}
	if status, _, stderr := gomicroIn(t, "upgrade", p, "--check", "--template", v2); status != 1 || !strings.Contains(stderr, "unresolved conflicts") {
		t.Errorf("--check on the branch: exit %d, want 1 (unresolved)\n%s", status, stderr)
	}
}

// --commit needs a git project with a commit, and goes with no flag that
// changes nothing or forces: each is one line, exit 2 for a usage error,
// and nothing changes.
func TestUpgradeCommitRefuses(t *testing.T) {
	gittest.Isolate(t)
	dir := t.TempDir()
	v1, v2 := fleetTemplates(t, dir)
	p := makeProject(t, dir, "svc", v1)
	loose := makeProject(t, dir, "loose", v1, "--no-git")
	before := treetest.SnapshotDir(t, p)
	head := gitOutput(t, p, "rev-parse", "HEAD")
	for _, tc := range []struct {
		args   []string
		status int
		line   string
	}{
		{[]string{"upgrade", p, "--branch", "x"}, 2, "gomicro: --branch x needs --commit\n"},
		{[]string{"upgrade", p, "--commit", "--check"}, 2, "gomicro: --commit commits an upgrade: it cannot go with --check or --dry-run, which change nothing\n"},
		{[]string{"upgrade", p, "--commit", "--dry-run"}, 2, "gomicro: --commit commits an upgrade: it cannot go with --check or --dry-run, which change nothing\n"},
		{[]string{"upgrade", p, "--commit", "--force"}, 2, "gomicro: --commit starts from a clean work tree: it cannot go with --force\n"},
		{[]string{"upgrade", p, "--commit", "--branch", "bad..name", "--template", v2}, 1, "gomicro: " + p + ": propose: \"bad..name\" is not a valid branch name (git check-ref-format --branch)\n" + p + ": refused\n"},
		{[]string{"upgrade", loose, "--commit", "--template", v2}, 1, "gomicro: " + loose + ": --commit needs a git repository, and the project is in none\n" + loose + ": refused\n"},
	} {
		status, _, stderr := gomicroIn(t, tc.args...)
		if status != tc.status || tc.line != "" && stderr != tc.line {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit %d, %q", tc.args, status, stderr, tc.status, tc.line)
		}
	}
	after := treetest.SnapshotDir(t, p)
	delete(after, ".git/gomicro.lock") // the lock's file stays; it is held by no one
	treetest.Equal(t, "after the refusals", after, before)
	if now := gitOutput(t, p, "rev-parse", "HEAD"); now != head {
		t.Errorf("HEAD moved from %s to %s", head, now)
	}
	if _, err := os.Stat(filepath.Join(loose, "shared.txt")); err != nil {
		t.Fatal(err)
	}
}
