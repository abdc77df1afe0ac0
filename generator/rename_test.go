package generator_test

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// The helpers of this file are prefixed mv.

// mvScript is the file a release moves: twelve lines, so that one edited
// line keeps it well above git's 50% similarity.
const mvScript = "#!/usr/bin/env bash\n# upload the artifacts\nset -euo pipefail\nbucket=one\nregion=two\nkey=three\nsecret=four\nfile=five\ncurl -X PUT six\necho seven\necho eight\necho done\n"

// mvTemplate loads a template version from template.yaml's extra lines
// (after name and version) and its files.
func mvTemplate(t testing.TB, version, extra string, files map[string]string) *generator.Template {
	t.Helper()
	fsys := fstest.MapFS{generator.ConfigFile: {Data: []byte("name: demo\nversion: " + version + "\n" + extra)}}
	for p, data := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(data), Mode: 0o644}
	}
	tmpl, err := generator.Load(fsys, "dir:demo")
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// mvCase is one upgrade of a project made from v1 to v2, where the team
// changed the project with ours first.
type mvCase struct {
	name   string
	v1, v2 map[string]string
	moved  string // v2's template.yaml moved: lines
	ours   func(t *testing.T, fsys afero.Fs)
	want   generator.Action // the change at path
	path   string           // "": tools/upload.sh
}

func mvReplace(old, new string) string { return strings.Replace(mvScript, old, new, 1) }

// mvTeam returns an ours that writes data to the project's p (nil data:
// removes it).
func mvTeam(p string, data *string) func(t *testing.T, fsys afero.Fs) {
	return func(t *testing.T, fsys afero.Fs) {
		name := filepath.Join("svc", p)
		if data == nil {
			if err := fsys.Remove(name); err != nil {
				t.Fatal(err)
			}
			return
		}
		upgWrite(t, fsys, name, *data, 0o755)
	}
}

func ptr(s string) *string { return &s }

// mvBin is a binary file (a NUL in it) that differs from another in s.
func mvBin(s string) string { return "\x00bin\n" + s + strings.Repeat("data\n", 20) }

