package gitrepo

import (
	"errors"
	"os/exec"
	"strings"
)

// Head returns the id of the commit HEAD is at, on a branch or detached,
// or "" when HEAD is unborn (a repository with no commit yet). An upgrade
// records it before it writes: it is the commit `upgrade --commit` puts
// the upgrade on top of.
func (r *Repo) Head() (string, error) {
	out, err := git(r.Top, nil, nil, "rev-parse", "-q", "--verify", "HEAD^{commit}")
	var exit *exec.ExitError
	if err != nil && errors.As(err, &exit) && exit.ExitCode() == 1 && len(out) == 0 {
		// -q --verify: a name that resolves to nothing exits 1, silently.
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
