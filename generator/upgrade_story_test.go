package generator_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
)

// The base is gathered file by file: a source's file counts only with the
// recorded digest, later sources fill what earlier ones lack, and a source
// is not asked once the base is complete.
func TestRecoverBase(t *testing.T) {
	old := &generator.Manifest{Files: map[string]string{
		"a.txt": generator.BlobID([]byte("a\n")),
		"b.txt": generator.BlobID([]byte("b\n")),
	}}
	files := func(m map[string]string) func(func(string) bool) (map[string]generator.File, error) {
		return func(func(string) bool) (map[string]generator.File, error) {
			out := map[string]generator.File{}
			for p, data := range m {
				out[p] = generator.File{Path: p, Data: []byte(data)}
			}
			return out, nil
		}
	}
	asked := false
	base, from := generator.RecoverBase(old, []generator.BaseSource{
		{Name: "broken", Files: func(func(string) bool) (map[string]generator.File, error) { return nil, errors.New("unreachable") }},
		{Name: "wrong", Files: files(map[string]string{"a.txt": "not a\n"})},
		{Name: "history", Files: files(map[string]string{"a.txt": "a\n"})},
		{Name: "git", Files: files(map[string]string{"a.txt": "a\n", "b.txt": "b\n"})},
		{Name: "never", Files: func(func(string) bool) (map[string]generator.File, error) { asked = true; return nil, nil }},
	})
	if len(base) != 2 || string(base["a.txt"].Data) != "a\n" || string(base["b.txt"].Data) != "b\n" {
		t.Errorf("base = %v", base)
	}
	if from != "history (1 files), git (1 files)" {
		t.Errorf("from = %q", from)
	}
	if asked {
		t.Error("a source was asked after the base was complete")
	}
	if _, from := generator.RecoverBase(old, nil); !strings.HasPrefix(from, "none found") {
		t.Errorf("no sources: from = %q", from)
	}
}

// Upgrade refuses another template or an older version before anything else.
func TestUpgradeRefusesOtherOrOlderTemplate(t *testing.T) {
	v2 := upgTemplate(t, "2.0.0", map[string]upgFile{"a.txt": {data: "a\n"}})
	fsys := afero.NewMemMapFs()
	upgGenerate(t, fsys, "svc", v2, nil)
	old := upgManifest(t, fsys, "svc")
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{"a.txt": {data: "a\n"}})
	if _, err := generator.Upgrade(context.Background(), generator.UpgradeRequest{Project: fsys, Dir: "svc", Old: old, Theirs: v1}); err == nil || !strings.Contains(err.Error(), "older") {
		t.Errorf("older: err = %v", err)
	}
	other := *v2
	other.Name = "other"
	if _, err := generator.Upgrade(context.Background(), generator.UpgradeRequest{Project: fsys, Dir: "svc", Old: old, Theirs: &other}); err == nil || !strings.Contains(err.Error(), "not other") {
		t.Errorf("other template: err = %v", err)
	}
	u, err := generator.Upgrade(context.Background(), generator.UpgradeRequest{Project: fsys, Dir: "svc", Old: old, Theirs: v2})
	if err != nil {
		t.Fatal(err)
	}
	if u.Plan.Behind() || u.Label != "gomicro demo@2.0.0" {
		t.Errorf("same version: behind %v, label %q", u.Plan.Behind(), u.Label)
	}
}

// A file of the team's that the project's version control ignores (a
// secret .env) never becomes a conflict with index stages: the template's
// version goes to a sidecar and the team's file is left as it is. When the
// ignore question cannot be answered, the upgrade fails rather than risk it.
func TestUpgradeIgnoredFileIsSidecar(t *testing.T) {
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{"a.txt": {data: "a\n"}})
	v2 := upgTemplate(t, "2.0.0", map[string]upgFile{"a.txt": {data: "a\n"}, ".env": {data: "S3_SECRET=\n"}, "b.txt": {data: "b\n"}})
	fsys := afero.NewMemMapFs()
	upgGenerate(t, fsys, "svc", v1, nil)
	for p, data := range map[string]string{"svc/.env": "S3_SECRET=hush\n", "svc/b.txt": "team b\n"} {
		if err := afero.WriteFile(fsys, p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := upgManifest(t, fsys, "svc")
	var asked []string
	req := generator.UpgradeRequest{Project: fsys, Dir: "svc", Old: old, Theirs: v2,
		Ignored: func(paths []string) ([]string, error) {
			asked = append(asked, paths...)
			return []string{".env"}, nil
		}}
	u, err := generator.Upgrade(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(asked, " ") != ".env b.txt" {
		t.Errorf("asked about %q; want the two conflicts", asked)
	}
	for _, c := range u.Plan.Changes {
		switch c.Path {
		case ".env":
			if c.Action != generator.Sidecar || c.Note != generator.IgnoredNote || c.Base != nil || c.Ours != nil || c.Theirs != nil || string(c.New) != "S3_SECRET=\n" {
				t.Errorf(".env: %v %q stages %v %v %v new %q; want a sidecar of theirs without stages", c.Action, c.Note, c.Base, c.Ours, c.Theirs, c.New)
			}
		case "b.txt":
			if c.Action != generator.Conflict || c.Ours == nil {
				t.Errorf("b.txt (not ignored): %v; want a conflict with stages", c.Action)
			}
		}
	}
	if err := u.Plan.Apply(context.Background(), fsys, "svc"); err != nil {
		t.Fatal(err)
	}
	if data, _ := afero.ReadFile(fsys, "svc/.env"); string(data) != "S3_SECRET=hush\n" {
		t.Errorf(".env = %q; the team's file must not be touched", data)
	}
	if data, _ := afero.ReadFile(fsys, "svc/.env"+generator.SidecarSuffix); string(data) != "S3_SECRET=\n" {
		t.Errorf(".env%s = %q", generator.SidecarSuffix, data)
	}

	fsys = afero.NewMemMapFs()
	upgGenerate(t, fsys, "svc", v1, nil)
	afero.WriteFile(fsys, "svc/.env", []byte("S3_SECRET=hush\n"), 0o600)
	req.Project, req.Old = fsys, upgManifest(t, fsys, "svc")
	req.Ignored = func([]string) ([]string, error) { return nil, errors.New("git broke") }
	if _, err := generator.Upgrade(context.Background(), req); err == nil || !strings.Contains(err.Error(), "git broke") {
		t.Errorf("ignore question failing: err = %v; want the upgrade to fail", err)
	}
}
