package propose

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomicro/gomicro/internal/gitrepo"
)

// Request says what to commit, and where.
type Request struct {
	Repo    *gitrepo.Repo
	Branch  string   // "gomicro/upgrade"
	Start   string   // the commit id HEAD was at before the upgrade wrote
	Paths   []string // paths relative to Repo.Top the upgrade wrote or removed (incl. .gomicro.yml, sidecars)
	Message string
}

// Result is the commit the branch ends on.
type Result struct {
	Branch  string
	Commit  string
	Already bool // origin/Branch already held the same tree on top of Start
}

// Commit puts the upgrade the work tree holds on branch req.Branch.
//
// The commit has req.Start as its one parent and Start's tree with every
// path of req.Paths as the work tree holds it: a file there is added with
// its mode, markers and all; a path with no file is removed. Nothing else
// goes in, whatever the person's index holds. When origin's copy of the
// branch is already that commit (Start its one parent, the same tree),
// it is reused and Result.Already says so; otherwise a new commit is made
// with git's configured identity. The work tree ends on the branch, with
// an index that holds the commit's tree.
//
// It refuses, changing nothing, when HEAD is not at Start, when git would
// not take the branch name (or it is checked out in another work tree),
// when an operation such as a merge or rebase is in progress, when a path
// is not a plain relative path outside .git, and when the paths hold just
// what Start does (an empty commit proposes nothing). Every error is one
// line that names the git step.
func Commit(ctx context.Context, req Request) (Result, error) {
	if isObjectID(req.Start) {
		req.Start = strings.ToLower(req.Start)
	}
	if err := check(ctx, req); err != nil {
		return Result{}, err
	}
	tree, err := writeTree(ctx, req)
	if err != nil {
		return Result{}, err
	}
	res := Result{Branch: req.Branch}
	res.Commit, err = proposed(ctx, req, tree)
	if err != nil {
		return Result{}, err
	}
	res.Already = res.Commit != ""
	if !res.Already {
		if res.Commit, err = commitTree(ctx, req, tree); err != nil {
			return Result{}, err
		}
	}
	if err := checkout(ctx, req, res.Commit); err != nil {
		return Result{}, err
	}
	return res, nil
}

// check refuses a request Commit cannot carry out, before anything changes.
func check(ctx context.Context, req Request) error {
	if req.Repo == nil {
		return errors.New("propose: no repository")
	}
	if len(req.Paths) == 0 {
		return errors.New("propose: no paths to commit")
	}
	for _, p := range req.Paths {
		if err := checkPath(p); err != nil {
			return err
		}
	}
	return checkRepo(ctx, req)
}

// Ready refuses, before the upgrade writes anything, a request Commit
// would refuse for a reason other than its paths: the branch name, HEAD
// not at Start, an operation in progress, no identity to commit as. A
// refusal then leaves the work tree as it was.
func Ready(ctx context.Context, req Request) error {
	if req.Repo == nil {
		return errors.New("propose: no repository")
	}
	if err := checkRepo(ctx, req); err != nil {
		return err
	}
	return identity(ctx, req)
}

// checkRepo refuses a branch, a start or a repository state Commit cannot
// work with.
func checkRepo(ctx context.Context, req Request) error {
	if err := checkBranch(ctx, req); err != nil {
		return err
	}
	head, err := req.Repo.Head()
	if err != nil {
		return fmt.Errorf("propose: %w", err)
	}
	if head == "" {
		return errors.New("propose: HEAD has no commit to put the upgrade on (git rev-parse HEAD)")
	}
	if !isObjectID(req.Start) || head != req.Start {
		return fmt.Errorf("propose: HEAD is at %s, not at %q where the upgrade started (git rev-parse HEAD)", head, req.Start)
	}
	op, err := req.Repo.InProgress()
	if err != nil {
		return fmt.Errorf("propose: %w", err)
	}
	if op != nil {
		return fmt.Errorf("propose: %s is in progress in %s; end it first (%s)", op.Name, quotePath(req.Repo.Top), op.Next)
	}
	return nil
}

// checkPath refuses a path that is not a clean relative path inside the
// work tree, or that lies in a .git directory (update-index would skip it
// without failing).
func checkPath(p string) error {
	if !fs.ValidPath(p) || p == "." || strings.ContainsRune(p, 0) {
		return fmt.Errorf("propose: invalid path %q", p)
	}
	for _, elem := range strings.Split(p, "/") {
		if strings.EqualFold(elem, ".git") {
			return fmt.Errorf("propose: invalid path %q: it is in a .git directory", p)
		}
	}
	return nil
}

// checkBranch refuses a name git would not take for a branch: `git
// check-ref-format --branch`, which must also print the name back as it
// is (it expands "@{-1}" to the previous branch), and a branch checked out
// in another work tree, which git checkout -B refuses too.
func checkBranch(ctx context.Context, req Request) error {
	out, err := git(ctx, req, nil, "check-ref-format", "--branch", req.Branch)
	if err != nil && !exitCode(err, 128) {
		return fmt.Errorf("propose: %w", err) // no git, a broken repository, ...
	}
	if err != nil || strings.TrimSuffix(string(out), "\n") != req.Branch {
		return fmt.Errorf("propose: %q is not a valid branch name (git check-ref-format --branch)", req.Branch)
	}
	ref := "refs/heads/" + req.Branch
	own, err := git(ctx, req, nil, "symbolic-ref", "-q", "HEAD")
	if err != nil && !exitCode(err, 1) {
		return fmt.Errorf("propose: %w", err)
	}
	if strings.TrimSpace(string(own)) == ref {
		return nil
	}
	// No -z, which git before 2.36 does not know: a line is a field, and
	// a work tree path holding a newline could at worst cause a refusal.
	out, err = git(ctx, req, nil, "worktree", "list", "--porcelain")
	if err != nil {
		return fmt.Errorf("propose: %w", err)
	}
	var worktree string
	for _, field := range strings.Split(string(out), "\n") {
		if p, ok := strings.CutPrefix(field, "worktree "); ok {
			worktree = p
		}
		if field == "branch "+ref {
			return fmt.Errorf("propose: branch %s is checked out in %s (git worktree list)", req.Branch, quotePath(worktree))
		}
	}
	return nil
}

// writeTree builds the tree of the upgrade's commit in a temporary index
// (Start's tree, then every path of the request as the work tree holds it)
// and returns its id. The person's index is not read nor written.
func writeTree(ctx context.Context, req Request) (string, error) {
	dir, err := os.MkdirTemp("", "gomicro-propose-")
	if err != nil {
		return "", fmt.Errorf("propose: temporary index: %w", err)
	}
	defer os.RemoveAll(dir)
	env := []string{"GIT_INDEX_FILE=" + filepath.Join(dir, "index")}
	if _, err := git(ctx, req, env, "read-tree", req.Start); err != nil {
		return "", fmt.Errorf("propose: %w", err)
	}
	// --add takes a new file, --remove drops one that is gone, --replace
	// lets a file take a directory's place or the other way round. It
	// reads the paths from stdin as paths, never as patterns, ignore
	// rules do not apply, and each file goes in through git's filters
	// with its mode, as git add would store it.
	list := strings.Join(req.Paths, "\x00") + "\x00"
	if _, err := gitStdin(ctx, req, env, list, "update-index", "--add", "--remove", "--replace", "-z", "--stdin"); err != nil {
		return "", fmt.Errorf("propose: %w", err)
	}
	out, err := git(ctx, req, env, "write-tree")
	if err != nil {
		return "", fmt.Errorf("propose: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
