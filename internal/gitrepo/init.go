package gitrepo

import (
	"errors"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// fallbackIdentityArgs commit for a machine whose git knows no user (a fresh
// CI box): generation must not fail for it, and the person can amend later.
var fallbackIdentityArgs = []string{"-c", "user.name=gomicro", "-c", "user.email=gomicro@localhost"}

// noHooks keeps the person's hooks (a global core.hooksPath, a template
// directory's hooks) from running on, or vetoing, a commit of generated files.
var noHooks = []string{"-c", "core.hooksPath=/dev/null"}

// literal makes git take every path as the path it is, never as a pattern
// ("*.conf" is a file of that name).
var literal = []string{"--literal-pathspecs"}

// Initialized is what Init did beyond the commit.
type Initialized struct {
	// FallbackIdentity: git knows no user.name/user.email here, and the
	// commit is by gomicro <gomicro@localhost>.
	FallbackIdentity bool
	// Ignored are the files, slash-separated and sorted, that the person's
	// ignore rules (the project's .gitignore, core.excludesFile, ...) match:
	// they are in the commit all the same, and git will not list later
	// changes to them as untracked.
	Ignored []string
}

// Init makes dir a new git repository whose first commit holds every file
// in it (dir is a new project: everything in it is gomicro's), so upgrade
// can always find the pristine files in history. Each file is added by its
// exact path with `git add -f`, so no ignore rule of the person's (a global
// `*.conf`, say) leaves a generated file out of the commit; the ones such a
// rule matches are reported in Ignored. It runs no hooks. When the commit
// fails, most likely because git has no user.name/user.email here, it is
// tried once more as gomicro <gomicro@localhost>. Errors are *Error, with
// git's first message line.
func Init(dir, message string) (Initialized, error) {
	var done Initialized
	if _, err := git(dir, nil, nil, slices.Concat(noHooks, []string{"init", "-q"})...); err != nil {
		return done, err
	}
	paths, err := projectFiles(dir)
	if err != nil {
		return done, err
	}
	if done.Ignored, err = ignored(dir, paths, "--no-index"); err != nil {
		return done, err
	}
	list := []byte(strings.Join(paths, "\x00"))
	add := slices.Concat(noHooks, literal, []string{"add", "-f", "--pathspec-from-file=-", "--pathspec-file-nul"})
	if len(paths) > 0 {
		if _, err := git(dir, list, nil, add...); err != nil {
			return done, err
		}
	}
	commit := slices.Concat(noHooks, []string{"commit", "-q", "--no-verify", "-m", message})
	if _, err := git(dir, nil, nil, commit...); err != nil {
		if _, err := git(dir, nil, nil, slices.Concat(fallbackIdentityArgs, commit)...); err != nil {
			return done, err
		}
		done.FallbackIdentity = true
	}
	// The first commit is the pristine render too: the first upgrade's
	// base, and the record its answers are checked against.
	_, err = git(dir, nil, nil, "update-ref", pristineRefFor("."), "HEAD")
	return done, err
}

// projectFiles lists, sorted and slash-separated, the files and symlinks
// below dir, leaving out any .git.
func projectFiles(dir string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == ".git" && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		paths = append(paths, filepath.ToSlash(rel))
		return nil
	})
	slices.Sort(paths)
	return paths, err
}

// ignored returns the paths (relative to dir) that the repository's
// ignore rules match: `git check-ignore`, which exits 1 when none is. With
// --no-index it asks of tracked files too; without, a tracked file is never
// ignored. It takes no --literal-pathspecs, but it matches each path as a
// name, never as a pattern; "./" keeps a leading ":" from reading as
// pathspec magic.
func ignored(dir string, paths []string, flags ...string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	var list strings.Builder
	for _, p := range paths {
		list.WriteString("./" + p + "\x00")
	}
	out, err := git(dir, []byte(list.String()), nil, slices.Concat([]string{"check-ignore"}, flags, []string{"-z", "--stdin"})...)
	var exit *exec.ExitError
	if err != nil && errors.As(err, &exit) && exit.ExitCode() == 1 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var matched []string
	for _, p := range strings.Split(string(out), "\x00") {
		if p != "" {
			matched = append(matched, strings.TrimPrefix(p, "./"))
		}
	}
	slices.Sort(matched)
	return matched, nil
}
