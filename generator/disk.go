package generator

import (
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/afero"
)

// onDisk is what look finds on the way to a path.
type onDisk struct {
	kind onDiskKind
	mode fs.FileMode // the file's permission bits
	file string      // for onDiskUnderFile: the file that is a parent
}

type onDiskKind int

const (
	onDiskAbsent onDiskKind = iota
	onDiskFile
	onDiskDir
	onDiskLink      // the path, or a directory on the way, is a symlink
	onDiskUnderFile // a parent of the path is a file
	onDiskOther     // a device, socket or pipe: never read, never replaced
)

// looker walks a path one segment at a time with Lstat, so a symlink is
// seen wherever it is on the way and is never followed. It remembers the
// directories on the way: a project's files share a few, and each is
// examined once per plan.
type looker struct {
	fsys afero.Fs
	dir  string
	dirs map[string]error // a directory on the way: nil, or why it is not one
}

func newLooker(fsys afero.Fs, dir string) *looker {
	return &looker{fsys: fsys, dir: dir, dirs: map[string]error{}}
}

func (lk *looker) look(p string) (onDisk, error) {
	fsys, dir := lk.fsys, lk.dir
	segs := strings.Split(p, "/")
	for i := range segs {
		sub := path.Join(segs[:i+1]...)
		last := i == len(segs)-1
		if !last {
			if err, seen := lk.dirs[sub]; seen {
				if err == nil {
					continue
				}
				return lk.look(sub) // the same answer, found again
			}
		}
		info, err := lstat(fsys, join(dir, sub))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return onDisk{kind: onDiskAbsent}, nil
		}
		if err != nil {
			return onDisk{}, err
		}
		if !last && err == nil && info.IsDir() && info.Mode()&fs.ModeSymlink == 0 {
			lk.dirs[sub] = nil
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			return onDisk{kind: onDiskLink}, nil
		case !last && !info.IsDir():
			return onDisk{kind: onDiskUnderFile, file: sub}, nil
		case last && info.IsDir():
			return onDisk{kind: onDiskDir}, nil
		case last && info.Mode().IsRegular():
			return onDisk{kind: onDiskFile, mode: info.Mode().Perm()}, nil
		case last:
			return onDisk{kind: onDiskOther}, nil
		}
	}
	return onDisk{kind: onDiskAbsent}, nil
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
