package generator_test

import (
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
)

// diffBase is a pristine render of three files and the manifest that
// records it.
func diffBase(t *testing.T) (*generator.Manifest, map[string]generator.File) {
	t.Helper()
	base := map[string]generator.File{
		"a.txt":        {Path: "a.txt", Data: []byte("one\ntwo\n"), Mode: 0o644},
		"run.sh":       {Path: "run.sh", Data: []byte("#!/bin/sh\n"), Mode: 0o755},
		"gone.txt":     {Path: "gone.txt", Data: []byte("gone\n"), Mode: 0o644},
		"long/big.txt": {Path: "long/big.txt", Data: []byte(strings.Repeat("x\n", 200)), Mode: 0o644},
	}
	m := "format: 1\ntemplate: t\nversion: 1.0.0\nfiles:\n"
	for p, f := range base {
		m += "  " + p + ": " + generator.BlobID(f.Data) + "\n"
	}
	old, err := generator.ReadManifest([]byte(m + "executable: [run.sh]\n"))
	if err != nil {
		t.Fatal(err)
	}
	return old, base
}

func TestDiffProject(t *testing.T) {
	old, base := diffBase(t)
	fsys := afero.NewMemMapFs()
	// a.txt as a CRLF checkout (no difference), run.sh as generated,
	// gone.txt deleted, big.txt emptied, and a file of the project's own.
	afero.WriteFile(fsys, "p/a.txt", []byte("one\r\ntwo\r\n"), 0o644)
	afero.WriteFile(fsys, "p/run.sh", []byte("#!/bin/sh\n"), 0o755)
	afero.WriteFile(fsys, "p/long/big.txt", nil, 0o644)
	afero.WriteFile(fsys, "p/long/own.txt", []byte("own\n"), 0o644)
	diffs, err := generator.DiffProject(fsys, "p", old, base, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, d := range diffs {
		paths = append(paths, d.Path)
	}
	if got := strings.Join(paths, " "); got != "gone.txt long/big.txt" {
		t.Fatalf("without paths: %s", got)
	}
	diffs, err = generator.DiffProject(fsys, "p", old, base, []string{"long"}, nil)
	if err != nil || len(diffs) != 2 || diffs[1].Path != "long/own.txt" || !diffs[1].Added() {
		t.Fatalf("-- long: %+v, %v", diffs, err)
	}
	// big.txt's 200 deleted lines scale to a bar of 50.
	want := " long/big.txt | 200 " + strings.Repeat("-", 50) + "\n" +
		" long/own.txt |   1 +\n" +
		" 2 files changed, 1 insertion(+), 200 deletions(-)\n"
	if got := generator.DiffStat(diffs); got != want {
		t.Fatalf("DiffStat:\n%s\nwant:\n%s", got, want)
	}
	if got := generator.UnifiedDiff(diffs[1:]); !strings.HasPrefix(got, "diff --git a/long/own.txt b/long/own.txt\nnew file mode 100644\n--- /dev/null\n+++ b/long/own.txt\n") {
		t.Fatalf("UnifiedDiff:\n%s", got)
	}
}
