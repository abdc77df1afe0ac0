package generator_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/rootfs"
	"github.com/gomicro/gomicro/internal/testkit/gittest"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// The helpers of this file are prefixed upg: other test files of the
// package define generic names of their own.

// upgFile is one file of a hand-made template version.
type upgFile struct {
	data string
	mode fs.FileMode // 0: 0o644
}

// upgConfig is the template.yaml of the hand-made templates: one question
// the files use and one no file uses (to change only the answers).
const upgConfig = `name: demo
version: %s
questions:
  - name: name
    default: oddjob
  - name: unused
    default: a
`

// upgTemplate loads a template version made of files.
func upgTemplate(t testing.TB, version string, files map[string]upgFile) *generator.Template {
	t.Helper()
	fsys := fstest.MapFS{generator.ConfigFile: {Data: fmt.Appendf(nil, upgConfig, version), Mode: 0o644}}
	for p, f := range files {
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		fsys[p] = &fstest.MapFile{Data: []byte(f.data), Mode: mode}
	}
	tmpl, err := generator.Load(fsys, "dir:demo")
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// upgGenerate renders tmpl with set and writes it at dir, as gomicro new.
func upgGenerate(t testing.TB, fsys afero.Fs, dir string, tmpl *generator.Template, set map[string]string) *generator.Tree {
	t.Helper()
	answers, err := tmpl.Resolve(context.Background(), set, nil)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := generator.Render(context.Background(), tmpl, answers)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := generator.Write(context.Background(), fsys, dir, tree, generator.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return tree
}

// The upgrade chain, written once for every test of it: upgGenerate makes
// the project as gomicro new does; the team changes it (upgTeam, or a test's
// own edits); upgManifest reads what the project records; upgPrepare renders
// the base and theirs from it; plan decides every file, as gomicro upgrade
// does before it applies. upgPlan is the last three in one; a test applies
// the plan itself, with the context and file system it is about.

// upgManifest reads the .gomicro.yml of the project at dir.
func upgManifest(t testing.TB, fsys afero.Fs, dir string) *generator.Manifest {
	t.Helper()
	data, err := afero.ReadFile(fsys, filepath.Join(dir, generator.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	old, err := generator.ReadManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	return old
}

// upgInputs is what an upgrade plans from: the project's manifest, the base
// (nil: none recovered) and theirs. A test may change any of them (a
// tampered base, a hand-edited manifest) before it plans.
type upgInputs struct {
	old    *generator.Manifest
	base   map[string]generator.File
	theirs *generator.Tree
	label  string // names theirs in conflict markers
}

// upgPrepare renders the base from the template version base (nil: no
// base) with old's answers, and theirs from theirs with old's answers and
// set.
func upgPrepare(t testing.TB, old *generator.Manifest, base, theirs *generator.Template, set map[string]string) upgInputs {
	t.Helper()
	in := upgInputs{old: old, label: upgLabel(theirs)}
	var err error
	if base != nil {
		if in.base, err = generator.BaseFiles(base, old.Answers, nil); err != nil {
			t.Fatal(err)
		}
	}
	answers, err := theirs.ResolveUpgrade(context.Background(), old.Answers, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	if in.theirs, err = generator.Render(context.Background(), theirs, answers); err != nil {
		t.Fatal(err)
	}
	return in
}

// upgUpgrade is one planned upgrade.
type upgUpgrade struct {
	plan   *generator.Plan
	theirs *generator.Tree
	old    *generator.Manifest
}

// plan plans the upgrade of the project at dir from in.
func (in upgInputs) plan(t testing.TB, fsys afero.Fs, dir string) upgUpgrade {
	t.Helper()
	plan, err := generator.PlanUpgrade(fsys, dir, in.old, in.base, in.theirs, in.label)
	if err != nil {
		t.Fatal(err)
	}
	return upgUpgrade{plan: plan, theirs: in.theirs, old: in.old}
}

// upgPlan plans the upgrade of the project at dir to the template theirs,
// with the base rendered from base (nil: no base recovered).
func upgPlan(t testing.TB, fsys afero.Fs, dir string, base, theirs *generator.Template, set map[string]string) upgUpgrade {
	t.Helper()
	return upgPrepare(t, upgManifest(t, fsys, dir), base, theirs, set).plan(t, fsys, dir)
}

// upgPlanCommitted is upgPlan for a project git holds with nothing
// uncommitted: every file at dir is in the index as it is.
func upgPlanCommitted(t testing.TB, fsys afero.Fs, dir string, base, theirs *generator.Template) upgUpgrade {
	t.Helper()
	in := upgPrepare(t, upgManifest(t, fsys, dir), base, theirs, nil)
	committed := map[string]generator.Committed{}
	err := afero.Walk(fsys, dir, func(name string, info fs.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		data, err := afero.ReadFile(fsys, name)
		rel, _ := filepath.Rel(dir, name)
		committed[filepath.ToSlash(rel)] = generator.Committed{ID: generator.BlobID(data), Mode: info.Mode().Perm()}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := generator.PlanUpgradeCommitted(fsys, dir, in.old, in.base, in.theirs, in.label, committed)
	if err != nil {
		t.Fatal(err)
	}
	return upgUpgrade{plan: plan, theirs: in.theirs, old: in.old}
}

func upgLabel(tmpl *generator.Template) string { return "gomicro " + tmpl.Name + "@" + tmpl.Version }

func upgWrite(t testing.TB, fsys afero.Fs, name, data string, mode fs.FileMode) {
	t.Helper()
	if err := fsys.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := afero.WriteFile(fsys, name, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := fsys.Chmod(name, mode); err != nil {
		t.Fatal(err)
	}
}

func upgChange(t testing.TB, plan *generator.Plan, p string) generator.FileChange {
	t.Helper()
	for _, c := range plan.Changes {
		if c.Path == p {
			return c
		}
	}
	t.Fatalf("no change planned for %s", p)
	return generator.FileChange{}
}

// upgRow is one row of the decision table: the file in the template before
// (v1) and after (v2), what the team did to it, and the outcome.
type upgRow struct {
	name      string
	path      string
	v1, v2    *upgFile              // nil: not in that version
	ours      func(name string) any // string: new content; nil: delete; fs.FileMode: chmod
	keep      bool                  // ours untouched
	action    generator.Action
	want      *treetest.Entry // after Apply; nil: absent
	chmod     fs.FileMode     // after ours: the team's chmod
	sidecar   *treetest.Entry // FILE.gomicro-new after Apply
	noSidecar bool
}

func upgF(data string) *upgFile { return &upgFile{data: data} }
func upgX(data string) *upgFile { return &upgFile{data: data, mode: 0o755} }
func upgE(data string, mode fs.FileMode) *treetest.Entry {
	return &treetest.Entry{Kind: treetest.File, Mode: mode, Data: data}
}
func upgContent(s string) func(string) any    { return func(string) any { return s } }
func upgDeleted(string) any                   { return nil }
func upgChmod(m fs.FileMode) func(string) any { return func(string) any { return m } }

const (
	upgMergeBase   = "one\ntwo\nthree\nfour\nfive\nsix\n"
	upgMergeOurs   = "one (team)\ntwo\nthree\nfour\nfive\nsix\n"
	upgMergeTheirs = "one\ntwo\nthree\nfour\nfive\nsix (template)\n"
	upgMergeWant   = "one (team)\ntwo\nthree\nfour\nfive\nsix (template)\n"

	upgClashBase   = "alpha\nbeta\ngamma\n"
	upgClashOurs   = "alpha\nbeta (team)\ngamma\n"
	upgClashTheirs = "alpha\nbeta (template {{ .name }})\ngamma\n"
	upgClashWant   = "alpha\n<<<<<<< ours\nbeta (team)\n||||||| base\nbeta\n=======\nbeta (template oddjob)\n>>>>>>> gomicro demo@2.0.0\ngamma\n"
)

// upgRows is the decision table of docs/upgrade.md, one file
// per row, all in one project so that they also run together.
var upgRows = []upgRow{
	{name: "both same", path: "same.txt", v1: upgF("same {{ .name }}\n"), v2: upgF("same {{ .name }}\n"), keep: true,
		action: generator.Unchanged, want: upgE("same oddjob\n", 0o644)},
	{name: "ours same, theirs changed", path: "take.txt", v1: upgF("take 1 {{ .name }}\n"), v2: upgF("take 2 {{ .name }}\n"), keep: true,
		action: generator.Take, want: upgE("take 2 oddjob\n", 0o644)},
	{name: "ours same, theirs removed", path: "delete.txt", v1: upgF("delete me\n"), keep: true,
		action: generator.Delete},
	{name: "ours same, theirs removed, in a directory", path: "old/dir/delete.txt", v1: upgF("delete me\n"), keep: true,
		action: generator.Delete},
	{name: "ours changed, theirs same", path: "keepours.txt", v1: upgF("keep\n"), v2: upgF("keep\n"), ours: upgContent("keep (team)\n"),
		action: generator.KeepOurs, want: upgE("keep (team)\n", 0o644)},
	{name: "both changed, other lines", path: "merge.txt", v1: upgF(upgMergeBase), v2: upgF(upgMergeTheirs), ours: upgContent(upgMergeOurs),
		action: generator.Merge, want: upgE(upgMergeWant, 0o644)},
	{name: "both changed, same lines", path: "conflict.txt", v1: upgF(upgClashBase), v2: upgF(upgClashTheirs), ours: upgContent(upgClashOurs),
		action: generator.Conflict, want: upgE(upgClashWant, 0o644)},
	{name: "ours deleted, theirs changed", path: "gone-changed.txt", v1: upgF("gone 1\n"), v2: upgF("gone 2\n"), ours: upgDeleted,
		action: generator.KeepDeleted},
	{name: "ours deleted, theirs same", path: "gone-same.txt", v1: upgF("gone\n"), v2: upgF("gone\n"), ours: upgDeleted,
		action: generator.KeepDeleted},
	{name: "ours deleted, theirs removed", path: "gone-removed.txt", v1: upgF("gone\n"), ours: upgDeleted,
		action: generator.Unchanged},
	{name: "both added, differently", path: "added-both.txt", v2: upgF("added by the template\n"), ours: upgContent("added by the team\n"),
		action: generator.Conflict,
		want:   upgE("<<<<<<< ours\nadded by the team\n||||||| base\n=======\nadded by the template\n>>>>>>> gomicro demo@2.0.0\n", 0o644)},
	{name: "both added, identically", path: "added-same.txt", v2: upgF("added {{ .name }}\n"), ours: upgContent("added oddjob\n"),
		action: generator.Unchanged, want: upgE("added oddjob\n", 0o644)},
	{name: "new in theirs", path: "create.txt", v2: upgF("created {{ .name }}\n"),
		action: generator.Create, want: upgE("created oddjob\n", 0o644)},
	{name: "new in theirs, new directory", path: "new/dir/create.sh", v2: upgF("#!/bin/sh\necho new\n"),
		action: generator.Create, want: upgE("#!/bin/sh\necho new\n", 0o755)},
	{name: "ours changed, theirs removed", path: "keepedited.txt", v1: upgF("edit me\n"), ours: upgContent("edited\n"),
		action: generator.KeepEdited, want: upgE("edited\n", 0o644)},
	{name: "both made the same change", path: "samechange.txt", v1: upgF("v1\n"), v2: upgF("v2\n"), ours: upgContent("v2\n"),
		action: generator.Unchanged, want: upgE("v2\n", 0o644)},

	// Execute bits follow the template unless the team changed them.
	{name: "template makes a script executable", path: "scripts/exec.sh", v1: upgF("echo exec\n"), v2: upgX("echo exec\n"), keep: true,
		action: generator.Take, want: upgE("echo exec\n", 0o755)},
	{name: "template makes a script executable with a #! line", path: "scripts/shebang.sh", v1: upgF("echo hi\n"), v2: upgF("#!/bin/sh\necho hi\n"), keep: true,
		action: generator.Take, want: upgE("#!/bin/sh\necho hi\n", 0o755)},
	{name: "template makes a script executable, team edited it", path: "scripts/edited.sh", v1: upgF("echo a\n"), v2: upgX("echo a\n"), ours: upgContent("echo a (team)\n"),
		action: generator.KeepOurs, want: upgE("echo a (team)\n", 0o755)},
	{name: "template drops the execute bit", path: "scripts/noexec.sh", v1: upgX("echo x\n"), v2: upgF("echo x\n"), keep: true,
		action: generator.Take, want: upgE("echo x\n", 0o644)},
	{name: "team made it executable, template changed it", path: "scripts/team.sh", v1: upgF("echo 1\n"), v2: upgF("echo 2\n"), ours: upgChmod(0o755),
		action: generator.Take, want: upgE("echo 2\n", 0o755)},
	{name: "team made it executable, template did not change it", path: "scripts/team-same.sh", v1: upgF("echo 1\n"), v2: upgF("echo 1\n"), ours: upgChmod(0o755),
		action: generator.Unchanged, want: upgE("echo 1\n", 0o755)},
	{name: "team dropped the execute bit, template changed it", path: "scripts/team-noexec.sh", v1: upgX("echo 1\n"), v2: upgX("echo 2\n"), ours: upgChmod(0o644),
		action: generator.Take, want: upgE("echo 2\n", 0o644)},
	{name: "team made it executable, both changed it", path: "scripts/team-merge.sh", v1: upgF(upgMergeBase), v2: upgF(upgMergeTheirs), ours: upgContent(upgMergeOurs), chmod: 0o755,
		action: generator.Merge, want: upgE(upgMergeWant, 0o755)},
}

// upgVersions builds template v1 and v2 from rows.
func upgVersions(t testing.TB, rows []upgRow) (v1, v2 *generator.Template) {
	t.Helper()
	f1, f2 := map[string]upgFile{}, map[string]upgFile{}
	for _, r := range rows {
		if r.v1 != nil {
			f1[r.path] = *r.v1
		}
		if r.v2 != nil {
			f2[r.path] = *r.v2
		}
	}
	return upgTemplate(t, "1.0.0", f1), upgTemplate(t, "2.0.0", f2)
}

// upgPlanRows lays rows out in a project svc on a new MemMapFs, as the team
// left it after generating v1, and plans its upgrade to v2.
func upgPlanRows(t testing.TB, rows []upgRow) (afero.Fs, upgUpgrade) {
	t.Helper()
	v1, v2 := upgVersions(t, rows)
	fsys := afero.NewMemMapFs()
	upgTeam(t, fsys, "svc", v1, rows)
	return fsys, upgPlan(t, fsys, "svc", v1, v2, nil)
}

// upgTeam generates v1 at dir and makes the team's changes of rows.
func upgTeam(t testing.TB, fsys afero.Fs, dir string, v1 *generator.Template, rows []upgRow) {
	t.Helper()
	upgGenerate(t, fsys, dir, v1, nil)
	for _, r := range rows {
		if r.keep || r.ours == nil {
			continue
		}
		name := filepath.Join(dir, filepath.FromSlash(r.path))
		switch v := r.ours(name).(type) {
		case nil:
			if err := fsys.Remove(name); err != nil {
				t.Fatal(err)
			}
		case string:
			mode := fs.FileMode(0o644)
			if info, err := fsys.Stat(name); err == nil {
				mode = info.Mode().Perm()
			}
			upgWrite(t, fsys, name, v, mode)
		case fs.FileMode:
			if err := fsys.Chmod(name, v); err != nil {
				t.Fatal(err)
			}
		}
		if r.chmod != 0 {
			if err := fsys.Chmod(name, r.chmod); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestUpgradeDecisionTable(t *testing.T) {
	rows := upgRows
	v1, v2 := upgVersions(t, rows)
	fsys := afero.NewMemMapFs()
	dir := "/work/svc"
	upgTeam(t, fsys, dir, v1, rows)

	before := treetest.Snapshot(t, fsys, dir)
	u := upgPlan(t, fsys, dir, v1, v2, nil)
	treetest.Equal(t, "after PlanUpgrade", treetest.Snapshot(t, fsys, dir), before)

	for _, r := range rows {
		t.Run(r.name+"/plan", func(t *testing.T) {
			c := upgChange(t, u.plan, r.path)
			if c.Action != r.action {
				t.Errorf("%s: action %v (%d), want %v (%d)", r.path, c.Action, c.Action, r.action, r.action)
			}
		})
	}
	if len(u.plan.Changes) != len(rows) {
		var got []string
		for _, c := range u.plan.Changes {
			got = append(got, c.Path)
		}
		t.Errorf("plan has %d changes %v, want one per row (%d)", len(u.plan.Changes), got, len(rows))
	}
	if !u.plan.Behind() {
		t.Error("Behind() = false, want true")
	}
	wantConflicts := []string{"added-both.txt", "conflict.txt"}
	if got := u.plan.Conflicts(); !slices.Equal(got, wantConflicts) {
		t.Errorf("Conflicts() = %q, want %q", got, wantConflicts)
	}

	if err := u.plan.Apply(context.Background(), fsys, dir); err != nil {
		t.Fatal(err)
	}
	after := treetest.Snapshot(t, fsys, dir)
	for _, r := range rows {
		t.Run(r.name+"/apply", func(t *testing.T) {
			got, ok := after[r.path]
			switch {
			case r.want == nil && ok:
				t.Errorf("%s exists after the upgrade (%q), want it absent", r.path, got.Data)
			case r.want == nil:
			case !ok:
				t.Errorf("%s is absent after the upgrade, want %q", r.path, r.want.Data)
			case got.Data != r.want.Data:
				t.Errorf("%s = %q, want %q", r.path, got.Data, r.want.Data)
			case got.Mode != r.want.Mode:
				t.Errorf("%s mode %o, want %o", r.path, got.Mode, r.want.Mode)
			}
		})
	}
	for p := range after {
		if strings.Contains(p, ".gomicro-tmp-") || strings.HasSuffix(p, generator.SidecarSuffix) {
			t.Errorf("left behind: %s", p)
		}
	}

	// .gomicro.yml is theirs: the new version, answers and digests.
	want, _ := u.theirs.File(generator.ManifestFile)
	if got := after[generator.ManifestFile].Data; got != string(want.Data) {
		t.Errorf(".gomicro.yml after the upgrade:\n%s\nwant theirs:\n%s", got, want.Data)
	}
	if !bytes.Equal(u.plan.Manifest.Data, want.Data) {
		t.Error("Plan.Manifest is not theirs")
	}
	m, err := generator.ReadManifest([]byte(after[generator.ManifestFile].Data))
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != "2.0.0" {
		t.Errorf("version %s after the upgrade, want 2.0.0", m.Version)
	}
	for _, f := range u.theirs.Files {
		if f.Path != generator.ManifestFile && m.Files[f.Path] != generator.BlobID(f.Data) {
			t.Errorf(".gomicro.yml: %s digest %s, want theirs %s", f.Path, m.Files[f.Path], generator.BlobID(f.Data))
		}
	}
	if len(m.Files) != len(u.theirs.Files)-1 {
		t.Errorf(".gomicro.yml lists %d files, theirs has %d", len(m.Files), len(u.theirs.Files)-1)
	}

	// A second upgrade right after, with theirs as the base, is a no-op.
	again := upgPlan(t, fsys, dir, v2, v2, nil)
	if again.plan.Behind() {
		t.Errorf("second upgrade is behind; diff:\n%s", again.plan.Diff())
	}
	for _, c := range again.plan.Changes {
		switch c.Action {
		case generator.Unchanged, generator.KeepOurs, generator.KeepDeleted:
		default:
			t.Errorf("second upgrade: %s %v", c.Path, c.Action)
		}
	}
	if d := again.plan.Diff(); d != "" {
		t.Errorf("second upgrade diff:\n%s", d)
	}
	if err := again.plan.Apply(context.Background(), fsys, dir); err != nil {
		t.Fatal(err)
	}
	treetest.Equal(t, "after a no-op upgrade", treetest.Snapshot(t, fsys, dir), after)
}

// Each row alone, in its own project: no row depends on another's company.
func TestUpgradeDecisionTableAlone(t *testing.T) {
	for _, r := range upgRows {
		t.Run(r.name, func(t *testing.T) {
			rows := []upgRow{r}
			fsys, u := upgPlanRows(t, rows)
			if c := upgChange(t, u.plan, r.path); c.Action != r.action {
				t.Errorf("action %v, want %v", c.Action, r.action)
			}
			if err := u.plan.Apply(context.Background(), fsys, "svc"); err != nil {
				t.Fatal(err)
			}
			got := treetest.Files(treetest.Snapshot(t, fsys, "svc"))
			want := map[string]treetest.Entry{}
			if r.want != nil {
				want[r.path] = *r.want
			}
			mf, _ := u.theirs.File(generator.ManifestFile)
			want[generator.ManifestFile] = treetest.NewFile(string(mf.Data), 0o644)
			treetest.Equal(t, "after the upgrade", got, want)
		})
	}
}

// Without a base (nothing recovered), only the digests tell the team's edits
// from the template's; an edit the template also changed is never
// overwritten: the new render goes beside it.
func TestUpgradeUnknownBase(t *testing.T) {
	rows := []upgRow{
		{name: "pristine, theirs changed", path: "take.txt", v1: upgF("take 1\n"), v2: upgF("take 2\n"), keep: true,
			action: generator.Take, want: upgE("take 2\n", 0o644), noSidecar: true},
		{name: "pristine, theirs same", path: "same.txt", v1: upgF("same\n"), v2: upgF("same\n"), keep: true,
			action: generator.Unchanged, want: upgE("same\n", 0o644), noSidecar: true},
		{name: "edited, theirs changed", path: "edited.txt", v1: upgF(upgMergeBase), v2: upgF(upgMergeTheirs), ours: upgContent(upgMergeOurs),
			action: generator.Sidecar, want: upgE(upgMergeOurs, 0o644), sidecar: upgE(upgMergeTheirs, 0o644)},
		{name: "edited script, theirs changed", path: "run.sh", v1: upgF("#!/bin/sh\necho 1\n"), v2: upgF("#!/bin/sh\necho 2\n"), ours: upgContent("#!/bin/sh\necho team\n"),
			action: generator.Sidecar, want: upgE("#!/bin/sh\necho team\n", 0o755), sidecar: upgE("#!/bin/sh\necho 2\n", 0o755)},
		{name: "edited, theirs same", path: "keep.txt", v1: upgF("keep\n"), v2: upgF("keep\n"), ours: upgContent("keep (team)\n"),
			action: generator.KeepOurs, want: upgE("keep (team)\n", 0o644), noSidecar: true},
		{name: "edited, theirs removed", path: "keepedited.txt", v1: upgF("x\n"), ours: upgContent("y\n"),
			action: generator.KeepEdited, want: upgE("y\n", 0o644), noSidecar: true},
		{name: "pristine, theirs removed", path: "delete.txt", v1: upgF("x\n"), keep: true,
			action: generator.Delete, noSidecar: true},
		{name: "deleted, theirs changed", path: "gone.txt", v1: upgF("x\n"), v2: upgF("y\n"), ours: upgDeleted,
			action: generator.KeepDeleted, noSidecar: true},
		{name: "both made the same change", path: "samechange.txt", v1: upgF("v1\n"), v2: upgF("v2\n"), ours: upgContent("v2\n"),
			action: generator.Unchanged, want: upgE("v2\n", 0o644), noSidecar: true},
		{name: "both added", path: "added.txt", v2: upgF("theirs\n"), ours: upgContent("ours\n"),
			action: generator.Conflict, want: upgE("<<<<<<< ours\nours\n||||||| base\n=======\ntheirs\n>>>>>>> gomicro demo@2.0.0\n", 0o644), noSidecar: true},
	}
	v1, v2 := upgVersions(t, rows)

	// No base at all (base map nil), and a base whose every file's content
	// disagrees with the manifest's digest: both are "unknown".
	for _, variant := range []string{"nil base", "base not matching the digests"} {
		t.Run(variant, func(t *testing.T) {
			fsys := afero.NewMemMapFs()
			upgTeam(t, fsys, "svc", v1, rows)
			var in upgInputs
			if variant == "nil base" {
				in = upgPrepare(t, upgManifest(t, fsys, "svc"), nil, v2, nil)
			} else {
				in = upgPrepare(t, upgManifest(t, fsys, "svc"), v1, v2, nil)
				for p, f := range in.base {
					f.Data = append(slices.Clone(f.Data), "tampered\n"...)
					in.base[p] = f
				}
			}
			plan, theirs := in.plan(t, fsys, "svc").plan, in.theirs
			for _, r := range rows {
				if c := upgChange(t, plan, r.path); c.Action != r.action {
					t.Errorf("%s (%s): action %v, want %v", r.path, r.name, c.Action, r.action)
				}
			}
			wantConflicts := []string{"added.txt", "edited.txt" + generator.SidecarSuffix, "run.sh" + generator.SidecarSuffix}
			if got := plan.Conflicts(); !slices.Equal(got, wantConflicts) {
				t.Errorf("Conflicts() = %q, want %q", got, wantConflicts)
			}
			d := plan.Diff()
			for _, want := range []string{
				"--- /dev/null\n+++ b/edited.txt.gomicro-new\n",
				"--- /dev/null\n+++ b/run.sh.gomicro-new\n",
				"--- a/take.txt\n+++ b/take.txt\n",
			} {
				if !strings.Contains(d, want) {
					t.Errorf("Diff() lacks %q:\n%s", want, d)
				}
			}
			if strings.Contains(d, "a/edited.txt") {
				t.Errorf("Diff() changes edited.txt itself:\n%s", d)
			}
			if err := plan.Apply(context.Background(), fsys, "svc"); err != nil {
				t.Fatal(err)
			}
			after := treetest.Snapshot(t, fsys, "svc")
			for _, r := range rows {
				got, ok := after[r.path]
				switch {
				case r.want == nil && ok:
					t.Errorf("%s exists after the upgrade", r.path)
				case r.want != nil && (!ok || got != *r.want):
					t.Errorf("%s = %+v (present %v), want %+v", r.path, got, ok, *r.want)
				}
				sc, ok := after[r.path+generator.SidecarSuffix]
				switch {
				case r.sidecar != nil && (!ok || sc != *r.sidecar):
					t.Errorf("%s = %+v (present %v), want %+v", r.path+generator.SidecarSuffix, sc, ok, *r.sidecar)
				case r.noSidecar && ok:
					t.Errorf("%s written", r.path+generator.SidecarSuffix)
				}
			}
			mf, _ := theirs.File(generator.ManifestFile)
			if after[generator.ManifestFile].Data != string(mf.Data) {
				t.Error(".gomicro.yml is not theirs after the upgrade")
			}
		})
	}
}

// A base file recovered with the wrong content (it does not match the digest
// in .gomicro.yml) must not be merged against: it is treated as unknown.
func TestUpgradeBaseDigestMismatch(t *testing.T) {
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{"a.txt": {data: upgMergeBase}, "b.txt": {data: upgMergeBase}})
	v2 := upgTemplate(t, "2.0.0", map[string]upgFile{"a.txt": {data: upgMergeTheirs}, "b.txt": {data: upgMergeTheirs}})
	fsys := afero.NewMemMapFs()
	upgGenerate(t, fsys, "svc", v1, nil)
	upgWrite(t, fsys, "svc/a.txt", upgMergeOurs, 0o644)
	upgWrite(t, fsys, "svc/b.txt", upgMergeOurs, 0o644)
	in := upgPrepare(t, upgManifest(t, fsys, "svc"), v1, v2, nil)
	// A wrong base that would merge cleanly into something wrong.
	bad := in.base["b.txt"]
	bad.Data = []byte("one\ntwo\nthree\nfour\nfive\nsix\nseven\n")
	in.base["b.txt"] = bad
	plan := in.plan(t, fsys, "svc").plan
	if c := upgChange(t, plan, "a.txt"); c.Action != generator.Merge || string(c.New) != upgMergeWant {
		t.Errorf("a.txt (base matches): %v %q, want a clean merge", c.Action, c.New)
	}
	if c := upgChange(t, plan, "b.txt"); c.Action != generator.Sidecar {
		t.Errorf("b.txt (base does not match its digest): %v, want %v", c.Action, generator.Sidecar)
	}
}

func TestUpgradeBehind(t *testing.T) {
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{"a.txt": {data: "a {{ .name }}\n"}, "run.sh": {data: "#!/bin/sh\n"}})
	fsys := afero.NewMemMapFs()
	upgGenerate(t, fsys, "svc", v1, nil)
	before := treetest.Snapshot(t, fsys, "svc")

	t.Run("current", func(t *testing.T) {
		u := upgPlan(t, fsys, "svc", v1, v1, nil)
		if u.plan.Behind() {
			t.Errorf("Behind() = true for a current project; diff:\n%s", u.plan.Diff())
		}
		if d := u.plan.Diff(); d != "" {
			t.Errorf("Diff() = %q, want empty", d)
		}
		if c := u.plan.Conflicts(); len(c) != 0 {
			t.Errorf("Conflicts() = %q", c)
		}
	})
	t.Run("current without a base", func(t *testing.T) {
		if u := upgPlan(t, fsys, "svc", nil, v1, nil); u.plan.Behind() {
			t.Errorf("Behind() = true for a current project; diff:\n%s", u.plan.Diff())
		}
	})
	t.Run("only an answer changed", func(t *testing.T) {
		u := upgPlan(t, fsys, "svc", v1, v1, map[string]string{"unused": "b"})
		if !u.plan.Behind() {
			t.Error("Behind() = false, want true: .gomicro.yml records the new answer")
		}
		for _, c := range u.plan.Changes {
			if c.Action != generator.Unchanged {
				t.Errorf("%s: %v, want unchanged", c.Path, c.Action)
			}
		}
		if err := u.plan.Apply(context.Background(), fsys, "svc"); err != nil {
			t.Fatal(err)
		}
		m, err := generator.ReadManifest([]byte(treetest.Snapshot(t, fsys, "svc")[generator.ManifestFile].Data))
		if err != nil {
			t.Fatal(err)
		}
		if m.Answers["unused"] != "b" {
			t.Errorf("answers after the upgrade: %v, want unused: b", m.Answers)
		}
		if u := upgPlan(t, fsys, "svc", v1, v1, nil); u.plan.Behind() {
			t.Error("behind right after the upgrade")
		}
	})
	t.Run("an answer a file uses changed", func(t *testing.T) {
		fsys := afero.NewMemMapFs()
		upgGenerate(t, fsys, "svc", v1, nil)
		u := upgPlan(t, fsys, "svc", v1, v1, map[string]string{"name": "other"})
		if c := upgChange(t, u.plan, "a.txt"); c.Action != generator.Take || string(c.New) != "a other\n" {
			t.Errorf("a.txt: %v %q, want %v %q", c.Action, c.New, generator.Take, "a other\n")
		}
	})
	treetest.Equal(t, "planning", treetest.Files(treetest.Snapshot(t, fsys, "svc")), map[string]treetest.Entry{
		"a.txt": before["a.txt"], "run.sh": before["run.sh"],
		generator.ManifestFile: treetest.Snapshot(t, fsys, "svc")[generator.ManifestFile],
	})
}

// Diff is a unified diff of what Apply would write, and writes nothing.
func TestUpgradeDiff(t *testing.T) {
	rows := upgRows
	v1, v2 := upgVersions(t, rows)
	fsys := afero.NewMemMapFs()
	upgTeam(t, fsys, "svc", v1, rows)
	before := treetest.Snapshot(t, fsys, "svc")
	u := upgPlan(t, fsys, "svc", v1, v2, nil)
	d := u.plan.Diff()
	treetest.Equal(t, "after Diff", treetest.Snapshot(t, fsys, "svc"), before)

	for _, want := range []string{
		"--- a/take.txt\n+++ b/take.txt\n@@ -1 +1 @@\n-take 1 oddjob\n+take 2 oddjob\n",
		"--- a/delete.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-delete me\n",
		"--- /dev/null\n+++ b/create.txt\n@@ -0,0 +1 @@\n+created oddjob\n",
		"--- a/merge.txt\n+++ b/merge.txt\n",
		"--- a/conflict.txt\n+++ b/conflict.txt\n",
		"+<<<<<<< ours\n",
		"--- /dev/null\n+++ b/new/dir/create.sh\n",
		"mode scripts/exec.sh: 644 -> 755\n",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("Diff() lacks %q", want)
		}
	}
	for _, quiet := range []string{"same.txt", "keepours.txt", "keepedited.txt", "gone-changed.txt", "gone-same.txt", "added-same.txt", "samechange.txt"} {
		if strings.Contains(d, " a/"+quiet+"\n") || strings.Contains(d, " b/"+quiet+"\n") {
			t.Errorf("Diff() shows %s, which the upgrade does not change", quiet)
		}
	}
	if t.Failed() {
		t.Logf("Diff():\n%s", d)
	}

	// The diff is the upgrade: git apply makes of ours what Apply makes.
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git to check the diff applies")
	}
	work := t.TempDir()
	for p, e := range treetest.Files(before) {
		name := filepath.Join(work, filepath.FromSlash(p))
		upgWrite(t, afero.NewOsFs(), name, e.Data, e.Mode)
	}
	cmd := exec.Command(git, "apply", "--unsafe-paths", "-p1", "-")
	cmd.Dir = work
	cmd.Stdin = strings.NewReader(d)
	cmd.Env = gittest.Env("HOME=" + t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s\ndiff:\n%s", err, out, d)
	}
	if err := u.plan.Apply(context.Background(), fsys, "svc"); err != nil {
		t.Fatal(err)
	}
	want := treetest.Files(treetest.Snapshot(t, fsys, "svc"))
	delete(want, generator.ManifestFile) // Diff leaves out the answers file
	got := treetest.Files(treetest.Snapshot(t, afero.NewOsFs(), work))
	delete(got, generator.ManifestFile)
	for p, e := range got {
		e.Mode = want[p].Mode // git apply does not read our mode lines
		got[p] = e
	}
	treetest.Equal(t, "git apply of Diff()", got, want)
}

// upgFaultFs fails the nth call of one operation once armed.
type upgFaultFs struct {
	afero.Fs
	op    string // Rename, OpenFile (for writing), Write, Remove or Chmod
	n     int
	calls int
	armed bool
	hit   bool
	name  string // the path of the call that failed
}

var errUpgInjected = errors.New("injected failure")

func (f *upgFaultFs) fault(op, name string) error {
	if !f.armed || op != f.op {
		return nil
	}
	f.calls++
	if f.calls == f.n {
		f.hit, f.name = true, name
		return &os.PathError{Op: op, Path: name, Err: errUpgInjected}
	}
	return nil
}

func (f *upgFaultFs) Rename(oldname, newname string) error {
	if err := f.fault("Rename", newname); err != nil {
		return err
	}
	return f.Fs.Rename(oldname, newname)
}

func (f *upgFaultFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	if flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE) != 0 {
		if err := f.fault("OpenFile", name); err != nil {
			return nil, err
		}
	}
	if flag&os.O_CREATE != 0 {
		// As a umask of 077 would: the mode is then set again, through
		// Chmod (the handle's on a real file system), which may fail too.
		perm &^= 0o077
	}
	file, err := f.Fs.OpenFile(name, flag, perm)
	if err != nil || flag&(os.O_WRONLY|os.O_RDWR) == 0 {
		return file, err
	}
	return &upgFaultFile{File: file, fs: f}, nil
}

// upgFaultFile fails a write (Write, as Apply's staging does, or WriteAt,
// as its rewrites in place do) half-way: half the bytes are written.
type upgFaultFile struct {
	afero.File
	fs *upgFaultFs
}

func (f *upgFaultFile) Write(p []byte) (int, error) {
	if err := f.fs.fault("Write", f.Name()); err != nil {
		n, _ := f.File.Write(p[:len(p)/2])
		return n, err
	}
	return f.File.Write(p)
}

func (f *upgFaultFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.fs.fault("Write", f.Name()); err != nil {
		n, _ := f.File.WriteAt(p[:len(p)/2], off)
		return n, err
	}
	return f.File.WriteAt(p, off)
}

// Chmod passes the handle's Chmod on where the file has one (an os.File).
func (f *upgFaultFile) Chmod(mode fs.FileMode) error {
	if err := f.fs.fault("Chmod", f.Name()); err != nil {
		return err
	}
	if h, ok := f.File.(interface{ Chmod(fs.FileMode) error }); ok {
		return h.Chmod(mode)
	}
	return f.fs.Fs.Chmod(f.Name(), mode)
}

func (f *upgFaultFs) Create(name string) (afero.File, error) {
	if err := f.fault("OpenFile", name); err != nil {
		return nil, err
	}
	return f.Fs.Create(name)
}

func (f *upgFaultFs) Remove(name string) error {
	if err := f.fault("Remove", name); err != nil {
		return err
	}
	return f.Fs.Remove(name)
}

func (f *upgFaultFs) Chmod(name string, mode os.FileMode) error {
	if err := f.fault("Chmod", name); err != nil {
		return err
	}
	return f.Fs.Chmod(name, mode)
}

// An error midway through Apply leaves every file as it was: content, mode,
// no temporary files, .gomicro.yml unchanged.
func TestUpgradeApplyAtomic(t *testing.T) {
	rows := upgRows
	v1, v2 := upgVersions(t, rows)
	bases := []struct {
		name string
		fs   func(t *testing.T) (afero.Fs, string)
	}{
		{"memfs", func(t *testing.T) (afero.Fs, string) { return afero.NewMemMapFs(), "/svc" }},
		{"osfs", func(t *testing.T) (afero.Fs, string) { return afero.NewOsFs(), filepath.Join(t.TempDir(), "svc") }},
	}
	// git: the project's files are committed as they are, and Apply
	// rewrites those it changes in place instead of staging them.
	for _, base := range bases {
		for _, op := range []string{"Rename", "OpenFile", "Write", "Remove", "Chmod", "git/Rename", "git/OpenFile", "git/Write", "git/Remove", "git/Chmod"} {
			t.Run(base.name+"/"+op, func(t *testing.T) {
				t.Parallel() // mostly waiting on the disk (osfs)
				op, inGit := strings.CutPrefix(op, "git/")
				for n := 1; ; n++ {
					osfs, dir := base.fs(t)
					upgTeam(t, osfs, dir, v1, rows)
					before := treetest.Snapshot(t, osfs, dir)
					u := upgPlan(t, osfs, dir, v1, v2, nil)
					if inGit {
						u = upgPlanCommitted(t, osfs, dir, v1, v2)
					}
					fsys := &upgFaultFs{Fs: osfs, op: op, n: n, armed: true}
					err := u.plan.Apply(context.Background(), fsys, dir)
					if !fsys.hit {
						if err != nil {
							t.Fatalf("n=%d: Apply: %v without a fault", n, err)
						}
						// On a real file system a new file's mode is set
						// through its open handle, never by name.
						if n == 1 && (op != "Chmod" || base.name != "osfs") && (op != "Rename" || !inGit) {
							t.Fatalf("Apply never calls %s", op)
						}
						// Under the narrowing umask, every file has the
						// plan's mode all the same.
						for _, c := range u.plan.Changes {
							if c.New == nil || c.Action == generator.Sidecar {
								continue
							}
							if info, err := osfs.Stat(filepath.Join(dir, c.Path)); err != nil || info.Mode().Perm() != c.Mode.Perm() {
								t.Errorf("%s: mode %v (%v), want %v", c.Path, info.Mode(), err, c.Mode)
							}
						}
						break
					}
					if err == nil && op == "Remove" {
						// Removing a directory a deleted file left empty is
						// tidying after the upgrade is complete; its failure
						// leaves an empty directory, nothing else.
						if info, statErr := osfs.Stat(fsys.name); statErr != nil || !info.IsDir() {
							t.Errorf("%s #%d fails on %s: Apply succeeded", op, n, fsys.name)
						}
						continue
					}
					if !errors.Is(err, errUpgInjected) {
						t.Errorf("%s #%d fails: Apply err = %v, want the injected failure", op, n, err)
					}
					treetest.Equal(t, fmt.Sprintf("%s #%d fails", op, n), treetest.Snapshot(t, osfs, dir), before)
				}
			})
		}
	}
}

func TestUpgradeRejectsPathsOutside(t *testing.T) {
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{"a.txt": {data: "a\n"}})
	fsys := afero.NewMemMapFs()
	upgGenerate(t, fsys, "/p/svc", v1, nil)
	upgWrite(t, fsys, "/p/x", "outside\n", 0o644)
	for _, p := range []string{"../x", "/p/x", "a/../../x", "", ".", generator.ManifestFile} {
		t.Run(p, func(t *testing.T) {
			in := upgPrepare(t, upgManifest(t, fsys, "/p/svc"), nil, v1, nil)
			in.old.Files[p] = generator.BlobID([]byte("outside\n"))
			plan, err := generator.PlanUpgrade(fsys, "/p/svc", in.old, in.base, in.theirs, in.label)
			if err == nil {
				t.Fatalf("PlanUpgrade accepted %q in .gomicro.yml: %+v", p, plan.Changes)
			}
			t.Log(err)
		})
	}
	if got, _ := afero.ReadFile(fsys, "/p/x"); string(got) != "outside\n" {
		t.Errorf("/p/x = %q", got)
	}
}

// A directory of the team's where the template has a file: a file the
// template only changed stays as the team made it (their directory replaced
// it, as a deletion would); a new file of the template's blocks the upgrade
// rather than touch the directory, and Apply refuses.
func TestUpgradeDirectoryInTheWay(t *testing.T) {
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{"a.txt": {data: "a\n"}, "b.txt": {data: "b\n"}})
	v2 := upgTemplate(t, "2.0.0", map[string]upgFile{"a.txt": {data: "a2\n"}, "b.txt": {data: "b\n"}, "c.txt": {data: "c\n"}})
	for p, want := range map[string]generator.Action{"a.txt": generator.KeepDeleted, "c.txt": generator.Blocked} {
		t.Run(p, func(t *testing.T) {
			fsys := afero.NewMemMapFs()
			upgGenerate(t, fsys, "svc", v1, nil)
			fsys.Remove("svc/" + p)
			upgWrite(t, fsys, "svc/"+p+"/inside", "x\n", 0o644)
			before := treetest.Snapshot(t, fsys, "svc")
			u := upgPlan(t, fsys, "svc", v1, v2, nil)
			c := upgChange(t, u.plan, p)
			if c.Action != want {
				t.Fatalf("%s: %v (%s), want %v", p, c.Action, c.Why(), want)
			}
			if want != generator.Blocked {
				return
			}
			if !strings.Contains(c.Why(), "directory") {
				t.Errorf("why = %q, want it to name the directory", c.Why())
			}
			if err := u.plan.Apply(context.Background(), fsys, "svc"); err == nil {
				t.Error("Apply of a blocked plan succeeded")
			}
			treetest.Equal(t, "after a refused Apply", treetest.Snapshot(t, fsys, "svc"), before)
		})
	}
}

// Empty files are files: an upgrade that keeps or writes one must not delete
// it.
func TestUpgradeEmptyFiles(t *testing.T) {
	rows := []upgRow{
		{name: "empty, template makes it executable", path: "empty.sh", v1: upgF(""), v2: upgX(""), keep: true,
			action: generator.Take, want: upgE("", 0o755)},
		{name: "team emptied it, template makes it executable", path: "emptied.sh", v1: upgF("echo\n"), v2: upgX("echo\n"), ours: upgContent(""),
			action: generator.KeepOurs, want: upgE("", 0o755)},
		{name: "template empties it", path: "to-empty.txt", v1: upgF("x\n"), v2: upgF(""), keep: true,
			action: generator.Take, want: upgE("", 0o644)},
		{name: "new empty file", path: "new-empty.txt", v2: upgF(""),
			action: generator.Create, want: upgE("", 0o644)},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			rows := []upgRow{r}
			fsys, u := upgPlanRows(t, rows)
			c := upgChange(t, u.plan, r.path)
			if c.Action != r.action {
				t.Errorf("action %v, want %v", c.Action, r.action)
			}
			if strings.Contains(u.plan.Diff(), "+++ /dev/null") {
				t.Errorf("Diff() deletes it:\n%s", u.plan.Diff())
			}
			if err := u.plan.Apply(context.Background(), fsys, "svc"); err != nil {
				t.Fatal(err)
			}
			got, ok := treetest.Snapshot(t, fsys, "svc")[r.path]
			if !ok || got != *r.want {
				t.Errorf("after the upgrade: %+v (present %v), want %+v", got, ok, *r.want)
			}
		})
	}
}

// A path .gomicro.yml spells otherwise than gomicro writes it ("./a.txt"
// for a.txt, say, after a hand edit) names the same file as theirs does: the
// upgrade must refuse the manifest or treat it as that file, never delete a
// file the template still renders.
func TestUpgradeNonCanonicalManifestPath(t *testing.T) {
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{"a.txt": {data: "a\n"}, "sub/b.txt": {data: "b\n"}})
	for _, tc := range []struct{ spelled, file string }{
		{"./a.txt", "a.txt"},
		{"sub//b.txt", "sub/b.txt"},
		{"sub/./b.txt", "sub/b.txt"},
		{"sub/../a.txt", "a.txt"},
	} {
		t.Run(tc.spelled, func(t *testing.T) {
			fsys := afero.NewMemMapFs()
			upgGenerate(t, fsys, "svc", v1, nil)
			in := upgPrepare(t, upgManifest(t, fsys, "svc"), nil, v1, nil)
			in.old.Files[tc.spelled] = in.old.Files[tc.file]
			delete(in.old.Files, tc.file)
			plan, err := generator.PlanUpgrade(fsys, "svc", in.old, in.base, in.theirs, in.label)
			if err != nil {
				return // refused: fine
			}
			if err := plan.Apply(context.Background(), fsys, "svc"); err != nil {
				t.Fatal(err)
			}
			if _, err := fsys.Stat("svc/" + tc.file); err != nil {
				var actions []string
				for _, c := range plan.Changes {
					actions = append(actions, c.Path+": "+c.Action.String())
				}
				t.Errorf("%s listed as %q in %s: after the upgrade %v; plan: %q", tc.file, tc.spelled, generator.ManifestFile, err, actions)
			}
		})
	}
}

// Where there is no base, a guess never overrides the team's execute bit
// (teamMode): a file both added identically keeps the team's mode, as one
// both added differently does.
func TestUpgradeBothAddedKeepsTeamMode(t *testing.T) {
	for _, tc := range []struct {
		name, ours string
		action     generator.Action
	}{
		{"identically", "#!/bin/sh\necho hi\n", generator.Unchanged},
		{"differently", "#!/bin/sh\necho team\n", generator.Conflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := []upgRow{{path: "run.sh", v2: upgF("#!/bin/sh\necho hi\n"), ours: upgContent(tc.ours), chmod: 0o644}}
			_, u := upgPlanRows(t, rows)
			c := upgChange(t, u.plan, "run.sh")
			if c.Action != tc.action || c.Mode != 0o644 {
				t.Errorf("run.sh (0644 in ours, 0755 in theirs, not in base): %v mode %o, want %v mode 644", c.Action, c.Mode, tc.action)
			}
		})
	}
}

