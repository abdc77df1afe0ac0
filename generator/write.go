package generator

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

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

// Write puts tree at dir. A new project is written into a temporary directory
// beside dir and renamed into place, so a failure leaves nothing behind. With
// Force into an existing directory, each file is written to a temporary name
// and renamed over its target, so no file is ever half written.
func Write(fsys afero.Fs, dir string, tree *Tree, opts WriteOptions) error {
	dir = filepath.Clean(dir)
	info, err := fsys.Stat(dir)
	switch {
	case err == nil && !info.IsDir():
		return fmt.Errorf("%s exists and is not a directory", dir)
	case err == nil:
		empty, err := afero.IsEmpty(fsys, dir)
		if err != nil {
			return err
		}
		if !empty {
			if !opts.Force {
				return fmt.Errorf("%s %w", dir, ErrNotEmpty)
			}
			return writeInPlace(fsys, dir, tree)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return writeFresh(fsys, dir, tree)
}

func writeFresh(fsys afero.Fs, dir string, tree *Tree) (err error) {
	parent := filepath.Dir(dir)
	if err := fsys.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", parent, unwrapPath(err))
	}
	tmp, err := afero.TempDir(fsys, parent, "."+filepath.Base(dir)+".gomicro-")
	if err != nil {
		return fmt.Errorf("write in %s: %w", parent, unwrapPath(err))
	}
	defer func() {
		if err != nil {
			fsys.RemoveAll(tmp)
		}
	}()
	made := map[string]bool{tmp: true}
	for _, f := range tree.Files {
		name := filepath.Join(tmp, filepath.FromSlash(f.Path))
		if d := filepath.Dir(name); !made[d] {
			if err := fsys.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", d, unwrapPath(err))
			}
			made[d] = true
		}
		if err := afero.WriteFile(fsys, name, f.Data, f.Mode); err != nil {
			return fmt.Errorf("write %s: %w", name, unwrapPath(err))
		}
	}
	// TempDir made it 0700; a project directory is as open as any other.
	if err := fsys.Chmod(tmp, 0o755); err != nil {
		return err
	}
	// Rename does not replace a directory, even an empty one.
	if err := fsys.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replace empty %s: %w", dir, unwrapPath(err))
	}
	if err := fsys.Rename(tmp, dir); err != nil {
		return fmt.Errorf("move project into %s: %w", dir, unwrapPath(err))
	}
	return nil
}

func writeInPlace(fsys afero.Fs, dir string, tree *Tree) error {
	// Check every target before touching any, so a clash cannot leave the
	// directory half updated.
	for _, f := range tree.Files {
		target := filepath.Join(dir, filepath.FromSlash(f.Path))
		if info, err := fsys.Stat(target); err == nil && info.IsDir() {
			return fmt.Errorf("%s is a directory; the template writes a file there", target)
		}
		for parent := filepath.Dir(target); parent != dir; parent = filepath.Dir(parent) {
			if info, err := fsys.Stat(parent); err == nil && !info.IsDir() {
				return fmt.Errorf("%s is a file; the template writes %s inside it", parent, f.Path)
			}
		}
	}
	for _, f := range tree.Files {
		target := filepath.Join(dir, filepath.FromSlash(f.Path))
		tmp := filepath.Join(filepath.Dir(target), ".gomicro-tmp-"+path.Base(f.Path))
		if err := writeFile(fsys, tmp, f); err != nil {
			fsys.Remove(tmp)
			return err
		}
		if err := fsys.Rename(tmp, target); err != nil {
			fsys.Remove(tmp)
			return fmt.Errorf("replace %s: %w", target, unwrapPath(err))
		}
	}
	return nil
}

// writeFile writes one file, creating its directory, with the file's mode.
func writeFile(fsys afero.Fs, name string, f File) error {
	if err := fsys.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(name), unwrapPath(err))
	}
	if err := afero.WriteFile(fsys, name, f.Data, f.Mode); err != nil {
		return fmt.Errorf("write %s: %w", name, unwrapPath(err))
	}
	// A file replaced in place keeps the mode it had; set the template's.
	return fsys.Chmod(name, f.Mode)
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
