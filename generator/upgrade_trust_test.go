package generator_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/rootfs"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// upgTrustRows are the rows of the decision table that real-world trees
// add: binaries, permissions the team set, CRLF checkouts.
var upgTrustRows = []upgRow{
	// A binary file never gets conflict markers: ours stays, theirs goes beside it.
	{name: "binary, both changed", path: "logo.png", v1: upgF("PNG\x00base\n"), v2: upgF("PNG\x00template\n"), ours: upgContent("PNG\x00team\n"),
		action: generator.Sidecar, want: upgE("PNG\x00team\n", 0o644), sidecar: upgE("PNG\x00template\n", 0o644)},
	{name: "binary, only the template changed", path: "icon.png", v1: upgF("PNG\x00one\n"), v2: upgF("PNG\x00two\n"), keep: true,
		action: generator.Take, want: upgE("PNG\x00two\n", 0o644), noSidecar: true},
	{name: "binary, both added", path: "new.png", v2: upgF("PNG\x00template\n"), ours: upgContent("PNG\x00team\n"),
		action: generator.Sidecar, want: upgE("PNG\x00team\n", 0o644), sidecar: upgE("PNG\x00template\n", 0o644)},

	// The team's permission bits stand; the execute bit merges three ways.
	{name: "team made it private, template changed it", path: "secret.conf", v1: upgF("a\n"), v2: upgF("b\n"), ours: upgChmod(0o600),
		action: generator.Take, want: upgE("b\n", 0o600), noSidecar: true},
	{name: "team made it private, template made it executable", path: "private.sh", v1: upgF("echo\n"), v2: upgX("echo\n"), ours: upgChmod(0o600),
		action: generator.Take, want: upgE("echo\n", 0o700), noSidecar: true},
	{name: "team made it private, template did not change it", path: "private.txt", v1: upgF("p\n"), v2: upgF("p\n"), ours: upgChmod(0o600),
		action: generator.Unchanged, want: upgE("p\n", 0o600), noSidecar: true},
	{name: "team made it private and edited it, template changed it", path: "private-merge.txt", v1: upgF(upgMergeBase), v2: upgF(upgMergeTheirs), ours: upgContent(upgMergeOurs), chmod: 0o600,
		action: generator.Merge, want: upgE(upgMergeWant, 0o600), noSidecar: true},

	// A CRLF checkout (core.autocrlf=true) of an LF template is not an edit;
	// what is written keeps the file's CRLF.
	{name: "CRLF checkout, template changed it", path: "crlf-take.txt", v1: upgF("one\ntwo\n"), v2: upgF("one\nthree\n"), ours: upgContent("one\r\ntwo\r\n"),
		action: generator.Take, want: upgE("one\r\nthree\r\n", 0o644), noSidecar: true},
	{name: "CRLF checkout, template did not change it", path: "crlf-same.txt", v1: upgF("one\ntwo\n"), v2: upgF("one\ntwo\n"), ours: upgContent("one\r\ntwo\r\n"),
		action: generator.Unchanged, want: upgE("one\r\ntwo\r\n", 0o644), noSidecar: true},
	{name: "CRLF checkout edited, template changed other lines", path: "crlf-merge.txt", v1: upgF(upgMergeBase), v2: upgF(upgMergeTheirs),
		ours:   upgContent(strings.ReplaceAll(upgMergeOurs, "\n", "\r\n")),
		action: generator.Merge, want: upgE(strings.ReplaceAll(upgMergeWant, "\n", "\r\n"), 0o644), noSidecar: true},
	{name: "CRLF checkout edited, template changed the same lines", path: "crlf-conflict.txt", v1: upgF(upgClashBase), v2: upgF(upgClashTheirs),
		ours:   upgContent(strings.ReplaceAll(upgClashOurs, "\n", "\r\n")),
		action: generator.Conflict, want: upgE(strings.ReplaceAll(upgClashWant, "\n", "\r\n"), 0o644), noSidecar: true},
}

