package generator_test

import (
	"context"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gomicro/gomicro/generator"
)

// FuzzRenderPath: whatever a name answer holds, Render either fails or
// writes only paths inside the project root.
func FuzzRenderPath(f *testing.F) {
	tmpl := mustLoad(f, tree(minimal+"questions:\n  - name: name\n", map[string]string{
		"{{ .name }}/x.txt":        "{{ .name }}",
		"a/{{ .name }}.txt":        "x",
		"b/{{ .name }}{{ .name }}": "y",
	}))
	for _, seed := range []string{
		"svc", "", ".", "..", "...", "../x", "a/b", `a\b`, `..\x`, "/", "/etc/passwd", "C:", `C:\x`,
		"x\x00", "\xff", "{{ .name }}", " ", "~", "$HOME", "%2e%2e", "．．", "..\u200b",
	} {
		f.Add(seed)
	}
	root := filepath.Join(f.TempDir(), "project")
	f.Fuzz(func(t *testing.T, name string) {
		answers, err := tmpl.Resolve(context.Background(), map[string]string{"name": name}, nil)
		if !utf8.ValidString(name) {
			// .gomicro.yml records answers as YAML text.
			if err == nil || !strings.HasSuffix(err.Error(), "answers must be UTF-8 text") {
				t.Fatalf("Resolve(%q) = %v, want it refused as not UTF-8", name, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Resolve: %v", err) // no rule: every UTF-8 string is an answer
		}
		tr, err := generator.Render(context.Background(), tmpl, answers)
		if err != nil {
			if strings.Contains(err.Error(), "\x00") && !strings.Contains(name, "\x00") {
				t.Errorf("error holds a NUL: %q", err)
			}
			return
		}
		for _, f := range tr.Files {
			p := f.Path
			if !filepath.IsLocal(filepath.FromSlash(p)) || !filepath.IsLocal(p) {
				t.Errorf("name %q: path %q is not local", name, p)
			}
			if slices.Contains(strings.Split(p, "/"), "..") || path.Clean(p) != p {
				t.Errorf("name %q: path %q has a .. segment or is not clean", name, p)
			}
			full := filepath.Join(root, filepath.FromSlash(p))
			if !strings.HasPrefix(full, root+string(filepath.Separator)) {
				t.Errorf("name %q: path %q lands at %s, outside %s", name, p, full, root)
			}
		}
		if name != "" && len(tr.Files) != 4 || name == "" && len(tr.Files) != 2 {
			t.Errorf("name %q: %d files", name, len(tr.Files))
		}
		mf, _ := tr.File(generator.ManifestFile)
		m, err := generator.ReadManifest(mf.Data)
		if err != nil {
			t.Fatalf("name %q: ReadManifest: %v", name, err)
		}
		if m.Answers["name"] != name {
			t.Errorf("name %q: read back as %q", name, m.Answers["name"])
		}
		if len(m.Files) != len(tr.Files)-1 {
			t.Errorf("name %q: manifest lists %d files, tree has %d", name, len(m.Files), len(tr.Files)-1)
		}
	})
}
