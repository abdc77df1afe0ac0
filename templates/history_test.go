package templates_test

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gomicro/gomicro/templates"
)

var addSnapshot = flag.Bool("snapshot", false, "copy each template's tree to history/NAME-VERSION when that snapshot does not exist yet")

// TestHistory holds the promise that upgrade can always render the version a
// project came from: the current tree of every template equals its snapshot
// for the version its template.yaml names, and every snapshot is complete.
func TestHistory(t *testing.T) {
	for _, name := range templates.Names() {
		current, err := templates.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		version := versionOf(t, current)
		snapshotDir := filepath.Join("history", name+"-"+version)
		if _, err := os.Stat(snapshotDir); os.IsNotExist(err) && *addSnapshot {
			if err := os.CopyFS(snapshotDir, current); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s: commit it with the version bump", snapshotDir)
			continue
		}
		snapshot, err := templates.Snapshot(name, version)
		if err != nil {
			t.Errorf("template %s %s has no snapshot: run go test ./templates -run History -snapshot and commit %s", name, version, snapshotDir)
			continue
		}
		if diffs := compareFS(current, snapshot); len(diffs) > 0 {
			t.Errorf("template %s changed but its version is still %s, which is released: bump version in templates/%s/template.yaml, then run go test ./templates -run History -snapshot\n%v", name, version, name, diffs)
		}
	}
	entries, err := os.ReadDir("history")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		fsys := os.DirFS(filepath.Join("history", e.Name()))
		var cfg struct{ Name, Version string }
		data, err := fs.ReadFile(fsys, "template.yaml")
		if err == nil {
			err = yaml.Unmarshal(data, &cfg)
		}
		if err != nil || e.Name() != cfg.Name+"-"+cfg.Version {
			t.Errorf("history/%s: template.yaml names %s-%s (%v)", e.Name(), cfg.Name, cfg.Version, err)
		}
	}
}

func versionOf(t *testing.T, fsys fs.FS) string {
	data, err := fs.ReadFile(fsys, "template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct{ Version string }
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Version
}

// compareFS lists the files that differ, are missing or are extra in b.
func compareFS(a, b fs.FS) []string {
	files := func(fsys fs.FS) map[string][]byte {
		m := map[string][]byte{}
		fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				m[p], _ = fs.ReadFile(fsys, p)
			}
			return nil
		})
		return m
	}
	fa, fb := files(a), files(b)
	var diffs []string
	for p, data := range fa {
		other, ok := fb[p]
		switch {
		case !ok:
			diffs = append(diffs, p+": not in the snapshot")
		case !bytes.Equal(data, other):
			diffs = append(diffs, p+": differs from the snapshot")
		}
	}
	for p := range fb {
		if _, ok := fa[p]; !ok {
			diffs = append(diffs, p+": only in the snapshot")
		}
	}
	return diffs
}
