package generator_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// scaleTree is a directory-tree template of n text files of 20 lines, each
// line using an answer, as ../shared/bench/upgrade-scale.sh makes it:
// release 2.0.0 changes line 3 of every tenth file, deletes every
// hundredth (i%100 == 1) and adds n/100+1 files.
func scaleTree(n int, version string) fstest.MapFS {
	fsys := fstest.MapFS{generator.ConfigFile: {Data: []byte("name: scale\nversion: " + version + "\nquestions:\n  - name: name\n    default: svc\n")}}
	v2 := version == "2.0.0"
	for i := range n {
		if v2 && i%100 == 1 {
			continue
		}
		var b strings.Builder
		for l := 1; l <= 20; l++ {
			if v2 && i%10 == 0 && l == 3 {
				fmt.Fprintf(&b, "line 3 of %d for {{ .name }}, changed in 2.0.0\n", i)
			} else {
				fmt.Fprintf(&b, "line %d of %d for {{ .name }}\n", l, i)
			}
		}
		fsys[fmt.Sprintf("d%d/f%d.txt.tmpl", i%50, i)] = &fstest.MapFile{Data: []byte(b.String()), Mode: 0o644}
	}
	if v2 {
		for i := range n/100 + 1 {
			fsys[fmt.Sprintf("d0/new%d.txt.tmpl", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("new %d for {{ .name }}\n", i)), Mode: 0o644}
		}
	}
	return fsys
}

