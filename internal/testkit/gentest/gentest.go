// Package gentest generates projects from the embedded templates for tests
// in other packages: the golden trees, the builds of generated services, the
// upload script's and the CI configs' checks all start the same way.
package gentest

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/gittest"
	"github.com/gomicro/gomicro/templates"
)

// TestUser are the default answers of the user every test generates as,
// as if from their gomicro config file: a template's own default for the
// GitHub owner is this machine's git config, which a test must not see.
var TestUser = map[string]string{"github_username": "acme"}

// Load loads the embedded template name as the CLI would for TestUser,
// with no Machine: a goVersion default is the Go running the test, which
// is the one that builds the generated project.
func Load(t testing.TB, name string) *generator.Template {
	t.Helper()
	fsys, err := templates.Lookup(name)
	return load(t, name, fsys, err)
}

// LoadRelease is Load for release version of the embedded template name,
// from its history (templates.Snapshot).
func LoadRelease(t testing.TB, name, version string) *generator.Template {
	t.Helper()
	fsys, err := templates.Snapshot(name, version)
	return load(t, name, fsys, err)
}

func load(t testing.TB, name string, fsys fs.FS, err error) *generator.Template {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := generator.Load(fsys, "embedded:"+name)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.UserDefaults = TestUser
	return tmpl
}

// Combinations are the answer sets `gomicro template test` would try for
// the embedded template name: every choice and bool question varied (those
// whose when holds), in the template's own order, the defaults first.
// Tests that check every combination take their matrix from here, so a new
// choice in the template is in the matrix without a test edit.
func Combinations(t testing.TB, name string) []map[string]string {
	t.Helper()
	sets, _, err := Load(t, name).Combinations(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return sets
}

// Render renders the embedded template name with the answers in set and the
// defaults for the rest.
func Render(t testing.TB, name string, set map[string]string) *generator.Tree {
	t.Helper()
	return RenderTemplate(t, Load(t, name), set)
}

// RenderTemplate renders tmpl with the answers in set and the defaults for
// the rest.
func RenderTemplate(t testing.TB, tmpl *generator.Template, set map[string]string) *generator.Tree {
	t.Helper()
	answers, err := tmpl.Resolve(context.Background(), set, nil)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := generator.Render(context.Background(), tmpl, answers)
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
// VERSION, GOOS, a git dir, tokens, the service's own settings, and any
// S3_* or AWS_* variable: this machine's credentials never reach a
// generated script), with the local Go toolchain pinned and no user or
// system git configuration.
//
// GOCACHE is pinned too, to the build cache go test itself uses: every
// generated project builds into it, so the standard library (plain, with the
// race detector, for each cross-compiled target) is compiled once per
// machine and then found there by every project, every run, even by a test
// that has pointed HOME or XDG_CACHE_HOME elsewhere.
//
// GOGC=400: most of a cold run is the compiler building the standard
// library for each variant (race, each target); with less garbage
// collection it does that with about 12% less CPU (linux/arm's: 31.5 to
// 27.8 CPU-s). The services and tests that also run under it behave the
// same; they collect garbage less often.
func ProjectEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "S3_") || strings.HasPrefix(k, "AWS_") {
			continue
		}
		switch k {
		case "ARTIFACTS_DIR", "CIRCLE_ARTIFACTS", "UPLOAD_TAG", "CIRCLE_TAG", "GITHUB_REF_TYPE", "GITHUB_REF_NAME",
			"VERSION", "SOURCE_DATE_EPOCH", "GOTOOLCHAIN", "GOOS", "GOARCH",
			"CGO_ENABLED", "GOWORK", "GOGC", "GIT_DIR", "GIT_WORK_TREE", "GITHUB_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN",
			"GOCACHE",
			// The service's settings (its NAME.local.conf).
			"PORT", "INTERVAL", "SHUTDOWN_DRAIN", "LOG_FORMAT", "LOG_LEVEL":
		default:
			env = append(env, kv)
		}
	}
	if cache := goCache(); cache != "" {
		env = append(env, "GOCACHE="+cache)
	}
	env = append(env, "GOTOOLCHAIN=local", "GOWORK=off", "GOGC=400")
	return append(env, gittest.NoConfig...)
}

// startEnv is the environment the test binary started with, before any
// t.Setenv.
var startEnv = os.Environ()

// goCache is the build cache of the go command that ran the tests: $GOCACHE,
// else go env GOCACHE in the environment the test binary started with; ""
// when go cannot say (the projects' go then finds its own).
var goCache = sync.OnceValue(func() string {
	for _, kv := range startEnv {
		if v, ok := strings.CutPrefix(kv, "GOCACHE="); ok && v != "" {
			return v
		}
	}
	cmd := exec.Command("go", "env", "GOCACHE")
	cmd.Env = startEnv
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
})
