package templates_test

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gomicro/gomicro/internal/testkit/treetest"
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
		if diffs := treetest.Diff(treetest.Files(treetest.SnapshotFS(t, current)), treetest.Files(treetest.SnapshotFS(t, snapshot))); len(diffs) > 0 {
			t.Errorf("template %s changed but its version is still %s, which is released: bump version in templates/%s/template.yaml, then run go test ./templates -run History -snapshot\nthe tree against its snapshot:\n  %s", name, version, name, strings.Join(diffs, "\n  "))
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
