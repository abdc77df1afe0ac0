// Package gitrepo is gomicro's git plumbing: it finds the repository that
// holds a project, reads its status, HEAD, blobs and unmerged entries, stores the
// pristine render of each project under a private ref, records conflicts as
// index stages, and makes a new project's first commit.
//
// It runs the git binary, so it sees exactly what the person's own git sees
// (config, safe.directory, hooks path, object format), and it returns data:
// printing is the caller's business. Every failure is an *Error carrying
// git's own message, so the caller can refuse instead of guessing.
//
// It is also the one place in gomicro that starts git: Run (run.go) is the
// runner every git command goes through, with one scrubbed environment and
// one way of reading git's errors. Callers with needs of their own (the
// template sources' mirrors, with their stall watchdog and output cap)
// bring them to Run rather than starting git themselves.
package gitrepo

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
)

// Repo is the git work tree that holds a project directory.
type Repo struct {
	Top    string // absolute, symlink-free path of the work tree's top level
	Prefix string // the project directory relative to Top, slash-separated, "." for the top itself

	dir    string // the project directory: Top joined with Prefix
	gitDir string // git's directory for the work tree, absolute; "" until asked
}

// Find returns the repository whose work tree holds dir, or (nil, nil) when
// dir is in none: there is no .git (file or directory) in dir or in any of
// its parents up to the filesystem root. Symlinks in dir are resolved first,
// as git does with its working directory, so a project reached through a
// symlink belongs to the repository it physically lives in.
//
// When a .git is there but git cannot answer (git not installed, "detected
// dubious ownership", a corrupt repository, ...), Find returns an *Error with
// git's own message: the caller must then refuse (fail closed) rather than
// take the project for one with nothing uncommitted.
func Find(dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	if _, ok := Top(real); !ok {
		return nil, nil
	}
	// One git for both answers: the git directory is where InProgress
	// looks for a stopped rebase or merge.
	out, err := git(real, nil, nil, "rev-parse", "--show-toplevel", "--absolute-git-dir")
	if err != nil {
		return nil, err
	}
	// Only the final newlines go: a directory name may end in spaces. One
	// with a newline in it makes more than two lines: then the git
	// directory is asked for alone, when needed.
	top, gitDir, _ := strings.Cut(strings.TrimSuffix(string(out), "\n"), "\n")
	if strings.Count(string(out), "\n") != 2 {
		if out, err = git(real, nil, nil, "rev-parse", "--show-toplevel"); err != nil {
			return nil, err
		}
		top, gitDir = strings.TrimSuffix(string(out), "\n"), ""
	}
	if top == "" {
		return nil, &Error{Cmd: "rev-parse", Msg: "git knows no work tree for " + real}
	}
	// git already prints a symlink-free path; resolving again only guards
	// against a platform where its spelling differs from ours.
	if resolved, err := filepath.EvalSymlinks(filepath.FromSlash(top)); err == nil {
		top = resolved
	}
	rel, err := filepath.Rel(top, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, &Error{Cmd: "rev-parse", Msg: fmt.Sprintf("git says the work tree of %s is %s, which does not hold it", real, top)}
	}
	return &Repo{Top: top, Prefix: filepath.ToSlash(rel), dir: real, gitDir: gitDir}, nil
}

// topPath turns a project-relative path into a top-relative one.
func (r *Repo) topPath(p string) string {
	if r.Prefix == "." {
		return p
	}
	return r.Prefix + "/" + p
}

// Uncommitted summarises the uncommitted changes (staged, unstaged,
// untracked, unmerged) inside the project directory, not elsewhere in the
// repository: "" when there are none, else the first entry as
// `git status --porcelain` prints it (paths relative to Top) plus
// " and N more". Ignored files do not count: git would not keep them either.
func (r *Repo) Uncommitted() (string, error) {
	// --no-optional-locks: status would otherwise refresh and rewrite the
	// index, which can collide with the person's own git in an editor.
	// --untracked-files=normal overrides a status.showUntrackedFiles=no that
	// would hide new files upgrade could overwrite.
	out, err := git(r.dir, nil, nil, "--no-optional-locks", "status", "--porcelain", "-z", "--untracked-files=normal", "--", ".")
	if err != nil {
		return "", err
	}
	entries := parseStatus(out)
	switch len(entries) {
	case 0:
		return "", nil
	case 1:
		return entries[0], nil
	}
	return fmt.Sprintf("%s and %d more", entries[0], len(entries)-1), nil
}

