package rootfs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/afero"
)

// setup makes root/ with in.txt, a link inside (inlink -> in.txt), links out
// (outdir -> ../outside, outfile -> ../outside/secret) and returns the
// confined Fs on root/ and the path of outside/.
func setup(t *testing.T) (*Fs, string) {
	t.Helper()
	base := t.TempDir()
	root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
	for _, d := range []string{root, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must(t, os.WriteFile(filepath.Join(root, "in.txt"), []byte("in"), 0o644))
	must(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600))
	must(t, os.Symlink("in.txt", filepath.Join(root, "inlink")))
	must(t, os.Symlink("../outside", filepath.Join(root, "outdir")))
	must(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "outfile")))
	fsys, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close() })
	return fsys, outside
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestNothingLeavesTheRoot tries every writing operation on names that lead
// out of the root, and checks that each fails and outside/ is untouched.
func TestNothingLeavesTheRoot(t *testing.T) {
	escapes := []string{"../outside/x", "outdir/x", "outfile", "/tmp/x", "a/../../outside/x"}
	ops := map[string]func(fsys *Fs, name string) error{
		"WriteFile": func(fsys *Fs, name string) error { return afero.WriteFile(fsys, name, []byte("x"), 0o644) },
		"Mkdir":     func(fsys *Fs, name string) error { return fsys.Mkdir(name, 0o755) },
		"MkdirAll":  func(fsys *Fs, name string) error { return fsys.MkdirAll(name+"/y", 0o755) },
		"Remove":    func(fsys *Fs, name string) error { return fsys.Remove(name) },
		"RemoveAll": func(fsys *Fs, name string) error { return fsys.RemoveAll(name) },
		"RenameTo":  func(fsys *Fs, name string) error { return fsys.Rename("in.txt", name) },
		"Chmod":     func(fsys *Fs, name string) error { return fsys.Chmod(name, 0o777) },
		"Symlink":   func(fsys *Fs, name string) error { return fsys.SymlinkIfPossible("in.txt", name) },
	}
	for opName, op := range ops {
		for _, name := range escapes {
			t.Run(opName+"/"+name, func(t *testing.T) {
				fsys, outside := setup(t)
				// Removing or replacing the link itself is inside the root;
				// only what lies beyond it must be out of reach.
				onLinkItself := name == "outfile" && (opName == "Remove" || opName == "RemoveAll" || opName == "RenameTo")
				if err := op(fsys, name); err == nil && !onLinkItself {
					t.Errorf("%s(%q) succeeded; want an error", opName, name)
				}
				entries, err := os.ReadDir(outside)
				must(t, err)
				if len(entries) != 1 || entries[0].Name() != "secret" {
					t.Errorf("outside/ now holds %v", entries)
				}
				info, err := os.Stat(filepath.Join(outside, "secret"))
				must(t, err)
				data, _ := os.ReadFile(filepath.Join(outside, "secret"))
				if string(data) != "secret" || info.Mode().Perm() != 0o600 {
					t.Errorf("outside/secret is now %q, %o", data, info.Mode().Perm())
				}
			})
		}
	}
}

func TestReadingOutIsRefusedToo(t *testing.T) {
	fsys, _ := setup(t)
	for _, name := range []string{"outfile", "outdir/secret", "../outside/secret"} {
		if _, err := afero.ReadFile(fsys, name); err == nil {
			t.Errorf("ReadFile(%q) succeeded", name)
		}
	}
}

func TestInsideTheRoot(t *testing.T) {
	fsys, _ := setup(t)
	must(t, fsys.MkdirAll("a/b", 0o755))
	must(t, afero.WriteFile(fsys, "a/b/c.txt", []byte("c"), 0o600))
	must(t, fsys.Rename("a/b/c.txt", "./a/d.txt"))
	info, err := fsys.Stat("a/d.txt")
	must(t, err)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 600", info.Mode().Perm())
	}
	must(t, fsys.Chmod("a/d.txt", 0o755))
	if info, _ := fsys.Stat("a/d.txt"); info.Mode().Perm() != 0o755 {
		t.Errorf("after Chmod: %o", info.Mode().Perm())
	}
	// A link that stays inside is followed by Stat and seen by Lstat.
	if data, err := afero.ReadFile(fsys, "inlink"); err != nil || string(data) != "in" {
		t.Errorf("ReadFile(inlink) = %q, %v", data, err)
	}
	info, lstat, err := fsys.LstatIfPossible("inlink")
	must(t, err)
	if !lstat || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("Lstat(inlink): mode %v, lstat %v", info.Mode(), lstat)
	}
	if target, err := fsys.ReadlinkIfPossible("inlink"); err != nil || target != "in.txt" {
		t.Errorf("Readlink = %q, %v", target, err)
	}
	names, err := afero.ReadDir(fsys, ".")
	must(t, err)
	if len(names) != 5 {
		t.Errorf("root holds %d entries, want 5", len(names))
	}
	must(t, fsys.RemoveAll("a"))
	if _, err := fsys.Stat("a"); !os.IsNotExist(err) {
		t.Errorf("a still there: %v", err)
	}
	// Removing a link removes the link, never what it points to.
	must(t, fsys.Remove("outdir"))
	must(t, fsys.Remove("outfile"))
}

// A root opened through a symlink is the directory the link names: a target
// that is a link to an empty directory is written through.
func TestOpenThroughSymlink(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	must(t, os.Mkdir(real, 0o755))
	must(t, os.Symlink(real, filepath.Join(base, "link")))
	fsys, err := Open(filepath.Join(base, "link"))
	must(t, err)
	defer fsys.Close()
	must(t, afero.WriteFile(fsys, "x", []byte("x"), 0o644))
	if _, err := os.Stat(filepath.Join(real, "x")); err != nil {
		t.Error(err)
	}
}
