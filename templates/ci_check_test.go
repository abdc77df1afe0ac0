package templates_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/configcheck"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// ciConfigs are the file each ci answer generates.
var ciConfigs = map[string]string{
	"circleci": ".circleci/config.yml",
	"github":   ".github/workflows/ci.yml",
}

// checkCIConfig validates the CI config with the tools a team would meet:
// it runs the chosen build command, and passes CircleCI's schema (plus the
// references the schema cannot check, and shellcheck on every run: step) or
// actionlint with shellcheck.
func checkCIConfig(ctx context.Context, t *testing.T, dir, ci, build string) {
	file := ciConfigs[ci]
	ciYAML, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	wantCalls := map[string]string{"script": "scripts/build.sh", "goreleaser": "goreleaser"}[build]
	if !strings.Contains(string(ciYAML), wantCalls) {
		t.Errorf("build=%s: %s never runs %s", build, file, wantCalls)
	}
	switch ci {
	case "circleci":
		schema := testtool.RequireFile(t, configcheck.SchemaEnv, configcheck.DefaultSchemaPath, configcheck.SchemaInstall)
		for _, err := range configcheck.CircleCI(ciYAML, schema) {
			t.Errorf("%s: %v", file, err)
		}
		shellcheckRuns(ctx, t, dir, ciYAML)
	case "github":
		configcheck.Actionlint(t, dir)
	default:
		t.Fatalf("ci=%s: no check for this CI", ci)
	}
}

// shellcheckRuns runs shellcheck on every run: command of a CircleCI config,
// as actionlint does for GitHub workflows (CircleCI runs them with bash).
func shellcheckRuns(ctx context.Context, t *testing.T, dir string, ciYAML []byte) {
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
		cmd := exec.CommandContext(ctx, shellcheck, "--shell=bash", "--format=gcc", "-")
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
