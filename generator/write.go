package generator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/spf13/afero"
)

// WriteOptions change how Write treats an existing directory.
type WriteOptions struct {
	// Force writes into an existing, non-empty directory, replacing the files
	// the template renders and leaving every other file alone.
	Force bool
}

// ErrNotEmpty is returned by Write for an existing non-empty directory
// without Force.
var ErrNotEmpty = errors.New("already exists and is not empty")

// WriteAction is what Write does with one file of the tree.
type WriteAction int

const (
	Created     WriteAction = iota // nothing was there
	Replaced                       // a file of the team's was there (Force)
	KeptSymlink                    // a symlink is there, or on the way there: the team's, left alone
)

// Written is Write's account of one file.
type Written struct {
	Path   string
	Action WriteAction
}

// PlanWrite checks that tree can be written at dir in fsys and says what
// would happen to each file, touching nothing: it is the whole of --dry-run
// and the first half of Write, so both refuse the same things.
func PlanWrite(fsys afero.Fs, dir string, tree *Tree, opts WriteOptions) ([]Written, error) {
	dir = cleanDir(dir)
	empty := true
	info, err := lstat(fsys, dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	case !info.IsDir() && info.Mode()&fs.ModeSymlink == 0:
		return nil, fmt.Errorf("%s exists and is not a directory", dir)
	default:
		if empty, err = afero.IsEmpty(fsys, dir); err != nil {
			return nil, err
		}
		if !empty && !opts.Force {
			return nil, fmt.Errorf("%s %w", dir, ErrNotEmpty)
		}
	}
	plan := make([]Written, len(tree.Files))
	lk := newLooker(fsys, dir)
	for i, f := range tree.Files {
		plan[i] = Written{Path: f.Path, Action: Created}
		if empty {
			continue // nothing can be in the way (what appears meanwhile, create refuses)
		}
		if plan[i].Action, err = writeAction(lk, f.Path); err != nil {
			return nil, err
		}
	}
	return plan, nil
}

// writeAction says what Write does with one file, from what upgrade's
// looker finds on the way to it: a symlink anywhere on it is the team's and
// is never written through or replaced; a file where the template needs a
// directory, a directory where it writes a file, or a device, socket or
// pipe (which reading to keep it for rollback would block on) cannot be
// resolved without destroying something.
func writeAction(lk *looker, p string) (WriteAction, error) {
	disk, err := lk.look(p)
	if err != nil {
		return 0, err
	}
	switch disk.kind {
	case onDiskLink:
		return KeptSymlink, nil
	case onDiskFile:
		return Replaced, nil
	case onDiskDir:
		return 0, fmt.Errorf("%s is a directory; the template writes a file there", join(lk.dir, p))
	case onDiskUnderFile:
		return 0, fmt.Errorf("%s is a file; the template writes %s inside it", join(lk.dir, disk.file), p)
	case onDiskOther:
		return 0, fmt.Errorf("%s is not a regular file (a device, socket or pipe); the template writes a file there", join(lk.dir, p))
	}
	return Created, nil
}

// Write puts tree at dir in fsys, which should be the confined file system
// of the project (internal/rootfs). It creates dir if it is missing. Every
// new file is created exclusively, so nothing that appears meanwhile is
// overwritten; a replaced file (Force) is written to a temporary name and
// renamed over its target. On any failure, or when ctx is cancelled, every
// file and directory Write created is removed and every file it replaced is
// put back: it never removes what it did not create.
func Write(ctx context.Context, fsys afero.Fs, dir string, tree *Tree, opts WriteOptions) (written []Written, err error) {
	dir = cleanDir(dir)
	plan, err := PlanWrite(fsys, dir, tree, opts)
	if err != nil {
		return nil, err
	}
	var undo undoLog
	defer func() {
		if err != nil {
			undo.rollback(fsys)
		}
	}()
	if err := undo.mkdirAll(fsys, dir); err != nil {
		return nil, err
	}
	for i, w := range plan {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f := tree.Files[i]
		target := join(dir, f.Path)
		switch w.Action {
		case KeptSymlink:
			continue
		case Created:
			if err := undo.mkdirAll(fsys, path.Dir(target)); err != nil {
				return nil, err
			}
			if err := undo.create(fsys, target, f.Data, f.Mode); err != nil {
				return nil, err
			}
		case Replaced:
			if err := undo.replace(fsys, target, f.Data, f.Mode); err != nil {
				return nil, err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return plan, nil
}

// CheckProjectName refuses a project name that is not exactly one path
// segment, whatever the template's own rules say: the project is written in
// its own directory under --output, and nowhere else.
func CheckProjectName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, 0) {
		return fmt.Errorf("name %q: the project directory must be one path segment (not \".\" or \"..\", no \"/\" or \"\\\\\")", name)
	}
	return nil
}
