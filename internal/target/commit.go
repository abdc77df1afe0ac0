package target

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/quote"
)

// Commit makes dir a git repository whose first commit holds every
// generated file, so upgrade can always find the pristine files in history.
// Inside an existing git work tree (a monorepo) it makes none, as cargo new
// does, and says so in one note: a repository nested there would be a
// gitlink to the outer one, not the service's files; force (--git) makes
// one all the same. A failure is a note too: the project is written either
// way. It reports whether it made a repository, and the notes, one line
// each, for stderr.
func Commit(dir, message string, force bool) (made bool, notes []string) {
	if _, err := exec.LookPath("git"); err != nil {
		return false, []string{"git not found; the project is not a git repository (install git, or pass --no-git to skip this note)"}
	}
	if !force {
		if outer, err := gitrepo.Find(dir); err == nil && outer != nil {
			return false, []string{fmt.Sprintf("%s is inside the git work tree %s, so no repository was made for it (add and commit it there, or pass --git for one of its own)", Display(dir), quote.Name(outer.Top))}
		}
	}
	done, err := gitrepo.Init(dir, message)
	if err != nil {
		_, statErr := os.Stat(filepath.Join(dir, ".git"))
		return statErr == nil, []string{fmt.Sprintf("%v; the project has no first commit", err)}
	}
	if n := len(done.Ignored); n > 0 {
		files := "files"
		if n == 1 {
			files = "file"
		}
		notes = append(notes, fmt.Sprintf("your git ignore rules match %d generated %s, committed all the same: %s (git check-ignore -v PATH names the rule)", n, files, quote.All(done.Ignored)))
	}
	if done.FallbackIdentity {
		notes = append(notes, "git has no user.name/user.email here; the first commit is by gomicro <gomicro@localhost> (git commit --amend --reset-author to change it)")
	}
	return true, notes
}
