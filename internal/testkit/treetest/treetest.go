// Package treetest records a directory tree (every file with its content and
// permission bits, every directory, every symlink with its target) and
// compares two records, reporting missing, unexpected and differing entries
// by path. The tests of every package compare trees with it: a project
// before and after a refused write, a golden tree against a render, a
// template against its released snapshot.
package treetest

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/afero"
)

// Kind is what an entry is; the zero Kind is no entry at all.
type Kind uint8

const (
	Absent Kind = iota
	File
	Dir
	Symlink
	Other // a device, pipe or socket
)

// Entry is one path of a tree. Mode holds the permission bits (none for a
// symlink); Data is a file's content or a symlink's target.
type Entry struct {
	Kind Kind
	Mode fs.FileMode
	Data string
}

// NewFile is a file holding data with the permission bits mode.
func NewFile(data string, mode fs.FileMode) Entry {
	return Entry{Kind: File, Mode: mode, Data: data}
}

// NewDir is a directory with the permission bits mode.
func NewDir(mode fs.FileMode) Entry { return Entry{Kind: Dir, Mode: mode} }

// String describes e in full: `file 644 "data"`, `dir 755`,
// `symlink -> target`, `other 600` or `absent`.
func (e Entry) String() string { return e.format("%q") }

// short is String with data cut to 60 characters, for one-line reports.
func (e Entry) short() string { return e.format("%.60q") }

func (e Entry) format(data string) string {
	switch e.Kind {
	case Absent:
		return "absent"
	case File:
		return fmt.Sprintf("file %o "+data, e.Mode, e.Data)
	case Dir:
		return fmt.Sprintf("dir %o", e.Mode)
	case Symlink:
		return "symlink -> " + e.Data
	}
	return fmt.Sprintf("other %o", e.Mode)
}

// Snapshot records everything under root in fsys, keyed by slash path
// relative to root ("." is root itself), never following a symlink when
// fsys can tell one (afero.OsFs, rootfs and MemMapFs can). It returns nil
// when root does not exist and fails the test on any other error.
func Snapshot(t testing.TB, fsys afero.Fs, root string) map[string]Entry {
	t.Helper()
	if _, err := lstat(fsys, root); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	snap := map[string]Entry{}
	err := afero.Walk(fsys, root, func(p string, info fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		e, err := entryOf(info, func() ([]byte, error) { return afero.ReadFile(fsys, p) }, func() (string, error) {
			lr, ok := fsys.(afero.LinkReader)
			if !ok {
				return "", fmt.Errorf("%s: a symlink, and %s cannot read links", p, fsys.Name())
			}
			return lr.ReadlinkIfPossible(p)
		})
		if err != nil {
			return err
		}
		snap[filepath.ToSlash(rel)] = e
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot of %s: %v", root, err)
	}
	return snap
}

// SnapshotDir is Snapshot of a directory on disk.
func SnapshotDir(t testing.TB, dir string) map[string]Entry {
	t.Helper()
	return Snapshot(t, afero.NewOsFs(), dir)
}

// SnapshotFS records everything in fsys, as Snapshot does; paths are fsys's
// own, "." its root.
func SnapshotFS(t testing.TB, fsys fs.FS) map[string]Entry {
	t.Helper()
	snap := map[string]Entry{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		e, err := entryOf(info, func() ([]byte, error) { return fs.ReadFile(fsys, p) }, func() (string, error) { return fs.ReadLink(fsys, p) })
		if err != nil {
			return err
		}
		snap[p] = e
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return snap
}

func entryOf(info fs.FileInfo, read func() ([]byte, error), readlink func() (string, error)) (Entry, error) {
	mode := info.Mode()
	switch {
	case mode&fs.ModeSymlink != 0:
		target, err := readlink()
		return Entry{Kind: Symlink, Data: target}, err
	case mode.IsDir():
		return NewDir(mode.Perm()), nil
	case mode.IsRegular():
		data, err := read()
		return NewFile(string(data), mode.Perm()), err
	}
	return Entry{Kind: Other, Mode: mode.Perm()}, nil
}

func lstat(fsys afero.Fs, name string) (fs.FileInfo, error) {
	if l, ok := fsys.(afero.Lstater); ok {
		info, _, err := l.LstatIfPossible(name)
		return info, err
	}
	return fsys.Stat(name)
}

// Files keeps the regular files of snap, for comparisons that leave
// directories (and symlinks) out.
func Files(snap map[string]Entry) map[string]Entry {
	files := map[string]Entry{}
	for p, e := range snap {
		if e.Kind == File {
			files[p] = e
		}
	}
	return files
}

// Diff lists how got differs from want, one line per path, sorted by path:
// "P: missing (want ...)", "P: unexpected (...)" or "P: ..., want ...".
// Two files of different content are told apart by their first differing
// line.
func Diff(got, want map[string]Entry) []string {
	var diffs []string
	all := maps.Clone(want)
	if all == nil {
		all = map[string]Entry{}
	}
	maps.Copy(all, got)
	for _, p := range slices.Sorted(maps.Keys(all)) {
		g, inGot := got[p]
		w, inWant := want[p]
		switch {
		case !inGot:
			diffs = append(diffs, fmt.Sprintf("%s: missing (want %s)", p, w.short()))
		case !inWant:
			diffs = append(diffs, fmt.Sprintf("%s: unexpected (%s)", p, g.short()))
		case g != w:
			diffs = append(diffs, p+": "+differs(g, w))
		}
	}
	return diffs
}

func differs(got, want Entry) string {
	if got.Kind != want.Kind || got.Kind != File && got.Kind != Dir {
		return fmt.Sprintf("%s, want %s", got.short(), want.short())
	}
	var why []string
	if got.Mode != want.Mode {
		why = append(why, fmt.Sprintf("mode %o, want %o", got.Mode, want.Mode))
	}
	if got.Data != want.Data {
		why = append(why, firstDifference(got.Data, want.Data))
	}
	return strings.Join(why, "; ")
}

// firstDifference names the first line where got and want differ.
func firstDifference(got, want string) string {
	gl, wl := strings.SplitAfter(got, "\n"), strings.SplitAfter(want, "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			return fmt.Sprintf("line %d is %.80q, want %.80q", i+1, g, w)
		}
	}
	return "content differs" // not reached: the contents differ
}

// Equal reports each difference of got from want as an error of t, each
// line starting with what (the moment or the tree compared), and tells
// whether there was none.
func Equal(t testing.TB, what string, got, want map[string]Entry) bool {
	t.Helper()
	diffs := Diff(got, want)
	for _, d := range diffs {
		t.Errorf("%s: %s", what, d)
	}
	return len(diffs) == 0
}

// Write writes files (slash path -> content) below dir in fsys, each with
// mode whatever the umask, making dir and the directories between with
// 0o755. It is how a test lays out a project or a template before it runs.
func Write(t testing.TB, fsys afero.Fs, dir string, files map[string]string, mode fs.FileMode) {
	t.Helper()
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for p, data := range files {
		name := filepath.Join(dir, filepath.FromSlash(p))
		if err := fsys.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := afero.WriteFile(fsys, name, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		if err := fsys.Chmod(name, mode); err != nil { // beat the umask
			t.Fatal(err)
		}
	}
}

// WriteDir is Write on disk with mode 0o644.
func WriteDir(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	Write(t, afero.NewOsFs(), dir, files, 0o644)
}