func TestUpgradeTrustRows(t *testing.T) {
	for _, r := range upgTrustRows {
		t.Run(r.name, func(t *testing.T) {
			rows := []upgRow{r}
			fsys, u := upgPlanRows(t, rows)
			c := upgChange(t, u.plan, r.path)
			if c.Action != r.action {
				t.Fatalf("action %v (%s), want %v", c.Action, c.Why(), r.action)
			}
			if err := u.plan.Apply(context.Background(), fsys, "svc"); err != nil {
				t.Fatal(err)
			}
			got := treetest.Files(treetest.Snapshot(t, fsys, "svc"))
			want := map[string]treetest.Entry{}
			if r.want != nil {
				want[r.path] = *r.want
			}
			if r.sidecar != nil {
				want[r.path+generator.SidecarSuffix] = *r.sidecar
			}
			mf, _ := u.theirs.File(generator.ManifestFile)
			want[generator.ManifestFile] = treetest.NewFile(string(mf.Data), 0o644)
			treetest.Equal(t, "after the upgrade", got, want)
			for p, e := range got {
				if strings.Contains(e.Data, "\x00") && strings.Contains(e.Data, "<<<<<<<") {
					t.Errorf("%s: conflict markers in a binary file", p)
				}
			}
		})
	}
}

// The base's execute bit comes from .gomicro.yml when the base content
// comes from git (which gives no mode): a template's chmod +x then reaches
// a project whose team left the mode alone.
func TestUpgradeModeFromManifest(t *testing.T) {
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{"run.sh": {data: "echo\n"}})
	v2 := upgTemplate(t, "2.0.0", map[string]upgFile{"run.sh": {data: "echo\n", mode: 0o755}})
	fsys := afero.NewMemMapFs()
	upgGenerate(t, fsys, "svc", v1, nil)
	u := upgPlan(t, fsys, "svc", nil, v2, nil) // no rendered base at all
	if c := upgChange(t, u.plan, "run.sh"); c.Action != generator.Take || c.Mode != 0o755 {
		t.Fatalf("run.sh: %v mode %o, want updated 755", c.Action, c.Mode)
	}
}

// A file the template turns into a directory, and back.
func TestUpgradeFileBecomesDirectory(t *testing.T) {
	asFile := map[string]upgFile{"conf": {data: "flat\n"}, "keep.txt": {data: "k\n"}}
	asDir := map[string]upgFile{"conf/app.yml": {data: "nested\n"}, "keep.txt": {data: "k\n"}}
	tests := []struct {
		name     string
		from, to map[string]upgFile
		team     map[string]string // files the team writes before the upgrade
		blocked  string            // the path that blocks it; "" for a clean upgrade
		want     map[string]string
	}{
		{name: "file to directory, untouched", from: asFile, to: asDir,
			want: map[string]string{"conf/app.yml": "nested\n", "keep.txt": "k\n"}},
		{name: "file to directory, file edited", from: asFile, to: asDir,
			team: map[string]string{"conf": "flat (team)\n"}, blocked: "conf/app.yml"},
		{name: "directory to file, untouched", from: asDir, to: asFile,
			want: map[string]string{"conf": "flat\n", "keep.txt": "k\n"}},
		{name: "directory to file, team added a file in it", from: asDir, to: asFile,
			team: map[string]string{"conf/mine.yml": "mine\n"}, blocked: "conf"},
		{name: "directory to file, team edited the file in it", from: asDir, to: asFile,
			team: map[string]string{"conf/app.yml": "nested (team)\n"}, blocked: "conf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, fsys := range []struct {
				name string
				fs   afero.Fs
			}{{"mem", afero.NewMemMapFs()}, {"os", upgRootFs(t)}} {
				t.Run(fsys.name, func(t *testing.T) {
					v1, v2 := upgTemplate(t, "1.0.0", tt.from), upgTemplate(t, "2.0.0", tt.to)
					upgGenerate(t, fsys.fs, ".", v1, nil)
					for p, data := range tt.team {
						upgWrite(t, fsys.fs, p, data, 0o644)
					}
					before := treetest.Snapshot(t, fsys.fs, ".")
					u := upgPlan(t, fsys.fs, ".", v1, v2, nil)
					if tt.blocked != "" {
						c := upgChange(t, u.plan, tt.blocked)
						if c.Action != generator.Blocked {
							t.Fatalf("%s: %v, want blocked", tt.blocked, c.Action)
						}
						if err := u.plan.Apply(context.Background(), fsys.fs, "."); err == nil {
							t.Fatal("Apply of a blocked plan succeeded")
						}
						treetest.Equal(t, "after a refused upgrade", treetest.Snapshot(t, fsys.fs, "."), before)
						return
					}
					if err := u.plan.Apply(context.Background(), fsys.fs, "."); err != nil {
						t.Fatal(err)
					}
					got := treetest.Files(treetest.Snapshot(t, fsys.fs, "."))
					delete(got, generator.ManifestFile)
					want := map[string]treetest.Entry{}
					for p, data := range tt.want {
						want[p] = treetest.NewFile(data, 0o644)
					}
					treetest.Equal(t, "after the upgrade", got, want)
				})
			}
		})
	}
}