// TestMoveLikeGitMerge upgrades a project whose template moved a file, with
// and without the team's edits and the template's, and compares the result
// with git merge of the same three trees: the files, their execute bits,
// and the set of conflicts (marker labels aside: git names branches and
// paths, gomicro "ours" and its template).
func TestMoveLikeGitMerge(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git: nothing to compare with")
	}
	readme := map[string]string{"README.md": "# demo\n"}
	with := func(files map[string]string) map[string]string {
		files["README.md"] = readme["README.md"]
		return files
	}
	v1 := with(map[string]string{"scripts/upload.sh": mvScript})
	pure := with(map[string]string{"tools/upload.sh": mvScript})
	edited := with(map[string]string{"tools/upload.sh": mvReplace("region=two", "region=${REGION:-two}")})
	cases := []mvCase{
		{name: "pure move, no team edits", v1: v1, v2: pure, want: generator.Move},
		{name: "pure move, team edits", v1: v1, v2: pure, ours: mvTeam("scripts/upload.sh", ptr(mvReplace("echo done", "echo all done"))), want: generator.Move},
		{name: "edited move, no team edits", v1: v1, v2: edited, want: generator.Move},
		{name: "edited move, team edits elsewhere", v1: v1, v2: edited, ours: mvTeam("scripts/upload.sh", ptr(mvReplace("echo done", "echo all done"))), want: generator.Move},
		{name: "edited move, team edits the same line", v1: v1, v2: edited, ours: mvTeam("scripts/upload.sh", ptr(mvReplace("region=two", "region=eu-west-1"))), want: generator.Conflict},
		{name: "edited move, team deleted it", v1: v1, v2: edited, ours: mvTeam("scripts/upload.sh", nil), want: generator.Conflict},
		{name: "edited move, team's chmod -x and edit", v1: v1, v2: edited, ours: func(t *testing.T, fsys afero.Fs) {
			upgWrite(t, fsys, "svc/scripts/upload.sh", mvReplace("echo done", "echo all done"), 0o644)
		}, want: generator.Move},
		{name: "edited move among other changes", v1: with(map[string]string{"scripts/upload.sh": mvScript, "a.txt": "a\n", "gone.txt": "gone\n"}),
			v2:   with(map[string]string{"tools/upload.sh": mvReplace("region=two", "region=${REGION:-two}"), "a.txt": "a2\n", "new.txt": "new\n"}),
			ours: mvTeam("scripts/upload.sh", ptr(mvReplace("echo done", "echo all done"))), want: generator.Move},
		{name: "binary move, both changed", v1: with(map[string]string{"assets/logo.bin": mvBin("v1")}), v2: with(map[string]string{"img/logo.bin": mvBin("v2")}),
			ours: mvTeam("assets/logo.bin", ptr(mvBin("ours"))), want: generator.Sidecar, path: "img/logo.bin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gitTree, gitConflicts, gitStages := mvGitMerge(t, git, tc)
			got, plan := mvUpgrade(t, tc)
			p := cmp.Or(tc.path, "tools/upload.sh")
			if c := upgChange(t, plan, p); c.Action != tc.want {
				t.Errorf("%s: %v (%s), want %v", p, c.Action, c.Why(), tc.want)
			}
			// Where git leaves a binary file's conflict in the index only,
			// gomicro also writes the template's version beside it.
			delete(got, p+generator.SidecarSuffix)
			conflicts := plan.Conflicts()
			for i, c := range conflicts {
				conflicts[i] = strings.TrimSuffix(c, generator.SidecarSuffix)
			}
			treetest.Equal(t, "gomicro upgrade against git merge", got, gitTree)
			if !slices.Equal(conflicts, gitConflicts) {
				t.Errorf("conflicts %q, git merge's %q", conflicts, gitConflicts)
			}
			if stages := mvStages(plan); !slices.Equal(stages, gitStages) {
				t.Errorf("index stages:\n%s\ngit merge's:\n%s", strings.Join(stages, "\n"), strings.Join(gitStages, "\n"))
			}
		})
	}
}

// mvUpgrade generates the project from tc.v1, lets the team change it,
// upgrades it to tc.v2 and returns its files (the answers file aside,
// markers and modes as mvNormal makes them) and the plan.
func mvUpgrade(t *testing.T, tc mvCase) (map[string]treetest.Entry, *generator.Plan) {
	fsys := afero.NewMemMapFs()
	v1 := mvTemplate(t, "1.0.0", "", tc.v1)
	v2 := mvTemplate(t, "1.1.0", tc.moved, tc.v2)
	upgGenerate(t, fsys, "svc", v1, nil)
	if tc.ours != nil {
		tc.ours(t, fsys)
	}
	u := upgPlan(t, fsys, "svc", v1, v2, nil)
	if err := u.plan.Apply(context.Background(), fsys, "svc"); err != nil {
		t.Fatal(err)
	}
	files := treetest.Files(treetest.Snapshot(t, fsys, "svc"))
	delete(files, generator.ManifestFile)
	return mvNormal(files), u.plan
}