// In a project git holds as it is, Apply rewrites a changed file where it
// is (the same file, as git checkout writes it) but for one with another
// name (a hard link) or an executable, which it replaces as it replaces
// every file of a project git does not hold: the other name keeps the old
// content.
func TestUpgradeApplyInPlace(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("hard links are not told apart there: every file is replaced")
	}
	rows := upgRows
	v1, v2 := upgVersions(t, rows)
	for _, inGit := range []bool{false, true} {
		t.Run(fmt.Sprint("git=", inGit), func(t *testing.T) {
			osfs, dir := afero.NewOsFs(), filepath.Join(t.TempDir(), "svc")
			upgTeam(t, osfs, dir, v1, rows)
			link := filepath.Join(t.TempDir(), "exec.sh")
			if err := os.Link(filepath.Join(dir, "scripts", "exec.sh"), link); err != nil {
				t.Fatal(err)
			}
			u := upgPlan(t, osfs, dir, v1, v2, nil)
			if inGit {
				u = upgPlanCommitted(t, osfs, dir, v1, v2)
			}
			before, err := os.Stat(filepath.Join(dir, "take.txt"))
			if err != nil {
				t.Fatal(err)
			}
			// An executable may be running: bash reads a script as it
			// goes, so it gets a new file, never a rewrite.
			script, err := os.Stat(filepath.Join(dir, "scripts", "shebang.sh"))
			if err != nil {
				t.Fatal(err)
			}
			// Through the layer every write to a user's tree takes.
			root, err := rootfs.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			if err := u.plan.Apply(context.Background(), root, "."); err != nil {
				t.Fatal(err)
			}
			after, err := os.Stat(filepath.Join(dir, "take.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if same := os.SameFile(before, after); same != inGit {
				t.Errorf("take.txt is the same file after Apply: %v, want %v", same, inGit)
			}
			if after, err := os.Stat(filepath.Join(dir, "scripts", "shebang.sh")); err != nil || os.SameFile(script, after) {
				t.Errorf("scripts/shebang.sh, made executable, was rewritten in place (%v)", err)
			}
			for name, want := range map[string]string{filepath.Join(dir, "take.txt"): "take 2 oddjob\n", link: "echo exec\n"} {
				if got, err := os.ReadFile(name); err != nil || string(got) != want {
					t.Errorf("%s = %q (%v), want %q", name, got, err, want)
				}
			}
			if info, err := os.Lstat(filepath.Join(dir, "scripts", "exec.sh")); err != nil || info.Mode().Perm() != 0o755 {
				t.Errorf("scripts/exec.sh: %v (%v), want mode 0755", info.Mode(), err)
			}
			if info, err := os.Lstat(link); err != nil || info.Mode().Perm() != 0o644 {
				t.Errorf("its other name: %v (%v), want mode 0644 as before", info.Mode(), err)
			}
			want := map[string]treetest.Entry{}
			for _, r := range rows {
				if r.want != nil {
					want[r.path] = *r.want
				}
			}
			mf, _ := u.theirs.File(generator.ManifestFile)
			want[generator.ManifestFile] = treetest.NewFile(string(mf.Data), 0o644)
			treetest.Equal(t, "after Apply", treetest.Files(treetest.Snapshot(t, osfs, dir)), want)
		})
	}
}
