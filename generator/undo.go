package generator

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"strconv"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/internal/rootfs"
)

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
		return fmt.Errorf("create %s: %w", name, rootfs.Reason(err))
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
		return fmt.Errorf("write %s: %w", name, rootfs.Reason(err))
	}
	u.steps = append(u.steps, undoStep{name: name})
	return fill(fsys, f, name, data, mode)
}

// createNew writes data to a new temporary file in dir, with exactly mode,
// and returns its name.
func createNew(fsys afero.Fs, dir string, data []byte, mode fs.FileMode) (string, error) {
	f, name, err := createTemp(fsys, dir, ".gomicro-tmp-", mode)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", name, rootfs.Reason(err))
	}
	if err := fill(fsys, f, name, data, mode); err != nil {
		fsys.Remove(name)
		return "", err
	}
	return name, nil
}

// fill writes data to f, a file just created as name, gives it exactly
// mode, and closes it.
func fill(fsys afero.Fs, f afero.File, name string, data []byte, mode fs.FileMode) error {
	_, err := f.Write(data)
	if info, serr := f.Stat(); err == nil && (serr != nil || info.Mode().Perm() != mode.Perm()) {
		// The umask narrowed the mode; the template's mode is the one
		// golden trees and upgrades compare against. Only then: a chmod
		// is a metadata write per file (three times the create's cost
		// on ext4 under load), the stat is not.
		err = chmodOpen(fsys, f, name, mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, rootfs.Reason(err))
	}
	return nil
}

// replace puts data at name, which holds a file, through a temporary file
// beside it, so the file is never half written.
func (u *undoLog) replace(fsys afero.Fs, name string, data []byte, mode fs.FileMode) error {
	old, err := afero.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, rootfs.Reason(err))
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
		if !isEmptyDir(fsys, d) || fsys.Remove(d) != nil {
			return
		}
		u.steps = append(u.steps, undoStep{name: d, dir: true, deleted: true})
	}
}

// isEmptyDir reports whether the directory d holds nothing. It reads one
// name, no more: afero.IsEmpty reads and stats every entry, 5000 stats
// for the 50 files a 5000-file release deletes from directories of 100.
func isEmptyDir(fsys afero.Fs, d string) bool {
	f, err := fsys.Open(d)
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	return errors.Is(err, io.EOF)
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
			return fmt.Errorf("remove the empty directory %s: %w", dirs[i], rootfs.Reason(err))
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
	tmp, tmpName, err := createTemp(fsys, path.Dir(name), ".gomicro-tmp-", 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, rootfs.Reason(err))
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
		return fmt.Errorf("write %s: %w", name, rootfs.Reason(err))
	}
	return nil
}

// createTemp creates a new file with a random name in dir, with
// permissions perm (less the umask). Unlike
// afero.TempFile it returns the name as the file system takes it: a file
// opened through an os.Root reports a name joined with the root's.
func createTemp(fsys afero.Fs, dir, prefix string, perm fs.FileMode) (afero.File, string, error) {
	for try := 0; ; try++ {
		name := path.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := fsys.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		return f, name, err
	}
}
