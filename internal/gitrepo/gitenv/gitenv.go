// Package gitenv names the environment variables that point git at one
// repository. gomicro drops them for every git it starts (package
// gitrepo), and the test kit drops them for the tests' own gits, so that
// git finds each repository from its directory and never the one a hook
// or `git rebase -x` was running in.
package gitenv

import "strings"

// Local are the variables that point git at a repository other than the
// one its working directory is in (git's own list, `git rev-parse
// --local-env-vars`, without the config ones, which carry the person's -c
// settings), plus those that stop discovery early.
var Local = []string{
	"GIT_ALTERNATE_OBJECT_DIRECTORIES",
	"GIT_OBJECT_DIRECTORY",
	"GIT_DIR",
	"GIT_WORK_TREE",
	"GIT_IMPLICIT_WORK_TREE",
	"GIT_GRAFT_FILE",
	"GIT_INDEX_FILE",
	"GIT_NO_REPLACE_OBJECTS",
	"GIT_REPLACE_REF_BASE",
	"GIT_PREFIX",
	"GIT_INTERNAL_SUPER_PREFIX",
	"GIT_SHALLOW_FILE",
	"GIT_COMMON_DIR",
	"GIT_NAMESPACE",
	"GIT_CEILING_DIRECTORIES",
	"GIT_DISCOVERY_ACROSS_FILESYSTEM",
}

// IsLocal reports whether key (any case) is one of Local.
func IsLocal(key string) bool {
	for _, l := range Local {
		if strings.EqualFold(key, l) {
			return true
		}
	}
	return false
}
