package generator_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
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
}

func TestGolden(t *testing.T) {
	for _, gs := range goldenSets {
		t.Run(gs.name, func(t *testing.T) {
			tree := gentest.Render(t, "service", gs.set)
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

// compareTree reports every missing, unexpected and differing file of dir
// against tree, execute bits included.
func compareTree(t *testing.T, dir string, tree *generator.Tree) {
	t.Helper()
	want := map[string]generator.File{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		want[filepath.ToSlash(rel)] = generator.File{Data: data, Mode: info.Mode().Perm()}
		return nil
	})
	if err != nil {
		t.Fatalf("read golden tree (run go test ./generator -update to create it): %v", err)
	}
	for _, got := range tree.Files {
		w, ok := want[got.Path]
		delete(want, got.Path)
		switch {
		case !ok:
			t.Errorf("unexpected file %s (not in %s)", got.Path, dir)
		case !bytes.Equal(w.Data, got.Data):
			t.Errorf("%s differs from %s:\n%s", got.Path, dir, firstDifference(w.Data, got.Data))
		case (w.Mode&0o111 != 0) != (got.Mode&0o111 != 0):
			t.Errorf("%s: mode %v, golden has %v", got.Path, got.Mode, w.Mode)
		}
	}
	missing := make([]string, 0, len(want))
	for p := range want {
		missing = append(missing, p)
	}
	slices.Sort(missing)
	for _, p := range missing {
		t.Errorf("missing file %s (in %s, not rendered)", p, dir)
	}
	if t.Failed() {
		t.Log("if the change is intended: go test ./generator -update, then review git diff golden/")
	}
}

func firstDifference(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("  line %d\n  golden: %q\n  render: %q", i+1, w, g)
		}
	}
	return "  (same lines, different line endings)"
}
