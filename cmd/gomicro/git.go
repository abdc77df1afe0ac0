package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/gomicro/gomicro/generator"
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

// uncommitted summarises uncommitted changes in dir's git work tree: "" when
// clean or when dir is not in a git work tree (then there is nothing to lose
// to git, and upgrade's own writes are atomic).
func uncommitted(dir string) string {
	out, err := git(dir, "status", "--porcelain", "--untracked-files=normal", ".")
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return ""
	}
	summary := strings.TrimSpace(lines[0])
	if len(lines) > 1 {
		summary += fmt.Sprintf(" and %d more", len(lines)-1)
	}
	return summary
}

// blobsFromGit reads the files whose blob ids are in digests from dir's git
// object store, in one git process. Files git does not have are left out.
func blobsFromGit(dir string, digests map[string]string) map[string]generator.File {
	if _, err := exec.LookPath("git"); err != nil || len(digests) == 0 {
		return nil
	}
	paths := make([]string, 0, len(digests))
	var in strings.Builder
	for p, id := range digests {
		paths = append(paths, p)
		in.WriteString(id + "\n")
	}
	// Map iteration order is the request order; keep it.
	cmd := exec.Command("git", "cat-file", "--batch")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	files := map[string]generator.File{}
	for _, p := range paths {
		// Each answer: "<id> blob <size>\n<data>\n" or "<id> missing\n".
		header, rest, ok := bytes.Cut(out, []byte("\n"))
		if !ok {
			break
		}
		fields := strings.Fields(string(header))
		out = rest
		if len(fields) != 3 || fields[1] != "blob" {
			continue
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil || size+1 > len(out) {
			break
		}
		files[p] = generator.File{Path: p, Data: out[:size]}
		out = out[size+1:]
	}
	return files
}

// pristineRef anchors the files as the template rendered them at the last
// upgrade. The first commit holds the pristine files of a new project; after
// an upgrade merged or kept edited files, their pristine versions are in no
// commit, so they are stored here, where git gc keeps them and the next
// upgrade finds them by the blob ids in .gomicro.yml.
const pristineRef = "refs/gomicro/pristine"

// recordPristine stores tree's files as one commit on pristineRef, in one
// git fast-import process. Outside a git repository it does nothing.
func recordPristine(dir string, tree *generator.Tree, message string) error {
	if _, err := git(dir, "rev-parse", "--git-dir"); err != nil {
		return nil
	}
	var in bytes.Buffer
	for i, f := range tree.Files {
		fmt.Fprintf(&in, "blob\nmark :%d\ndata %d\n", i+1, len(f.Data))
		in.Write(f.Data)
		in.WriteString("\n")
	}
	fmt.Fprintf(&in, "commit %s\ncommitter gomicro <gomicro@localhost> %d +0000\ndata %d\n%s\n",
		pristineRef, time.Now().Unix(), len(message), message)
	for i, f := range tree.Files {
		mode := "100644"
		if f.Mode&0o111 != 0 {
			mode = "100755"
		}
		fmt.Fprintf(&in, "M %s :%d %s\n", mode, i+1, quotePath(f.Path))
	}
	cmd := exec.Command("git", "fast-import", "--quiet", "--force")
	cmd.Dir = dir
	cmd.Stdin = &in
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git fast-import: %s", firstLine(out, err))
	}
	return nil
}

// quotePath writes a path the way fast-import reads it: C-style quoted when
// it holds a space, quote, backslash or control character.
func quotePath(p string) string {
	if !strings.ContainsAny(p, " \"\\\n\t") {
		return p
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(p) + `"`
}