// upgRootFs is a real directory behind the confined layer, as the CLI uses.
func upgRootFs(t testing.TB) *rootfs.Fs {
	t.Helper()
	root, err := rootfs.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

// Symlinks in the project are the team's: never replaced, never written
// through, reported as kept while the rest of the upgrade proceeds.
func TestUpgradeSymlinks(t *testing.T) {
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{
		"scripts/build.sh": {data: "build 1\n"}, "config.yml": {data: "c1\n"}, "README.md": {data: "r1\n"},
	})
	v2 := upgTemplate(t, "2.0.0", map[string]upgFile{
		"scripts/build.sh": {data: "build 2\n"}, "scripts/new.sh": {data: "new\n"}, "config.yml": {data: "c2\n"}, "README.md": {data: "r2\n"},
	})
	base := t.TempDir()
	project, outside := filepath.Join(base, "svc"), filepath.Join(base, "outside")
	for _, d := range []string{project, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	root, err := rootfs.Open(project)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	upgGenerate(t, root, ".", v1, nil)
	// The team keeps its scripts elsewhere and links config.yml to a shared file.
	for _, p := range []string{"scripts/build.sh", "config.yml"} {
		if err := os.Remove(filepath.Join(project, p)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(project, "scripts")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "build.sh"), []byte("build 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "shared.yml"), []byte("c1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../outside", filepath.Join(project, "scripts")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "shared.yml"), filepath.Join(project, "config.yml")); err != nil {
		t.Fatal(err)
	}

	u := upgPlan(t, root, ".", v1, v2, nil)
	for _, p := range []string{"scripts/build.sh", "scripts/new.sh", "config.yml"} {
		if c := upgChange(t, u.plan, p); c.Action != generator.KeepLink {
			t.Errorf("%s: %v, want kept (a symlink)", p, c.Action)
		}
	}
	if c := upgChange(t, u.plan, "README.md"); c.Action != generator.Take {
		t.Errorf("README.md: %v, want updated", c.Action)
	}
	if err := u.plan.Apply(context.Background(), root, "."); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(outside)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"build.sh", "shared.yml"}) {
		t.Errorf("outside/ now holds %v", names)
	}
	for name, want := range map[string]string{"build.sh": "build 1\n", "shared.yml": "c1\n"} {
		if data, _ := os.ReadFile(filepath.Join(outside, name)); string(data) != want {
			t.Errorf("outside/%s = %q, want %q", name, data, want)
		}
	}
	for _, p := range []string{"scripts", "config.yml"} {
		if info, err := os.Lstat(filepath.Join(project, p)); err != nil || info.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symlink: %v", p, err)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(project, "README.md")); string(data) != "r2\n" {
		t.Errorf("README.md = %q, want r2", data)
	}
}

// An existing sidecar holding something else is the team's: the upgrade is
// blocked rather than overwrite it. One holding the new version already is
// left alone and still counts as unresolved.
func TestUpgradeSidecarIsNeverOverwritten(t *testing.T) {
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{"a.txt": {data: "a1\n"}})
	v2 := upgTemplate(t, "2.0.0", map[string]upgFile{"a.txt": {data: "a2\n"}})
	for _, tt := range []struct {
		sidecar string
		blocked bool
	}{{"the team's notes\n", true}, {"a2\n", false}} {
		t.Run(tt.sidecar, func(t *testing.T) {
			fsys := afero.NewMemMapFs()
			upgGenerate(t, fsys, "svc", v1, nil)
			upgWrite(t, fsys, "svc/a.txt", "a (team)\n", 0o644)
			upgWrite(t, fsys, "svc/a.txt"+generator.SidecarSuffix, tt.sidecar, 0o644)
			before := treetest.Snapshot(t, fsys, "svc")
			u := upgPlan(t, fsys, "svc", nil, v2, nil) // no base: a sidecar
			c := upgChange(t, u.plan, "a.txt")
			if tt.blocked {
				if c.Action != generator.Blocked || !strings.Contains(c.Why(), "a.txt"+generator.SidecarSuffix) {
					t.Fatalf("a.txt: %v (%s), want blocked naming the sidecar", c.Action, c.Why())
				}
				if err := u.plan.Apply(context.Background(), fsys, "svc"); err == nil {
					t.Error("Apply succeeded")
				}
				treetest.Equal(t, "after a refused Apply", treetest.Snapshot(t, fsys, "svc"), before)
				return
			}
			if c.Action != generator.Sidecar {
				t.Fatalf("a.txt: %v, want the sidecar kept", c.Action)
			}
			if !slices.Equal(u.plan.Unresolved, []string{"a.txt" + generator.SidecarSuffix}) {
				t.Errorf("Unresolved = %q", u.plan.Unresolved)
			}
		})
	}
}

