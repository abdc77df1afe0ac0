package configcheck_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/configcheck"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// schema finds the CircleCI schema .ci/run installs.
func schema(t testing.TB) string {
	t.Helper()
	return testtool.RequireFile(t, configcheck.SchemaEnv, configcheck.DefaultSchemaPath, configcheck.SchemaInstall)
}

const goodCircleCI = `version: 2.1
orbs:
  aws-cli: circleci/aws-cli@4.1
executors:
  go:
    docker:
      - image: cimg/go:1.26
defaults: &defaults
  executor: go
jobs:
  test:
    <<: *defaults
    environment:
      CIRCLE_ARTIFACTS: /tmp/artifacts
    steps:
      - checkout
      - run: go test ./...
      - run:
          name: Build
          command: scripts/build.sh
      - store_artifacts:
          path: /tmp/artifacts
  deploy:
    executor:
      name: go
    steps:
      - checkout
      - aws-cli/setup
workflows:
  main:
    jobs:
      - test:
          name: unit
          filters:
            branches:
              only: /.*/
      - hold:
          type: approval
          requires: [unit]
      - deploy:
          requires: [hold]
      - aws-cli/install:
          requires: [unit]
`

func TestCircleCIAcceptsGood(t *testing.T) {
	// defaults: is not a CircleCI key (only a YAML anchor holder); drop it
	// here and check that alone is reported.
	good := strings.Replace(goodCircleCI, "defaults: &defaults\n  executor: go\n", "", 1)
	good = strings.Replace(good, "    <<: *defaults\n", "    executor: go\n", 1)
	if errs := configcheck.CircleCI([]byte(good), schema(t)); len(errs) != 0 {
		t.Errorf("a valid config was rejected:\n%v", join(errs))
	}
	errs := configcheck.CircleCI([]byte(goodCircleCI), schema(t))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `unknown top-level key "defaults"`) {
		t.Errorf("with a top-level defaults: key (merged in with <<), want exactly its unknown-key error, got:\n%v", join(errs))
	}
}

func TestCircleCIRejects(t *testing.T) {
	path := schema(t)
	tests := []struct {
		name    string
		old     string // replaced in goodCircleCI ("" appends new)
		new     string
		wantErr string
	}{
		{"unknown key in a run step", "          command: scripts/build.sh\n", "          command: scripts/build.sh\n          comand: x\n",
			"additional properties 'comand' not allowed"},
		{"unknown key in a workflow", "  main:\n    jobs:\n", "  main:\n    trigger: []\n    jobs:\n",
			"additional properties 'trigger' not allowed"},
		{"unknown top-level key", "version: 2.1\n", "version: 2.1\nworkflow: {}\n",
			`unknown top-level key "workflow"`},
		{"job with no executor", "    executor:\n      name: go\n", "",
			"/jobs/deploy"},
		{"job with no steps", "    steps:\n      - checkout\n      - aws-cli/setup\n", "",
			"missing property 'steps'"},
		{"step that is not a step", "      - checkout\n      - run: go test", "      - checkout\n      - 42\n      - run: go test",
			"/jobs/test/steps/1"},
		{"workflow runs a missing job", "      - deploy:\n", "      - deploy-prod:\n",
			`workflow "main": job "deploy-prod" is not defined under jobs`},
		{"requires an unknown job", "          requires: [hold]\n", "          requires: [approve]\n",
			`job "deploy" requires "approve", which is not a job listed before it`},
		{"requires a job by its key, not its name", "          requires: [unit]\n      - deploy", "          requires: [test]\n      - deploy",
			`job "hold" requires "test"`},
		{"requires a later job", "      - hold:\n          type: approval\n          requires: [unit]\n", "      - hold:\n          type: approval\n          requires: [deploy]\n",
			`job "hold" requires "deploy"`},
		{"missing executor", "    executor:\n      name: go\n", "    executor:\n      name: golang\n",
			`job "deploy": executor "golang" is not defined under executors`},
		{"undeclared orb", "      - aws-cli/install:\n", "      - aws/install:\n",
			`job "aws/install" is from orb "aws", which orbs does not declare`},
		{"not YAML", "version: 2.1\n", "version: [2.1\n", "YAML"},
	}
	base := strings.Replace(goodCircleCI, "defaults: &defaults\n  executor: go\n", "", 1)
	base = strings.Replace(base, "    <<: *defaults\n", "    executor: go\n", 1)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("test bug: %q not in the good config", tt.old)
			}
			bad := strings.Replace(base, tt.old, tt.new, 1)
			errs := configcheck.CircleCI([]byte(bad), path)
			if len(errs) == 0 {
				t.Fatalf("accepted:\n%s", bad)
			}
			if !strings.Contains(join(errs), tt.wantErr) {
				t.Errorf("errors do not mention %q:\n%s", tt.wantErr, join(errs))
			}
		})
	}
}

func TestCircleCISchemaMissing(t *testing.T) {
	errs := configcheck.CircleCI([]byte(goodCircleCI), filepath.Join(t.TempDir(), "none.json"))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "CircleCI schema") {
		t.Errorf("a missing schema file must be one error naming it, got %v", errs)
	}
}

