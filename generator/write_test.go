package generator_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// sampleTree is a small rendered project: nested directories, a script and a
// dot file.
func sampleTree() *generator.Tree {
	return &generator.Tree{Files: []generator.File{
		{Path: ".gitignore", Data: []byte("/dist\n"), Mode: 0o644},
		{Path: ".gomicro.yml", Data: []byte("format: 1\n"), Mode: 0o644},
		{Path: "cmd/svc/main.go", Data: []byte("package main\n"), Mode: 0o644},
		{Path: "go.mod", Data: []byte("module svc\n"), Mode: 0o644},
		{Path: "scripts/build.sh", Data: []byte("#!/bin/sh\n"), Mode: 0o755},
		{Path: "scripts/upload.sh", Data: []byte("#!/bin/sh\nexit 0\n"), Mode: 0o755},
	}}
}

// checkProject checks that dir holds exactly tree (plus the extra files
// given), with the tree's modes.
func checkProject(t *testing.T, fsys afero.Fs, dir string, tree *generator.Tree, extra map[string]treetest.Entry) {
	t.Helper()
	want := map[string]treetest.Entry{".": treetest.NewDir(0o755)}
	for _, f := range tree.Files {
		for d := filepath.Dir(f.Path); d != "."; d = filepath.Dir(d) {
			want[filepath.ToSlash(d)] = treetest.NewDir(0o755)
		}
		want[f.Path] = treetest.NewFile(string(f.Data), f.Mode)
	}
	for p, e := range extra {
		want[p] = e
	}
	treetest.Equal(t, dir, treetest.Snapshot(t, fsys, dir), want)
}

// siblings lists the names in dir's parent other than dir itself, so a test
// sees any temporary directory Write leaves behind.
func siblings(t *testing.T, fsys afero.Fs, dir string) []string {
	t.Helper()
	entries, err := afero.ReadDir(fsys, filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Name() != filepath.Base(dir) {
			names = append(names, e.Name())
		}
	}
	return names
}

// filesystems gives each test a fresh in-memory and a fresh real file system,
// and a parent directory in it to write projects under.
func filesystems(t *testing.T) []struct {
	name   string
	fsys   afero.Fs
	parent string
} {
	return []struct {
		name   string
		fsys   afero.Fs
		parent string
	}{
		{"mem", afero.NewMemMapFs(), filepath.FromSlash("/work/out")},
		{"os", afero.NewOsFs(), t.TempDir()},
	}
}

