package gitrepo

import (
	"errors"
	"os"
	"path/filepath"
)

// Top returns the nearest directory, dir itself or one of its parents,
// that holds an entry named .git (a directory, or the file of a linked
// work tree or submodule): the top of the work tree git would find from
// dir, and whether there is one. dir is taken as given: callers that want
// git's view resolve symlinks first, as git does with its working
// directory. Anything but a clear "does not exist" counts as there, so a
// directory we cannot look into is left to git to judge (fail closed).
func Top(dir string) (string, bool) {
	for {
		_, err := os.Lstat(filepath.Join(dir, ".git"))
		if !errors.Is(err, os.ErrNotExist) {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
