package main

import (
	"io/fs"
	"path/filepath"
	"testing"
)

// TestFilesMatchGolden keeps the baseline honest: it must write what gomicro
// writes for the defaults, or the side-by-side measurement compares unlike
// things.
func TestFilesMatchGolden(t *testing.T) {
	golden := filepath.Join("..", "..", "..", "golden", "default")
	want := map[string]fs.FileInfo{}
	err := filepath.WalkDir(golden, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		rel, _ := filepath.Rel(golden, p)
		want[filepath.ToSlash(rel)] = info
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		info, ok := want[f.path]
		delete(want, f.path)
		switch {
		case !ok:
			t.Errorf("%s is not in golden/default", f.path)
		case int64(f.size) != info.Size() || f.mode != info.Mode().Perm()&0o755:
			t.Errorf("%s: size %d mode %v, golden/default has {%q, %d, %#o}", f.path, f.size, f.mode, f.path, info.Size(), info.Mode().Perm()&0o755)
		}
	}
	for p := range want {
		t.Errorf("golden/default/%s is missing from files", p)
	}
}