// mvGitMerge commits tc's three trees in a new repository, base first,
// then theirs on a branch and ours on main, merges theirs into main with
// git merge, and returns the work tree, the unmerged paths and their
// index stages (mvStages).
func mvGitMerge(t *testing.T, git string, tc mvCase) (map[string]treetest.Entry, []string, []string) {
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		cmd.Env = gittest.Env(append([]string{"HOME=" + dir}, gittest.Identity...)...)
		out, err := cmd.CombinedOutput()
		if err != nil && !slices.Contains(args, "merge") {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	commit := func(files map[string]treetest.Entry, msg string) {
		run("rm", "-rq", "--ignore-unmatch", ".")
		for p, e := range files {
			upgWrite(t, afero.NewOsFs(), filepath.Join(dir, filepath.FromSlash(p)), e.Data, e.Mode)
		}
		run("add", "-A")
		run("commit", "-q", "--allow-empty", "-m", msg)
	}
	// ours is the project as the team left it: generated, then changed.
	project := afero.NewMemMapFs()
	upgGenerate(t, project, "svc", mvTemplate(t, "1.0.0", "", tc.v1), nil)
	base := mvFiles(t, project)
	if tc.ours != nil {
		tc.ours(t, project)
	}
	theirs := afero.NewMemMapFs()
	upgGenerate(t, theirs, "svc", mvTemplate(t, "1.1.0", "", tc.v2), nil)

	run("init", "-q", "-b", "main", ".")
	commit(base, "base")
	run("checkout", "-q", "-b", "theirs")
	commit(mvFiles(t, theirs), "theirs")
	run("checkout", "-q", "main")
	commit(mvFiles(t, project), "ours")
	out := run("-c", "merge.conflictStyle=diff3", "merge", "--no-edit", "theirs")
	unmerged := strings.Fields(run("diff", "--name-only", "--diff-filter=U"))
	snap := treetest.Files(treetest.SnapshotDir(t, dir))
	for p := range snap {
		if strings.HasPrefix(p, ".git/") {
			delete(snap, p)
		}
	}
	t.Logf("git merge:\n%s", out)
	var stages []string
	for _, line := range strings.Split(strings.TrimSpace(run("ls-files", "-u")), "\n") {
		if f := strings.Fields(line); len(f) == 4 {
			stages = append(stages, f[3]+" "+f[2]+" "+f[1])
		}
	}
	return mvNormal(snap), unmerged, stages
}

// mvFiles is the project's files, the answers file aside.
func mvFiles(t *testing.T, fsys afero.Fs) map[string]treetest.Entry {
	files := treetest.Files(treetest.Snapshot(t, fsys, "svc"))
	delete(files, generator.ManifestFile)
	return files
}

var mvMarker = regexp.MustCompile(`(?m)^(<<<<<<<|\|\|\|\|\|\|\||>>>>>>>) .*$`)

// mvNormal leaves of each file what both git and gomicro decide: the
// content with conflict markers unlabelled, and the execute bit.
func mvNormal(files map[string]treetest.Entry) map[string]treetest.Entry {
	for p, e := range files {
		e.Data = mvMarker.ReplaceAllString(e.Data, "$1")
		e.Mode = 0o644
		if files[p].Mode&0o100 != 0 {
			e.Mode = 0o755
		}
		files[p] = e
	}
	return files
}

// mvRead is the project's file p, or "(absent)".
func mvRead(t *testing.T, fsys afero.Fs, p string) string {
	t.Helper()
	data, err := afero.ReadFile(fsys, filepath.Join("svc", p))
	if err != nil {
		return "(absent)"
	}
	return string(data)
}

// A move template.yaml declares is found where the content changed too
// much for similarity, and the team's edit is merged into the new path.
func TestMoveDeclared(t *testing.T) {
	rewritten := "#!/bin/sh\n# upload, rewritten\nexec aws s3 cp \"$1\" s3://bucket/\n# no more curl\n# no more openssl\n# no more keys\nkey=three\nsecret=four\nfile=five\ncurl -X PUT six\necho seven\necho eight\necho done\n"
	tc := mvCase{
		v1:   map[string]string{"scripts/upload.sh": mvScript},
		v2:   map[string]string{"tools/upload.sh": rewritten},
		ours: mvTeam("scripts/upload.sh", ptr(mvReplace("echo done", "echo all done"))),
	}
	// Without the declaration: not similar enough, so no move; the
	// team's edited file stays where it was.
	fsys := afero.NewMemMapFs()
	mvUpgradeOn(t, fsys, tc)
	if got := mvRead(t, fsys, "scripts/upload.sh"); got != mvReplace("echo done", "echo all done") {
		t.Errorf("undeclared: scripts/upload.sh = %q, want the team's", got)
	}
	tc.moved = "moved:\n  scripts/old.sh: scripts/upload.sh\n  scripts/upload.sh: bin/upload.sh\n  bin/upload.sh: tools/upload.sh\n"
	fsys = afero.NewMemMapFs()
	plan := mvUpgradeOn(t, fsys, tc)
	c := upgChange(t, plan, "tools/upload.sh")
	if c.Action != generator.Move || c.From != "scripts/upload.sh" {
		t.Errorf("declared (a chain): %v from %q, want moved from scripts/upload.sh", c.Action, c.From)
	}
	if got, want := mvRead(t, fsys, "tools/upload.sh"), strings.Replace(rewritten, "echo done", "echo all done", 1); got != want {
		t.Errorf("tools/upload.sh = %q, want %q", got, want)
	}
	if got := mvRead(t, fsys, "scripts/upload.sh"); got != "(absent)" {
		t.Errorf("scripts/upload.sh = %q, want it gone", got)
	}
}

// mvUpgradeOn is mvUpgrade on a given file system.
func mvUpgradeOn(t *testing.T, fsys afero.Fs, tc mvCase) *generator.Plan {
	t.Helper()
	v1 := mvTemplate(t, "1.0.0", "", tc.v1)
	v2 := mvTemplate(t, "1.1.0", tc.moved, tc.v2)
	upgGenerate(t, fsys, "svc", v1, nil)
	if tc.ours != nil {
		tc.ours(t, fsys)
	}
	u := upgPlan(t, fsys, "svc", v1, v2, nil)
	if err := u.plan.Apply(context.Background(), fsys, "svc"); err != nil {
		t.Fatal(err)
	}
	return u.plan
}

// The team's own file at the new path is never clobbered: no move, the
// file both added is a conflict, and the team's edited old file stays.
func TestMoveOntoTeamFile(t *testing.T) {
	edited := mvReplace("echo done", "echo all done")
	plan := mvUpgradeOn(t, afero.NewMemMapFs(), mvCase{
		v1: map[string]string{"scripts/upload.sh": mvScript},
		v2: map[string]string{"tools/upload.sh": mvScript},
		ours: func(t *testing.T, fsys afero.Fs) {
			mvTeam("scripts/upload.sh", &edited)(t, fsys)
			mvTeam("tools/upload.sh", ptr("#!/bin/sh\necho ours\n"))(t, fsys)
		},
	})
	if c := upgChange(t, plan, "tools/upload.sh"); c.Action != generator.Conflict || c.From != "" {
		t.Errorf("tools/upload.sh: %v from %q, want a conflict (both added), no move", c.Action, c.From)
	}
	if c := upgChange(t, plan, "scripts/upload.sh"); c.Action != generator.KeepEdited {
		t.Errorf("scripts/upload.sh: %v, want kept (edited)", c.Action)
	}
}

// A binary file both changed moves as git moves it: the team's version at
// the new path, the template's beside it, the old path gone.
func TestMoveBinarySidecar(t *testing.T) {
	bin := mvBin
	fsys := afero.NewMemMapFs()
	plan := mvUpgradeOn(t, fsys, mvCase{
		v1:   map[string]string{"assets/logo.bin": bin("v1")},
		v2:   map[string]string{"img/logo.bin": bin("v2")},
		ours: mvTeam("assets/logo.bin", ptr(bin("ours"))),
	})
	if c := upgChange(t, plan, "img/logo.bin"); c.Action != generator.Sidecar || c.From != "assets/logo.bin" {
		t.Errorf("img/logo.bin: %v from %q, want a sidecar of a move", c.Action, c.From)
	}
	for p, want := range map[string]string{"assets/logo.bin": "(absent)", "img/logo.bin": bin("ours"), "img/logo.bin" + generator.SidecarSuffix: bin("v2")} {
		if got := mvRead(t, fsys, p); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if got, want := plan.Written(), []string{"assets/logo.bin", "img/logo.bin", "img/logo.bin" + generator.SidecarSuffix, generator.ManifestFile}; !slices.Equal(got, want) {
		t.Errorf("Written() = %q, want %q", got, want)
	}
}

// A symlink at the old path is the team's: it is kept, never written
// through, and the new path is added as any new file.
func TestMoveOldSymlinkKept(t *testing.T) {
	dir := t.TempDir()
	project := filepath.Join(dir, "svc")
	if err := os.Mkdir(project, 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := rootfs.Open(project)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	v1 := mvTemplate(t, "1.0.0", "", map[string]string{"scripts/upload.sh": mvScript})
	v2 := mvTemplate(t, "1.1.0", "", map[string]string{"tools/upload.sh": mvScript})
	upgGenerate(t, root, ".", v1, nil)
	shared := filepath.Join(dir, "shared.sh")
	if err := os.WriteFile(shared, []byte("shared\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(project, "scripts", "upload.sh")
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(shared, link); err != nil {
		t.Fatal(err)
	}
	u := upgPlan(t, root, ".", v1, v2, nil)
	if c := upgChange(t, u.plan, "scripts/upload.sh"); c.Action != generator.KeepLink {
		t.Errorf("scripts/upload.sh: %v, want kept (a symlink)", c.Action)
	}
	if c := upgChange(t, u.plan, "tools/upload.sh"); c.Action != generator.Create {
		t.Errorf("tools/upload.sh: %v, want added", c.Action)
	}
	if err := u.plan.Apply(context.Background(), root, "."); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("scripts/upload.sh is no longer a symlink: %v", err)
	}
	if data, _ := os.ReadFile(shared); string(data) != "shared\n" {
		t.Errorf("the link's target now holds %q", data)
	}
}

// --dry-run's diff says the file moves, in git's words, so git apply of
// it makes what Apply makes.
func TestMoveDiffApplies(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git to apply the diff")
	}
	tc := mvCase{
		v1:   map[string]string{"scripts/upload.sh": mvScript, "assets/logo.bin": "\x00v1\n" + strings.Repeat("data\n", 20)},
		v2:   map[string]string{"tools/upload.sh": mvReplace("region=two", "region=${REGION:-two}"), "img/logo.bin": "\x00v2\n" + strings.Repeat("data\n", 20)},
		ours: mvTeam("scripts/upload.sh", ptr(mvReplace("echo done", "echo all done"))),
	}
	fsys := afero.NewMemMapFs()
	v1 := mvTemplate(t, "1.0.0", "", tc.v1)
	v2 := mvTemplate(t, "1.1.0", "", tc.v2)
	upgGenerate(t, fsys, "svc", v1, nil)
	tc.ours(t, fsys)
	mvTeam("assets/logo.bin", ptr("\x00ours\n"+strings.Repeat("data\n", 20)))(t, fsys)
	work := t.TempDir()
	for p, e := range treetest.Files(treetest.Snapshot(t, fsys, "svc")) {
		upgWrite(t, afero.NewOsFs(), filepath.Join(work, filepath.FromSlash(p)), e.Data, e.Mode)
	}
	u := upgPlan(t, fsys, "svc", v1, v2, nil)
	d := u.plan.Diff()
	if !strings.Contains(d, "rename from scripts/upload.sh\nrename to tools/upload.sh\n") {
		t.Errorf("Diff() does not show the move:\n%s", d)
	}
	cmd := exec.Command(git, "apply", "--binary", "-p1", "-")
	cmd.Dir = work
	cmd.Stdin = strings.NewReader(d)
	cmd.Env = gittest.Env("HOME=" + work)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s\ndiff:\n%s", err, out, d)
	}
	if err := u.plan.Apply(context.Background(), fsys, "svc"); err != nil {
		t.Fatal(err)
	}
	want := mvNormal(mvFiles(t, fsys))
	got := mvNormal(treetest.Files(treetest.SnapshotDir(t, work)))
	delete(got, generator.ManifestFile)
	treetest.Equal(t, "git apply of Diff() against Apply", got, want)
}

// template.yaml's moved: names two project paths, relative and clean.
func TestMovedValidated(t *testing.T) {
	for _, tt := range []struct{ moved, want string }{
		{`{/etc/passwd: a}`, `moved: "/etc/passwd" is absolute`},
		{`{a: ../b}`, `moved: "../b" is outside the project root`},
		{`{a/./b: c}`, `moved: "a/./b" is not clean: write it as "a/b"`},
		{`{a: ""}`, `moved: "" is empty`},
		{`{a: a}`, `moved: "a" moves to itself`},
		{`{a: .gomicro.yml}`, `moved: ".gomicro.yml" is the answers file`},
	} {
		_, err := generator.Load(tree(minimal+"moved: "+tt.moved+"\n", nil), source)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("moved: %s: %v, want %q", tt.moved, err, tt.want)
		}
	}
	mustLoad(t, tree(minimal+"moved: {scripts/upload.sh: tools/upload.sh}\n", map[string]string{"tools/upload.sh": "x\n"}))
}

// Lint warns of a move whose old path the template still has.
func TestMovedLint(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+"moved: {scripts/upload.sh: tools/upload.sh, a.txt: b.txt}\n",
		map[string]string{"tools/upload.sh": "x\n", "scripts/upload.sh.tmpl": "x\n", "b.txt": "b\n"}))
	warnings, _ := tmpl.Lint()
	want := []string{`moved: "scripts/upload.sh" still exists in the template (scripts/upload.sh.tmpl): the move never happens while it does`}
	if !slices.Equal(warnings, want) {
		t.Errorf("Lint() warnings %q, want %q", warnings, want)
	}
}

