package main

import (
	"bytes"
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/semver"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
	"github.com/spf13/afero"
)

// TestUpgradeFromEarlierReleases lives the upgrade the way a team does:
// gomicro as built when an earlier template version was current generates a
// service; the team commits and edits it; today's gomicro upgrades it; the
// service still vets, builds, tests and cross-compiles. It goes from every
// earlier release: from the oldest and the newest with gomicro itself as
// built from the commit before the next release came in (the answers file
// and layout as those gomicros wrote them); from those between, rendered
// from today's embedded history of the release, which is the same tree,
// without building two more gomicros with their own dependencies (half a
// minute each on a cold cache). Every upgrade gives the same tree, byte for
// byte (the same answers, the same edits, the same template); that tree
// is then vetted, built, tested and packed once.
func TestUpgradeFromEarlierReleases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds older gomicros and services")
	}
	gitPath := testtool.Require(t, "git", "apt-get install -y git")
	testtool.Require(t, "go", "https://go.dev/dl")
	top := strings.TrimSpace(string(must(t, exec.Command(gitPath, "rev-parse", "--show-toplevel"))))
	current := yamlField(t, filepath.Join(top, "templates", "service", "template.yaml"), "version:")
	released := releasedVersions(t, top)
	if len(released) < 2 || released[len(released)-1] != current {
		t.Fatalf("templates/history holds %v; want earlier releases and today's %s", released, current)
	}
	earlier := released[:len(released)-1]
	upgraded := make([]string, len(earlier)) // each upgraded service's directory
	work := t.TempDir()                      // the subtests' own go when they end
	t.Run("upgrade", func(t *testing.T) {
		for i, version := range earlier {
			t.Run("from "+version, func(t *testing.T) {
				t.Parallel()
				dir := filepath.Join(work, version)
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				svc := upgradeFrom(t, dir, top, gitPath, released, i, version)
				upgradeAsTeam(t, svc, current)
				upgraded[i] = svc
			})
		}
	})
	if t.Failed() {
		return
	}
	var checked string // the first upgraded service, which the others must equal
	for i, svc := range upgraded {
		switch {
		case svc == "": // skipped: no commit of that release (a shallow clone)
		case checked == "":
			checked = svc
		default:
			treetest.Equal(t, "the service upgraded from "+earlier[i]+" against the first", projectTree(t, svc), projectTree(t, checked))
		}
	}
	if checked != "" {
		checkServiceWorks(t, checked)
	}
}

// projectTree is the tree of the project in dir, without its .git.
func projectTree(t *testing.T, dir string) map[string]treetest.Entry {
	tree := treetest.SnapshotDir(t, dir)
	for p := range tree {
		if p == ".git" || strings.HasPrefix(p, ".git/") {
			delete(tree, p)
		}
	}
	return tree
}

// upgradeFrom generates the service at release version, the i-th of the
// released ones: with the gomicro of its time for the oldest and the newest
// before today's, from the embedded history for those between.
func upgradeFrom(t *testing.T, work, top, gitPath string, released []string, i int, version string) string {
	if i > 0 && i < len(released)-2 {
		return generateFromHistory(t, work, version)
	}
	// gomicro made version V until the commit that brought in the next
	// release: its parent is the gomicro a team had then.
	next := released[i+1]
	log := exec.Command(gitPath, "log", "--format=%H", "--reverse", "-S", "version: "+next, "--", "templates/service/template.yaml")
	log.Dir = top
	commits := strings.Fields(string(must(t, log)))
	if len(commits) == 0 {
		if os.Getenv("GOMICRO_REQUIRE_TOOLS") != "" {
			t.Fatalf("no commit sets service version %s: is this a shallow clone?", next)
		}
		t.Skipf("no commit sets service version %s (uncommitted, or a shallow clone)", next)
	}
	return generateWithCommit(t, work, top, commits[0]+"^")
}

// releasedVersions lists templates/history's versions of service, oldest first.
func releasedVersions(t *testing.T, top string) []string {
	entries, err := os.ReadDir(filepath.Join(top, "templates", "history"))
	if err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, e := range entries {
		if v, ok := strings.CutPrefix(e.Name(), "service-"); ok {
			versions = append(versions, v)
		}
	}
	slices.SortFunc(versions, func(a, b string) int { return semver.Compare("v"+a, "v"+b) })
	return versions
}

