// Package gentest generates projects from the embedded templates for tests
// in other packages: the golden trees, the builds of generated services, the
// upload script's and the CI configs' checks all start the same way.
package gentest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/templates"
)

// Combinations are the answer sets `gomicro template test` would try for
// the embedded template name: every choice and bool question varied (those
// whose when holds), in the template's own order, the defaults first.
// Tests that check every combination take their matrix from here, so a new
// choice in the template is in the matrix without a test edit.
func Combinations(t testing.TB, name string) []map[string]string {
	t.Helper()
	fsys, err := templates.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := generator.Load(fsys, "embedded:"+name)
	if err != nil {
		t.Fatal(err)
	}
	sets, _, err := tmpl.Combinations(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return sets
}

// Render renders the embedded template name with the answers in set and the
// defaults for the rest.
func Render(t testing.TB, name string, set map[string]string) *generator.Tree {
	t.Helper()
	fsys, err := templates.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := generator.Load(fsys, "embedded:"+name)
	if err != nil {
		t.Fatal(err)
	}
	answers, err := tmpl.Resolve(set, nil)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := generator.Render(tmpl, answers)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// Generate renders the embedded template name and writes it to a new
// directory called base under t.TempDir(), whose path it returns.
func Generate(t testing.TB, name string, set map[string]string, base string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), base)
	if _, err := generator.Write(context.Background(), afero.NewOsFs(), dir, Render(t, name, set), generator.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ProjectEnv is this process's environment without what would change how a
// generated project builds, runs or meets git (a CI's own artifacts dir,
// VERSION, GOOS, a git dir, tokens), with the local Go toolchain pinned and
// no user or system git configuration.
func ProjectEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "CIRCLE_ARTIFACTS", "VERSION", "PORT", "INTERVAL", "GOTOOLCHAIN", "GOOS", "GOARCH",
			"CGO_ENABLED", "GOWORK", "GIT_DIR", "GIT_WORK_TREE", "GITHUB_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN":
		default:
			env = append(env, kv)
		}
	}
	return append(env, "GOTOOLCHAIN=local", "GOWORK=off", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
}
