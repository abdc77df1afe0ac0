package complete

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/gomicro/gomicro/generator"
)

func TestDirs(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"tpl", "sub/inner", ".hidden"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range map[string]string{"tpl/template.yaml": "name: tpl\n", "afile": "x"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for typed, want := range map[string][]string{
		dir + "/":     {dir + "/sub/", dir + "/tpl/\ttemplate"},
		dir + "/s":    {dir + "/sub/"},
		dir + "/sub/": {dir + "/sub/inner/"},
		dir + "/.h":   {dir + "/.hidden/"},
		dir + "/a":    nil,
		dir + "/none": nil,
	} {
		if got := Dirs(typed); !slices.Equal(got, want) {
			t.Errorf("Dirs(%q) = %q, want %q", typed, got, want)
		}
	}
}

func TestSet(t *testing.T) {
	tmpl, err := generator.Load(fstest.MapFS{
		"template.yaml": {Data: []byte("name: t\nversion: 1.0.0\nquestions:\n" +
			"  - name: kind\n    prompt: Kind\n    choices: [web, worker]\n    default: web\n" +
			"  - name: metrics\n    prompt: Metrics\n    type: bool\n    default: \"false\"\n" +
			"  - name: owner\n    prompt: Owner\n    default: me\n" +
			"  - name: regions\n    prompt: Regions\n    type: multi\n    choices: [us, eu, ap]\n")},
	}, "t")
	if err != nil {
		t.Fatal(err)
	}
	load := func(string) (*generator.Template, error) { return tmpl, nil }
	for _, tt := range []struct {
		given   []string
		typed   string
		want    []string
		noSpace bool
	}{
		{nil, "", []string{"kind=\tKind", "metrics=\tMetrics", "owner=\tOwner", "regions=\tRegions"}, true},
		{[]string{"kind=web"}, "", []string{"metrics=\tMetrics", "owner=\tOwner", "regions=\tRegions"}, true},
		{nil, "regions=", []string{"regions=us", "regions=eu", "regions=ap"}, true},
		{nil, "regions=us,", []string{"regions=us,eu", "regions=us,ap"}, true},
		{nil, "regions=us,a", []string{"regions=us,ap"}, true},
		{nil, "kind=", []string{"kind=web", "kind=worker"}, false},
		{nil, "kind=wo", []string{"kind=worker"}, false},
		{nil, "metrics=", []string{"metrics=true", "metrics=false"}, false},
		{nil, "owner=", nil, false},
		{nil, "nope=", nil, false},
	} {
		got, noSpace, err := Set("", tt.given, tt.typed, load)
		if err != nil || !slices.Equal(got, tt.want) || noSpace != tt.noSpace {
			t.Errorf("Set(%q, %q) = %q, %v, %v; want %q, %v", tt.given, tt.typed, got, noSpace, err, tt.want, tt.noSpace)
		}
	}
	// A git template is not fetched; a template that does not load is an error.
	if got, _, err := Set("https://example.com/t.git", nil, "", load); got != nil || err != nil {
		t.Errorf("a git template: %q, %v; want nothing", got, err)
	}
	fail := func(string) (*generator.Template, error) { return nil, errors.New("broken") }
	if _, _, err := Set("", nil, "", fail); err == nil {
		t.Error("a template that does not load: no error")
	}
}