// oldAnswers are the answers of every generated service here. One target:
// the cross-compiling is the matrix's job (templates.TestGeneratedServiceWorks);
// here it is the merge's result. The bucket is set: 1.0.0's default named another company's.
var oldAnswers = map[string]string{"github_username": "acme", "s3_bucket": "acme-artifacts", "platforms": "linux,amd64"}

// generateWithCommit generates a service in work with gomicro as it was at
// commit, as the team did then; it returns the service's directory.
func generateWithCommit(t *testing.T, work, top, commit string) string {
	oldBin := oldGomicro(t, top, commit)
	args := []string{"new", "svc", "--non-interactive", "--output", work}
	for k, v := range oldAnswers {
		args = append(args, "--set", k+"="+v)
	}
	gen := exec.Command(oldBin, args...)
	gen.Env = append(os.Environ(), "GIT_AUTHOR_NAME=team", "GIT_AUTHOR_EMAIL=team@example.com", "GIT_COMMITTER_NAME=team", "GIT_COMMITTER_EMAIL=team@example.com")
	out := string(must(t, gen))
	if !strings.Contains(out, "Template applied in "+filepath.Join(work, "svc")) {
		t.Fatalf("old gomicro new: %s", out)
	}
	return filepath.Join(work, "svc")
}

// oldGomicro returns gomicro as built at commit. A commit's source never
// changes, so the binary is kept in the tools cache (testtool.CacheDir),
// named by the commit and the Go that built it, and only the first run on a
// machine builds it (built on every run, from a new directory, it compiled
// its own packages every time). It is built as go test builds (no
// -trimpath), so that its dependencies are those the test binaries compiled.
func oldGomicro(t *testing.T, top, commit string) string {
	rev := exec.Command("git", "rev-parse", "--verify", commit+"^{commit}")
	rev.Dir = top
	sha := strings.TrimSpace(string(must(t, rev)))
	dir := filepath.Join(testtool.CacheDir(), "gomicro-at")
	bin := filepath.Join(dir, sha+"-"+runtime.Version())
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if testtool.CacheDir() == "" || os.MkdirAll(dir, 0o755) != nil {
		dir = t.TempDir() // no cache to keep it in: built for this run only
		bin = filepath.Join(dir, "gomicro-old")
	}
	src := t.TempDir()
	archive := exec.Command("sh", "-c", "git -C \"$1\" archive \"$2\" | tar -x -C \"$3\"", "sh", top, sha, src)
	must(t, archive)
	// Built beside its name and renamed: a run beside this one finds the
	// whole binary or none.
	tmp, err := os.CreateTemp(dir, "build-*")
	if err != nil {
		t.Fatal(err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	build := exec.Command("go", "build", "-o", tmp.Name(), "./cmd/gomicro")
	build.Dir = src
	must(t, build)
	if err := os.Rename(tmp.Name(), bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// generateFromHistory renders release version of the service from
// gomicro's embedded history, writes it in work and commits it; it returns
// the service's directory.
func generateFromHistory(t *testing.T, work, version string) string {
	set := map[string]string{"name": "svc"} // what gomicro new svc answers
	maps.Copy(set, oldAnswers)
	tree := gentest.RenderTemplate(t, gentest.LoadRelease(t, "service", version), set)
	svc := filepath.Join(work, "svc")
	if _, err := generator.Write(context.Background(), afero.NewOsFs(), svc, tree, generator.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	gitIn(t, svc, "init", "-q")
	gitIn(t, svc, "add", "-A")
	gitIn(t, svc, "commit", "-qm", "Generated by gomicro service@"+version)
	return svc
}

// upgradeAsTeam edits the service svc as a team would, upgrades it with
// today's gomicro to current, and checks what the upgrade did.
func upgradeAsTeam(t *testing.T, svc, current string) {
	oldVersion := yamlField(t, filepath.Join(svc, ".gomicro.yml"), "version:")
	if oldVersion == current {
		t.Fatalf("the old gomicro already generates %s", current)
	}

	// The team's edits: code of their own, with its test, which the
	// template knows nothing of; and a step of their own at the end of the
	// CI config, which the template changes elsewhere: a clean merge.
	teamFiles := map[string]string{
		"team.go":      "package main\n\n// owner is the team that runs this service.\nfunc owner() string { return \"billing\" }\n",
		"team_test.go": "package main\n\nimport \"testing\"\n\nfunc TestOwner(t *testing.T) {\n\tif owner() != \"billing\" {\n\t\tt.Fatal(owner())\n\t}\n}\n",
	}
	for name, body := range teamFiles {
		if err := os.WriteFile(filepath.Join(svc, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ciConfig := filepath.Join(svc, ".circleci", "config.yml")
	ciData, err := os.ReadFile(ciConfig)
	if err != nil {
		t.Fatal(err)
	}
	teamLine := "# Deploys are triggered by the billing team's release job.\n"
	if err := os.WriteFile(ciConfig, append(ciData, teamLine...), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, svc, "add", "-A")
	gitIn(t, svc, "commit", "-qam", "team edits")

	var stdout, stderr bytes.Buffer
	status := run([]string{"upgrade", svc, "--non-interactive"}, IO{In: strings.NewReader(""), Out: &stdout, Err: &stderr})
	t.Logf("gomicro upgrade (exit %d):\n%s%s", status, stdout.String(), stderr.String())
	if status != 0 {
		t.Fatalf("upgrade from %s to %s: exit %d", oldVersion, current, status)
	}
	if !strings.Contains(stdout.String(), "from gomicro's template history") {
		t.Errorf("upgrade did not use the template history as its base")
	}
	if !strings.Contains(stdout.String(), "upgraded service "+oldVersion+" -> "+current) {
		t.Errorf("no summary line for the upgrade")
	}
	for name, body := range teamFiles {
		if got, _ := os.ReadFile(filepath.Join(svc, name)); string(got) != body {
			t.Errorf("%s lost the team's edit", name)
		}
	}
	if got, _ := os.ReadFile(ciConfig); !strings.Contains(string(got), teamLine) || !strings.Contains(string(got), "go test -race ./...") {
		t.Errorf(".circleci/config.yml should hold the team's line and the template's race detector:\n%s", got)
	}
	if v := yamlField(t, filepath.Join(svc, ".gomicro.yml"), "version:"); v != current {
		t.Errorf(".gomicro.yml records %s, want %s", v, current)
	}

	// A second upgrade right after is a no-op.
	gitIn(t, svc, "add", "-A")
	gitIn(t, svc, "commit", "-qm", "upgrade")
	stdout.Reset()
	if status := run([]string{"upgrade", svc, "--check"}, IO{In: strings.NewReader(""), Out: &stdout, Err: &stderr}); status != 0 {
		t.Errorf("upgrade --check right after an upgrade: exit %d\n%s", status, stdout.String())
	}

}

// checkServiceWorks: the upgraded service still vets, builds, tests and packs.
func checkServiceWorks(t *testing.T, svc string) {
	// Without -race: the matrix (templates) runs the race tests, and a
	// second race build of the standard library beside it costs a cold run
	// half a minute.
	for _, args := range [][]string{{"go", "vet", "./..."}, {"go", "build", "./..."}, {"go", "test", "./..."}} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = svc
		must(t, cmd)
	}
	buildSh := exec.Command("scripts/build.sh")
	buildSh.Dir = svc
	buildSh.Env = append(os.Environ(), "VERSION=abc123")
	out := string(must(t, buildSh))
	for _, want := range []string{"svc_abc123_linux_amd64.tar.gz", "svc_abc123_checksums.txt"} {
		if !strings.Contains(out, want) {
			t.Errorf("scripts/build.sh after upgrade printed no %s:\n%s", want, out)
		}
	}
}

func must(t *testing.T, cmd *exec.Cmd) []byte {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(cmd.Args, " "), err, out, stderr.Bytes())
	}
	return out
}

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", slices.Concat([]string{"-c", "user.name=team", "-c", "user.email=team@example.com"}, args)...)
	cmd.Dir = dir
	must(t, cmd)
}

// yamlField reads a top-level "key: value" line.
func yamlField(t *testing.T, path, key string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("%s: no %s line", path, key)
	return ""
}