// Markers an upgrade wrote are unresolved until the team removes them.
func TestUpgradeUnresolvedMarkers(t *testing.T) {
	rows := []upgRow{{path: "conflict.txt", v1: upgF(upgClashBase), v2: upgF(upgClashTheirs), ours: upgContent(upgClashOurs)}}
	v1, v2 := upgVersions(t, rows)
	fsys := afero.NewMemMapFs()
	upgTeam(t, fsys, "svc", v1, rows)
	u := upgPlan(t, fsys, "svc", v1, v2, nil)
	if err := u.plan.Apply(context.Background(), fsys, "svc"); err != nil {
		t.Fatal(err)
	}
	again := upgPlan(t, fsys, "svc", v2, v2, nil)
	if !slices.Equal(again.plan.Unresolved, []string{"conflict.txt"}) {
		t.Errorf("after a conflict: Unresolved = %q", again.plan.Unresolved)
	}
	upgWrite(t, fsys, "svc/conflict.txt", "alpha\nbeta (resolved)\ngamma\n", 0o644)
	if resolved := upgPlan(t, fsys, "svc", v2, v2, nil); len(resolved.plan.Unresolved) > 0 {
		t.Errorf("after resolving: Unresolved = %q", resolved.plan.Unresolved)
	}
}

func TestReadManifestRefusesUnsafePaths(t *testing.T) {
	for _, p := range []string{"../x", "/etc/passwd", ".git/HEAD", "sub/.git/config", ".hg/store", ".svn/entries", "a/../b", "./a", "a//b", ".gomicro.yml", `a\b`} {
		t.Run(p, func(t *testing.T) {
			data := "format: 1\ntemplate: demo\nversion: 1.0.0\nfiles:\n  " + strconvQuote(p) + ": e69de29bb2d1d6434b8b29ae775ad8c2e48c5391\n"
			_, err := generator.ReadManifest([]byte(data))
			if err == nil || !strings.Contains(err.Error(), "refusing") {
				t.Errorf("ReadManifest with %q: err = %v, want a refusal", p, err)
			}
		})
	}
}

func strconvQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// A cancelled upgrade (SIGINT) changes nothing and leaves no staging behind.
func TestUpgradeApplyCancelled(t *testing.T) {
	v1, v2 := upgVersions(t, upgRows)
	root := upgRootFs(t)
	upgTeam(t, root, ".", v1, upgRows)
	before := treetest.Snapshot(t, root, ".")
	u := upgPlan(t, root, ".", v1, v2, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := u.plan.Apply(ctx, root, "."); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	treetest.Equal(t, "after a cancelled upgrade", treetest.Snapshot(t, root, "."), before)
	entries, _ := afero.ReadDir(root, ".")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".gomicro-") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// An upgrade of the project at the root of the confined layer removes the
// directories a deleted file leaves empty (it once did not, run as ".").
func TestUpgradeAtRootRemovesEmptyDirectories(t *testing.T) {
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{"old/dir/a.txt": {data: "a\n"}, "b.txt": {data: "b\n"}})
	v2 := upgTemplate(t, "2.0.0", map[string]upgFile{"b.txt": {data: "b\n"}})
	root := upgRootFs(t)
	upgGenerate(t, root, ".", v1, nil)
	u := upgPlan(t, root, ".", v1, v2, nil)
	if err := u.plan.Apply(context.Background(), root, "."); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Stat("old"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("old/ is still there: %v", err)
	}
}

