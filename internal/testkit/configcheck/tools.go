package configcheck

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gomicro/gomicro/internal/testkit/proctest"

	"go.yaml.in/yaml/v3"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/rules"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// The tool versions .ci/run installs.
const (
	ActionlintVersion = "1.7.12"
	GoReleaserVersion = "2.15.1"

	StaticcheckVersion = "0.8.2" // staticcheck 2026.2.2, as the generated CI configs pin it

	// How to install each: bash .ci/run installs them all (the Go tools
	// into the tools cache).
	ActionlintInstall  = "go install github.com/rhysd/actionlint/cmd/actionlint@v" + ActionlintVersion
	GoReleaserInstall  = "go install github.com/goreleaser/goreleaser/v2@v" + GoReleaserVersion
	StaticcheckInstall = "go install honnef.co/go/tools/cmd/staticcheck@v" + StaticcheckVersion
	ShellcheckInstall  = "apt-get install -y shellcheck"
)

// WorkflowFiles lists dir's GitHub Actions workflow files, relative to dir.
func WorkflowFiles(dir string) []string {
	var files []string
	for _, pattern := range []string{".github/workflows/*.yml", ".github/workflows/*.yaml"} {
		m, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(pattern)))
		for _, f := range m {
			rel, _ := filepath.Rel(dir, f)
			files = append(files, filepath.ToSlash(rel))
		}
	}
	slices.Sort(files)
	return files
}

// RunActionlint runs the actionlint binary on files (relative to dir), with
// shellcheck checking the run: scripts, and returns its report; err is
// non-nil when actionlint found a problem or could not run. It sets no
// timeout of its own: go test's -timeout ends a tool that hangs.
func RunActionlint(actionlint, shellcheck, dir string, files ...string) (string, error) {
	return runActionlint(context.Background(), actionlint, shellcheck, dir, files...)
}

func runActionlint(ctx context.Context, actionlint, shellcheck, dir string, files ...string) (string, error) {
	args := []string{"-no-color", "-shellcheck=" + shellcheck, "-pyflakes="}
	out, err := proctest.Output(ctx, dir, nil, actionlint, append(args, files...)...)
	if err != nil {
		return out, fmt.Errorf("actionlint %s: %w\n%s", strings.Join(files, " "), err, out)
	}
	return out, nil
}

// Actionlint runs actionlint (with shellcheck) on every workflow under
// dir/.github/workflows and fails t with actionlint's report, or when there
// is no workflow at all.
func Actionlint(t testing.TB, dir string) {
	t.Helper()
	actionlint := testtool.Require(t, "actionlint", ActionlintInstall)
	shellcheck := testtool.Require(t, "shellcheck", ShellcheckInstall)
	files := WorkflowFiles(dir)
	if len(files) == 0 {
		t.Errorf("no workflow in %s/.github/workflows", dir)
		return
	}
	start := time.Now()
	if _, err := runActionlint(testtool.Context(t), actionlint, shellcheck, dir, files...); err != nil {
		t.Error(err)
		return
	}
	t.Logf("actionlint %s: clean (%v)", strings.Join(files, " "), time.Since(start).Round(time.Millisecond))
}

// RunGoReleaserCheck runs goreleaser check on dir's .goreleaser.yaml and
// returns its output; err is non-nil when the config is invalid. It sets no
// timeout of its own: go test's -timeout ends a tool that hangs.
func RunGoReleaserCheck(goreleaser, dir string) (string, error) {
	return runGoReleaserCheck(context.Background(), goreleaser, dir)
}

func runGoReleaserCheck(ctx context.Context, goreleaser, dir string) (string, error) {
	out, err := proctest.Output(ctx, dir, gentest.ProjectEnv(), goreleaser, "check", "--config", GoReleaserConfig)
	if err != nil {
		return out, fmt.Errorf("goreleaser check --config %s: %w\n%s", GoReleaserConfig, err, out)
	}
	return out, nil
}

// GoReleaserConfig is the file GoReleaserCheck validates.
const GoReleaserConfig = ".goreleaser.yaml"

