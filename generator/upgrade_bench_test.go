package generator_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
	"github.com/gomicro/gomicro/templates"
)

// upgBenchProject is a project generated from the default template with its
// defaults, with two files edited by the team: README.md on its first line
// (the template changes it further down: a clean merge) and main.go (the
// template leaves it: kept).
type upgBenchProject struct {
	fsys afero.Fs
	dir  string
	old  *generator.Manifest
}

// upgBenchSet is the answer the upgrade changes, so that theirs differs
// from the base in README.md and scripts/upload.sh.
var upgBenchSet = map[string]string{"s3_region": "eu-west-1"}

func upgBenchGenerate(b *testing.B, tmpl *generator.Template, fsys afero.Fs, dir string) upgBenchProject {
	b.Helper()
	upgGenerate(b, fsys, dir, tmpl, nil)
	edit := func(p string, edit func([]byte) []byte) {
		name := filepath.Join(dir, p)
		data, err := afero.ReadFile(fsys, name)
		if err != nil {
			b.Fatal(err)
		}
		if err := afero.WriteFile(fsys, name, edit(data), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	edit("README.md", func(d []byte) []byte {
		return bytes.Replace(d, []byte("# oddjob\n"), []byte("# oddjob\n\nOwned by the payments team.\n"), 1)
	})
	edit("main.go", func(d []byte) []byte { return append([]byte("// Edited by the team.\n"), d...) })
	return upgBenchProject{fsys, dir, upgManifest(b, fsys, dir)}
}

// upgBenchPlan is one upgrade up to the plan: the base rendered from the
// template and the recorded answers, theirs with the changed answer, the
// plan and its diff.
func upgBenchPlan(b *testing.B, tmpl *generator.Template, p upgBenchProject) (*generator.Plan, string) {
	plan := upgPrepare(b, p.old, tmpl, tmpl, upgBenchSet).plan(b, p.fsys, p.dir).plan
	return plan, plan.Diff()
}

// upgBenchCheck fails the benchmark unless the plan does real work: a merge,
// a kept edit, an update.
func upgBenchCheck(b *testing.B, plan *generator.Plan, diff string) {
	b.Helper()
	want := map[string]generator.Action{
		"README.md":         generator.Merge,
		"main.go":           generator.KeepOurs,
		"scripts/upload.sh": generator.Take,
	}
	for _, c := range plan.Changes {
		w, ok := want[c.Path]
		if !ok {
			w = generator.Unchanged
		}
		if c.Action != w {
			b.Fatalf("%s: %v, want %v", c.Path, c.Action, w)
		}
	}
	if !plan.Behind() || diff == "" {
		b.Fatal("the upgrade has nothing to do")
	}
}

// BenchmarkUpgrade is gomicro upgrade of one project generated from the
// default template, without the CLI and git: render the base and theirs,
// read the project, decide and merge every file, and print the diff
// (--dry-run). The target is under 5 ms per project.
func BenchmarkUpgrade(b *testing.B) {
	tmpl := gentest.Load(b, "service")
	for _, bc := range []struct {
		name string
		fs   func(b *testing.B) (afero.Fs, string)
	}{
		{"memfs", func(*testing.B) (afero.Fs, string) { return afero.NewMemMapFs(), "/svc" }},
		{"osfs", func(b *testing.B) (afero.Fs, string) { return afero.NewOsFs(), filepath.Join(b.TempDir(), "svc") }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			fsys, dir := bc.fs(b)
			p := upgBenchGenerate(b, tmpl, fsys, dir)
			plan, diff := upgBenchPlan(b, tmpl, p)
			upgBenchCheck(b, plan, diff)
			b.ReportAllocs()
			for b.Loop() {
				upgBenchPlan(b, tmpl, p)
			}
		})
	}

	// The whole of it as the CLI does it: load the template (twice: the
	// snapshot for the base, the current one for theirs), plan, and apply
	// onto a fresh copy of the project in memory.
	b.Run("memfs+load+apply", func(b *testing.B) {
		src, err := templates.Lookup("service")
		if err != nil {
			b.Fatal(err)
		}
		p := upgBenchGenerate(b, tmpl, afero.NewMemMapFs(), "/svc")
		pristine := treetest.Files(treetest.Snapshot(b, p.fsys, p.dir))
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			fsys := afero.NewMemMapFs()
			for rel, e := range pristine {
				upgWrite(b, fsys, filepath.Join(p.dir, filepath.FromSlash(rel)), e.Data, e.Mode)
			}
			q := p
			q.fsys = fsys
			b.StartTimer()
			base, err := generator.Load(src, "embedded:service")
			if err != nil {
				b.Fatal(err)
			}
			current, err := generator.Load(src, "embedded:service")
			if err != nil {
				b.Fatal(err)
			}
			u := upgPrepare(b, q.old, base, current, upgBenchSet).plan(b, q.fsys, q.dir)
			if err := u.plan.Apply(context.Background(), q.fsys, q.dir); err != nil {
				b.Fatal(err)
			}
		}
	})
}