func TestWrite(t *testing.T) {
	for _, fsys := range filesystems(t) {
		t.Run(fsys.name, func(t *testing.T) {
			fs, parent := fsys.fsys, fsys.parent
			tree := sampleTree()

			t.Run("fresh directory", func(t *testing.T) {
				dir := filepath.Join(parent, "fresh", "deeper", "svc")
				if _, err := generator.Write(context.Background(), fs, dir, tree, generator.WriteOptions{}); err != nil {
					t.Fatal(err)
				}
				checkProject(t, fs, dir, tree, nil)
				if left := siblings(t, fs, dir); len(left) > 0 {
					t.Errorf("left beside the project: %q", left)
				}
			})

			t.Run("existing empty directory", func(t *testing.T) {
				dir := filepath.Join(parent, "empty", "svc")
				if err := fs.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if _, err := generator.Write(context.Background(), fs, dir, tree, generator.WriteOptions{}); err != nil {
					t.Fatal(err)
				}
				// The directory was there: it keeps its own mode.
				checkProject(t, fs, dir, tree, map[string]treetest.Entry{".": treetest.NewDir(0o700)})
				if left := siblings(t, fs, dir); len(left) > 0 {
					t.Errorf("left beside the project: %q", left)
				}
			})

			t.Run("non-empty without force", func(t *testing.T) {
				dir := filepath.Join(parent, "busy", "svc")
				treetest.Write(t, fs, dir, map[string]string{"go.mod": "module mine\n", "notes/a.txt": "mine"}, 0o600)
				before := treetest.Snapshot(t, fs, parent)
				_, err := generator.Write(context.Background(), fs, dir, tree, generator.WriteOptions{})
				if !errors.Is(err, generator.ErrNotEmpty) {
					t.Fatalf("err = %v, want ErrNotEmpty", err)
				}
				if !strings.Contains(err.Error(), dir) {
					t.Errorf("err = %q does not name %s", err, dir)
				}
				treetest.Equal(t, "after refusal", treetest.Snapshot(t, fs, parent), before)
			})

			t.Run("non-empty with force", func(t *testing.T) {
				dir := filepath.Join(parent, "forced", "svc")
				treetest.Write(t, fs, dir, map[string]string{
					"go.mod":           "module mine\n",
					"scripts/build.sh": "old",
					"notes/a.txt":      "mine",
					"scripts/mine.sh":  "mine",
				}, 0o600)
				if _, err := generator.Write(context.Background(), fs, dir, tree, generator.WriteOptions{Force: true}); err != nil {
					t.Fatal(err)
				}
				checkProject(t, fs, dir, tree, map[string]treetest.Entry{
					"notes":           treetest.NewDir(0o755),
					"notes/a.txt":     treetest.NewFile("mine", 0o600),
					"scripts/mine.sh": treetest.NewFile("mine", 0o600),
				})
				if left := siblings(t, fs, dir); len(left) > 0 {
					t.Errorf("left beside the project: %q", left)
				}
			})

			t.Run("target is a regular file", func(t *testing.T) {
				dir := filepath.Join(parent, "file", "svc")
				if err := fs.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := afero.WriteFile(fs, dir, []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
				before := treetest.Snapshot(t, fs, parent)
				for _, force := range []bool{false, true} {
					_, err := generator.Write(context.Background(), fs, dir, tree, generator.WriteOptions{Force: force})
					if err == nil || !strings.Contains(err.Error(), "not a directory") {
						t.Errorf("force=%v: err = %v, want not a directory", force, err)
					}
				}
				treetest.Equal(t, "after refusal", treetest.Snapshot(t, fs, parent), before)
			})

			t.Run("a directory where the tree writes a file", func(t *testing.T) {
				dir := filepath.Join(parent, "dirclash", "svc")
				treetest.Write(t, fs, dir, map[string]string{"go.mod/x": "x", "keep": "k"}, 0o600)
				before := treetest.Snapshot(t, fs, parent)
				_, err := generator.Write(context.Background(), fs, dir, tree, generator.WriteOptions{Force: true})
				if err == nil || !strings.Contains(err.Error(), "go.mod") {
					t.Errorf("err = %v, want one naming go.mod", err)
				}
				treetest.Equal(t, "after refusal", treetest.Snapshot(t, fs, parent), before)
			})

			t.Run("a file where the tree needs a directory", func(t *testing.T) {
				dir := filepath.Join(parent, "fileclash", "svc")
				treetest.Write(t, fs, dir, map[string]string{"scripts": "a file", "go.mod": "module mine\n"}, 0o600)
				before := treetest.Snapshot(t, fs, parent)
				_, err := generator.Write(context.Background(), fs, dir, tree, generator.WriteOptions{Force: true})
				if err == nil || !strings.Contains(err.Error(), "scripts") {
					t.Errorf("err = %v, want one naming scripts", err)
				}
				treetest.Equal(t, "after refusal", treetest.Snapshot(t, fs, parent), before)
			})

			t.Run("a tree with a file and a directory at one path", func(t *testing.T) {
				if fsys.name == "mem" {
					t.Skip("afero.MemMapFs lets a file hold children; only a real file system refuses")
				}
				dir := filepath.Join(parent, "selfclash", "svc")
				if err := fs.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
					t.Fatal(err)
				}
				bad := &generator.Tree{Files: []generator.File{
					{Path: "a", Data: []byte("file"), Mode: 0o644},
					{Path: "a/b", Data: []byte("in dir"), Mode: 0o644},
				}}
				before := treetest.Snapshot(t, fs, parent)
				_, err := generator.Write(context.Background(), fs, dir, bad, generator.WriteOptions{})
				if err == nil {
					t.Fatal("Write succeeded")
				}
				t.Logf("error: %v", err)
				treetest.Equal(t, "after failure", treetest.Snapshot(t, fs, parent), before)
			})

			t.Run("trailing separator", func(t *testing.T) {
				dir := filepath.Join(parent, "slash") + string(filepath.Separator)
				if _, err := generator.Write(context.Background(), fs, dir, tree, generator.WriteOptions{}); err != nil {
					t.Fatal(err)
				}
				checkProject(t, fs, filepath.Clean(dir), tree, nil)
			})
		})
	}
}

