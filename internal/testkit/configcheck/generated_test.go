package configcheck_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/configcheck"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
	"github.com/gomicro/gomicro/templates"
)

// The answers of the default template's CI and build questions, and the file
// each one generates.
var (
	ciConfig = map[string]string{
		"circleci": ".circleci/config.yml",
		"github":   ".github/workflows/ci.yml",
	}
	buildConfig = map[string]string{
		"script":     "scripts/build.sh",
		"goreleaser": configcheck.GoReleaserConfig,
	}
	// Until a template asks a question, every project gets its first value.
	ciAnswers    = []string{"circleci", "github"}
	buildAnswers = []string{"script", "goreleaser"}
)

// TestGeneratedConfigs renders the default template for every combination of
// kind × ci × build and validates the CI and build configurations with the
// tools a team would meet: CircleCI's schema (and the references it cannot
// check), actionlint with shellcheck, goreleaser check and a snapshot release.
func TestGeneratedConfigs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs actionlint and goreleaser builds on generated projects; skipped with -short")
	}
	fsys, err := templates.Lookup("service")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := generator.Load(fsys, "embedded:service")
	if err != nil {
		t.Fatal(err)
	}
	kinds := choices(t, tmpl, "kind", []string{"web", "worker"})
	cis := choices(t, tmpl, "ci", ciAnswers)
	builds := choices(t, tmpl, "build", buildAnswers)
	_, askCI := tmpl.Question("ci")
	_, askBuild := tmpl.Question("build")
	t.Logf("template %s %s: %d combinations (kind %v × ci %v × build %v)",
		tmpl.Name, tmpl.Version, len(kinds)*len(cis)*len(builds), kinds, cis, builds)

	for _, kind := range kinds {
		for _, ci := range cis {
			for _, build := range builds {
				t.Run(kind+"-"+ci+"-"+build, func(t *testing.T) {
					t.Parallel()
					set := map[string]string{"kind": kind}
					if kind == "worker" {
						// Two targets: one archive each, named by target.
						set["name"], set["platforms"] = "reaper", "linux,amd64 darwin,arm64"
					} else {
						set["platforms"] = "linux,amd64"
					}
					if askCI {
						set["ci"] = ci
					}
					if askBuild {
						set["build"] = build
					}
					dir := generate(t, set)
					checkGenerated(t, dir, ci, build)
				})
			}
		}
	}
}

// choices returns the answers to test for a question: its choices, which
// must be the documented ones; or, while the template does not ask it yet,
// the first documented answer only.
func choices(t *testing.T, tmpl *generator.Template, key string, documented []string) []string {
	t.Helper()
	q, ok := tmpl.Question(key)
	if !ok {
		t.Logf("template %s %s does not ask %q yet: testing %s=%s only", tmpl.Name, tmpl.Version, key, key, documented[0])
		return documented[:1]
	}
	if !slices.Equal(slices.Sorted(slices.Values(q.Choices)), slices.Sorted(slices.Values(documented))) {
		t.Errorf("question %q offers %v, want %v", key, q.Choices, documented)
	}
	if q.Default != documented[0] {
		t.Errorf("question %q defaults to %q, want %q", key, q.Default, documented[0])
	}
	return q.Choices
}

// generate writes the default service with set into a directory named as
// the service, as gomicro new does.
func generate(t *testing.T, set map[string]string) string {
	name := set["name"]
	if name == "" {
		name = "oddjob"
	}
	return gentest.Generate(t, "service", set, name)
}

// checkGenerated validates the CI and build configs of a project generated
// with the given ci and build answers.
func checkGenerated(t *testing.T, dir, ci, build string) {
	// The answer's files are there, the other answer's are not.
	for answer, file := range ciConfig {
		if _, err := os.Stat(filepath.Join(dir, file)); (err == nil) != (answer == ci) {
			t.Errorf("ci=%s: %s exists: %v", ci, file, err == nil)
		}
	}
	if ci != "github" {
		if wf := configcheck.WorkflowFiles(dir); len(wf) != 0 {
			t.Errorf("ci=%s: GitHub workflows generated: %v", ci, wf)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, buildConfig[build])); err != nil {
		t.Errorf("build=%s: %v", build, err)
	}
	if build != "goreleaser" {
		if _, err := os.Stat(filepath.Join(dir, configcheck.GoReleaserConfig)); err == nil {
			t.Errorf("build=%s: %s generated", build, configcheck.GoReleaserConfig)
		}
	}
	if t.Failed() {
		return
	}

	// CI runs the chosen build command.
	ciFile := filepath.Join(dir, ciConfig[ci])
	ciYAML, err := os.ReadFile(ciFile)
	if err != nil {
		t.Fatal(err)
	}
	wantCalls := map[string]string{"script": "scripts/build.sh", "goreleaser": "goreleaser"}[build]
	if !strings.Contains(string(ciYAML), wantCalls) {
		t.Errorf("build=%s: %s never runs %s", build, ciConfig[ci], wantCalls)
	}

	switch ci {
	case "circleci":
		path := testtool.RequireFile(t, configcheck.SchemaEnv, configcheck.DefaultSchemaPath, configcheck.SchemaInstall)
		for _, err := range configcheck.CircleCI(ciYAML, path) {
			t.Errorf("%s: %v", ciConfig[ci], err)
		}
		shellcheckRuns(t, dir, ciYAML)
	case "github":
		configcheck.Actionlint(t, dir)
	}
	if build == "goreleaser" {
		configcheck.GoReleaserCheck(t, dir)
	}
}

// shellcheckRuns runs shellcheck on every run: command of a CircleCI config,
// as actionlint does for GitHub workflows (CircleCI runs them with bash).
func shellcheckRuns(t *testing.T, dir string, ciYAML []byte) {
	t.Helper()
	shellcheck := testtool.Require(t, "shellcheck", configcheck.ShellcheckInstall)
	runs, err := configcheck.CircleCIRuns(ciYAML)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) == 0 {
		t.Error("the CircleCI config runs no commands")
	}
	for _, r := range runs {
		if strings.Contains(r.Command, "<<") && strings.Contains(r.Command, ">>") {
			t.Logf("%s: not shellchecked: holds CircleCI << parameters >>", r.Where)
			continue
		}
		cmd := exec.Command(shellcheck, "--shell=bash", "--format=gcc", "-")
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(r.Command)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("shellcheck on %s: %v\n%s\n%s", r.Where, err, numbered(r.Command), out)
		}
	}
}

func numbered(script string) string {
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
		fmt.Fprintf(&b, "%4d | %s\n", i+1, line)
	}
	return b.String()
}
