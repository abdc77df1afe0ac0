// Package rootfs is the one confined layer every write to a user's tree goes
// through: an afero.Fs whose every name is resolved by an os.Root, so no
// open, create, rename or remove can reach outside the directory it was
// opened on, whether by "..", an absolute path or a symlink that leads out.
//
// Names are relative to the root ("." is the root itself), slash- or
// OS-separated. os.Root still follows symlinks that stay inside the root;
// deciding whether to write through such a link is the caller's policy
// (the generator never does), which is why Lstat is offered too.
package rootfs

import (
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/afero"
)

// Fs is an afero.Fs confined to one directory.
type Fs struct {
	root *os.Root
}

var (
	_ afero.Fs        = (*Fs)(nil)
	_ afero.Symlinker = (*Fs)(nil)
)

// Open opens dir as a confined file system. dir itself may be reached
// through symlinks (a target that is a link to an empty directory is
// written through); everything beneath it may not leave it.
func Open(dir string) (*Fs, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Fs{root: root}, nil
}

// Close releases the root's directory handle.
func (f *Fs) Close() error { return f.root.Close() }

// Name is the directory the root was opened on.
func (f *Fs) Name() string { return "rootfs(" + f.root.Name() + ")" }

// Dir is the directory the root was opened on, as given to Open.
func (f *Fs) Dir() string { return f.root.Name() }

// clean turns any name the generator builds (slash-separated, maybe with a
// leading "./") into the form os.Root takes. An absolute name stays
// absolute, and os.Root refuses it.
func clean(name string) string {
	if name == "" {
		return "."
	}
	return filepath.Clean(filepath.FromSlash(name))
}

func (f *Fs) Create(name string) (afero.File, error) {
	return wrap(f.root.Create(clean(name)))
}

func (f *Fs) Mkdir(name string, perm os.FileMode) error {
	return f.root.Mkdir(clean(name), perm)
}

func (f *Fs) MkdirAll(name string, perm os.FileMode) error {
	return f.root.MkdirAll(clean(name), perm)
}

func (f *Fs) Open(name string) (afero.File, error) {
	return wrap(f.root.Open(clean(name)))
}

func (f *Fs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	return wrap(f.root.OpenFile(clean(name), flag, perm))
}

func (f *Fs) Remove(name string) error { return f.root.Remove(clean(name)) }

func (f *Fs) RemoveAll(name string) error { return f.root.RemoveAll(clean(name)) }

func (f *Fs) Rename(oldname, newname string) error {
	return f.root.Rename(clean(oldname), clean(newname))
}

func (f *Fs) Stat(name string) (os.FileInfo, error) { return f.root.Stat(clean(name)) }

// LstatIfPossible reports on a symlink itself, not its target: always
// possible here.
func (f *Fs) LstatIfPossible(name string) (os.FileInfo, bool, error) {
	info, err := f.root.Lstat(clean(name))
	return info, true, err
}

func (f *Fs) SymlinkIfPossible(oldname, newname string) error {
	return f.root.Symlink(oldname, clean(newname))
}

func (f *Fs) ReadlinkIfPossible(name string) (string, error) {
	return f.root.Readlink(clean(name))
}

func (f *Fs) Chmod(name string, mode os.FileMode) error {
	return f.root.Chmod(clean(name), mode)
}

func (f *Fs) Chown(name string, uid, gid int) error {
	return f.root.Chown(clean(name), uid, gid)
}

func (f *Fs) Chtimes(name string, atime, mtime time.Time) error {
	return f.root.Chtimes(clean(name), atime, mtime)
}

// Link makes newname a hard link to oldname. Unlike Rename it never
// replaces what is at newname, which is how a new file is put in place
// without clobbering one that appeared meanwhile.
func (f *Fs) Link(oldname, newname string) error {
	return f.root.Link(clean(oldname), clean(newname))
}

// wrap keeps a nil *os.File from becoming a non-nil afero.File.
func wrap(file *os.File, err error) (afero.File, error) {
	if err != nil {
		return nil, err
	}
	return file, nil
}