// A project checked out with core.autocrlf=true, .gomicro.yml included, is
// current against its own template, and an upgrade keeps its line endings.
func TestUpgradeCRLFCheckoutIsCurrent(t *testing.T) {
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{"a.txt": {data: "a\nb\n"}, "c.txt": {data: "c\n"}})
	v2 := upgTemplate(t, "2.0.0", map[string]upgFile{"a.txt": {data: "a\nB\n"}, "c.txt": {data: "c\n"}})
	fsys := afero.NewMemMapFs()
	upgGenerate(t, fsys, "svc", v1, nil)
	for p, e := range treetest.Files(treetest.Snapshot(t, fsys, "svc")) {
		upgWrite(t, fsys, "svc/"+p, strings.ReplaceAll(e.Data, "\n", "\r\n"), e.Mode)
	}
	if u := upgPlan(t, fsys, "svc", v1, v1, nil); u.plan.Behind() {
		t.Errorf("a CRLF checkout is behind its own template:\n%s", u.plan.Diff())
	}
	u := upgPlan(t, fsys, "svc", v1, v2, nil)
	if err := u.plan.Apply(context.Background(), fsys, "svc"); err != nil {
		t.Fatal(err)
	}
	for p, e := range treetest.Files(treetest.Snapshot(t, fsys, "svc")) {
		if strings.Count(e.Data, "\n") != strings.Count(e.Data, "\r\n") {
			t.Errorf("%s lost its CRLF line endings: %q", p, e.Data)
		}
	}
	if again := upgPlan(t, fsys, "svc", v2, v2, nil); again.plan.Behind() {
		t.Errorf("behind right after the upgrade:\n%s", again.plan.Diff())
	}
}

// TestPlanGeneratedIsNoConflict: a file exactly as gomicro wrote it (its
// blob id is the one .gomicro.yml records) is never an unresolved conflict,
// whatever it holds: an UPGRADING.md that quotes gomicro's markers, or a
// config.yml.gomicro-new a template shipped before gomicro reserved the
// name. Edited, both still stop an upgrade.
func TestPlanGeneratedIsNoConflict(t *testing.T) {
	const upgrading = "# Upgrading\n\nA conflict looks like this:\n\n<<<<<<< ours\nyour lines\n=======\ntheirs\n>>>>>>> gomicro service@2.0.0\n"
	const shipped = "sidecar-looking, but the template's own\n"
	files := map[string]string{"UPGRADING.md": upgrading, "config.yml": "a: 1\n", "config.yml.gomicro-new": shipped}
	for _, tt := range []struct {
		name  string
		edit  map[string]string
		crlf  bool
		wants []string
	}{
		{name: "as generated"},
		{name: "a CRLF checkout as generated", crlf: true},
		{name: "edited", edit: map[string]string{"UPGRADING.md": upgrading + "ours\n", "config.yml.gomicro-new": "changed\n"},
			wants: []string{"UPGRADING.md", "config.yml.gomicro-new"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := afero.NewMemMapFs()
			recorded := "format: 1\ntemplate: t\nsource: ./t\nversion: 1.0.0\nfiles:\n"
			for _, p := range sortedMapKeys(files) {
				recorded += "  " + p + ": " + generator.BlobID([]byte(files[p])) + "\n"
				data := files[p]
				if e, ok := tt.edit[p]; ok {
					data = e
				}
				if tt.crlf {
					data = strings.ReplaceAll(data, "\n", "\r\n")
				}
				if err := afero.WriteFile(fsys, "svc/"+p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := afero.WriteFile(fsys, "svc/"+generator.ManifestFile, []byte(recorded), 0o644); err != nil {
				t.Fatal(err)
			}
			old, err := generator.ReadManifest([]byte(recorded))
			if err != nil {
				t.Fatal(err)
			}
			theirs := &generator.Tree{Files: []generator.File{
				{Path: generator.ManifestFile, Data: []byte(strings.Replace(recorded, "1.0.0", "2.0.0", 1)), Mode: 0o644},
				{Path: "UPGRADING.md", Data: []byte(upgrading), Mode: 0o644},
				{Path: "config.yml", Data: []byte("a: 2\n"), Mode: 0o644},
			}}
			plan, err := generator.PlanUpgrade(fsys, "svc", old, nil, theirs, "gomicro t@2.0.0")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(plan.Unresolved, tt.wants) {
				t.Errorf("Unresolved = %q, want %q", plan.Unresolved, tt.wants)
			}
		})
	}
}

func sortedMapKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