// GoReleaserCheck proves a generated project's .goreleaser.yaml with the real
// goreleaser: goreleaser check, then the build its CI runs, goreleaser
// release --snapshot --clean (a snapshot publishes nothing), in the project
// (made a git repository with one commit when it is not one yet, and given
// an origin remote as a CI checkout has one: without a remote GoReleaser
// does not read the commit at all). The answers in .gomicro.yml say what
// must come out: CheckArchives's archives, one per target of the platforms
// answer, named with the commit's first 6 characters and dated the commit's
// time, GoReleaser's checksums file beside them, and the binary for this
// machine (when it is a target) printing the short SHA for -version. Then a
// second snapshot of the same commit, with the configs' modes and dates
// changed, must make the same checksums: the archives are reproducible. It
// returns the short SHA the build was made from. Each tool may run until
// the test's deadline (testtool.Context), never for a fixed time. The second
// snapshot is made only when again is true.
func GoReleaserCheck(t testing.TB, dir string, again bool) string {
	t.Helper()
	goreleaser := testtool.Require(t, "goreleaser", GoReleaserInstall)
	testtool.Require(t, "git", "apt-get install -y git")
	env := gentest.ProjectEnv()
	ctx := testtool.Context(t)

	name, owner, targets := projectTargets(t, dir)
	sha6 := releaseCommit(ctx, t, dir, env, owner, name)
	commitTime := CommitTime(t, dir, env)

	if v, err := proctest.Output(ctx, dir, env, goreleaser, "--version"); err == nil && !strings.Contains(v, GoReleaserVersion) {
		t.Logf("warning: %s is not goreleaser %s:\n%s", goreleaser, GoReleaserVersion, v)
	}
	start := time.Now()
	if out, err := runGoReleaserCheck(ctx, goreleaser, dir); err != nil {
		t.Fatal(err)
	} else {
		t.Logf("goreleaser check (%v)", time.Since(start).Round(time.Millisecond))
		if strings.Contains(out, "DEPRECATED") {
			t.Errorf("goreleaser check reports deprecated settings:\n%s", out)
		}
	}
	timed(ctx, t, dir, env, goreleaser, "release", "--snapshot", "--clean")

	dist := distDir(t, dir)
	hostBinary, checksums := CheckArchives(t, Archives{
		Project: dir, Dir: filepath.Join(dir, dist),
		Name: name, Version: sha6, Targets: targets,
		ModTime: commitTime, BinaryLast: true,
	})
	if status, err := proctest.Output(ctx, dir, env, "git", "status", "--porcelain"); err == nil && status != "" {
		t.Errorf("goreleaser's output is not ignored by .gitignore; git status:\n%s", status)
	}

	// The same commit again, the configs' modes and dates disturbed: the
	// same archives, byte for byte.
	sums := ChecksumsName(name, sha6)
	if again {
		restore := DisturbConfigs(t, dir, name)
		timed(ctx, t, dir, env, goreleaser, "release", "--snapshot", "--clean")
		restore()
		if second, err := os.ReadFile(filepath.Join(dir, dist, sums)); err != nil {
			t.Errorf("second snapshot: %v", err)
		} else if !bytes.Equal(second, checksums) {
			t.Errorf("a second snapshot of the same commit made other archives: %s was\n%s\nand is now\n%s", sums, checksums, second)
		} else {
			t.Logf("a second snapshot made the same archives: %s", sums)
		}
	}
	if checkBuiltVersion(ctx, t, dir, env, name, sha6, targets, hostBinary) {
		t.Logf("goreleaser: %s/%s and one archive per target %v, each holding %s and its configs; %s -version = %s", dist, sums, targets, name, name, sha6)
	}
	return sha6
}

// releaseCommit makes dir a git repository with one commit when it is not
// one yet, gives it the origin remote a CI checkout has (GoReleaser reads
// the commit only from a repository with a remote) and returns the first 6
// characters of its HEAD.
func releaseCommit(ctx context.Context, t testing.TB, dir string, env []string, owner, name string) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
		GitCommit(t, dir, env)
	}
	if remotes, err := proctest.Output(ctx, dir, env, "git", "remote"); err == nil && strings.TrimSpace(remotes) == "" {
		url := "https://github.com/" + owner + "/" + name + ".git"
		if out, err := proctest.Output(ctx, dir, env, "git", "remote", "add", "origin", url); err != nil {
			t.Fatalf("git remote add origin %s: %v\n%s", url, err, out)
		}
	}
	sha, err := proctest.Output(ctx, dir, env, "git", "rev-parse", "HEAD")
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v\n%s", err, sha)
	}
	return strings.TrimSpace(sha)[:6]
}

