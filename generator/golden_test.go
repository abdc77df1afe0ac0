package generator_test

import (
	"context"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

var update = flag.Bool("update", false, "rewrite golden/ from the current templates")

// goldenSets are the canonical answer sets; golden/NAME holds the exact tree
// each renders. Change a template, run `go test ./generator -update`, and
// review the diff of golden/ in the commit.
var goldenSets = []struct {
	name string
	set  map[string]string
}{
	{"default", map[string]string{}},
	{"worker", map[string]string{
		"name":            "billing",
		"github_username": "acme",
		"s3_bucket":       "acme-builds",
		"module":          "example.com/acme/billing",
		"kind":            "worker",
		"platforms":       "(linux || windows) && amd64 || linux && arm64",
		"s3_region":       "eu-west-1",
	}},
	// One set per ci × build pair the two sets above (circleci, script) leave out.
	{"github-script", map[string]string{"ci": "github"}},
	{"github-goreleaser", map[string]string{"ci": "github", "build": "goreleaser"}},
	{"circleci-goreleaser", map[string]string{
		"name":      "billing",
		"kind":      "worker",
		"build":     "goreleaser",
		"platforms": "(linux || windows) && amd64 || linux && arm64",
	}},
	// The container image, with each ci and each build.
	{"github-goreleaser-ko", map[string]string{"ci": "github", "build": "goreleaser", "image": "ko"}},
	{"circleci-script-ko", map[string]string{
		"name":      "billing",
		"kind":      "worker",
		"image":     "ko",
		"platforms": "(linux || windows) && amd64 || linux && arm",
	}},
}

func TestGolden(t *testing.T) {
	for _, gs := range goldenSets {
		t.Run(gs.name, func(t *testing.T) {
			// The go line is pinned: the golden trees must not change
			// with the Go that runs the test.
			set := map[string]string{"go_version": "1.26"}
			maps.Copy(set, gs.set)
			tree := gentest.Render(t, "service", set)
			dir := filepath.Join("..", "golden", gs.name)
			if *update {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				if _, err := generator.Write(context.Background(), afero.NewOsFs(), dir, tree, generator.WriteOptions{}); err != nil {
					t.Fatal(err)
				}
				return
			}
			compareTree(t, dir, tree)
		})
	}
}

// compareTree reports every missing, unexpected and differing file of the
// rendered tree against the golden one in dir. Modes count by their execute
// bit only: a checkout's other bits follow the umask.
func compareTree(t *testing.T, dir string, tree *generator.Tree) {
	t.Helper()
	golden := treetest.SnapshotDir(t, dir)
	if golden == nil {
		t.Fatalf("no golden tree %s: run go test ./generator -update to create it", dir)
	}
	want := treetest.Files(golden)
	got := map[string]treetest.Entry{}
	for _, f := range tree.Files {
		got[f.Path] = treetest.NewFile(string(f.Data), f.Mode)
	}
	for _, m := range []map[string]treetest.Entry{got, want} {
		for p, e := range m {
			e.Mode = 0o644
			if m[p].Mode&0o111 != 0 {
				e.Mode = 0o755
			}
			m[p] = e
		}
	}
	if !treetest.Equal(t, "render against "+dir, got, want) {
		t.Log("if the change is intended: go test ./generator -update, then review git diff golden/")
	}
}