func TestCircleCISteps(t *testing.T) {
	config := `version: 2.1
commands:
  lint:
    steps:
      - run: go vet ./...
jobs:
  build:
    docker:
      - image: cimg/go:1.26
    steps:
      - checkout
      - restore_cache:
          keys: [go-v1]
      - lint
      - when:
          condition: << pipeline.git.tag >>
          steps:
            - run:
                name: Release
                command: scripts/build.sh
      - aws-cli/setup
`
	steps, err := configcheck.CircleCISteps([]byte(config))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		got = append(got, s.Job+" "+s.Where+" "+s.Type)
	}
	want := []string{
		"commands/lint commands/lint/steps/0 run",
		"jobs/build jobs/build/steps/0 checkout",
		"jobs/build jobs/build/steps/1 restore_cache",
		"jobs/build jobs/build/steps/2 lint",
		"jobs/build jobs/build/steps/3 when",
		"jobs/build jobs/build/steps/3/when/steps/0 run",
		"jobs/build jobs/build/steps/4 aws-cli/setup",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if cmd := steps[0].Args["command"]; cmd != "go vet ./..." {
		t.Errorf("a run: string is {command: it}; got args %v", steps[0].Args)
	}
	if keys, _ := steps[2].Args["keys"].([]any); len(keys) != 1 || keys[0] != "go-v1" {
		t.Errorf("restore_cache args = %v", steps[2].Args)
	}
	if steps[1].Args != nil {
		t.Errorf("a bare step has no args, got %v", steps[1].Args)
	}
	runs, err := configcheck.CircleCIRuns([]byte(config))
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[1].Where != "jobs/build/steps/3/when/steps/0 (Release)" || runs[1].Command != "scripts/build.sh" {
		t.Errorf("CircleCIRuns = %+v", runs)
	}
	if _, err := configcheck.CircleCISteps([]byte("jobs: [")); err == nil {
		t.Error("CircleCISteps accepted YAML that does not parse")
	}
}

const goodWorkflow = `name: CI
on:
  push:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v6
      - uses: actions/setup-go@v6
        with:
          go-version-file: go.mod
      - run: go test ./...
      - run: scripts/build.sh
        env:
          S3_KEY: ${{ secrets.S3_KEY }}
`

func TestActionlint(t *testing.T) {
	actionlint := testtool.Require(t, "actionlint", configcheck.ActionlintInstall)
	shellcheck := testtool.Require(t, "shellcheck", configcheck.ShellcheckInstall)
	tests := []struct {
		name, old, new, wantErr string
	}{
		{"good", "", "", ""},
		{"unknown job key", "    runs-on: ubuntu-latest\n", "    runs_on: ubuntu-latest\n", "runs_on"},
		{"unknown context", "secrets.S3_KEY", "secret.S3_KEY", "undefined variable"},
		{"shellcheck finds the run script", "      - run: go test ./...\n", "      - run: cd $HOME/x && go test ./...\n", "shellcheck"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			wf := filepath.Join(dir, ".github", "workflows", "ci.yml")
			if err := os.MkdirAll(filepath.Dir(wf), 0o755); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(goodWorkflow, tt.old) {
				t.Fatalf("test bug: %q not in the good workflow", tt.old)
			}
			if err := os.WriteFile(wf, []byte(strings.Replace(goodWorkflow, tt.old, tt.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			files := configcheck.WorkflowFiles(dir)
			if len(files) != 1 || files[0] != ".github/workflows/ci.yml" {
				t.Fatalf("WorkflowFiles = %v", files)
			}
			out, err := configcheck.RunActionlint(actionlint, shellcheck, dir, files...)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("a valid workflow was rejected: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("accepted; output:\n%s", out)
			case tt.wantErr != "" && !strings.Contains(out, tt.wantErr):
				t.Errorf("actionlint's report does not mention %q:\n%s", tt.wantErr, out)
			}
		})
	}
}

func TestGoReleaserCheckRejectsUnknownKey(t *testing.T) {
	goreleaser := testtool.Require(t, "goreleaser", configcheck.GoReleaserInstall)
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":                     "module example.com/x\n\ngo 1.24\n",
		"main.go":                    "package main\n\nfunc main() {}\n",
		configcheck.GoReleaserConfig: "version: 2\nbuilds:\n  - main: .\n    goos: [linux]\n    gooarch: [amd64]\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := configcheck.RunGoReleaserCheck(goreleaser, dir)
	if err == nil {
		t.Fatalf("goreleaser check accepted a misspelt key:\n%s", out)
	}
	if !strings.Contains(out, "gooarch") {
		t.Errorf("goreleaser check's output does not name the bad key:\n%s", out)
	}
}

func join(errs []error) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	return b.String()
}

// Dependabot's schema accepts a grouped, weekly config and names what is
// wrong in a broken one.
func TestDependabot(t *testing.T) {
	schema := configcheck.RequireDependabotSchema(t)
	good := "version: 2\nupdates:\n  - package-ecosystem: gomod\n    directory: /\n    schedule:\n      interval: weekly\n    groups:\n      all:\n        patterns: [\"*\"]\n"
	if errs := configcheck.Dependabot([]byte(good), schema); len(errs) != 0 {
		t.Errorf("a valid config: %v", errs)
	}
	for _, tc := range []struct{ name, old, new, want string }{
		{"interval", "interval: weekly", "interval: fortnightly", "interval"},
		{"ecosystem", "package-ecosystem: gomod", "package-ecosystem: go", "package-ecosystem"},
		{"misspelt key", "version: 2", "version: 2\nupdate: []", "update"},
		{"no schedule", "    schedule:\n      interval: weekly\n", "", "schedule"},
	} {
		bad := strings.Replace(good, tc.old, tc.new, 1)
		errs := configcheck.Dependabot([]byte(bad), schema)
		var all []string
		for _, err := range errs {
			all = append(all, err.Error())
		}
		if !strings.Contains(strings.Join(all, "\n"), tc.want) {
			t.Errorf("%s: errors %q do not name %q", tc.name, all, tc.want)
		}
	}
}