// BenchmarkUpgradeScale is one project's upgrade of the scale template at
// N files, as the CLI runs it short of git: load the new release against
// the tree the project was made from, plan (the base rendered only where
// a merge needs it) and apply, onto a fresh copy of the project whose team
// edited line 15 of every tenth file (i%10 == 5). The pristine record is
// the project's first render, so no answer was edited since, and git's
// index of the clean work tree gives the files' blob ids. Compare with
// git merge of the same trees: ../shared/bench/upgrade-scale.sh, or
// docs/upgrade-scale.sh for both side by side.
func BenchmarkUpgradeScale(b *testing.B) {
	for _, n := range []int{50, 1000, 5000} {
		b.Run(fmt.Sprint("files=", n), func(b *testing.B) {
			// On disk, as the CLI reads trees and writes projects
			// (afero's MemMapFs renames in time linear in its size).
			v1fs, v2fs := onDisk(b, scaleTree(n, "1.0.0")), onDisk(b, scaleTree(n, "2.0.0"))
			v1, err := generator.Load(v1fs, "scale")
			if err != nil {
				b.Fatal(err)
			}
			made := afero.NewMemMapFs()
			upgGenerate(b, made, "/svc", v1, nil)
			manifest, err := afero.ReadFile(made, "/svc/"+generator.ManifestFile)
			if err != nil {
				b.Fatal(err)
			}
			for i := 5; i < n; i += 10 {
				name := fmt.Sprintf("/svc/d%d/f%d.txt", i%50, i)
				data, err := afero.ReadFile(made, name)
				if err != nil {
					b.Fatal(err)
				}
				lines := strings.SplitAfter(string(data), "\n")
				lines[14] = "line 15 edited by the team\n"
				upgWrite(b, made, name, strings.Join(lines, ""), 0o644)
			}
			project := treetest.Files(treetest.Snapshot(b, made, "/svc"))
			committed := map[string]generator.Committed{} // git's index of the clean work tree
			for rel, e := range project {
				committed[rel] = generator.Committed{ID: generator.BlobID([]byte(e.Data)), Mode: e.Mode}
			}
			osfs := afero.NewOsFs()
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				dir := filepath.Join(b.TempDir(), "svc")
				for rel, e := range project {
					upgWrite(b, osfs, filepath.Join(dir, filepath.FromSlash(rel)), e.Data, e.Mode)
				}
				b.StartTimer()
				old := upgManifest(b, osfs, dir)
				theirs, err := generator.LoadAgainst(v2fs, "scale", v1fs)
				if err != nil {
					b.Fatal(err)
				}
				base := generator.RenderedBase("scale 1.0.0", func() (*generator.Template, error) {
					return generator.LoadDeferred(v1fs, "scale")
				}, old)
				u, err := generator.Upgrade(context.Background(), generator.UpgradeRequest{
					Project: osfs, Dir: dir, Old: old, Theirs: theirs, Bases: []generator.BaseSource{base}, Pristine: manifest, Committed: committed,
				})
				if err != nil {
					b.Fatal(err)
				}
				if err := u.Plan.Apply(context.Background(), osfs, dir); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// onDisk writes a template tree to a directory, and returns it.
func onDisk(b *testing.B, tree fstest.MapFS) fs.FS {
	dir := b.TempDir()
	for name, f := range tree {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return os.DirFS(dir)
}

// TestUpgradeDeferredAsFull: an upgrade that renders only what the
// release changed (the new release loaded against the old, the pristine
// answers the recorded ones) writes exactly what one rendering everything
// writes, and records the same answers file.
func TestUpgradeDeferredAsFull(t *testing.T) {
	const n = 300
	v1fs, v2fs := scaleTree(n, "1.0.0"), scaleTree(n, "2.0.0")
	v1, err := generator.Load(v1fs, "scale")
	if err != nil {
		t.Fatal(err)
	}
	made := afero.NewMemMapFs()
	upgGenerate(t, made, "/svc", v1, nil)
	manifest, err := afero.ReadFile(made, "/svc/"+generator.ManifestFile)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i += 5 { // edits on lines the release changes, and on others
		name := fmt.Sprintf("/svc/d%d/f%d.txt", i%50, i)
		data, err := afero.ReadFile(made, name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(data), "\n")
		lines[2+(i%10)] = "edited by the team\n"
		upgWrite(t, made, name, strings.Join(lines, ""), 0o644)
	}
	project := treetest.Files(treetest.Snapshot(t, made, "/svc"))
	upgrade := func(deferred bool) (map[string]treetest.Entry, *generator.Upgraded) {
		fsys := afero.NewMemMapFs()
		for rel, e := range project {
			upgWrite(t, fsys, filepath.Join("/svc", filepath.FromSlash(rel)), e.Data, e.Mode)
		}
		old := upgManifest(t, fsys, "/svc")
		load, loadBase, pristine := generator.Load, generator.Load, []byte(nil)
		var theirs *generator.Template
		var committed map[string]generator.Committed // as git's index of a clean work tree says
		if deferred {
			theirs, err = generator.LoadAgainst(v2fs, "scale", v1fs)
			loadBase, pristine = generator.LoadDeferred, manifest
			committed = map[string]generator.Committed{}
			for rel, e := range project {
				committed[rel] = generator.Committed{ID: generator.BlobID([]byte(e.Data)), Mode: e.Mode}
			}
		} else {
			theirs, err = load(v2fs, "scale")
		}
		if err != nil {
			t.Fatal(err)
		}
		base := generator.RenderedBase("scale 1.0.0", func() (*generator.Template, error) { return loadBase(v1fs, "scale") }, old)
		u, err := generator.Upgrade(context.Background(), generator.UpgradeRequest{
			Project: fsys, Dir: "/svc", Old: old, Theirs: theirs, Bases: []generator.BaseSource{base}, Pristine: pristine, Committed: committed,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := u.Plan.Apply(context.Background(), fsys, "/svc"); err != nil {
			t.Fatal(err)
		}
		return treetest.Files(treetest.Snapshot(t, fsys, "/svc")), u
	}
	full, fu := upgrade(false)
	got, du := upgrade(true)
	unrendered := 0
	for _, f := range du.Theirs.Files {
		if f.Data == nil && f.Digest != "" {
			unrendered++
		}
	}
	if unrendered < n/2 {
		t.Errorf("%d of %d files known without a render, want most", unrendered, len(du.Theirs.Files))
	}
	for _, f := range fu.Theirs.Files {
		if f.Data == nil && f.Digest != "" {
			t.Fatalf("the full upgrade left %s unrendered", f.Path)
		}
	}
	for p, e := range full {
		if g, ok := got[p]; !ok || g.Data != e.Data || g.Mode != e.Mode {
			t.Errorf("%s: deferred upgrade wrote %q (%v), full %q (%v)", p, g.Data, g.Mode, e.Data, e.Mode)
		}
	}
	for p := range got {
		if _, ok := full[p]; !ok {
			t.Errorf("%s: written only by the deferred upgrade", p)
		}
	}
	// The theirs render both record, file by file.
	if err := du.Render(context.Background(), mustLoad(t, v2fs), nil); err != nil {
		t.Fatal(err)
	}
	for i, f := range fu.Theirs.Files {
		if g := du.Theirs.Files[i]; g.Path != f.Path || string(g.Data) != string(f.Data) || g.Mode != f.Mode {
			t.Errorf("theirs %s differs once rendered: %q, want %q", f.Path, g.Data, f.Data)
		}
	}
}

// TestLoadAgainstDefers: a file unchanged since the base is known by its
// digest only where nothing else can change its render: the same
// questions, verbatim, conditions and exclude, no define anywhere, the
// recorded answers, and a pristine record whose answers are those.
func TestLoadAgainstDefers(t *testing.T) {
	const config = "name: demo\nversion: %s\nquestions:\n  - name: name\n    default: svc\n"
	tree := func(version, questions string, extra map[string]string) fstest.MapFS {
		fsys := fstest.MapFS{
			generator.ConfigFile: {Data: []byte(fmt.Sprintf(config, version) + questions)},
			"same.txt":           {Data: []byte("same for {{ .name }}\n")},
			"changed.txt":        {Data: []byte("changed in " + version + " for {{ .name }}\n")},
		}
		for p, data := range extra {
			fsys[p] = &fstest.MapFile{Data: []byte(data)}
		}
		return fsys
	}
	tests := []struct {
		name      string
		v2extra   map[string]string
		v2config  string
		questions string // more questions, in both releases
		set       map[string]string
		pristine  func(manifest []byte) []byte
		want      bool // same.txt known by digest only
	}{
		{name: "unchanged file", want: true},
		{name: "a define in the release", v2extra: map[string]string{"defs.txt": `{{ define "x" }}x{{ end }}`}},
		{name: "another question", v2config: "name: demo\nversion: 2.0.0\nquestions:\n  - name: name\n    default: svc\n  - name: other\n    default: o\n"},
		{name: "an answer set", set: map[string]string{"name": "api"}},
		{name: "no pristine record", pristine: func([]byte) []byte { return nil }},
		{name: "a secret question in both", questions: "  - name: token\n    secret: true\n    env: DEMO_TOKEN\n    default: t\n"},
		{name: "an answer edited by hand since", pristine: func(m []byte) []byte {
			return bytes.Replace(m, []byte("name: svc"), []byte("name: was"), 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v1fs, v2fs := tree("1.0.0", tt.questions, nil), tree("2.0.0", tt.questions, tt.v2extra)
			if tt.v2config != "" {
				v2fs[generator.ConfigFile] = &fstest.MapFile{Data: []byte(tt.v2config)}
			}
			fsys := afero.NewMemMapFs()
			upgGenerate(t, fsys, "/svc", mustLoad(t, v1fs), nil)
			manifest, err := afero.ReadFile(fsys, "/svc/"+generator.ManifestFile)
			if err != nil {
				t.Fatal(err)
			}
			pristine := manifest
			if tt.pristine != nil {
				pristine = tt.pristine(manifest)
			}
			theirs, err := generator.LoadAgainst(v2fs, source, v1fs)
			if err != nil {
				t.Fatal(err)
			}
			old := upgManifest(t, fsys, "/svc")
			u, err := generator.Upgrade(context.Background(), generator.UpgradeRequest{
				Project: fsys, Dir: "/svc", Old: old, Theirs: theirs, Set: tt.set, Pristine: pristine,
				Bases: []generator.BaseSource{generator.RenderedBase("v1", func() (*generator.Template, error) { return generator.LoadDeferred(v1fs, source) }, old)},
			})
			if err != nil {
				t.Fatal(err)
			}
			f, ok := u.Theirs.File("same.txt")
			if known := ok && f.Data == nil && f.Digest != ""; known != tt.want {
				t.Errorf("same.txt known by digest only: %v, want %v", known, tt.want)
			}
			if err := u.Plan.Apply(context.Background(), fsys, "/svc"); err != nil {
				t.Fatal(err)
			}
			want := "same for svc\n"
			if tt.set != nil {
				want = "same for api\n"
			}
			if got, _ := afero.ReadFile(fsys, "/svc/same.txt"); string(got) != want {
				t.Errorf("same.txt = %q, want %q", got, want)
			}
		})
	}
}

// TestLoadDeferredDefines: a base whose files call a template another
// file defines renders as Load's would, though loaded deferred.
func TestLoadDeferredDefines(t *testing.T) {
	fsys := fstest.MapFS{
		generator.ConfigFile: {Data: []byte("name: demo\nversion: 1.0.0\nquestions:\n  - name: name\n    default: svc\n")},
		"defs.txt":           {Data: []byte(`{{ define "greet" }}hello {{ .name }}{{ end }}defs`)},
		"use.txt":            {Data: []byte(`{{ template "greet" . }}!`)},
	}
	want := mustRender(t, mustLoad(t, fsys), nil)
	tmpl, err := generator.LoadDeferred(fsys, source)
	if err != nil {
		t.Fatal(err)
	}
	got := mustRender(t, tmpl, nil)
	for _, f := range want.Files {
		if g, ok := got.File(f.Path); !ok || string(g.Data) != string(f.Data) {
			t.Errorf("%s = %q, want %q", f.Path, g.Data, f.Data)
		}
	}
}