// failingFs fails the nth file it opens for writing (OpenFile or Create,
// counting from 1) and every Chmod after that, as a full disk might.
type failingFs struct {
	afero.Fs
	n      int64
	opened atomic.Int64
}

var errDiskFull = errors.New("injected: no space left on device")

func (f *failingFs) fail() error {
	if f.opened.Add(1) == f.n {
		return errDiskFull
	}
	return nil
}

func (f *failingFs) Create(name string) (afero.File, error) {
	if err := f.fail(); err != nil {
		return nil, &os.PathError{Op: "create", Path: name, Err: err}
	}
	return f.Fs.Create(name)
}

func (f *failingFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	if flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE) != 0 {
		if err := f.fail(); err != nil {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
	}
	return f.Fs.OpenFile(name, flag, perm)
}

func TestWriteFailureLeavesNothing(t *testing.T) {
	tree := sampleTree()
	for _, base := range filesystems(t) {
		t.Run(base.name, func(t *testing.T) {
			for n := 1; n <= len(tree.Files); n++ {
				t.Run(fmt.Sprintf("fresh/fail write %d", n), func(t *testing.T) {
					parent := filepath.Join(base.parent, fmt.Sprintf("fresh%d", n))
					treetest.Write(t, base.fsys, parent, map[string]string{"other/file": "unrelated"}, 0o600)
					before := treetest.Snapshot(t, base.fsys, parent)
					fsys := &failingFs{Fs: base.fsys, n: int64(n)}
					dir := filepath.Join(parent, "svc")
					_, err := generator.Write(context.Background(), fsys, dir, tree, generator.WriteOptions{})
					if !errors.Is(err, errDiskFull) {
						t.Fatalf("err = %v, want the injected failure", err)
					}
					treetest.Equal(t, "after failure", treetest.Snapshot(t, base.fsys, parent), before)
				})
				t.Run(fmt.Sprintf("empty dir/fail write %d", n), func(t *testing.T) {
					parent := filepath.Join(base.parent, fmt.Sprintf("empty%d", n))
					dir := filepath.Join(parent, "svc")
					if err := base.fsys.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					fsys := &failingFs{Fs: base.fsys, n: int64(n)}
					if _, err := generator.Write(context.Background(), fsys, dir, tree, generator.WriteOptions{}); !errors.Is(err, errDiskFull) {
						t.Fatalf("err = %v, want the injected failure", err)
					}
					after := treetest.Snapshot(t, base.fsys, parent)
					delete(after, "svc") // the empty directory may stay or go
					treetest.Equal(t, "after failure", after, map[string]treetest.Entry{".": treetest.NewDir(0o755)})
				})
				t.Run(fmt.Sprintf("force/fail write %d", n), func(t *testing.T) {
					// Files already replaced stay replaced, but no
					// temporary file is left and none is half written.
					dir := filepath.Join(base.parent, fmt.Sprintf("force%d", n))
					treetest.Write(t, base.fsys, dir, map[string]string{"keep": "k", "go.mod": "module mine\n"}, 0o600)
					fsys := &failingFs{Fs: base.fsys, n: int64(n)}
					if _, err := generator.Write(context.Background(), fsys, dir, tree, generator.WriteOptions{Force: true}); !errors.Is(err, errDiskFull) {
						t.Fatalf("err = %v, want the injected failure", err)
					}
					for p, e := range treetest.Snapshot(t, base.fsys, dir) {
						if strings.Contains(p, ".gomicro-tmp-") {
							t.Errorf("temporary file %s left", p)
						}
						if f, ok := tree.File(p); ok && e.Data != string(f.Data) && p != "go.mod" {
							t.Errorf("%s half written: %q", p, e.Data)
						}
					}
				})
			}
		})
	}
}
