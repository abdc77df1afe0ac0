package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/target"
)

// commitProject makes dir a git repository whose first commit holds every
// generated file, so upgrade can always find the pristine files in history.
// Inside an existing git work tree (a monorepo) it makes none, as cargo new
// does, and says so in one line: a repository nested there would be a
// gitlink to the outer one, not the service's files; force (--git) makes
// one all the same. A failure is reported as a note: the project is
// written either way. It reports whether it made a repository.
func commitProject(stdio IO, dir, message string, force bool) bool {
	if _, err := exec.LookPath("git"); err != nil {
		fmt.Fprintln(stdio.Err, "gomicro: note: git not found; the project is not a git repository (install git, or pass --no-git to skip this note)")
		return false
	}
	if !force {
		if outer, err := gitrepo.Find(dir); err == nil && outer != nil {
			fmt.Fprintf(stdio.Err, "gomicro: note: %s is inside the git work tree %s, so no repository was made for it (add and commit it there, or pass --git for one of its own)\n", target.Display(dir), quote(outer.Top))
			return false
		}
	}
	done, err := gitrepo.Init(dir, message)
	if err != nil {
		fmt.Fprintf(stdio.Err, "gomicro: note: %v; the project has no first commit\n", err)
		_, err := os.Stat(filepath.Join(dir, ".git"))
		return err == nil
	}
	if n := len(done.Ignored); n > 0 {
		fmt.Fprintf(stdio.Err, "gomicro: note: your git ignore rules match %d generated %s, committed all the same: %s (git check-ignore -v PATH names the rule)\n",
			n, plural(n, "file", "files"), quoteAll(done.Ignored))
	}
	if done.FallbackIdentity {
		fmt.Fprintln(stdio.Err, "gomicro: note: git has no user.name/user.email here; the first commit is by gomicro <gomicro@localhost> (git commit --amend --reset-author to change it)")
	}
	return true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
