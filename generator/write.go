package generator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strconv"
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

// undoLog records what a write did, newest last, so that a failure can take
// back exactly that and nothing more.
type undoLog struct {
	steps []undoStep
}

type undoStep struct {
	name    string
	dir     bool        // a directory: made (or, with deleted, removed) by the write
	deleted bool        // the write removed it
	old     []byte      // a file's content before, if it had one
	oldMode fs.FileMode // and its mode; 0 for a file the write created
}

// mkdirAll creates the missing directories of name one by one, recording
// each, so that rollback removes those and never one that was there.
func (u *undoLog) mkdirAll(fsys afero.Fs, name string) error {
	if name == "." || name == "/" || name == "" {
		return nil
	}
	info, err := fsys.Stat(name)
	if err == nil {
		if !info.IsDir() {
			return fmt.Errorf("%s is not a directory", name)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := u.mkdirAll(fsys, path.Dir(name)); err != nil {
		return err
	}
	if err := fsys.Mkdir(name, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", name, unwrapPath(err))
	}
	u.steps = append(u.steps, undoStep{name: name, dir: true})
	return nil
}

// create writes a new file; it fails rather than replace anything.
func (u *undoLog) create(fsys afero.Fs, name string, data []byte, mode fs.FileMode) error {
	f, err := fsys.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("write %s: something else created it meanwhile; left it alone", name)
		}
		return fmt.Errorf("write %s: %w", name, unwrapPath(err))
	}
	u.steps = append(u.steps, undoStep{name: name})
	_, err = f.Write(data)
	if err == nil {
		// The umask may have narrowed the mode; the template's mode is the
		// one golden trees and upgrades compare against. Through the open
		// file where possible: no second walk of the path.
		if h, ok := f.(interface{ Chmod(fs.FileMode) error }); ok {
			err = h.Chmod(mode)
		} else {
			err = fsys.Chmod(name, mode)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, unwrapPath(err))
	}
	return nil
}

// replace puts data at name, which holds a file, through a temporary file
// beside it, so the file is never half written.
func (u *undoLog) replace(fsys afero.Fs, name string, data []byte, mode fs.FileMode) error {
	old, err := afero.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, unwrapPath(err))
	}
	info, err := fsys.Stat(name)
	if err != nil {
		return err
	}
	if err := writeThroughTemp(fsys, name, data, mode); err != nil {
		return err
	}
	u.steps = append(u.steps, undoStep{name: name, old: old, oldMode: info.Mode().Perm()})
	return nil
}

// removeEmptyParents removes the directories a deleted file leaves empty,
// up to the project root, as git does, recording each.
func (u *undoLog) removeEmptyParents(fsys afero.Fs, root, name string) {
	for d := path.Dir(name); d != root && d != "." && d != "/"; d = path.Dir(d) {
		if empty, err := afero.IsEmpty(fsys, d); err != nil || !empty || fsys.Remove(d) != nil {
			return
		}
		u.steps = append(u.steps, undoStep{name: d, dir: true, deleted: true})
	}
}

// removeEmptyTree removes the directory name and the empty directories in
// it, deepest first, recording each; it refuses, removing nothing, if
// anything else is in it. A missing name is fine: the plan's deletions may
// have removed it already.
func (u *undoLog) removeEmptyTree(fsys afero.Fs, name string) error {
	var dirs []string
	err := afero.Walk(fsys, name, func(p string, info fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() || info.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is in the way, and not gomicro's to remove", p)
		}
		dirs = append(dirs, p)
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := fsys.Remove(dirs[i]); err != nil {
			return fmt.Errorf("remove the empty directory %s: %w", dirs[i], unwrapPath(err))
		}
		u.steps = append(u.steps, undoStep{name: dirs[i], dir: true, deleted: true})
	}
	return nil
}

// rollback takes back every recorded step, newest first. Directories are
// removed only if empty: whatever else appeared in them stays.
func (u *undoLog) rollback(fsys afero.Fs) {
	for i := len(u.steps) - 1; i >= 0; i-- {
		s := u.steps[i]
		switch {
		case s.dir && s.deleted:
			fsys.Mkdir(s.name, 0o755)
		case s.dir:
			// Asked first: not every afero.Fs refuses to remove a
			// directory that still holds something.
			if empty, err := afero.IsEmpty(fsys, s.name); err == nil && empty {
				fsys.Remove(s.name)
			}
		case s.deleted:
			writeThroughTemp(fsys, s.name, s.old, s.oldMode)
		case s.oldMode == 0:
			fsys.Remove(s.name)
		default:
			writeThroughTemp(fsys, s.name, s.old, s.oldMode)
		}
	}
	u.steps = nil
}

// writeThroughTemp writes data to a new temporary file in name's directory
// and renames it over name.
func writeThroughTemp(fsys afero.Fs, name string, data []byte, mode fs.FileMode) error {
	tmp, tmpName, err := createTemp(fsys, path.Dir(name), ".gomicro-tmp-")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, unwrapPath(err))
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Chmod(tmpName, mode)
	}
	if err == nil {
		err = fsys.Rename(tmpName, name)
	}
	if err != nil {
		fsys.Remove(tmpName)
		return fmt.Errorf("write %s: %w", name, unwrapPath(err))
	}
	return nil
}

// createTemp creates a new file with a random name in dir. Unlike
// afero.TempFile it returns the name as the file system takes it: a file
// opened through an os.Root reports a name joined with the root's.
func createTemp(fsys afero.Fs, dir, prefix string) (afero.File, string, error) {
	for try := 0; ; try++ {
		name := path.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := fsys.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		return f, name, err
	}
}

// lstat reports on a symlink itself where the file system can.
func lstat(fsys afero.Fs, name string) (fs.FileInfo, error) {
	if l, ok := fsys.(afero.Lstater); ok {
		info, _, err := l.LstatIfPossible(name)
		return info, err
	}
	return fsys.Stat(name)
}

// cleanDir and join build the slash-separated names the generator hands to
// its file system; a rooted file system takes them relative to its root.
func cleanDir(dir string) string {
	if dir == "" {
		return "."
	}
	return path.Clean(filepath.ToSlash(dir))
}

func join(dir, p string) string {
	return path.Join(dir, p)
}

// unwrapPath drops the operation and path from an *fs.PathError, since the
// caller's message names the path already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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
