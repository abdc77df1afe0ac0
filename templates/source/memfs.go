package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// memFS is a read-only file tree held in memory: a template read out of a
// git mirror (see mirror.tree). It keeps what a template needs of git's
// tree: directories, file bytes, the execute bit (0755 or 0644) and
// symbolic links, listed as such (fs.ModeSymlink), so that the generator
// refuses them as it refuses them on disk.
type memFS map[string]*memNode // by slash path; "." is the root

type memNode struct {
	name    string      // base name
	mode    fs.FileMode // type bits and permissions
	data    []byte      // a file's bytes, a link's target
	entries []fs.DirEntry
	id      string // a file's or link's blob id, where git listed it
	size    int64  // a file's size as listed, before its bytes are read
}

// index lists every directory's entries, sorted by name.
func (fsys memFS) index() {
	for p, n := range fsys {
		if p != "." {
			parent := fsys[path.Dir(p)]
			parent.entries = append(parent.entries, fs.FileInfoToDirEntry(memInfo{n}))
		}
	}
	for _, n := range fsys {
		slices.SortFunc(n.entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	}
}

// add puts n at p, creating the directories on the way (git ls-tree -r
// lists files only).
func (fsys memFS) add(p string, n *memNode) error {
	if old, ok := fsys[p]; ok {
		if old.mode.IsDir() && n.mode.IsDir() {
			return nil
		}
		return fmt.Errorf("%s: listed twice", p)
	}
	if dir := path.Dir(p); dir != "." {
		parent, ok := fsys[dir]
		if !ok {
			if err := fsys.add(dir, &memNode{name: path.Base(dir), mode: fs.ModeDir | 0o755}); err != nil {
				return err
			}
		} else if !parent.mode.IsDir() {
			return fmt.Errorf("%s: its parent is not a directory", p)
		}
	}
	fsys[p] = n
	return nil
}

func (fsys memFS) node(op, name string) (*memNode, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	n, ok := fsys[name]
	if !ok {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	if n.mode&fs.ModeSymlink != 0 {
		return nil, &fs.PathError{Op: op, Path: name, Err: errors.New("a symbolic link in a template from git is not followed")}
	}
	return n, nil
}

// Open implements fs.FS.
func (fsys memFS) Open(name string) (fs.File, error) {
	n, err := fsys.node("open", name)
	if err != nil {
		return nil, err
	}
	if n.mode.IsDir() {
		return &memDir{n: n, path: name}, nil
	}
	return &memFile{n: n, r: bytes.NewReader(n.data)}, nil
}

// ReadFile implements fs.ReadFileFS.
func (fsys memFS) ReadFile(name string) ([]byte, error) {
	n, err := fsys.node("read", name)
	if err != nil {
		return nil, err
	}
	if n.mode.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	return bytes.Clone(n.data), nil
}

// ReadDir implements fs.ReadDirFS.
func (fsys memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := fsys.node("readdir", name)
	if err != nil {
		return nil, err
	}
	if !n.mode.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	return slices.Clone(n.entries), nil
}

type memInfo struct{ n *memNode }

func (i memInfo) Name() string       { return i.n.name }
func (i memInfo) Size() int64        { return int64(len(i.n.data)) }
func (i memInfo) Mode() fs.FileMode  { return i.n.mode }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.n.mode.IsDir() }
func (i memInfo) Sys() any           { return nil }

type memFile struct {
	n *memNode
	r *bytes.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f.n}, nil }
func (f *memFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *memFile) Close() error               { return nil }

type memDir struct {
	n    *memNode
	path string
	off  int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return memInfo{d.n}, nil }
func (d *memDir) Close() error               { return nil }
func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.path, Err: errors.New("is a directory")}
}

// ReadDir implements fs.ReadDirFile.
func (d *memDir) ReadDir(count int) ([]fs.DirEntry, error) {
	rest := d.n.entries[d.off:]
	if count > 0 {
		if len(rest) == 0 {
			return nil, io.EOF
		}
		rest = rest[:min(count, len(rest))]
	}
	d.off += len(rest)
	return slices.Clone(rest), nil
}
