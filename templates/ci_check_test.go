package templates_test

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/semver"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/configcheck"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// ciConfigs are the file each ci answer generates.
var ciConfigs = map[string]string{
	"circleci": ".circleci/config.yml",
	"github":   ".github/workflows/ci.yml",
}

// minActionMajors are the oldest majors of the actions the workflow uses
// that run on Node 24 (GitHub's runners retire Node 20).
var minActionMajors = map[string]int{
	"actions/checkout":                      5,
	"actions/setup-go":                      6,
	"actions/upload-artifact":               6,
	"actions/download-artifact":             7,
	"goreleaser/goreleaser-action":          7,
	"aws-actions/configure-aws-credentials": 5,
}

// linters are the checks both CIs run through scripts/lint.sh, which runs
// each with go run "PKG@$VAR" ./..., VAR set once at its top to a release
// no older than min, the first to support Go 1.26.
var linters = []struct{ name, pkg, variable, min string }{
	{"staticcheck", "honnef.co/go/tools/cmd/staticcheck", "STATICCHECK_VERSION", "v0.7.0"}, // staticcheck 2026.1
	{"govulncheck", "golang.org/x/vuln/cmd/govulncheck", "GOVULNCHECK_VERSION", "v1.8.0"},
}

// lintScript runs the linters, at the versions it alone pins.
const lintScript = "scripts/lint.sh"

// uploadVars are the variables scripts/upload.sh reads: a CI setting any
// other for it has a typo.
var uploadVars = []string{
	"S3_KEY", "S3_SECRET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION",
	"S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL",
	"S3_BUCKET", "ARTIFACTS_DIR", "CIRCLE_ARTIFACTS", "UPLOAD_TAG", "CIRCLE_TAG",
}

const uploadCommand = "scripts/upload.sh --if-configured"

// dependabotFile is Dependabot's config, which both CIs' projects have.
const dependabotFile = ".github/dependabot.yml"

// checkCIConfig validates the CI config of the project in dir with the tools
// a team would meet (CircleCI's schema plus the references the schema cannot
// check and shellcheck on every run: step, or actionlint with shellcheck), and
// checks it does what the template promises (ciProblems), for the answers in
// the project's .gomicro.yml (aws_role_arn, go_version and the rest); ci and
// build must be the ones recorded there.
func checkCIConfig(ctx context.Context, t *testing.T, dir, ci, build string) {
	fsys := os.DirFS(dir)
	answers := projectAnswers(t, fsys)
	if answers["ci"] != ci || answers["build"] != build {
		t.Fatalf("ci=%s build=%s, but %s records ci=%s build=%s", ci, build, generator.ManifestFile, answers["ci"], answers["build"])
	}
	for _, p := range ciProblems(ctx, fsys, answers) {
		t.Error(p)
	}
	file := ciConfigs[ci]
	switch ci {
	case "circleci":
		ciYAML, err := fs.ReadFile(fsys, file)
		if err != nil {
			t.Fatal(err)
		}
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
	checkDependabotSchema(t, fsys)
}

// checkDependabotSchema validates the project's .github/dependabot.yml
// against Dependabot's published schema (schemastore's dependabot-2.0.json).
func checkDependabotSchema(t *testing.T, fsys fs.FS) {
	t.Helper()
	data, err := fs.ReadFile(fsys, dependabotFile)
	if err != nil {
		t.Fatal(err)
	}
	schema := configcheck.RequireDependabotSchema(t)
	for _, err := range configcheck.Dependabot(data, schema) {
		t.Errorf("%s: %v", dependabotFile, err)
	}
}

// TestDependabotConfig validates both CIs' Dependabot configs against the
// published schema: rendered in memory, so it runs under -short too.
func TestDependabotConfig(t *testing.T) {
	for _, ci := range []string{"circleci", "github"} {
		t.Run("ci="+ci, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range gentest.Render(t, "service", map[string]string{"github_username": "acme", "ci": ci}).Files {
				fsys[f.Path] = &fstest.MapFile{Data: f.Data, Mode: f.Mode}
			}
			checkDependabotSchema(t, fsys)
			if problems := dependabotProblems(fsys, projectAnswers(t, fsys)); len(problems) != 0 {
				t.Error(strings.Join(problems, "\n"))
			}
		})
	}
}

type dependabotGroup struct {
	Patterns []string `yaml:"patterns"`
}

