package generator_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/rootfs"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// With --force into a project that holds symlinks, nothing is written
// through them and none is replaced; the rest of the tree is written.
func TestWriteForceKeepsSymlinks(t *testing.T) {
	base := t.TempDir()
	project, outside := filepath.Join(base, "svc"), filepath.Join(base, "outside")
	for _, d := range []string{project, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "go.mod"), []byte("module outside\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../outside", filepath.Join(project, "scripts")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../outside/go.mod", filepath.Join(project, "go.mod")); err != nil {
		t.Fatal(err)
	}
	root, err := rootfs.Open(project)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	tree := sampleTree()
	written, err := generator.Write(context.Background(), root, ".", tree, generator.WriteOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]bool{}
	for _, w := range written {
		if w.Action == generator.KeptSymlink {
			kept[w.Path] = true
		}
	}
	for _, f := range tree.Files {
		wantKept := f.Path == "go.mod" || strings.HasPrefix(f.Path, "scripts/")
		if kept[f.Path] != wantKept {
			t.Errorf("%s: kept %v, want %v", f.Path, kept[f.Path], wantKept)
		}
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 1 {
		t.Errorf("outside/ holds %d entries, want only its go.mod", len(entries))
	}
	if data, _ := os.ReadFile(filepath.Join(outside, "go.mod")); string(data) != "module outside\n" {
		t.Errorf("outside/go.mod = %q", data)
	}
	if info, err := os.Lstat(filepath.Join(project, "go.mod")); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("go.mod is no longer a symlink")
	}
}

// appearingFs creates a file of its own at one path just before Write
// opens it, as another process might while gomicro writes.
type appearingFs struct {
	afero.Fs
	at string
}

func (a *appearingFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	if filepath.ToSlash(name) == a.at {
		afero.WriteFile(a.Fs, name, []byte("not gomicro's\n"), 0o644)
	}
	return a.Fs.OpenFile(name, flag, perm)
}

// A file that appears while new writes is neither overwritten nor removed;
// everything Write made is taken back.
func TestWriteNeverRemovesWhatAppeared(t *testing.T) {
	for _, base := range filesystems(t) {
		t.Run(base.name, func(t *testing.T) {
			dir := filepath.ToSlash(filepath.Join(base.parent, "svc"))
			fsys := &appearingFs{Fs: base.fsys, at: dir + "/go.mod"}
			_, err := generator.Write(context.Background(), fsys, dir, sampleTree(), generator.WriteOptions{})
			if err == nil || !strings.Contains(err.Error(), "go.mod") {
				t.Fatalf("err = %v, want one naming go.mod", err)
			}
			got := treetest.Snapshot(t, base.fsys, dir)
			want := map[string]treetest.Entry{".": treetest.NewDir(0o755), "go.mod": treetest.NewFile("not gomicro's\n", 0o644)}
			if base.name == "mem" {
				want["."] = got["."] // MemMapFs reports its own directory modes
			}
			treetest.Equal(t, "after the failure", got, want)
		})
	}
}

// cancellingFs cancels the context when the nth file is opened for writing.
type cancellingFs struct {
	afero.Fs
	n      int
	cancel context.CancelFunc
}

func (c *cancellingFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	if flag&os.O_CREATE != 0 {
		if c.n--; c.n == 0 {
			c.cancel()
		}
	}
	return c.Fs.OpenFile(name, flag, perm)
}

// SIGINT while new writes: everything written so far is removed.
func TestWriteCancelled(t *testing.T) {
	for _, base := range filesystems(t) {
		t.Run(base.name, func(t *testing.T) {
			for _, force := range []bool{false, true} {
				parent := filepath.Join(base.parent, "cancel", strings.Repeat("f", len(base.name))+map[bool]string{true: "force", false: "fresh"}[force])
				dir := filepath.Join(parent, "svc")
				if force {
					treetest.Write(t, base.fsys, dir, map[string]string{"go.mod": "module mine\n", "notes.txt": "mine"}, 0o600)
				} else {
					treetest.Write(t, base.fsys, parent, map[string]string{"other": "x"}, 0o600)
				}
				before := treetest.Snapshot(t, base.fsys, parent)
				ctx, cancel := context.WithCancel(context.Background())
				fsys := &cancellingFs{Fs: base.fsys, n: 3, cancel: cancel}
				_, err := generator.Write(ctx, fsys, dir, sampleTree(), generator.WriteOptions{Force: force})
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("force=%v: err = %v, want context.Canceled", force, err)
				}
				after := treetest.Snapshot(t, base.fsys, parent)
				if !force {
					delete(after, "svc") // Write made it; removed or left empty
				}
				treetest.Equal(t, "after cancelling", after, before)
			}
		})
	}
}

func TestCheckProjectName(t *testing.T) {
	for _, name := range []string{"", ".", "..", "../x", "a/b", `a\b`, "/abs", "a\x00b"} {
		if err := generator.CheckProjectName(name); err == nil {
			t.Errorf("CheckProjectName(%q) = nil, want an error", name)
		}
	}
	for _, name := range []string{"svc", "my_service", "a.b", "-x"} {
		if err := generator.CheckProjectName(name); err != nil {
			t.Errorf("CheckProjectName(%q) = %v", name, err)
		}
	}
}

// A template may not write into a version-control directory, whether the
// name is in the tree or rendered: a hook there would run on the team's
// next commit.
func TestRenderNeverWritesVCSDirectories(t *testing.T) {
	for _, name := range []string{`{{ ".git" }}/hooks/post-commit`, `sub/{{ ".hg" }}/hgrc`, `{{ ".GIT" }}/config`} {
		tmpl := upgTemplate(t, "1.0.0", map[string]upgFile{name: {data: "#!/bin/sh\n"}})
		answers, err := tmpl.Resolve(context.Background(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := generator.Render(context.Background(), tmpl, answers); err == nil || !strings.Contains(err.Error(), "version-control") {
			t.Errorf("%s: err = %v, want a refusal naming version control", name, err)
		}
	}
	// In the tree itself, in any case, such a directory is not part of the template.
	tmpl := upgTemplate(t, "1.0.0", map[string]upgFile{".GIT/config": {data: "x"}, "a.txt": {data: "a"}})
	answers, _ := tmpl.Resolve(context.Background(), nil, nil)
	tree, err := generator.Render(context.Background(), tmpl, answers)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tree.File(".GIT/config"); ok {
		t.Error(".GIT/config was rendered")
	}
}
