package gitrepo

import "slices"

// fallbackIdentityArgs commit for a machine whose git knows no user (a fresh
// CI box): generation must not fail for it, and the person can amend later.
var fallbackIdentityArgs = []string{"-c", "user.name=gomicro", "-c", "user.email=gomicro@localhost"}

// noHooks keeps the person's hooks (a global core.hooksPath, a template
// directory's hooks) from running on, or vetoing, a commit of generated files.
var noHooks = []string{"-c", "core.hooksPath=/dev/null"}

// Init makes dir a new git repository whose first commit holds everything
// in it, so upgrade can always find the pristine files in history. It costs
// three processes (init, add, commit) and runs no hooks. When the commit
// fails, most likely because git has no user.name/user.email here, it is
// tried once more as gomicro <gomicro@localhost>; fallbackIdentity then
// reports that, so the caller can say so. Errors are *Error, with git's
// first message line.
func Init(dir, message string) (fallbackIdentity bool, err error) {
	for _, step := range [][]string{{"init", "-q"}, {"add", "-A"}} {
		if _, err := git(dir, nil, nil, slices.Concat(noHooks, step)...); err != nil {
			return false, err
		}
	}
	commit := slices.Concat(noHooks, []string{"commit", "-q", "--no-verify", "-m", message})
	if _, err := git(dir, nil, nil, commit...); err == nil {
		return false, nil
	}
	if _, err := git(dir, nil, nil, slices.Concat(fallbackIdentityArgs, commit)...); err != nil {
		return false, err
	}
	return true, nil
}
