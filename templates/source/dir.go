package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// dirKind is a template directory on disk, read as it is at the moment:
// it has no revisions (a project made from one finds its base in its own git
// history instead).
type dirKind struct{}

func (dirKind) parse(s string) (Spec, bool, error) {
	info, err := os.Stat(s)
	if err != nil {
		if isPathLike(s) {
			if errors.Is(err, fs.ErrNotExist) {
				return Spec{}, false, errors.New("no such directory")
			}
			return Spec{}, false, err
		}
		return Spec{}, false, nil // a module path or something else
	}
	if !info.IsDir() {
		return Spec{}, false, errors.New("not a directory")
	}
	abs, err := filepath.Abs(s)
	if err != nil {
		return Spec{}, false, err
	}
	return Spec{Location: abs}, true, nil
}

func (dirKind) format(s Spec) string {
	return joinSource(s.Location, s.Subdir, s.Ref)
}

func (dirKind) open(_ context.Context, s Spec) (Tree, error) {
	if s.Ref != "" || s.Subdir != "" {
		return Tree{}, errors.New("a directory takes no SUBDIR or @REF (a git repository with @REF is read from its commits)")
	}
	if !filepath.IsAbs(s.Location) {
		return Tree{}, fmt.Errorf("directory %q is not absolute", s.Location)
	}
	info, err := os.Stat(s.Location)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Tree{}, errors.New("no such directory")
		}
		return Tree{}, err
	}
	if !info.IsDir() {
		return Tree{}, errors.New("not a directory")
	}
	fsys := os.DirFS(s.Location)
	if err := checkTemplateRoot(fsys, "the directory"); err != nil {
		return Tree{}, err
	}
	return Tree{FS: fsys}, nil
}

func (dirKind) openRevision(context.Context, Spec, string) (fs.FS, error) {
	return nil, ErrNoRevision
}