// dependabotProblems checks .github/dependabot.yml does what the template
// promises: weekly, grouped updates of the Go modules and, with GitHub
// Actions, of the actions (Dependabot reads no CircleCI config), each
// ecosystem once, for the whole repository.
func dependabotProblems(fsys fs.FS, answers map[string]string) []string {
	data, err := fs.ReadFile(fsys, dependabotFile)
	if err != nil {
		return []string{fmt.Sprintf("no %s: %v", dependabotFile, err)}
	}
	var cfg struct {
		Version int `yaml:"version"`
		Updates []struct {
			Ecosystem string `yaml:"package-ecosystem"`
			Directory string `yaml:"directory"`
			Schedule  struct {
				Interval string `yaml:"interval"`
			} `yaml:"schedule"`
			Groups map[string]dependabotGroup `yaml:"groups"`
		} `yaml:"updates"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return []string{fmt.Sprintf("%s: YAML: %v", dependabotFile, err)}
	}
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, dependabotFile+": "+fmt.Sprintf(format, args...))
	}
	want := []string{"gomod"}
	if answers["ci"] == "github" {
		want = append(want, "github-actions")
	}
	var have []string
	for _, u := range cfg.Updates {
		have = append(have, u.Ecosystem)
		if u.Directory != "/" {
			bad("%s: directory %q, want / (the whole repository)", u.Ecosystem, u.Directory)
		}
		if u.Schedule.Interval != "weekly" {
			bad("%s: schedule interval %q, want weekly", u.Ecosystem, u.Schedule.Interval)
		}
		if !slices.ContainsFunc(slices.Collect(maps.Values(u.Groups)), func(g dependabotGroup) bool { return slices.Contains(g.Patterns, "*") }) {
			bad("%s: updates not grouped into one pull request (groups: NAME: patterns: [\"*\"])", u.Ecosystem)
		}
	}
	if cfg.Version != 2 || !slices.Equal(have, want) {
		bad("version %d, ecosystems %v: want version 2 and %v (ci=%s)", cfg.Version, have, want, answers["ci"])
	}
	return problems
}

// TestCIConfigOIDC puts the GitHub workflow that assumes an AWS role with
// OIDC (aws_role_arn set, which the kind × ci × build matrix leaves empty)
// through checkCIConfig: actionlint, and the OIDC step exactly where the
// upload needs it.
func TestCIConfigOIDC(t *testing.T) {
	ctx := testtool.Context(t)
	for _, build := range []string{"script", "goreleaser"} {
		t.Run("build="+build, func(t *testing.T) {
			set := map[string]string{
				"github_username": "acme", "ci": "github", "build": build,
				"aws_role_arn": "arn:aws:iam::123456789012:role/ci-upload",
			}
			dir := gentest.Generate(t, "service", set, "oddjob")
			checkCIConfig(ctx, t, dir, "github", build)
		})
	}
}

// TestCIConfigChecks shows that ciProblems passes every rendered CI config
// and catches each way of breaking one: the configs are rendered in memory
// (cheap, so this runs under -short too) and edited one way at a time.
func TestCIConfigChecks(t *testing.T) {
	testtool.Require(t, "bash", "apt-get install -y bash") // the CircleCI upload step is run with bash
	ctx := testtool.Context(t)
	render := func(t *testing.T, set map[string]string) fstest.MapFS {
		t.Helper()
		set = maps.Clone(set)
		set["github_username"] = "acme"
		fsys := fstest.MapFS{}
		for _, f := range gentest.Render(t, "service", set).Files {
			fsys[f.Path] = &fstest.MapFile{Data: f.Data, Mode: f.Mode}
		}
		return fsys
	}
	const role = "arn:aws:iam::123456789012:role/ci-upload"

	t.Run("rendered", func(t *testing.T) {
		sets := gentest.Combinations(t, "service")
		sets = append(sets,
			map[string]string{"ci": "github", "build": "script", "aws_role_arn": role},
			map[string]string{"ci": "github", "build": "goreleaser", "aws_role_arn": role, "go_version": "1.25"},
			map[string]string{"ci": "circleci", "go_version": "1.27"},
		)
		for _, set := range sets {
			fsys := render(t, set)
			answers := projectAnswers(t, fsys)
			if problems := ciProblems(ctx, fsys, answers); len(problems) != 0 {
				t.Errorf("%v:\n%s", set, strings.Join(problems, "\n"))
			}
		}
	})

	tests := []struct {
		name     string
		set      map[string]string
		old, new string // the edit to the CI config (or to README.md when old starts with "README:")
		want     string // in one of the problems
	}{
		// README
		{"README without the linters", nil, "README:scripts/lint.sh ", "go vet ./... ", "README.md does not show scripts/lint.sh"},
		{"README pins staticcheck again", nil, "README:scripts/lint.sh ", "go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...\nscripts/lint.sh ", "belong in scripts/lint.sh alone"},
		{"CI pins govulncheck again", nil, "run: scripts/lint.sh\n", "run: scripts/lint.sh\n      - run: go run golang.org/x/vuln/cmd/govulncheck@v1.9.0 ./...\n", "belong in scripts/lint.sh alone"},
		{"no lint", nil, "run: scripts/lint.sh", "run: echo lint", "never runs scripts/lint.sh"},
		{"README without the upload", nil, "README:scripts/upload.sh --if-configured", "scripts/upload.sh", "README.md does not show"},
		{"README without the upload, CircleCI", map[string]string{"ci": "circleci"}, "README:scripts/upload.sh --if-configured", "scripts/upload.sh", "README.md does not show"},

		// GitHub Actions
		{"upload without --if-configured", nil, "run: scripts/upload.sh --if-configured", "run: scripts/upload.sh", "--if-configured"},
		{"upload on pull requests", nil, "if: github.event_name == 'push' && (github.ref == format('refs/heads/{0}', github.event.repository.default_branch) || startsWith(github.ref, 'refs/tags/'))", "if: always()", "only on pushes"},
		{"upload with no condition", nil, "    if: github.event_name == 'push' && (github.ref == format('refs/heads/{0}', github.event.repository.default_branch) || startsWith(github.ref, 'refs/tags/'))\n", "", "only on pushes"},
		{"upload from every branch", nil, "if: github.event_name == 'push' && (github.ref == format('refs/heads/{0}', github.event.repository.default_branch) || startsWith(github.ref, 'refs/tags/'))", "if: github.event_name == 'push'", "only on pushes to the default branch"},
		{"upload from no tag", nil, " || startsWith(github.ref, 'refs/tags/'))", ")", "of tags"},
		{"pushes to every branch", nil, "    branches: [main, master]\n", "    branches: [\"**\"]\n", "the default branch alone"},
		{"pushes to any branch", nil, "    branches: [main, master]\n", "", "the default branch alone"},
		{"no tags", nil, "    tags: [\"**\"]\n", "", "of tags"},
		{"no pull requests", nil, "  pull_request:\n", "", "pull_request"},
		{"old checkout", nil, "actions/checkout@v6\n        with:\n          persist-credentials: false\n      # setup-go", "actions/checkout@v4\n        with:\n          persist-credentials: false\n      # setup-go", "actions/checkout@v4"},
		{"old setup-go", nil, "actions/setup-go@v6", "actions/setup-go@v5", "actions/setup-go@v5"},
		{"old upload-artifact", nil, "actions/upload-artifact@v7", "actions/upload-artifact@v4", "actions/upload-artifact@v4"},
		{"old download-artifact", nil, "actions/download-artifact@v8", "actions/download-artifact@v4", "actions/download-artifact@v4"},
		{"action pinned to a branch", nil, "actions/download-artifact@v8", "actions/download-artifact@main", "a major"},
		{"old goreleaser-action", map[string]string{"build": "goreleaser"}, "goreleaser-action@v7", "goreleaser-action@v6", "goreleaser/goreleaser-action@v6"},
		{"no concurrency group", nil, "concurrency:\n", "concurrency_off:\n", "concurrency"},
		{"concurrency cancels pushes", nil, "cancel-in-progress: ${{ github.event_name == 'pull_request' }}", "cancel-in-progress: true", "pushes"},
		{"concurrency never cancels", nil, "cancel-in-progress: ${{ github.event_name == 'pull_request' }}", "cancel-in-progress: false", "superseded"},
		{"Go version not from go.mod", nil, "go-version-file: go.mod\n          cache-dependency-path: go.mod\n      - name: Vet", "go-version: '1.26'\n          cache-dependency-path: go.mod\n      - name: Vet", "go-version-file"},
		{"cache off", nil, "cache-dependency-path: go.mod\n      - name: Vet", "cache: false\n          cache-dependency-path: go.mod\n      - name: Vet", "cache"},
		{"cache on a missing go.sum", nil, "cache-dependency-path: go.mod\n      - name: Vet", "cache-dependency-path: go.sum\n      - name: Vet", "go.sum"},
		{"no race detector", nil, "run: go test -race ./...", "run: go test ./...", "go test -race ./..."},
		{"no vet", nil, "run: go vet ./...", "run: go build ./...", "go vet ./..."},
		{"staticcheck unpinned", nil, "LINT:STATICCHECK_VERSION=v0.8.2", "STATICCHECK_VERSION=latest", "not pinned"},
		{"staticcheck too old", nil, "LINT:STATICCHECK_VERSION=v0.8.2", "STATICCHECK_VERSION=v0.6.1", "v0.6.1"},
		{"staticcheck set twice", nil, "LINT:GOVULNCHECK_VERSION=v1.9.0\n", "GOVULNCHECK_VERSION=v1.9.0\nSTATICCHECK_VERSION=v0.8.3\n", "STATICCHECK_VERSION 2 times"},
		{"no govulncheck", nil, "LINT:go run \"golang.org/x/vuln", "echo \"golang.org/x/vuln", "never runs govulncheck"},
		{"no build", nil, "run: scripts/build.sh", "run: go build ./...", "scripts/build.sh"},
		{"no zip archives kept", nil, "            dist/*.zip\n", "", "dist/*.zip"},
		{"no checksums kept", nil, "            dist/*_checksums.txt\n", "", "dist/*_checksums.txt"},
		{"missing archives pass", nil, "if-no-files-found: error", "if-no-files-found: warn", "if-no-files-found"},
		{"upload before the build", nil, "    needs: build\n", "    needs: test\n", "after the build"},
		{"upload variable misspelt", nil, "S3_ENDPOINT: ${{", "S3_ENDPOIN: ${{", "S3_ENDPOIN"},
		{"secrets under S3 names", nil, "AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}", "S3_SECRET: ${{ secrets.S3_SECRET }}", "secrets.AWS_SECRET_ACCESS_KEY"},
		{"OIDC step without a role", nil, "      - name: Upload archives to S3", "      - uses: aws-actions/configure-aws-credentials@v6\n        with:\n          role-to-assume: x\n          aws-region: us-east-1\n      - name: Upload archives to S3", "configure-aws-credentials"},
		{"role: no OIDC step", map[string]string{"aws_role_arn": role}, "- uses: aws-actions/configure-aws-credentials@v6", "- uses: actions/setup-go@v6", "configure-aws-credentials"},
		{"role: another role", map[string]string{"aws_role_arn": role}, "role-to-assume: " + role, "role-to-assume: arn:aws:iam::123456789012:role/other", "role-to-assume"},
		{"role: no id-token permission", map[string]string{"aws_role_arn": role}, "id-token: write", "id-token: none", "id-token: write"},
		{"role: id-token for every job", map[string]string{"aws_role_arn": role}, "permissions:\n  contents: read\n", "permissions:\n  contents: read\n  id-token: write\n", "id-token"},
		{"role: stored keys too", map[string]string{"aws_role_arn": role}, "S3_REGION: ${{ vars.S3_REGION }}", "AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n          S3_REGION: ${{ vars.S3_REGION }}", "stored"},

		// The upgrade job (GitHub Actions)
		{"upgrade: no schedule", nil, "UPGRADE:  schedule:\n", "  schedule_off:\n", "schedule"},
		{"upgrade: another time", nil, "UPGRADE:- cron: \"0 18 * * 1\"", "- cron: \"0 0 * * 1\"", "cron"},
		{"upgrade: not on demand", nil, "UPGRADE:  workflow_dispatch:\n", "", "workflow_dispatch"},
		{"upgrade: on pushes", nil, "UPGRADE:  workflow_dispatch:\n", "  workflow_dispatch:\n  push:\n", "workflow_dispatch only"},
		{"upgrade: more permissions", nil, "UPGRADE:  pull-requests: write\n", "  pull-requests: write\n  actions: write\n", "permissions"},
		{"upgrade: no pull requests", nil, "UPGRADE:  pull-requests: write\n", "", "permissions"},
		{"upgrade: only the job's token", nil, "UPGRADE:secrets.GOMICRO_UPGRADE_TOKEN || github.token", "github.token", "GH_TOKEN"},
		{"upgrade: checkout keeps the token", nil, "UPGRADE:persist-credentials: false", "persist-credentials: true", "persist-credentials"},
		{"upgrade: old checkout", nil, "UPGRADE:actions/checkout@v6", "actions/checkout@v4", "old Node"},
		{"upgrade: script not run", nil, "UPGRADE:run: scripts/gomicro-upgrade.sh", "run: echo", "scripts/gomicro-upgrade.sh"},
		{"README without the dry run", nil, "README:DRY_RUN=1 scripts/gomicro-upgrade.sh", "scripts/gomicro-upgrade.sh", "DRY_RUN=1"},
		{"README without why the token", nil, "README:starts no workflow", "is slow", "starts no workflow"},

		// The container image (image=ko)
		{"image: on pull requests", map[string]string{"image": "ko"}, "  image:\n    if: github.event_name == 'push' && (", "  image:\n    if: always() && (", "only on pushes"},
		{"image: no packages permission", map[string]string{"image": "ko"}, "packages: write", "packages: read", "packages: write"},
		{"image: before the tests", map[string]string{"image": "ko"}, "    needs: test\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n      packages: write", "    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n      packages: write", "tests"},
		{"image: no default registry", map[string]string{"image": "ko"}, "vars.KO_DOCKER_REPO || 'ghcr.io/acme/oddjob'", "vars.KO_DOCKER_REPO", "KO_DOCKER_REPO"},
		{"image: not run", map[string]string{"image": "ko"}, "run: scripts/image.sh\n", "run: echo\n", "want 1"},
		{"image: README without it", map[string]string{"image": "ko"}, "README:scripts/image.sh", "scripts/other.sh", "README.md shows"},
		{"circleci: image without --if-configured", map[string]string{"ci": "circleci", "image": "ko"}, "scripts/image.sh --if-configured", "scripts/image.sh", "--if-configured"},
		{"circleci: image for fork pull requests", map[string]string{"ci": "circleci", "image": "ko"}, "if [[ -n ${CIRCLE_PR_NUMBER:-} ]]; then\n              echo \"image skipped", "if false; then\n              echo \"image skipped", "forks"},

		// CircleCI
		{"circleci: upload without --if-configured", map[string]string{"ci": "circleci"}, "scripts/upload.sh --if-configured", "scripts/upload.sh", "--if-configured"},
		{"circleci: upload for fork pull requests", map[string]string{"ci": "circleci"}, "if [[ -n ${CIRCLE_PR_NUMBER:-} ]]; then", "if false; then", "fork"},
		{"circleci: upload failure hidden", map[string]string{"ci": "circleci"}, "scripts/upload.sh --if-configured\n", "scripts/upload.sh --if-configured || true\n", "fails"},
		{"circleci: other Go", map[string]string{"ci": "circleci"}, "cimg/go:1.26", "cimg/go:1.25", "cimg/go:1.26"},
		{"circleci: no restore_cache", map[string]string{"ci": "circleci"}, "      - restore_cache:\n          keys:\n            - go-v1", "      - restore_cache_off:\n          keys:\n            - go-v1", "no restore_cache"},
		{"circleci: cache key without go.mod", map[string]string{"ci": "circleci"}, `-{{ checksum "go.mod" }}`, "", `checksum "go.mod"`},
		{"circleci: cache key without the Go version", map[string]string{"ci": "circleci"}, `go-v1-{{ checksum "/tmp/go-version" }}`, "go-v1", "Go version"},
		{"circleci: no build cache", map[string]string{"ci": "circleci"}, "            - ~/.cache/go-build\n", "", "~/.cache/go-build"},
		{"circleci: no module cache", map[string]string{"ci": "circleci"}, "            - ~/go/pkg/mod\n", "", "~/go/pkg/mod"},
		{"circleci: no race detector", map[string]string{"ci": "circleci"}, "command: go test -race ./...", "command: go test ./...", "go test -race ./..."},
		{"circleci: no lint", map[string]string{"ci": "circleci"}, "command: scripts/lint.sh", "command: echo lint", "never runs scripts/lint.sh"},
		{"circleci: no artifacts", map[string]string{"ci": "circleci"}, "      - store_artifacts:\n          path: /tmp/artifacts\n", "", "store_artifacts"},
		{"circleci: upgrade on every pipeline", map[string]string{"ci": "circleci"}, "        - equal: [scheduled_pipeline, << pipeline.trigger_source >>]\n", "", "only for the scheduled pipeline"},
		{"circleci: upgrade on any schedule", map[string]string{"ci": "circleci"}, "        - equal: [\"gomicro upgrade\", << pipeline.schedule.name >>]\n", "", "only for the scheduled pipeline"},
		{"circleci: upgrade with the build", map[string]string{"ci": "circleci"}, "      - gomicro-upgrade:\n          context: gomicro-upgrade\n", "      - build\n      - gomicro-upgrade:\n          context: gomicro-upgrade\n", "alone"},
		{"circleci: upgrade without a context", map[string]string{"ci": "circleci"}, "      - gomicro-upgrade:\n          context: gomicro-upgrade\n", "      - gomicro-upgrade\n", "context"},
		{"circleci: build on the upgrade schedule", map[string]string{"ci": "circleci"}, "    when:\n      not:\n        equal: [\"gomicro upgrade\", << pipeline.schedule.name >>]\n", "", "schedule too"},
		{"circleci: upgrade script not run", map[string]string{"ci": "circleci"}, "            scripts/gomicro-upgrade.sh\n", "            echo\n", "scripts/gomicro-upgrade.sh"},
		{"circleci: README without the schedule", map[string]string{"ci": "circleci"}, "README:context `gomicro-upgrade`", "context", "gomicro-upgrade"},
		{"circleci: upload from every branch", map[string]string{"ci": "circleci"}, "              only: [main, master]\n", "              only: /.*/\n", "default branch alone"},
		{"circleci: upload from no tag", map[string]string{"ci": "circleci"}, "              only: [main, master]\n            tags:\n              only: /.*/\n", "              only: [main, master]\n", "never uploads a tag"},
		{"circleci: tags never built", map[string]string{"ci": "circleci"}, "      - build:\n          filters:\n            tags:\n              only: /.*/\n", "      - build:\n          filters:\n", "tags are never built"},
		{"circleci: upload in the build job", map[string]string{"ci": "circleci"}, "      - persist_to_workspace:\n          root: /tmp/artifacts\n          paths:\n            - \"*\"\n\n  upload:\n    executor: go\n    environment:\n      ARTIFACTS_DIR: /tmp/artifacts\n    steps:\n      - checkout\n      - attach_workspace:\n          at: /tmp/artifacts\n", "", "a job of its own"},
		{"circleci: upload before the build", map[string]string{"ci": "circleci"}, "          requires: [build]\n", "", "does not require build"},
		{"circleci: archives not handed on", map[string]string{"ci": "circleci"}, "      - persist_to_workspace:\n", "      - persist_to_workspace_off:\n", "persist_to_workspace"},
		{"circleci: archives not taken", map[string]string{"ci": "circleci"}, "          at: /tmp/artifacts\n", "          at: /tmp/elsewhere\n", "attach_workspace"},
		{"dependabot: monthly", nil, "DEPENDABOT:interval: weekly", "interval: monthly", "weekly"},
		{"dependabot: actions not updated", nil, "DEPENDABOT:package-ecosystem: github-actions", "package-ecosystem: docker", "github-actions"},
		{"dependabot: not grouped", nil, "DEPENDABOT:    groups:\n      go-modules:\n        patterns: [\"*\"]\n", "", "grouped"},
		{"dependabot: part of the tree", nil, "DEPENDABOT:directory: /\n", "directory: /cmd\n", "whole repository"},
		{"circleci: dependabot without Go modules", map[string]string{"ci": "circleci"}, "DEPENDABOT:package-ecosystem: gomod", "package-ecosystem: docker", "gomod"},
		{"circleci: goreleaser zips not kept", map[string]string{"ci": "circleci", "build": "goreleaser"}, "dist/*.zip)", ")", "dist/*.zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := map[string]string{"ci": "github", "build": "script"}
			maps.Copy(set, tt.set)
			fsys := render(t, set)
			file, old := ciConfigs[set["ci"]], tt.old
			if o, ok := strings.CutPrefix(old, "README:"); ok {
				file, old = "README.md", o
			}
			if o, ok := strings.CutPrefix(old, "UPGRADE:"); ok {
				file, old = upgradeWorkflow, o
			}
			if o, ok := strings.CutPrefix(old, "DEPENDABOT:"); ok {
				file, old = dependabotFile, o
			}
			if o, ok := strings.CutPrefix(old, "LINT:"); ok {
				file, old = lintScript, o
			}
			data := string(fsys[file].Data)
			if !strings.Contains(data, old) {
				t.Fatalf("test bug: %q not in %s:\n%s", old, file, data)
			}
			fsys[file].Data = []byte(strings.ReplaceAll(data, old, tt.new))
			problems := ciProblems(ctx, fsys, projectAnswers(t, fsys))
			if len(problems) == 0 {
				t.Fatalf("no problem found in:\n%s", fsys[file].Data)
			}
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("no problem mentions %q:\n%s", tt.want, strings.Join(problems, "\n"))
			}
		})
	}
}

// projectAnswers reads the answers a project was generated with, as strings.
func projectAnswers(t testing.TB, fsys fs.FS) map[string]string {
	t.Helper()
	data, err := fs.ReadFile(fsys, generator.ManifestFile)
	if err != nil {
		t.Fatalf("reading the answers the project was made with: %v", err)
	}
	m, err := generator.ReadManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string]string{}
	for k, v := range m.Answers {
		answers[k] = fmt.Sprint(v)
	}
	return answers
}

// ciProblems checks that the CI config of the project in fsys does what the
// service template promises for answers: Go from the go_version answer; vet,
// the race detector, and scripts/lint.sh (staticcheck and govulncheck,
// pinned there alone, to releases that know Go 1.26); module and build
// caches; the chosen build, whose archives
// (.tar.gz, .zip) and checksums are kept; and scripts/upload.sh
// --if-configured after the build, on pushes only, never for a pull request
// from a fork, with credentials from secrets (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY) or, with an aws_role_arn answer, from that role by
// OIDC. GitHub's workflow also uses Node 24 action majors and cancels
// superseded pull request runs but never a push's. It returns one line per
// problem.
func ciProblems(ctx context.Context, fsys fs.FS, answers map[string]string) []string {
	ci := answers["ci"]
	file, ok := ciConfigs[ci]
	if !ok {
		return []string{fmt.Sprintf("ci=%s: no checks for this CI", ci)}
	}
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	goMod, _ := fs.ReadFile(fsys, "go.mod")
	if want := "go " + answers["go_version"]; !slices.Contains(strings.Split(string(goMod), "\n"), want) {
		problems = append(problems, fmt.Sprintf("go.mod has no %q line (CI takes its Go from there or from the go_version answer)", want))
	}
	// README.md shows the checks CI runs, as they are run there.
	readme, _ := fs.ReadFile(fsys, "README.md")
	if !hasLine(string(readme), lintScript, true) {
		problems = append(problems, fmt.Sprintf("README.md does not show %s, which CI runs", lintScript))
	}
	problems = append(problems, lintProblems(fsys)...)
	if !strings.Contains(string(readme), uploadCommand) {
		problems = append(problems, fmt.Sprintf("README.md does not show %q", uploadCommand))
	}
	problems = append(problems, upgradeJobProblems(fsys, answers)...)
	problems = append(problems, imageProblems(fsys, data, answers)...)
	problems = append(problems, dependabotProblems(fsys, answers)...)
	var more []string
	switch ci {
	case "circleci":
		more = circleCIProblems(ctx, data, answers)
	case "github":
		more = githubProblems(fsys, data, answers)
	}
	for _, p := range more {
		problems = append(problems, file+": "+p)
	}
	return problems
}

// lintProblems checks scripts/lint.sh runs each linter at a pinned release
// that knows Go 1.26, the version set once there, and that no other file of
// the project names a linter's version: CI and README.md run the script.
func lintProblems(fsys fs.FS) []string {
	var problems []string
	data, err := fs.ReadFile(fsys, lintScript)
	if err != nil {
		return []string{fmt.Sprintf("no %s: %v", lintScript, err)}
	}
	script := string(data)
	for _, l := range linters {
		set := regexp.MustCompile(`(?m)^`+l.variable+`=(\S+)`).FindAllStringSubmatch(script, -1)
		if len(set) != 1 {
			problems = append(problems, fmt.Sprintf("%s sets %s %d times, want once", lintScript, l.variable, len(set)))
			continue
		}
		switch v := set[0][1]; {
		case !semver.IsValid(v) || semver.Prerelease(v) != "" || semver.Build(v) != "":
			problems = append(problems, fmt.Sprintf("%s: %s is not pinned to a release (want %s=vX.Y.Z)", l.name, v, l.variable))
		case semver.Compare(v, l.min) < 0:
			problems = append(problems, fmt.Sprintf("%s %s predates Go 1.26 support (want %s or later)", l.name, v, l.min))
		}
		if run := `go run "` + l.pkg + `@$` + l.variable + `" ./...`; !hasLine(script, run, false) {
			problems = append(problems, fmt.Sprintf("%s never runs %s (%s)", lintScript, l.name, run))
		}
	}
	// Pinned in one place: no other file names a linter's version.
	named := regexp.MustCompile(`(staticcheck|govulncheck)@v\d`)
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == lintScript {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err == nil && named.Match(body) {
			problems = append(problems, fmt.Sprintf("%s names %s: the linters' versions belong in %s alone", p, named.Find(body), lintScript))
		}
		return nil
	})
	return problems
}

// runProblems checks the commands a CI runs (each a shell script) for the
// checks every push gets: vet, the race detector, and the linters
// (scripts/lint.sh).
func runProblems(scripts []string) []string {
	var lines []string
	for _, s := range scripts {
		for l := range strings.SplitSeq(s, "\n") {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	var problems []string
	for _, want := range []string{"go vet ./...", "go test -race ./..."} {
		if !slices.Contains(lines, want) {
			problems = append(problems, fmt.Sprintf("never runs %q", want))
		}
	}
	if !slices.Contains(lines, lintScript) {
		problems = append(problems, fmt.Sprintf("never runs %s (staticcheck, govulncheck)", lintScript))
	}
	return problems
}

// hasLine says whether script has a line that is exactly line, or starts
// with it followed by a space when prefix is set.
func hasLine(script, line string, prefix bool) bool {
	for l := range strings.SplitSeq(script, "\n") {
		l = strings.TrimSpace(l)
		if l == line || prefix && strings.HasPrefix(l, line+" ") {
			return true
		}
	}
	return false
}

// GitHub Actions workflow, as far as the checks read it.
type ghWorkflow struct {
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Concurrency struct {
		Group            string `yaml:"group"`
		CancelInProgress any    `yaml:"cancel-in-progress"`
	} `yaml:"concurrency"`
	Jobs map[string]ghJob `yaml:"jobs"`
}

type ghJob struct {
	If          string            `yaml:"if"`
	Needs       any               `yaml:"needs"`
	Permissions map[string]string `yaml:"permissions"`
	Steps       []ghStep          `yaml:"steps"`
}

type ghStep struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	If   string            `yaml:"if"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// action is the owner/repo a uses: names, without a path or ref.
func (s ghStep) action() string {
	a, _, _ := strings.Cut(s.Uses, "@")
	parts := strings.SplitN(a, "/", 3)
	if len(parts) < 2 {
		return a
	}
	return parts[0] + "/" + parts[1]
}

func (j ghJob) needs() []string {
	switch n := j.Needs.(type) {
	case string:
		return []string{n}
	case []any:
		var out []string
		for _, x := range n {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

// expr is a GitHub expression without its ${{ }} and with single spaces.
func expr(s string) string {
	s = strings.TrimSpace(s)
	if inner, ok := strings.CutPrefix(s, "${{"); ok {
		s, _ = strings.CutSuffix(inner, "}}")
	}
	return strings.Join(strings.Fields(s), " ")
}

// stepAt is a step of a workflow job.
type stepAt struct {
	job string
	i   int
	ghStep
}

// ghCheck is a GitHub workflow being checked: what the checks read, what
// the earlier ones found (the build step, its artifact, the upload step)
// and the problems so far.
type ghCheck struct {
	fsys     fs.FS
	wf       ghWorkflow
	steps    []stepAt // every job's, jobs in name order
	role     string   // the aws_role_arn answer
	build    string   // the build answer
	b, u     stepAt   // the build and the upload
	artifact string   // the name the build's archives are kept under
	problems []string
}

func (c *ghCheck) bad(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// find returns the steps that match.
func (c *ghCheck) find(match func(s stepAt) bool) []stepAt {
	var out []stepAt
	for _, s := range c.steps {
		if match(s) {
			out = append(out, s)
		}
	}
	return out
}

// uses matches the steps that use action.
func uses(action string) func(s stepAt) bool {
	return func(s stepAt) bool { return s.action() == action }
}

// ghChecks are the checks of a GitHub workflow, in order. A check that
// returns false stops the rest: what they would look at is not there.
var ghChecks = []func(c *ghCheck) bool{
	ghTriggers,
	ghActionMajors,
	ghSetupGo,
	ghBuild,
	ghArtifact,
	ghUpload,
	ghCredentials,
}

func githubProblems(fsys fs.FS, data []byte, answers map[string]string) []string {
	c := &ghCheck{fsys: fsys, role: answers["aws_role_arn"], build: answers["build"]}
	if err := yaml.Unmarshal(data, &c.wf); err != nil {
		return []string{fmt.Sprintf("YAML: %v", err)}
	}
	for _, job := range slices.Sorted(maps.Keys(c.wf.Jobs)) {
		for i, s := range c.wf.Jobs[job].Steps {
			c.steps = append(c.steps, stepAt{job, i, s})
		}
	}
	for _, check := range ghChecks {
		if !check(c) {
			break
		}
	}
	return c.problems
}

// ghTriggers: the workflow runs on pull requests and on pushes to the
// default branch (main or master: the names git gives a first branch) and
// of tags, so that a pull request's branch runs once, not once per event;
// it reads the repository and no more, and cancels superseded pull request
// runs but never a push's.
func ghTriggers(c *ghCheck) bool {
	wf := c.wf
	if _, ok := wf.On["pull_request"]; !ok {
		c.bad("does not run on pull_request")
	}
	var push struct {
		Branches []string `yaml:"branches"`
		Tags     []string `yaml:"tags"`
	}
	if node, ok := wf.On["push"]; !ok {
		c.bad("does not run on push")
	} else if data, err := yaml.Marshal(node); err != nil || yaml.Unmarshal(data, &push) != nil {
		c.bad("on.push: want branches and tags, have %v", node)
	}
	if len(push.Branches) == 0 || slices.ContainsFunc(push.Branches, func(b string) bool { return b != "main" && b != "master" }) {
		c.bad("runs on pushes to branches %q: want the default branch alone (main, master), a pull request's branch runs through its pull request", push.Branches)
	}
	if len(push.Tags) == 0 {
		c.bad("does not run on pushes of tags (on.push.tags)")
	}
	if wf.Permissions["contents"] != "read" || wf.Permissions["id-token"] != "" {
		c.bad("the workflow's permissions are %v, want only contents: read (a job that needs more asks for it)", wf.Permissions)
	}
	switch cancel := expr(fmt.Sprint(wf.Concurrency.CancelInProgress)); {
	case !strings.Contains(wf.Concurrency.Group, "github.ref"):
		c.bad("no concurrency group per branch or pull request (group: %q)", wf.Concurrency.Group)
	case cancel == "true":
		c.bad("concurrency cancels runs of pushes too, mid-upload (cancel-in-progress: true)")
	case !strings.Contains(cancel, "pull_request"):
		c.bad("concurrency does not cancel superseded pull request runs (cancel-in-progress: %v)", wf.Concurrency.CancelInProgress)
	}
	return true
}

// ghActionMajors: every action at a major that runs on Node 24, and each
// used exactly when the answers call for it.
func ghActionMajors(c *ghCheck) bool {
	majorRef := regexp.MustCompile(`^v(\d+)(\.\d+){0,2}$`)
	for _, s := range c.steps {
		min, ok := minActionMajors[s.action()]
		if !ok {
			continue
		}
		_, ref, _ := strings.Cut(s.Uses, "@")
		m := majorRef.FindStringSubmatch(ref)
		if m == nil {
			c.bad("job %s: %s: want a major (vN) of %s", s.job, s.Uses, s.action())
			continue
		}
		if major, _ := strconv.Atoi(m[1]); major < min {
			c.bad("job %s: %s runs on an old Node; want %s@v%d or later", s.job, s.Uses, s.action(), min)
		}
	}
	for _, action := range slices.Sorted(maps.Keys(minActionMajors)) {
		want := true
		switch action {
		case "goreleaser/goreleaser-action":
			want = c.build == "goreleaser"
		case "aws-actions/configure-aws-credentials":
			want = c.role != ""
		}
		if used := len(c.find(uses(action))) > 0; used != want {
			c.bad("uses %s: %v, want %v (build=%s, aws_role_arn=%q)", action, used, want, c.build, c.role)
		}
	}
	return true
}

// ghSetupGo: Go from go.mod, with the module and build caches.
func ghSetupGo(c *ghCheck) bool {
	for _, s := range c.find(uses("actions/setup-go")) {
		if s.With["go-version-file"] != "go.mod" || s.With["go-version"] != "" {
			c.bad("job %s: setup-go must take Go from go.mod (go-version-file: go.mod), has %v", s.job, s.With)
		}
		if s.With["cache"] == "false" {
			c.bad("job %s: setup-go's module and build cache is off", s.job)
		}
		dep := s.With["cache-dependency-path"]
		if _, err := fs.Stat(c.fsys, dep); dep == "" || err != nil {
			c.bad("job %s: setup-go's cache-dependency-path %q is not a file of the project (the module has no go.sum: use go.mod)", s.job, dep)
		}
	}
	return true
}

// ghBuild: the checks, then one build step, after the tests.
func ghBuild(c *ghCheck) bool {
	var scripts []string
	for _, s := range c.steps {
		scripts = append(scripts, s.Run)
	}
	c.problems = append(c.problems, runProblems(scripts)...)
	var builds []stepAt
	if c.build == "script" {
		builds = c.find(func(s stepAt) bool { return hasLine(s.Run, "scripts/build.sh", false) })
	} else {
		builds = c.find(func(s stepAt) bool {
			return s.action() == "goreleaser/goreleaser-action" && strings.HasPrefix(s.With["args"], "release ")
		})
	}
	if len(builds) != 1 {
		c.bad("build=%s: %d build steps (scripts/build.sh, or goreleaser-action with args: release ...), want 1", c.build, len(builds))
		return false
	}
	c.b = builds[0]
	testJobs := c.find(func(s stepAt) bool { return hasLine(s.Run, "go test -race ./...", false) })
	if len(testJobs) > 0 && c.b.job != testJobs[0].job && !needs(c.wf.Jobs, c.b.job, testJobs[0].job) {
		c.bad("job %s builds without waiting for the tests (needs: %s)", c.b.job, testJobs[0].job)
	}
	return true
}

// ghArtifact: the build's archives and checksums are kept as the run's
// artifact, and a build without them fails.
func ghArtifact(c *ghCheck) bool {
	b := c.b
	kept := c.find(func(s stepAt) bool { return s.job == b.job && s.i > b.i && s.action() == "actions/upload-artifact" })
	if len(kept) != 1 {
		c.bad("job %s: %d upload-artifact steps after the build, want 1", b.job, len(kept))
		return true
	}
	k := kept[0]
	c.artifact = k.With["name"]
	paths := strings.Fields(k.With["path"])
	for _, want := range []string{"dist/*.tar.gz", "dist/*.zip", "dist/*_checksums.txt"} {
		if !slices.Contains(paths, want) {
			c.bad("job %s: the run's artifact does not keep %s (path: %q)", b.job, want, k.With["path"])
		}
	}
	if k.With["if-no-files-found"] != "error" {
		c.bad("job %s: a build without archives must fail the run (if-no-files-found: error), has %q", b.job, k.With["if-no-files-found"])
	}
	return true
}

// ghUploadIf is the upload job's condition: pushes to the default branch,
// and of tags.
const ghUploadIf = "github.event_name == 'push' && (github.ref == format('refs/heads/{0}', github.event.repository.default_branch) || startsWith(github.ref, 'refs/tags/'))"

// ghUpload: one upload step, on pushes to the default branch and of tags
// only, in a job after the build that first downloads its artifact,
// setting only what upload.sh reads.
func ghUpload(c *ghCheck) bool {
	uploads := c.find(func(s stepAt) bool { return strings.Contains(s.Run, "upload.sh") })
	if len(uploads) != 1 {
		c.bad("%d steps run scripts/upload.sh, want 1", len(uploads))
		return false
	}
	u, b := uploads[0], c.b
	c.u = u
	job := c.wf.Jobs[u.job]
	if strings.TrimSpace(u.Run) != uploadCommand {
		c.bad("job %s: the upload runs %q, want %q (no credentials: a notice, not a failure)", u.job, strings.TrimSpace(u.Run), uploadCommand)
	}
	if expr(job.If) != ghUploadIf || u.If != "" {
		c.bad("job %s: the upload must run only on pushes to the default branch and of tags (if: %s), never for a pull request; has if: %q", u.job, ghUploadIf, job.If)
	}
	if u.job == b.job || !needs(c.wf.Jobs, u.job, b.job) {
		c.bad("job %s: the upload must come after the build, in a job that needs %s", u.job, b.job)
	}
	got := c.find(func(s stepAt) bool {
		return s.job == u.job && s.i < u.i && s.action() == "actions/download-artifact" &&
			s.With["name"] == c.artifact && s.With["path"] == "dist"
	})
	if len(got) != 1 {
		c.bad("job %s: the upload does not first download the artifact %q into dist", u.job, c.artifact)
	}
	for _, k := range slices.Sorted(maps.Keys(u.Env)) {
		if !slices.Contains(uploadVars, k) {
			c.bad("job %s: the upload sets %s, which scripts/upload.sh does not read", u.job, k)
		}
	}
	return true
}

// ghCredentials: the upload's credentials come from secrets, or with an
// aws_role_arn answer from that role by OIDC, in the upload job alone.
func ghCredentials(c *ghCheck) bool {
	u, role := c.u, c.role
	oidc := c.find(uses("aws-actions/configure-aws-credentials"))
	var tokenJobs []string
	for _, name := range slices.Sorted(maps.Keys(c.wf.Jobs)) {
		if c.wf.Jobs[name].Permissions["id-token"] == "write" {
			tokenJobs = append(tokenJobs, name)
		}
	}
	if role == "" {
		for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
			if want := "${{ secrets." + k + " }}"; u.Env[k] != want {
				c.bad("job %s: the upload's %s is %q, want %s", u.job, k, u.Env[k], want)
			}
		}
		if len(oidc) != 0 || len(tokenJobs) != 0 {
			c.bad("no aws_role_arn, yet configure-aws-credentials steps %d, jobs with id-token: write %v", len(oidc), tokenJobs)
		}
		return true
	}
	if len(oidc) != 1 || oidc[0].job != u.job || oidc[0].i > u.i {
		c.bad("aws_role_arn set: want one configure-aws-credentials step before the upload in job %s", u.job)
	} else {
		o := oidc[0]
		if o.With["role-to-assume"] != role {
			c.bad("job %s: configure-aws-credentials role-to-assume: %q, want %q", u.job, o.With["role-to-assume"], role)
		}
		if o.With["aws-region"] == "" {
			c.bad("job %s: configure-aws-credentials has no aws-region", u.job)
		}
	}
	if !slices.Equal(tokenJobs, []string{u.job}) {
		c.bad("aws_role_arn set: want id-token: write on the upload job %s alone, have it on %v", u.job, tokenJobs)
	}
	for k, v := range u.Env {
		if strings.Contains(v, "secrets.") {
			c.bad("job %s: aws_role_arn set, yet the upload takes stored %s from %s", u.job, k, v)
		}
	}
	return true
}

// needs says whether job waits for other, directly or through other jobs.
func needs(jobs map[string]ghJob, job, other string) bool {
	seen := map[string]bool{}
	var walk func(j string) bool
	walk = func(j string) bool {
		if seen[j] {
			return false
		}
		seen[j] = true
		for _, n := range jobs[j].needs() {
			if n == other || walk(n) {
				return true
			}
		}
		return false
	}
	return walk(job)
}

// ccCheck is a CircleCI config being checked: what the checks read, the
// build step the earlier ones found, and the problems so far.
type ccCheck struct {
	ctx     context.Context
	answers map[string]string
	doc     struct {
		Executors map[string]struct {
			Docker []struct {
				Image string `yaml:"image"`
			} `yaml:"docker"`
		} `yaml:"executors"`
		Jobs map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"jobs"`
		Workflows map[string]struct {
			Jobs []yaml.Node `yaml:"jobs"` // NAME, or NAME: {requires, filters, ...}
		} `yaml:"workflows"`
	}
	steps     []configcheck.Step // every workflow job's, in order
	build     int                // the build step's index in steps
	artifacts string             // the build job's ARTIFACTS_DIR
	problems  []string
}

func (c *ccCheck) bad(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// index returns the indexes of the steps that match.
func (c *ccCheck) index(match func(s configcheck.Step) bool) []int {
	var out []int
	for i, s := range c.steps {
		if match(s) {
			out = append(out, i)
		}
	}
	return out
}

// command is a run step's command.
func command(s configcheck.Step) string {
	c, _ := s.Args["command"].(string)
	return c
}

// ccChecks are the checks of a CircleCI config, in order, after its Go
// image. A check that returns false stops the rest: what they would look
// at is not there.
var ccChecks = []func(c *ccCheck) bool{
	ccRuns,
	ccCaches,
	ccBuild,
	ccUpload,
}

func circleCIProblems(ctx context.Context, data []byte, answers map[string]string) []string {
	c := &ccCheck{ctx: ctx, answers: answers}
	if err := yaml.Unmarshal(data, &c.doc); err != nil {
		return []string{fmt.Sprintf("YAML: %v", err)}
	}
	wantImage := "cimg/go:" + answers["go_version"]
	var images []string
	for _, e := range c.doc.Executors {
		for _, d := range e.Docker {
			images = append(images, d.Image)
		}
	}
	if !slices.Contains(images, wantImage) || slices.ContainsFunc(images, func(i string) bool {
		return strings.HasPrefix(i, "cimg/go:") && i != wantImage
	}) {
		c.bad("Go images %v, want %s (the go_version answer)", images, wantImage)
	}

	steps, err := configcheck.CircleCISteps(data)
	if err != nil {
		return append(c.problems, err.Error())
	}
	c.steps = steps
	for _, check := range ccChecks {
		if !check(c) {
			break
		}
	}
	return c.problems
}

// ccRuns: vet, the race detector and the linters, pinned.
func ccRuns(c *ccCheck) bool {
	var scripts []string
	for _, s := range c.steps {
		scripts = append(scripts, command(s))
	}
	c.problems = append(c.problems, runProblems(scripts)...)
	return true
}

// ccCaches: module and build caches, keyed on go.mod and on the Go release
// (the answer, or a file an earlier step writes the go version to).
func ccCaches(c *ccCheck) bool {
	steps := c.steps
	saves := c.index(func(s configcheck.Step) bool {
		paths, _ := s.Args["paths"].([]any)
		return s.Type == "save_cache" && (slices.Contains(paths, any("~/.cache/go-build")) || slices.Contains(paths, any("~/go/pkg/mod")))
	})
	if len(saves) != 1 {
		c.bad("%d save_cache steps of the Go caches (~/.cache/go-build, ~/go/pkg/mod), want 1", len(saves))
		return true
	}
	s := steps[saves[0]]
	prefix, _, _ := strings.Cut(cacheKey(s), "{{")
	restores := c.index(func(r configcheck.Step) bool {
		return r.Type == "restore_cache" && r.Job == s.Job && prefix != "" && strings.HasPrefix(cacheKey(r), prefix)
	})
	if len(restores) != 1 || restores[0] > saves[0] {
		c.bad("no restore_cache of the Go caches saved as %q before they are saved", cacheKey(s))
	} else {
		key := cacheKey(steps[restores[0]])
		if !strings.Contains(key, `{{ checksum "go.mod" }}`) {
			c.bad(`the Go cache key %q is not keyed on go.mod ({{ checksum "go.mod" }})`, key)
		}
		if !keyedOnGo(key, c.answers["go_version"], steps[:restores[0]]) {
			c.bad("the Go cache key %q is not keyed on the Go version", key)
		}
		if cacheKey(s) != key {
			c.bad("the Go caches are restored as %q but saved as %q", key, cacheKey(s))
		}
	}
	paths, _ := s.Args["paths"].([]any)
	for _, want := range []string{"~/.cache/go-build", "~/go/pkg/mod"} {
		if !slices.Contains(paths, any(want)) {
			c.bad("save_cache does not keep %s (paths: %v)", want, paths)
		}
	}
	return true
}

// ccBuild: one build step, its archives in $ARTIFACTS_DIR, stored.
func ccBuild(c *ccCheck) bool {
	build := c.answers["build"]
	var builds []int
	if build == "script" {
		builds = c.index(func(s configcheck.Step) bool { return hasLine(command(s), "scripts/build.sh", false) })
	} else {
		builds = c.index(func(s configcheck.Step) bool { return hasLine(command(s), "goreleaser release", true) })
	}
	if len(builds) != 1 {
		c.bad("build=%s: %d build steps, want 1", build, len(builds))
		return false
	}
	c.build = builds[0]
	b := c.steps[c.build]
	env := c.doc.Jobs[strings.TrimPrefix(b.Job, "jobs/")].Environment
	artifacts := env["ARTIFACTS_DIR"]
	if artifacts == "" || env["CIRCLE_ARTIFACTS"] != "" {
		c.bad("%s: environment %v: want ARTIFACTS_DIR, the neutral setting, alone: where do the archives go?", b.Job, env)
	}
	if build == "goreleaser" {
		for _, want := range []string{"dist/*.tar.gz", "dist/*.zip", "dist/*_checksums.txt", "$ARTIFACTS_DIR"} {
			if !strings.Contains(command(b), want) {
				c.bad("%s: the GoReleaser build does not copy %s to $ARTIFACTS_DIR", b.Where, want)
			}
		}
	}
	c.artifacts = artifacts
	stored := c.index(func(s configcheck.Step) bool {
		return s.Type == "store_artifacts" && s.Job == b.Job && s.Args["path"] == artifacts
	})
	if len(stored) != 1 || stored[0] < c.build {
		c.bad("%s: no store_artifacts of %s after the build", b.Job, artifacts)
	}
	return true
}

// ccUpload: one upload step, after the build in its job (uploadStepProblems
// checks the step itself).
func ccUpload(c *ccCheck) bool {
	uploads := c.index(func(s configcheck.Step) bool { return strings.Contains(command(s), "upload.sh") })
	if len(uploads) != 1 {
		c.bad("%d steps run scripts/upload.sh, want 1", len(uploads))
		return false
	}
	u, b := c.steps[uploads[0]], c.steps[c.build]
	if u.Job == b.Job {
		c.bad("%s: the upload runs in the build job: it needs a job of its own, whose filters keep it to the default branch and tags", u.Where)
		return true
	}
	c.problems = append(c.problems, uploadStepProblems(c.ctx, u.Where, command(u))...)
	uploadJob, buildJob := strings.TrimPrefix(u.Job, "jobs/"), strings.TrimPrefix(b.Job, "jobs/")
	// The build job hands its archives on; the upload job takes them where
	// upload.sh looks (its ARTIFACTS_DIR).
	persisted := c.index(func(s configcheck.Step) bool {
		return s.Type == "persist_to_workspace" && s.Job == b.Job && s.Args["root"] == c.artifacts
	})
	if len(persisted) != 1 || persisted[0] < c.build {
		c.bad("%s: no persist_to_workspace of %s after the build: the upload job would have no archives", b.Job, c.artifacts)
	}
	if env := c.doc.Jobs[uploadJob].Environment; env["ARTIFACTS_DIR"] != c.artifacts {
		c.bad("%s: ARTIFACTS_DIR is %q, want %q, where the build put the archives", u.Job, env["ARTIFACTS_DIR"], c.artifacts)
	}
	attached := c.index(func(s configcheck.Step) bool {
		return s.Type == "attach_workspace" && s.Job == u.Job && s.Args["at"] == c.artifacts
	})
	if len(attached) != 1 || attached[0] > uploads[0] {
		c.bad("%s: no attach_workspace at %s before the upload", u.Job, c.artifacts)
	}
	// The workflow runs the build on every branch and tag, the upload after
	// it on the default branch and tags only.
	var ran bool
	for _, wf := range slices.Sorted(maps.Keys(c.doc.Workflows)) {
		for _, node := range c.doc.Workflows[wf].Jobs {
			name, job := ccWorkflowEntry(node)
			switch name {
			case buildJob:
				if job.Filters.Tags.Only == nil {
					c.bad("workflow %s: job %s has no tags filter: tags are never built, so never uploaded", wf, name)
				}
			case uploadJob:
				ran = true
				if !slices.Contains(job.Requires, buildJob) {
					c.bad("workflow %s: job %s does not require %s", wf, name, buildJob)
				}
				branches := job.Filters.Branches.Only
				if s, ok := branches.(string); ok {
					branches = []any{s}
				}
				list, _ := branches.([]any)
				if len(list) == 0 || slices.ContainsFunc(list, func(b any) bool { return b != "main" && b != "master" }) {
					c.bad("workflow %s: job %s uploads from branches %v: want the default branch alone (filters: branches: only: [main, master])", wf, name, job.Filters.Branches.Only)
				}
				if job.Filters.Tags.Only == nil {
					c.bad("workflow %s: job %s never uploads a tag (filters: tags: only)", wf, name)
				}
			}
		}
	}
	if !ran {
		c.bad("no workflow runs the upload job %s", uploadJob)
	}
	return true
}

// ccWorkflowJob is a job's entry in a CircleCI workflow, as far as the
// checks read it.
type ccWorkflowJob struct {
	Requires []string `yaml:"requires"`
	Filters  struct {
		Branches struct {
			Only any `yaml:"only"`
		} `yaml:"branches"`
		Tags struct {
			Only any `yaml:"only"`
		} `yaml:"tags"`
	} `yaml:"filters"`
}

// ccWorkflowEntry reads a workflow's job entry: NAME alone, or NAME: {...}.
func ccWorkflowEntry(node yaml.Node) (string, ccWorkflowJob) {
	var job ccWorkflowJob
	switch {
	case node.Kind == yaml.ScalarNode:
		return node.Value, job
	case node.Kind == yaml.MappingNode && len(node.Content) == 2:
		_ = node.Content[1].Decode(&job)
		return node.Content[0].Value, job
	}
	return "", job
}

func cacheKey(s configcheck.Step) string {
	if k, ok := s.Args["key"].(string); ok {
		return k
	}
	keys, _ := s.Args["keys"].([]any)
	if len(keys) == 0 {
		return ""
	}
	k, _ := keys[0].(string)
	return k
}

// keyedOnGo says whether a CircleCI cache key changes with the Go release:
// it holds goVersion, or the checksum of a file an earlier step writes the
// output of go version or go env GOVERSION to.
func keyedOnGo(key, goVersion string, before []configcheck.Step) bool {
	if strings.Contains(key, goVersion) {
		return true
	}
	for _, m := range regexp.MustCompile(`\{\{ checksum "([^"]+)" \}\}`).FindAllStringSubmatch(key, -1) {
		for _, s := range before {
			c, _ := s.Args["command"].(string)
			if s.Type == "run" && strings.Contains(c, m[1]) && (strings.Contains(c, "go env GOVERSION") || strings.Contains(c, "go version")) {
				return true
			}
		}
	}
	return false
}

// uploadStepProblems runs a CircleCI upload step's command as CircleCI does
// (bash -eo pipefail), in a directory whose scripts/upload.sh only records
// its arguments and exits with a chosen status: a build of a pull request
// from a fork (CIRCLE_PR_NUMBER set) must not call it and succeed; any other
// build must call it with exactly --if-configured, and fail when it fails.
func uploadStepProblems(ctx context.Context, where, command string) []string {
	var problems []string
	dir, err := os.MkdirTemp("", "upload-step")
	if err != nil {
		return []string{err.Error()}
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "scripts", "upload.sh")
	record := filepath.Join(dir, "args")
	if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
		return []string{err.Error()}
	}
	fake := "#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >>\"$RECORD\"\nexit \"${UPLOAD_STATUS:-0}\"\n"
	if err := os.WriteFile(script, []byte(fake), 0o755); err != nil {
		return []string{err.Error()}
	}
	cases := []struct {
		what     string
		env      []string
		wantArgs string // "" when upload.sh must not run
		wantFail bool
	}{
		{"a pull request from a fork", []string{"CIRCLE_PR_NUMBER=42"}, "", false},
		{"a push", nil, "--if-configured\n", false},
		{"a push whose upload fails", []string{"UPLOAD_STATUS=3"}, "--if-configured\n", true},
	}
	for _, c := range cases {
		os.Remove(record)
		cmd := exec.CommandContext(ctx, "bash", "-eo", "pipefail", "-c", command)
		cmd.Dir = dir
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "RECORD=" + record}, c.env...)
		out, err := cmd.CombinedOutput()
		args, _ := os.ReadFile(record)
		switch {
		case string(args) != c.wantArgs && c.wantArgs == "":
			problems = append(problems, fmt.Sprintf("%s: for %s the upload step runs scripts/upload.sh %s", where, c.what, strings.TrimSpace(string(args))))
		case string(args) != c.wantArgs:
			problems = append(problems, fmt.Sprintf("%s: for %s the upload step runs scripts/upload.sh with %q, want %q", where, c.what, args, c.wantArgs))
		case c.wantFail && err == nil:
			problems = append(problems, fmt.Sprintf("%s: the step succeeds when scripts/upload.sh fails", where))
		case !c.wantFail && err != nil:
			problems = append(problems, fmt.Sprintf("%s: for %s the upload step fails: %v\n%s", where, c.what, err, out))
		}
	}
	return problems
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
