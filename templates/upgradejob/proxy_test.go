package upgradejob_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// gomicroModule is the module the generated script runs gomicro from.
const gomicroModule = "github.com/gomicro/gomicro"

// moduleFile is one file of the working tree, as a module zip takes it.
type moduleFile struct{ root, rel string }

func (f moduleFile) Path() string                 { return f.rel }
func (f moduleFile) Lstat() (os.FileInfo, error)  { return os.Lstat(filepath.Join(f.root, f.rel)) }
func (f moduleFile) Open() (io.ReadCloser, error) { return os.Open(filepath.Join(f.root, f.rel)) }

// moduleFiles lists the files of the module rooted at root as
// zip.CreateFromDir would, but leaving out a .git file too (a git worktree
// has one at its root, which CreateFromDir would pack): no VCS metadata,
// and no directory holding a module of its own (golden/'s trees).
func moduleFiles(t *testing.T, root string) []modzip.File {
	t.Helper()
	var files []modzip.File
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch name := d.Name(); {
		case name == ".git" || name == ".hg" || name == ".svn" || name == ".bzr":
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		case d.IsDir() && p != root:
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		case d.IsDir():
			return nil
		}
		files = append(files, moduleFile{root, filepath.ToSlash(rel)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// gomicroProxy writes a GOPROXY directory (for a file:// URL) that serves
// gomicroModule as built from this working tree, at a release version made
// from the tree's content (v0.999.0-e2e-HASH): the module cache this test
// shares with every other go command on the machine keeps a version once
// fetched, so another tree must not come under the same version. It returns
// the directory and the version.
func gomicroProxy(t *testing.T) (dir, version string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	goMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if path := modfile.ModulePath(goMod); path != gomicroModule {
		t.Fatalf("%s/go.mod is module %q, want %s", root, path, gomicroModule)
	}
	files := moduleFiles(t, root)
	// The content's digest, from a zip under a placeholder version.
	var probe bytes.Buffer
	if err := modzip.Create(&probe, module.Version{Path: gomicroModule, Version: "v0.999.0"}, files); err != nil {
		t.Fatalf("packing %s as a module: %v", root, err)
	}
	sum := sha256.Sum256(probe.Bytes())
	version = "v0.999.0-e2e-" + hex.EncodeToString(sum[:6])

	dir = filepath.Join(t.TempDir(), "proxy")
	at := filepath.Join(dir, filepath.FromSlash(gomicroModule), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	zf, err := os.Create(filepath.Join(at, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := modzip.Create(zf, module.Version{Path: gomicroModule, Version: version}, files); err != nil {
		t.Fatal(err)
	}
	if err := zf.Close(); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		version + ".mod":  string(goMod),
		version + ".info": `{"Version":"` + version + `","Time":"2026-01-01T00:00:00Z"}` + "\n",
		"list":            version + "\n",
	} {
		if err := os.WriteFile(filepath.Join(at, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("GOPROXY %s serves %s@%s (%d files of %s)", dir, gomicroModule, version, len(files), root)
	return dir, version
}

// fileURL is the file:// URL of an absolute path.
func fileURL(path string) string {
	return "file://" + filepath.ToSlash(path)
}

// forget removes version of gomicroModule from the module cache modCache
// (made read-only by the go command), where fetching it put it: it exists
// nowhere else, and a cache is no place for it.
func forget(t *testing.T, modCache, version string) {
	t.Helper()
	extracted := filepath.Join(modCache, filepath.FromSlash(gomicroModule)+"@"+version)
	_ = filepath.WalkDir(extracted, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
	if err := os.RemoveAll(extracted); err != nil {
		t.Logf("leaving %s in the module cache: %v", extracted, err)
	}
	at := filepath.Join(modCache, "cache", "download", filepath.FromSlash(gomicroModule), "@v")
	downloads, _ := filepath.Glob(filepath.Join(at, version+".*"))
	for _, f := range downloads {
		_ = os.Remove(f)
	}
	// The go command keeps the proxy's last list of versions too.
	list := filepath.Join(at, "list")
	if data, err := os.ReadFile(list); err == nil {
		var keep []string
		for _, v := range strings.Fields(string(data)) {
			if v != version {
				keep = append(keep, v)
			}
		}
		if len(keep) == 0 {
			_ = os.Remove(list)
		} else {
			_ = os.WriteFile(list, []byte(strings.Join(keep, "\n")+"\n"), 0o644)
		}
	}
}