// parseStatus splits `git status --porcelain -z` output into one line per
// entry, written as the porcelain format without -z writes it ("XY path",
// "R  old -> new"). A path that would not fit on one line is quoted.
func parseStatus(out []byte) []string {
	fields := strings.Split(string(out), "\x00")
	var entries []string
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if len(f) < 4 {
			continue // the empty string after the last NUL
		}
		xy, path := f[:2], displayPath(f[3:])
		// A rename or copy is followed by its source path.
		if strings.ContainsAny(xy, "RC") && i+1 < len(fields) {
			i++
			path = displayPath(fields[i]) + " -> " + path
		}
		entries = append(entries, xy+" "+path)
	}
	return entries
}

// displayPath quotes a path Go-style when it holds a control character, a
// quote or a backslash, so a summary stays one unambiguous line.
func displayPath(p string) string {
	for _, c := range []byte(p) {
		if c < 0x20 || c == 0x7f || c == '"' || c == '\\' {
			return fmt.Sprintf("%q", p)
		}
	}
	return p
}

// Unmerged lists, sorted, the project-relative paths that have unmerged
// index entries (conflicts git or MarkConflicts recorded).
func (r *Repo) Unmerged() ([]string, error) {
	// Run in the project directory, ls-files lists only the files below it
	// and prints their paths relative to it.
	out, err := git(r.dir, nil, nil, "ls-files", "--unmerged", "-z")
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, rec := range strings.Split(string(out), "\x00") {
		// "<mode> <oid> <stage>\t<path>", one record per stage, sorted by path.
		_, path, ok := strings.Cut(rec, "\t")
		if ok && (len(paths) == 0 || paths[len(paths)-1] != path) {
			paths = append(paths, path)
		}
	}
	return paths, nil
}

// Ignored returns, sorted, the project-relative paths among paths that are
// untracked and that the project's ignore rules match (.gitignore files,
// .git/info/exclude, core.excludesFile), as `git check-ignore` says: files
// git is told to keep out of its object store, such as a team's secrets.
func (r *Repo) Ignored(paths []string) ([]string, error) {
	for _, p := range paths {
		if err := checkPath(p); err != nil {
			return nil, err
		}
	}
	return ignored(r.dir, paths)
}

// Index is what git's index says of the project's files (one git
// ls-files), paths project-relative.
type Index struct {
	// Files maps each regular file whose work-tree copy git checks (not
	// skip-worktree, not assume-unchanged) to its entry. Of a work tree
	// with no uncommitted changes (Uncommitted), that is the file on disk
	// (its content, and that it is a regular file), known without reading
	// it.
	Files map[string]IndexEntry
	// SkipWorktree lists, sorted, the paths git marks skip-worktree
	// (outside a sparse checkout, or set by hand): git keeps them in the
	// index and leaves the work tree without them, so a missing file there
	// is not one the team deleted.
	SkipWorktree []string
}

// IndexEntry is a regular file as git's index holds it.
type IndexEntry struct {
	ID   string      // its blob id
	Mode fs.FileMode // 0o644, or 0o755 for an executable
}

// Index reads git's index for the project.
func (r *Repo) Index() (*Index, error) {
	// -v tags each path as -t does ("H" cached, "S" skip-worktree), in
	// lower case where it is assume-unchanged; -s adds mode, id and
	// stage. Run in the project directory, ls-files lists the files below
	// it, relative to it.
	out, err := git(r.dir, nil, nil, "ls-files", "-s", "-v", "-z")
	if err != nil {
		return nil, err
	}
	index := &Index{Files: map[string]IndexEntry{}}
	for _, rec := range strings.Split(string(out), "\x00") {
		meta, p, ok := strings.Cut(rec, "\t")
		fields := strings.Fields(meta)
		if !ok || len(fields) != 4 {
			continue
		}
		switch tag := fields[0]; {
		case tag == "S" || tag == "s":
			index.SkipWorktree = append(index.SkipWorktree, p)
		case tag != "H" || fields[3] != "0":
		case fields[1] == "100644":
			index.Files[p] = IndexEntry{fields[2], 0o644}
		case fields[1] == "100755":
			index.Files[p] = IndexEntry{fields[2], 0o755}
		}
	}
	slices.Sort(index.SkipWorktree)
	index.SkipWorktree = slices.Compact(index.SkipWorktree)
	return index, nil
}
