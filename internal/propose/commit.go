package propose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"

	"github.com/gomicro/gomicro/internal/gitrepo"
)

// originRef is where the last fetch left origin's copy of the branch.
func originRef(branch string) string { return "refs/remotes/origin/" + branch }

// proposed returns origin's commit of the branch when it is already this
// upgrade: a commit with Start as its one parent and tree as its tree.
// Otherwise, and when origin has no such branch, it returns "".
func proposed(ctx context.Context, req Request, tree string) (string, error) {
	ref := originRef(req.Branch)
	// for-each-ref matches whole path components, so the pattern names
	// this ref (or refs below it, which cannot exist beside it).
	out, err := git(ctx, req, nil, "for-each-ref",
		"--format=%(refname)%00%(objectname)%00%(objecttype)%00%(tree)%00%(parent)", ref)
	if err != nil {
		return "", fmt.Errorf("propose: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, "\x00")
		if len(f) != 5 || f[0] != ref {
			continue
		}
		if f[2] == "commit" && f[3] == tree && f[4] == req.Start {
			return f[1], nil
		}
	}
	return "", nil
}

// commitTree writes the commit of tree on Start, with the request's
// message and git's configured identity, and returns its id. It refuses a
// tree that is Start's own: an empty commit proposes nothing.
func commitTree(ctx context.Context, req Request, tree string) (string, error) {
	out, err := git(ctx, req, nil, "rev-parse", "--verify", req.Start+"^{tree}")
	if err != nil {
		return "", fmt.Errorf("propose: %w", err)
	}
	if strings.TrimSpace(string(out)) == tree {
		return "", fmt.Errorf("propose: nothing to commit: the upgraded paths hold what %s holds (git write-tree)", req.Start)
	}
	if err := identity(ctx, req); err != nil {
		return "", err
	}
	out, err = gitStdin(ctx, req, nil, req.Message, "commit-tree", tree, "-p", req.Start, "-F", "-")
	if err != nil {
		return "", fmt.Errorf("propose: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// identity checks that git knows whom to write the commit as, author and
// committer, exactly as commit-tree will ask (`git var` is as strict), so
// that a machine without one gets a line that says how to give it one.
func identity(ctx context.Context, req Request) error {
	for _, v := range []string{"GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"} {
		if _, err := git(ctx, req, nil, "var", v); err != nil {
			return fmt.Errorf("propose: git commit-tree: git has no identity to commit as (%s); "+
				"set one with git config user.name \"Your Name\" and git config user.email you@example.com",
				gitrepo.Message(err))
		}
	}
	return nil
}

// checkout puts the work tree on the branch at commit: the branch is set
// (created, or replaced as git checkout -B does), HEAD is pointed at it,
// and the index is reset to commit's tree and refreshed. The work tree's
// files are not touched: they already hold that tree.
func checkout(ctx context.Context, req Request, commit string) error {
	ref := "refs/heads/" + req.Branch
	reason := "gomicro: upgrade proposed on " + req.Branch
	steps := [][]string{
		{"update-ref", "-m", reason, ref, commit},
		{"symbolic-ref", "-m", reason, "HEAD", ref},
		// --reset drops unmerged entries too: the conflicts are in the commit.
		{"read-tree", "--reset", commit},
		// Records each file's stat data, so status need not read them again.
		{"update-index", "-q", "--refresh"},
	}
	for _, args := range steps {
		if _, err := git(ctx, req, nil, args...); err != nil {
			return fmt.Errorf("propose: %w", err)
		}
	}
	return nil
}

// noHooks keeps the person's hooks out: plumbing runs none of the commit
// hooks, but writing a ref runs reference-transaction, and writing the
// index post-index-change.
var noHooks = []string{"-c", "core.hooksPath=/dev/null"}

// git runs git in the top of the request's work tree, with extra
// environment variables and no hooks, and returns its standard output.
func git(ctx context.Context, req Request, env []string, args ...string) ([]byte, error) {
	return gitrepo.Run(ctx, gitrepo.Command{Dir: req.Repo.Top, Args: slices.Concat(noHooks, args), Env: env})
}

// gitStdin is git with stdin as git's standard input.
func gitStdin(ctx context.Context, req Request, env []string, stdin string, args ...string) ([]byte, error) {
	c := gitrepo.Command{Dir: req.Repo.Top, Args: slices.Concat(noHooks, args), Env: env, Stdin: strings.NewReader(stdin)}
	return gitrepo.Run(ctx, c)
}

// exitCode reports whether err is git exiting with status code.
func exitCode(err error, code int) bool {
	var exit *exec.ExitError
	return errors.As(err, &exit) && exit.ExitCode() == code
}

// isObjectID reports whether id is a full SHA-1 or SHA-256 object id.
func isObjectID(id string) bool {
	if len(id) != 40 && len(id) != 64 {
		return false
	}
	return len(bytes.Trim([]byte(strings.ToLower(id)), "0123456789abcdef")) == 0
}
