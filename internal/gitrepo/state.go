package gitrepo

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// Operation is a git operation that has stopped half-way in a work tree
// and waits for the person to continue or abort it.
type Operation struct {
	Name   string // "a rebase", "a cherry-pick", ...
	Marker string // the file or directory in the git directory that says so, slash-separated
	Next   string // how to end it: "git rebase --continue or git rebase --abort"
}

// inProgress are git's own markers of a stopped operation, in the git
// directory of the work tree (a linked worktree has its own), in the order
// git's status asks them: rebase-apply/applying before rebase-apply, since
// `git am` uses the same directory as an old-style rebase.
var inProgress = []Operation{
	{"a rebase", "rebase-merge", "git rebase --continue or git rebase --abort"},
	{"git am", "rebase-apply/applying", "git am --continue or git am --abort"},
	{"a rebase", "rebase-apply", "git rebase --continue or git rebase --abort"},
	{"a merge", "MERGE_HEAD", "git commit or git merge --abort"},
	{"a cherry-pick", "CHERRY_PICK_HEAD", "git cherry-pick --continue or git cherry-pick --abort"},
	{"a revert", "REVERT_HEAD", "git revert --continue or git revert --abort"},
	{"a cherry-pick or revert", "sequencer", "git cherry-pick --continue or git revert --continue, or --abort"},
	{"a bisect", "BISECT_LOG", "git bisect reset"},
}

// InProgress returns the git operation that has stopped half-way in the
// work tree (a rebase, `git am`, merge, cherry-pick, revert or bisect), or
// nil when there is none. Its markers are looked for in the directory
// `git rev-parse --absolute-git-dir` names, as git status does; anything
// but "does not exist" counts as there (fail closed).
func (r *Repo) InProgress() (*Operation, error) {
	gitDir := r.gitDir
	if gitDir == "" {
		out, err := git(r.dir, nil, nil, "rev-parse", "--absolute-git-dir")
		if err != nil {
			return nil, err
		}
		gitDir = strings.TrimSuffix(string(out), "\n")
	}
	gitDir = filepath.FromSlash(gitDir)
	for _, op := range inProgress {
		_, err := os.Lstat(filepath.Join(gitDir, filepath.FromSlash(op.Marker)))
		if !errors.Is(err, os.ErrNotExist) {
			return &op, nil
		}
	}
	return nil, nil
}
