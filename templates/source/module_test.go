package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

const testModule = "example.com/acme/templates"

// moduleProxy writes a file:// GOPROXY serving testModule at each version,
// with a template in service/, and points the go command at it with a
// fresh module cache. Nothing leaves the machine.
func moduleProxy(t *testing.T, versions ...string) (proxy, modcache string) {
	t.Helper()
	proxy = filepath.Join(t.TempDir(), "proxy")
	at := filepath.Join(proxy, filepath.FromSlash(testModule), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	gomod := "module " + testModule + "\n\ngo 1.22\n"
	for _, v := range versions {
		src := t.TempDir()
		treetest.WriteDir(t, src, map[string]string{
			"go.mod":                   gomod,
			"service/template.yaml":    "name: service\nversion: " + strings.TrimPrefix(v, "v") + "\n",
			"service/README.md":        v + "\n",
			"service/scripts/build.sh": "#!/bin/sh\n",
		})
		zf, err := os.Create(filepath.Join(at, v+".zip"))
		if err != nil {
			t.Fatal(err)
		}
		if err := zip.CreateFromDir(zf, module.Version{Path: testModule, Version: v}, src); err != nil {
			t.Fatal(err)
		}
		if err := zf.Close(); err != nil {
			t.Fatal(err)
		}
		treetest.WriteDir(t, at, map[string]string{
			v + ".mod":  gomod,
			v + ".info": `{"Version":"` + v + `","Time":"2024-01-01T00:00:00Z"}` + "\n",
		})
	}
	treetest.WriteDir(t, at, map[string]string{"list": strings.Join(versions, "\n") + "\n"})

	modcache = filepath.Join(t.TempDir(), "modcache")
	for k, v := range map[string]string{
		"GOPROXY":     fileURL(proxy),
		"GOSUMDB":     "off",
		"GOPRIVATE":   "",
		"GONOPROXY":   "",
		"GOFLAGS":     "-modcacherw", // so that t.TempDir can remove the cache
		"GOMODCACHE":  modcache,
		"GOTOOLCHAIN": "local",
		"GOENV":       "off",
		"GOWORK":      "",
	} {
		t.Setenv(k, v)
	}
	return proxy, modcache
}

func TestModule(t *testing.T) {
	testtool.Require(t, "go", "https://go.dev/doc/install")
	proxy, _ := moduleProxy(t, "v1.0.0", "v1.1.0")
	ctx := context.Background()

	for src, want := range map[string]string{
		testModule + "//service@v1.0.0": "v1.0.0",
		testModule + "//service":        "v1.1.0",
		testModule + "//service@latest": "v1.1.0",
		testModule + "//service@v1.0":   "v1.0.0", // a query
	} {
		tree := openTree(t, ctx, src)
		if tree.Revision != want {
			t.Errorf("Open(%s): revision %s, want %s", src, tree.Revision, want)
		}
		if got := readString(t, tree.FS, "README.md"); got != want+"\n" {
			t.Errorf("Open(%s): README.md %q", src, got)
		}
	}

	for src, want := range map[string]string{
		testModule + "//service@v9.9.9": "template module " + testModule + "//service@v9.9.9: go mod download: " + testModule + "@v9.9.9: ",
		testModule + "//nope@v1.0.0":    "template module " + testModule + `//nope@v1.0.0: no template.yaml in "nope" of ` + testModule + "@v1.0.0",
		"example.com/acme/other@v1.0.0": "template module example.com/acme/other@v1.0.0: go mod download: example.com/acme/other@v1.0.0: ",
	} {
		spec, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Open(ctx, spec)
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Open(%s): %v\nwant one line starting: %s", src, err, want)
		}
	}

	// The proxy is gone and there is no go command: a version in the module
	// cache is still read, from the cache.
	if err := os.RemoveAll(proxy); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOPROXY", "off")
	t.Setenv("PATH", t.TempDir())
	spec, err := Parse(testModule + "//service")
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := OpenRevision(ctx, spec, "v1.0.0")
	if err != nil {
		t.Fatalf("OpenRevision from the module cache: %v", err)
	}
	if got := readString(t, fsys, "README.md"); got != "v1.0.0\n" {
		t.Errorf("OpenRevision: README.md %q", got)
	}
	if tree := openTree(t, ctx, testModule+"//service@v1.1.0"); tree.Revision != "v1.1.0" {
		t.Errorf("Open of an exact cached version: revision %s", tree.Revision)
	}
	_, err = Open(ctx, spec)
	if err == nil || !strings.Contains(err.Error(), "the go command is not installed") {
		t.Errorf("Open of latest without the go command: %v", err)
	}
	if _, err := OpenRevision(ctx, spec, "latest"); err == nil || !strings.Contains(err.Error(), "exact version") {
		t.Errorf("OpenRevision(latest): %v", err)
	}
	// Without the network: the cached version, and ErrNotCached for one
	// only a download would bring.
	if _, err := OpenCachedRevision(ctx, spec, "v1.0.0"); err != nil {
		t.Errorf("OpenCachedRevision of a cached version: %v", err)
	}
	if _, err := OpenCachedRevision(ctx, spec, "v9.9.9"); !errors.Is(err, ErrNotCached) {
		t.Errorf("OpenCachedRevision of a version not in the cache: %v, want ErrNotCached", err)
	}
}

// TestModCacheDir: GOMODCACHE is found where the go command finds it.
func TestModCacheDir(t *testing.T) {
	tmp := t.TempDir()
	envFile := filepath.Join(tmp, "goenv")
	home := filepath.Join(tmp, "home")
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	for _, c := range []struct {
		env     map[string]string
		envFile string
		want    string
	}{
		{map[string]string{"GOMODCACHE": "/m"}, "GOMODCACHE=/f\n", "/m"},
		{nil, "GOPATH=/g\nGOMODCACHE=/f\n", "/f"},
		{map[string]string{"GOPATH": "/a" + string(filepath.ListSeparator) + "/b"}, "", "/a/pkg/mod"},
		{nil, "GOPATH=/g\n", "/g/pkg/mod"},
		{nil, "", filepath.Join(home, "go", "pkg", "mod")},
		{map[string]string{"GOMODCACHE": "relative"}, "", ""},
	} {
		t.Setenv("GOMODCACHE", c.env["GOMODCACHE"])
		t.Setenv("GOPATH", c.env["GOPATH"])
		t.Setenv("GOENV", envFile)
		if err := os.WriteFile(envFile, []byte(c.envFile), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := modCacheDir(); got != filepath.FromSlash(c.want) {
			t.Errorf("env %v, env file %q: %q, want %q", c.env, c.envFile, got, c.want)
		}
	}
}