// A file git ignores never moves: it may hold a secret, which the new path
// would no longer keep out of git.
func TestMoveIgnoredStays(t *testing.T) {
	fsys := afero.NewMemMapFs()
	v1 := mvTemplate(t, "1.0.0", "", map[string]string{"scripts/upload.sh": mvScript})
	v2 := mvTemplate(t, "1.1.0", "", map[string]string{"tools/upload.sh": mvScript})
	upgGenerate(t, fsys, "svc", v1, nil)
	mvTeam("scripts/upload.sh", ptr(mvReplace("secret=four", "secret=hunter2")))(t, fsys)
	old := upgManifest(t, fsys, "svc")
	var asked []string
	u, err := generator.Upgrade(context.Background(), generator.UpgradeRequest{
		Project: fsys, Dir: "svc", Old: old, Theirs: v2,
		Bases: []generator.BaseSource{generator.RenderedBase("v1", func() (*generator.Template, error) { return v1, nil }, old)},
		Ignored: func(paths []string) ([]string, error) {
			asked = append(asked, paths...)
			return slices.DeleteFunc(slices.Clone(paths), func(p string) bool { return p != "scripts/upload.sh" }), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(asked, "scripts/upload.sh") {
		t.Errorf("git was asked about %q, not the moved file", asked)
	}
	if c := upgChange(t, u.Plan, "scripts/upload.sh"); c.Action != generator.KeepEdited {
		t.Errorf("scripts/upload.sh: %v, want kept (ignored, edited)", c.Action)
	}
	if c := upgChange(t, u.Plan, "tools/upload.sh"); c.Action != generator.Create {
		t.Errorf("tools/upload.sh: %v, want added", c.Action)
	}
}

// mvStages is what the upgrade gives git's index for each conflict, as
// "PATH STAGE BLOB", one line per stage, as git ls-files -u sorts them.
func mvStages(plan *generator.Plan) []string {
	var stages []string
	for _, c := range plan.Changes {
		if c.Action != generator.Conflict && c.Action != generator.Sidecar {
			continue
		}
		for i, v := range []*generator.Version{c.Base, c.Ours, c.Theirs} {
			if v != nil {
				stages = append(stages, fmt.Sprintf("%s %d %s", c.Path, i+1, generator.BlobID(v.Data)))
			}
		}
	}
	return stages
}