// checkBuiltVersion runs the binary built for this machine (hostBinary,
// nil when no target is this machine) with -version, which must print
// sha6. It reports whether it did, with the test not failed so far.
func checkBuiltVersion(ctx context.Context, t testing.TB, dir string, env []string, name, sha6 string, targets []rules.Platform, hostBinary []byte) bool {
	t.Helper()
	if hostBinary == nil {
		if !slices.ContainsFunc(targets, func(p rules.Platform) bool { return p.OS == runtime.GOOS && p.Arch == runtime.GOARCH }) {
			t.Logf("no target for this machine (%s/%s): the binary's -version is not run", runtime.GOOS, runtime.GOARCH)
		}
		return false
	}
	bin := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(bin, hostBinary, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := proctest.Output(ctx, dir, env, bin, "-version")
	if err != nil {
		t.Errorf("%s -version: %v\n%s", name, err, out)
	} else if got := strings.TrimSpace(out); got != sha6 {
		t.Errorf("the goreleaser-built %s -version = %q, want the commit's short SHA %q", name, got, sha6)
	} else if !t.Failed() {
		return true
	}
	return false
}

// CommitTime is the committer date of dir's HEAD, the date every archive
// entry carries.
func CommitTime(t testing.TB, dir string, env []string) time.Time {
	t.Helper()
	out, err := proctest.Output(testtool.Context(t), dir, env, "git", "log", "-1", "--format=%ct")
	if err != nil {
		t.Fatalf("git log -1 --format=%%ct: %v\n%s", err, out)
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	if err != nil {
		t.Fatalf("git log -1 --format=%%ct: %v", err)
	}
	return time.Unix(secs, 0)
}

// projectTargets reads the service name, its GitHub owner and its target
// platforms from the project's answers file.
func projectTargets(t testing.TB, dir string) (name, owner string, targets []rules.Platform) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, generator.ManifestFile))
	if err != nil {
		t.Fatalf("reading the answers the project was made with: %v", err)
	}
	m, err := generator.ReadManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	name, _ = m.Answers["name"].(string)
	owner, _ = m.Answers["github_username"].(string)
	platforms, _ := m.Answers["platforms"].(string)
	if name == "" || platforms == "" {
		t.Fatalf("%s has no name or platforms answer: %v", generator.ManifestFile, m.Answers)
	}
	targets, err = rules.ParsePlatforms(platforms)
	if err != nil {
		t.Fatalf("platforms %q: %v", platforms, err)
	}
	return name, owner, targets
}

// distDir is the config's dist: directory, relative to the project.
func distDir(t testing.TB, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, GoReleaserConfig))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Dist string `yaml:"dist"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("%s: %v", GoReleaserConfig, err)
	}
	if cfg.Dist == "" {
		return "dist"
	}
	return filepath.Clean(cfg.Dist)
}

// GitCommit makes dir a git repository holding everything in it as one
// commit, without reading the user's git configuration.
func GitCommit(t testing.TB, dir string, env []string) {
	t.Helper()
	ctx := testtool.Context(t)
	base := []string{
		"-c", "user.name=test", "-c", "user.email=test@example.com",
		"-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false",
		"-c", "init.defaultBranch=main",
	}
	for _, args := range [][]string{
		{"init", "-q"},
		{"add", "-A"},
		{"commit", "--no-verify", "-q", "-m", "Template applied"},
	} {
		if out, err := proctest.Output(ctx, dir, env, "git", append(base, args...)...); err != nil {
			t.Fatalf("git %s: %v\n%s", args[0], err, out)
		}
	}
}

// timed runs a tool in dir, logs it with its duration and fails t with its
// output when it fails.
func timed(ctx context.Context, t testing.TB, dir string, env []string, name string, args ...string) string {
	t.Helper()
	start := time.Now()
	out, err := proctest.Output(ctx, dir, env, name, args...)
	t.Logf("%s %s (%v)", filepath.Base(name), strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return out
}
