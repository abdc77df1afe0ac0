package treetest_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

func TestSnapshotDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub", "deep"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "run.sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	treetest.Equal(t, "snapshot", treetest.SnapshotDir(t, dir), map[string]treetest.Entry{
		".":          treetest.NewDir(0o700),
		"sub":        treetest.NewDir(0o750),
		"sub/deep":   treetest.NewDir(0o750),
		"sub/run.sh": treetest.NewFile("#!/bin/sh\n", 0o755),
		"link":       {Kind: treetest.Symlink, Data: "sub"}, // not followed
	})
	if snap := treetest.SnapshotDir(t, filepath.Join(dir, "none")); snap != nil {
		t.Errorf("snapshot of a missing directory = %v, want nil", snap)
	}
}

func TestSnapshotMemAndFS(t *testing.T) {
	mem := afero.NewMemMapFs()
	if err := afero.WriteFile(mem, "p/a/b.txt", []byte("b\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	got := treetest.Files(treetest.Snapshot(t, mem, "p"))
	treetest.Equal(t, "memfs", got, map[string]treetest.Entry{"a/b.txt": treetest.NewFile("b\n", 0o640)})

	fsys := fstest.MapFS{"a/b.txt": {Data: []byte("b\n"), Mode: 0o640}}
	treetest.Equal(t, "fs.FS", treetest.Files(treetest.SnapshotFS(t, fsys)), got)
}

func TestDiff(t *testing.T) {
	want := map[string]treetest.Entry{
		"gone":    treetest.NewFile("x", 0o644),
		"mode":    treetest.NewFile("x", 0o644),
		"content": treetest.NewFile("one\ntwo\nthree\n", 0o644),
		"crlf":    treetest.NewFile("a\n", 0o644),
		"kind":    treetest.NewDir(0o755),
		"same":    treetest.NewDir(0o755),
	}
	got := map[string]treetest.Entry{
		"new":     {Kind: treetest.Symlink, Data: "../x"},
		"mode":    treetest.NewFile("x", 0o755),
		"content": treetest.NewFile("one\nTWO\nthree\n", 0o600),
		"crlf":    treetest.NewFile("a\r\n", 0o644),
		"kind":    treetest.NewFile("", 0o755),
		"same":    treetest.NewDir(0o755),
	}
	wantDiffs := []string{
		`content: mode 600, want 644; line 2 is "TWO\n", want "two\n"`,
		`crlf: line 1 is "a\r\n", want "a\n"`,
		`gone: missing (want file 644 "x")`,
		`kind: file 755 "", want dir 755`,
		`mode: mode 755, want 644`,
		`new: unexpected (symlink -> ../x)`,
	}
	if diffs := treetest.Diff(got, want); !slices.Equal(diffs, wantDiffs) {
		t.Errorf("Diff =\n%q\nwant\n%q", diffs, wantDiffs)
	}
	if diffs := treetest.Diff(nil, map[string]treetest.Entry{".": treetest.NewDir(0o755)}); !slices.Equal(diffs, []string{".: missing (want dir 755)"}) {
		t.Errorf("Diff against nothing = %q", diffs)
	}
}
