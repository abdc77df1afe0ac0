package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// TestTemplateTestService runs the embedded template's own checks (vet, test,
// and its build: scripts/build.sh or go build) the way a template author
// does, fixed to two combinations to keep the suite fast; the full kind × ci
// × build matrix, and more than the checks, is templates' TestGeneratedServiceWorks.
func TestTemplateTestService(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests two generated services; skipped with -short")
	}
	testtool.Require(t, "go", "https://go.dev/doc/install")
	testtool.Require(t, "git", "apt-get install -y git")
	testtool.Require(t, "bash", "apt-get install -y bash")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("CIRCLE_ARTIFACTS", "") // build.sh writes to ./dist
	var stdout, stderr bytes.Buffer
	status := run([]string{"template", "test", "service",
		"--set", "kind=worker", "--set", "ci=github", "--set", "image=none", "--set", "platforms=linux,amd64"},
		IO{In: strings.NewReader(""), Out: &stdout, Err: &stderr})
	t.Logf("gomicro template test (exit %d):\n%s%s", status, stdout.String(), stderr.String())
	if status != 0 {
		t.Fatalf("exit %d, want 0", status)
	}
	for _, want := range []string{
		`^template service \d+\.\d+\.\d+: 2 combinations, 4 checks$`,
		`^ok   kind=worker ci=github build=script image=none \(\d+\.\ds\)$`,
		`^ok   kind=worker ci=github build=goreleaser image=none \(\d+\.\ds\)$`,
		`^2 passed, 0 failed$`,
	} {
		if !regexp.MustCompile(`(?m)` + want).MatchString(stdout.String()) {
			t.Errorf("no line matches %s", want)
		}
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Errorf("temporary projects left in $TMPDIR: %v", entries)
	}
}
