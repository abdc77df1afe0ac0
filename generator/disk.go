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
	fsys  afero.Fs
	dir   string
	dirs  map[string]error           // a directory on the way: nil, or why it is not one
	names map[string]map[string]bool // a directory's entries, by name; nil where unreadable
}

func newLooker(fsys afero.Fs, dir string) *looker {
	return &looker{fsys: fsys, dir: dir, dirs: map[string]error{}, names: map[string]map[string]bool{}}
}

// mayExist reports whether something may be at p, whose parent look has
// found to be a directory: false only when the parent's entries, read
// once per plan (names only, no stat), lack it. A check for a file that
// is rarely there (a sidecar beside each file) costs one read of each
// directory instead of a stat per file.
func (lk *looker) mayExist(p string) bool {
	parent := path.Dir(p)
	names, seen := lk.names[parent]
	if !seen {
		if f, err := lk.fsys.Open(join(lk.dir, parent)); err == nil {
			if list, err := f.Readdirnames(-1); err == nil {
				names = make(map[string]bool, len(list))
				for _, n := range list {
					names[n] = true
				}
			}
			f.Close()
		}
		lk.names[parent] = names
	}
	return names == nil || names[path.Base(p)]
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
