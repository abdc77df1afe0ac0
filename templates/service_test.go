package templates_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/rules"
	"github.com/gomicro/gomicro/internal/testkit/configcheck"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
	"github.com/gomicro/gomicro/templates"
)

// TestGeneratedServiceWorks is the claim the service template makes, checked
// for real for every combination of kind × ci × build, each generated once
// and put through every check in turn (one subtest each, so a tool missing
// here skips only its own check):
//
//   - layout: the ci and build answers chose their files, and only theirs;
//   - ci-config: the CI config runs the chosen build, and passes CircleCI's
//     schema (its run: steps shellcheck-clean) or actionlint with shellcheck;
//   - go: gofmt-clean, scripts shellcheck-clean, go vet, and once per kind
//     (the Go code depends on nothing else) staticcheck and go build;
//   - race: its own tests pass with the race detector, as its CI runs them
//     (once per Go source tree, which the kind alone decides: goTrees);
//   - build: scripts/build.sh, or goreleaser check and one snapshot release,
//     cross-compiles exactly one archive per target (.zip holding NAME.exe
//     for windows) with the commit's short SHA in its name, holding the
//     binary and the config, entries sorted, owned by root and dated the
//     commit, and the checksums file; a second build of the commit gives the
//     same checksums (once per build tool, where it packs a .zip); git
//     status stays clean;
//   - upload: scripts/upload.sh puts the archives and checksums on an
//     in-process S3 server with AWS session credentials (the server refuses
//     a missing or unsigned token), and --if-configured without credentials
//     skips with a notice;
//   - run: the binary from this machine's archive prints the SHA for
//     -version, starts, serves (or works) and stops cleanly on SIGTERM; once
//     per kind, a plain go build reports the commit (checkVCSVersion);
//   - dirty: once per build tool, a build of the tree with main.go edited
//     names its archives SHA-dirty, as its binary's -version says and as
//     scripts/upload.sh takes the version (checkDirtyBuild).
//   - image (image=ko, on two combinations: imageKo): scripts/image.sh builds
//     for the Linux targets, refuses to run without KO_DOCKER_REPO and skips
//     with --if-configured; on one of them it publishes for real, with ko, to
//     a docker-registry on 127.0.0.1 on a base image pushed there first, and
//     go-containerregistry reads it back (checkImage); then goreleaser
//     release of a tag publishes it through kos, read back the same way.
//
// The heavy work is compiling the standard library: with the race detector,
// and once per cross-compiled target (for this machine the test binaries
// have compiled it already). The projects share go test's build cache
// (gentest.ProjectEnv), so each of those is compiled once per machine. The
// first combination, the defaults with every default target, runs alone and
// fills the cache when it lacks any of those (go list's Stale, see
// compiled); the others then run in parallel and mostly link. Most of them
// build this machine's target alone; one GoReleaser combination builds five,
// among them 32-bit ARM (GoReleaser's _7) and windows, and one build.sh
// combination windows too, both of the worker kind (see narrowOverrides).
// linux/386 is left out: one 32-bit port shows what 32-bit ports need, and
// each port costs a cold run a compile of the standard library.
func TestGeneratedServiceWorks(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and cross-compiles eight projects; skipped with -short")
	}
	if runtime.GOOS == "windows" {
		t.Skip("the generated scripts need bash and POSIX signals")
	}
	testtool.Require(t, "go", "https://go.dev/doc/install")
	testtool.Require(t, "git", "apt-get install -y git")
	testtool.Require(t, "bash", "apt-get install -y bash")

	// Each kind's answers: the web service takes the defaults, the worker
	// changes every answer that shows in its files.
	kinds := map[string]struct {
		set map[string]string
		bin string // the service's name: binary and archive prefix
	}{
		"web":    {map[string]string{}, "oddjob"},
		"worker": {map[string]string{"name": "reaper", "github_username": "acme", "s3_bucket": "acme-builds"}, "reaper"},
	}
	// full lists the combinations that build every target of a wide
	// platforms answer; the others build one, this machine's (which the run
	// check starts): cross-compiling is the full ones' to show, and a
	// one-target answer is one a team may give.
	full := map[string]struct {
		platforms string   // "" for the default
		targets   []string // what platforms must expand to
	}{
		"kind=web,ci=circleci,build=script": {"", []string{
			"darwin/arm64", "linux/amd64", "linux/arm64",
		}},
		"kind=worker,ci=github,build=goreleaser": {"linux,!386 darwin,arm64 windows,amd64", []string{
			"darwin/arm64", "linux/amd64", "linux/arm", "linux/arm64", "windows/amd64",
		}},
	}
	narrowPlatforms := runtime.GOOS + "," + runtime.GOARCH
	narrowTargets := []string{runtime.GOOS + "/" + runtime.GOARCH}
	// narrowOverrides: combinations with other targets. One build.sh one
	// packs windows/amd64 too (a .zip holding NAME.exe, as the GoReleaser
	// one above). A worker one, as the GoReleaser one: then windows is
	// built for the worker's code alone, whose imports (no net, no
	// net/http) cost a cold run half the standard library's compile for
	// windows that the web's do (about 19 CPU-s on 2 cores). What is
	// windows-specific in the web's code, os/signal and syscall for its
	// signals, the worker's code uses the same way; what the .zip packing
	// shows is build.sh's.
	narrowOverrides := map[string]struct {
		platforms string
		targets   []string
	}{
		"kind=worker,ci=github,build=script": {"linux,amd64 windows,amd64", []string{"linux/amd64", "windows/amd64"}},
	}

	// The matrix is the template's own: every combination of its choice
	// and bool answers, as gomicro template test tries them, the defaults
	// first, but for image: its combinations are those of image=none, and
	// image=ko on two of them (imageKo), one per ci and per build, not on
	// all eight: what image=ko adds (scripts/image.sh, a CI step, a kos
	// block) depends on ci and build alone, and its one image build proves
	// the image for every Linux target.
	tmpl := gentest.Load(t, "service")
	_, total, err := tmpl.Combinations(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if total != 16 {
		t.Errorf("service has %d combinations, want kind × ci × build × image = 16 (a new choice? give it its checks here)", total)
	}
	combinations, _, err := tmpl.Combinations(map[string]string{"image": "none"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	// imageKo: the combinations made with image=ko, and whether each
	// publishes its image (checkImage) or checks its files alone. The one
	// that publishes is the one with the most Linux targets (three, 32-bit
	// ARM among them), which its GoReleaser build has compiled already: ko
	// then mostly links.
	imageKo := map[string]bool{
		"kind=worker,ci=github,build=goreleaser": true,
		"kind=worker,ci=circleci,build=script":   false,
	}
	type matrixCase struct {
		name, bin string
		set       map[string]string
		targets   []string
		publish   bool // build, push and read back its image
	}
	var cases []matrixCase
	for _, combination := range combinations {
		k, ok := kinds[combination["kind"]]
		if !ok {
			t.Fatalf("combination %v: no answers for kind %q", combination, combination["kind"])
		}
		name := fmt.Sprintf("kind=%s,ci=%s,build=%s", combination["kind"], combination["ci"], combination["build"])
		set := map[string]string{}
		for key, v := range combination {
			set[key] = v
		}
		for key, v := range k.set {
			set[key] = v
		}
		targets := narrowTargets
		set["platforms"] = narrowPlatforms
		if o, ok := narrowOverrides[name]; ok {
			targets, set["platforms"] = o.targets, o.platforms
		}
		if f, ok := full[name]; ok {
			targets = f.targets
			delete(set, "platforms")
			if f.platforms != "" {
				set["platforms"] = f.platforms
			}
		}
		var publish bool
		if p, ok := imageKo[name]; ok {
			set["image"], publish = "ko", p
			name += ",image=ko"
		}
		cases = append(cases, matrixCase{name, k.bin, set, targets, publish})
	}
	// The defaults first, alone: they compile what every other combination
	// shares. Then the other full-target one, whose 32-bit ARM build is the
	// longest left, so that it does not finish last.
	rank := func(c matrixCase) int {
		if _, ok := full[c.name]; ok {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(cases[min(1, len(cases)):], func(a, b matrixCase) int {
		return cmp.Compare(rank(a), rank(b))
	})
	// The Go code depends on the kind alone: staticcheck, whose first run
	// analyses the standard library too, runs once per kind.
	linted := map[string]bool{}
	// The race tests run once per Go source tree (see goTrees).
	raced := &goTrees{first: map[string]string{}}
	// Reproducibility (a second build of the commit) is a property of the
	// build tool's config, not of the other answers: checked once per build
	// tool, on a combination that packs a windows .zip beside its .tar.gz
	// where there is one.
	packsZip := func(c matrixCase) bool {
		return slices.ContainsFunc(c.targets, func(target string) bool { return strings.HasPrefix(target, "windows/") })
	}
	zipped := map[string]bool{} // build tools with a combination that packs a .zip
	for _, c := range cases {
		zipped[c.set["build"]] = zipped[c.set["build"]] || packsZip(c)
	}
	rebuilt := map[string]bool{}
	// A build of a dirty tree (checkDirtyBuild): once per build tool, on a
	// combination that builds this machine's target alone.
	host := runtime.GOOS + "/" + runtime.GOARCH
	dirtied := map[string]bool{}
	// The first combination compiles, beside its own targets, every target
	// that a later one builds, where that one's build tools are here (a
	// build that skips compiles nothing), so that the later ones, in
	// parallel, mostly link (see precompile); for each target, what the
	// code of the kinds built for it imports, and no more: 32-bit ARM and
	// windows are built for the worker alone.
	plan := &compilePlan{kinds: map[string][]string{}, answers: map[string]map[string]string{}}
	var later []string
	for i, c := range cases {
		if i > 0 && !buildToolsFound(c.set["build"], c.targets) {
			continue // its build skips: nothing of its to compile
		}
		kind := c.set["kind"]
		if _, ok := plan.answers[kind]; !ok {
			plan.answers[kind] = c.set // any of the kind's: its Go code is the same
		}
		for _, target := range c.targets {
			if !slices.Contains(plan.kinds[target], kind) {
				plan.kinds[target] = append(plan.kinds[target], kind)
			}
			if i > 0 && !slices.Contains(cases[0].targets, target) && !slices.Contains(later, target) {
				later = append(later, target)
			}
		}
	}
	slices.Sort(later)
	plan.targets = append(later, cases[0].targets...)
	for i, c := range cases {
		var compile *compilePlan
		if i == 0 {
			compile = plan
		}
		lint := !linted[c.set["kind"]]
		linted[c.set["kind"]] = true
		again := !rebuilt[c.set["build"]] && (packsZip(c) || !zipped[c.set["build"]])
		rebuilt[c.set["build"]] = rebuilt[c.set["build"]] || again
		dirty := !dirtied[c.set["build"]] && slices.Equal(c.targets, []string{host})
		dirtied[c.set["build"]] = dirtied[c.set["build"]] || dirty
		t.Run(c.name, func(t *testing.T) {
			if i > 0 {
				t.Parallel()
			}
			checkGenerated(t, c.set, c.bin, c.targets, compile, lint, again, dirty, c.publish, raced)
		})
	}
}

// TestServiceChoices pins the answers TestGeneratedServiceWorks's matrix is
// made of: kind, ci, build and image offer exactly these choices, the
// first the default.
func TestServiceChoices(t *testing.T) {
	fsys, err := templates.Lookup("service")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := generator.Load(fsys, "embedded:service")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string][]string{
		"kind":  {"web", "worker"},
		"ci":    {"circleci", "github"},
		"build": {"script", "goreleaser"},
		"image": {"none", "ko"},
	} {
		q, ok := tmpl.Question(key)
		if !ok {
			t.Errorf("template %s %s does not ask %q", tmpl.Name, tmpl.Version, key)
			continue
		}
		if !slices.Equal(slices.Sorted(slices.Values(q.Choices)), slices.Sorted(slices.Values(want))) {
			t.Errorf("question %q offers %v, want %v", key, q.Choices, want)
		}
		if q.Default != want[0] {
			t.Errorf("question %q defaults to %q, want %q", key, q.Default, want[0])
		}
	}
}

// checkGenerated generates the project for set once and puts it through
// TestGeneratedServiceWorks's checks, one subtest each. The first
// combination also fills the build cache for the others: it precompiles
// what compile plans first.
func checkGenerated(t *testing.T, set map[string]string, binName string, targets []string, compile *compilePlan, lint, again, dirty, publish bool, raced *goTrees) {
	ctx := testtool.Context(t) // no fixed timeout: a loaded machine is slow, not broken
	dir := gentest.Generate(t, "service", set, binName)
	env := gentest.ProjectEnv()
	git := func(t *testing.T, args ...string) string {
		base := []string{
			"-c", "user.name=test", "-c", "user.email=test@example.com",
			"-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false",
			"-c", "init.defaultBranch=main",
		}
		return run(ctx, t, dir, env, "git", append(base, args...)...)
	}
	git(t, "init", "-q")
	// As in CI's checkout: GoReleaser reads the commit only with a remote.
	git(t, "remote", "add", "origin", "https://example.com/"+binName+".git")
	git(t, "add", "-A")
	git(t, "commit", "--no-verify", "-q", "-m", "Template applied")
	sha6 := strings.TrimSpace(git(t, "rev-parse", "HEAD"))[:6]
	ci, build := set["ci"], set["build"]
	var imports []targetImports // what to compile, per target, for the others
	if compile != nil {
		imports = compile.imports(ctx, t, dir, env, set["kind"])
		if compiled(ctx, t, dir, env, imports) {
			// A warm build cache (any run but the first on a machine): the
			// first combination has nothing to compile for the others, so it
			// runs beside them instead of before them.
			t.Parallel()
			imports = nil
		}
	}

	t.Run("layout", func(t *testing.T) {
		checkLayout(t, dir, ci, build, set["image"])
	})

	t.Run("ci-config", func(t *testing.T) {
		checkCIConfig(ctx, t, dir, ci, build)
	})

	t.Run("go", func(t *testing.T) {
		if out := run(ctx, t, dir, env, "gofmt", "-l", "."); out != "" {
			t.Errorf("gofmt -l . lists files that are not gofmt-clean:\n%s", out)
		}
		run(ctx, t, dir, env, "go", "vet", "./...")
		if lint {
			// As a developer builds it: writes ./NAME, which the build
			// subtest's git status then shows, unless .gitignore ignores it.
			// Once per kind, like staticcheck: the other combinations' Go
			// code is the same, and their build tool links it for every
			// target anyway.
			run(ctx, t, dir, env, "go", "build", "./...")
		}
	})

	t.Run("shellcheck", func(t *testing.T) {
		shellcheck := testtool.Require(t, "shellcheck", configcheck.ShellcheckInstall)
		scripts, _ := fs.Glob(os.DirFS(dir), "scripts/*.sh")
		if len(scripts) == 0 {
			t.Fatal("no scripts/*.sh generated")
		}
		run(ctx, t, dir, env, shellcheck, scripts...)
	})

	if lint { // as the generated CI runs it (there through scripts/lint.sh, at the same version)
		t.Run("staticcheck", func(t *testing.T) {
			staticcheck := testtool.Require(t, "staticcheck", configcheck.StaticcheckInstall)
			run(ctx, t, dir, env, staticcheck, "./...")
		})
	}

	// The race test and the build share nothing but the build cache, and
	// compile different things (the race runtime; the cross-compiled
	// targets): side by side they keep both CPUs busy. Neither writes where
	// the other looks (go build, which writes into the project, is done).
	var hostBinary []byte
	var both sync.WaitGroup
	both.Go(func() {
		t.Run("race", func(t *testing.T) {
			testtool.RequireRace(t)
			if first, ok := raced.claim(t, dir, t.Name()); !ok {
				t.Skipf("the same Go code (every *.go file and go.mod) as %s, which runs its race tests", first)
			}
			run(ctx, t, dir, env, "go", "test", "-race", "./...")
		})
	})
	both.Go(func() {
		t.Run("build", func(t *testing.T) {
			requireBuildTools(t, build, targets)
			if len(imports) > 0 {
				precompile(ctx, t, dir, env, imports)
			}
			hostBinary = checkBuild(ctx, t, dir, env, set["build"], binName, sha6, targets, again)
			if status := git(t, "status", "--porcelain"); status != "" {
				t.Errorf("build output is not ignored by .gitignore; git status:\n%s", status)
			}
		})
	})
	both.Wait()

	// The upload and the run take the build's archives: without its tools,
	// they skip with it.
	t.Run("upload", func(t *testing.T) {
		requireBuildTools(t, build, targets)
		checkUpload(ctx, t, dir, env, binName, sha6)
	})

	t.Run("run", func(t *testing.T) {
		host := runtime.GOOS + "/" + runtime.GOARCH
		if !slices.Contains(targets, host) {
			t.Skipf("no target for this machine (%s): cannot run the binary", host)
		}
		requireBuildTools(t, build, targets)
		if hostBinary == nil {
			t.Skipf("the build made no binary for this machine (%s)", host)
		}
		bin := filepath.Join(t.TempDir(), binName)
		testtool.WriteExecutable(t, bin, hostBinary)
		if got := strings.TrimSpace(run(ctx, t, dir, env, bin, "-version")); got != sha6 {
			t.Errorf("%s -version = %q, want the commit's short SHA %q", binName, got, sha6)
		}
		if set["kind"] == "worker" {
			checkWorker(ctx, t, bin, env, binName, sha6)
		} else {
			checkWeb(ctx, t, bin, env, binName, sha6)
		}
		if lint { // main.go's fallback: a property of the kind, like staticcheck's
			checkVCSVersion(ctx, t, dir, env, binName, sha6)
		}
	})

	if dirty {
		t.Run("dirty", func(t *testing.T) {
			requireBuildTools(t, build, targets)
			checkDirtyBuild(ctx, t, dir, env, build, binName, sha6, rules.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH})
		})
	}

	if set["image"] == "ko" {
		// Last: it tags the commit.
		t.Run("image", func(t *testing.T) {
			for _, p := range imagePlatformProblems(os.DirFS(dir), targets) {
				t.Error(p)
			}
			checkImageSkip(ctx, t, dir, env)
			if !publish {
				t.Log("the image is built, pushed and read back in one combination only (see imageKo)")
				return
			}
			owner := projectAnswers(t, os.DirFS(dir))["github_username"]
			checkImage(ctx, t, dir, env, binName, owner, sha6, targets)
		})
	}
}

// goTrees remembers which Go source trees a combination has race-tested.
// The Go code depends on the kind alone (ci, build and platforms choose
// other files), so the other combinations of a kind would run the same
// tests on byte-identical code: the race test, which compiles and links a
// race-instrumented test binary per project, runs once per tree, and a
// combination whose tree differs from every one tested runs its own.
type goTrees struct {
	mu    sync.Mutex
	first map[string]string // the tree's digest -> the test that races it
}

// claim reports the test that races the Go tree in dir, and whether that
// is test itself (the first to claim the tree).
func (g *goTrees) claim(t *testing.T, dir, test string) (string, bool) {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s %d\n", rel, len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	digest := string(h.Sum(nil))
	g.mu.Lock()
	defer g.mu.Unlock()
	if first, ok := g.first[digest]; ok {
		return first, false
	}
	g.first[digest] = test
	return test, true
}

// requireBuildTools requires what the build answer's build of targets runs
// beyond go and bash: goreleaser, or zip where build.sh packs a windows
// target.
func requireBuildTools(t *testing.T, build string, targets []string) {
	t.Helper()
	for _, tool := range buildTools(build, targets) {
		testtool.Require(t, tool.name, tool.install)
	}
}

// buildToolsFound reports whether requireBuildTools would find them all.
func buildToolsFound(build string, targets []string) bool {
	for _, tool := range buildTools(build, targets) {
		if _, ok := testtool.Find(tool.name); !ok {
			return false
		}
	}
	return true
}

type buildTool struct{ name, install string }

func buildTools(build string, targets []string) []buildTool {
	switch {
	case build == "goreleaser":
		return []buildTool{{"goreleaser", configcheck.GoReleaserInstall}}
	case slices.ContainsFunc(targets, func(target string) bool { return strings.HasPrefix(target, "windows/") }):
		return []buildTool{{"zip", "apt-get install -y zip"}}
	}
	return nil
}

// checkLayout checks that the ci, build and image answers chose their
// files: one CI config (and no GitHub workflow at all for another CI),
// scripts/build.sh or .goreleaser.yaml, never both, and scripts/image.sh
// only for image=ko.
func checkLayout(t *testing.T, dir, ci, build, image string) {
	t.Helper()
	want := map[string]bool{
		".circleci/config.yml":       ci == "circleci",
		".github/workflows/ci.yml":   ci == "github",
		upgradeWorkflow:              ci == "github",
		upgradeScript:                true,
		dependabotFile:               true,
		"scripts/build.sh":           build == "script",
		configcheck.GoReleaserConfig: build == "goreleaser",
		"scripts/upload.sh":          true,
		imageScript:                  image == "ko",
	}
	for p, wanted := range want {
		_, err := os.Stat(filepath.Join(dir, p))
		if exists := err == nil; exists != wanted {
			t.Errorf("ci=%s build=%s: %s exists: %v, want %v", ci, build, p, exists, wanted)
		}
	}
	if ci != "github" {
		if wf := configcheck.WorkflowFiles(dir); len(wf) != 0 {
			t.Errorf("ci=%s: GitHub workflows generated: %v", ci, wf)
		}
	}
}

// compilePlan is what the first combination compiles for the others.
type compilePlan struct {
	targets []string                     // every target built, in that order (see precompile)
	kinds   map[string][]string          // target -> the kinds built for it
	answers map[string]map[string]string // kind -> answers that generate its code
}

// targetImports is a target and the packages its builds import.
type targetImports struct {
	target  string
	imports []string
}

// imports lists, for each target of the plan, the packages that the code of
// the kinds built for it imports on that target (go list, as the build sees
// the files for its GOOS and GOARCH): dir holds the code of kind, and a
// project of each other kind is generated beside it, for go list alone.
func (p *compilePlan) imports(ctx context.Context, t *testing.T, dir string, env []string, kind string) []targetImports {
	t.Helper()
	dirs := map[string]string{kind: dir}
	var all []targetImports
	for _, target := range p.targets {
		goos, goarch, _ := strings.Cut(target, "/")
		env := append(slices.Clip(env), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
		var imports []string
		for _, k := range p.kinds[target] {
			if dirs[k] == "" {
				dirs[k] = gentest.Generate(t, "service", p.answers[k], "imports-of-"+k)
			}
			imports = append(imports, strings.Fields(run(ctx, t, dirs[k], env, "go", "list", "-f", `{{join .Imports " "}}`, "."))...)
		}
		slices.Sort(imports)
		all = append(all, targetImports{target, slices.Compact(imports)})
	}
	return all
}

// precompile compiles, for each target as scripts/build.sh does, the
// packages its builds import (compiling several packages links nothing),
// last target first, so that the builds then mostly link. One target at a
// time, beside the race test: on 2 cores, every target at once (a go
// command each) took a cold run more CPU time, not less. The order is the
// point: go commands share the build cache but not their work, so two of
// them compiling the same package at the same time both compile it, and,
// once one catches up with the other through the cache, they go on in
// lockstep. cmd/gomicro's TestUpgradeFromEarlierReleases runs build.sh for
// linux/amd64 at about the same time as this starts: going backwards, this
// reaches that target second and finds it in the cache.
func precompile(ctx context.Context, t *testing.T, dir string, env []string, targets []targetImports) {
	t.Helper()
	for _, ti := range slices.Backward(targets) {
		if len(ti.imports) == 0 {
			continue
		}
		goos, goarch, _ := strings.Cut(ti.target, "/")
		env := append(slices.Clip(env), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
		run(ctx, t, dir, env, "go", append([]string{"build", "-trimpath"}, ti.imports...)...)
	}
}

// compiled reports whether the build cache holds every standard-library
// package that the project in dir's race test and the builds of targets
// need, as precompile compiles them.
func compiled(ctx context.Context, t *testing.T, dir string, env []string, targets []targetImports) bool {
	t.Helper()
	const staleStd = `{{if and .Standard .Stale}}{{.ImportPath}} {{end}}`
	if _, race := testtool.CCompiler(); !race {
		// No race test here (see RequireRace): nothing to compile for it.
	} else if stale := run(ctx, t, dir, env, "go", "list", "-race", "-test", "-deps", "-f", staleStd, "."); strings.TrimSpace(stale) != "" {
		t.Logf("to compile with -race: %s", stale)
		return false
	}
	for _, ti := range targets {
		if len(ti.imports) == 0 {
			continue
		}
		goos, goarch, _ := strings.Cut(ti.target, "/")
		env := append(slices.Clip(env), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
		if stale := run(ctx, t, dir, env, "go", append([]string{"list", "-trimpath", "-deps", "-f", staleStd}, ti.imports...)...); strings.TrimSpace(stale) != "" {
			t.Logf("to compile for %s: %s", ti.target, stale)
			return false
		}
	}
	return true
}

// run runs name in dir and returns its stdout; a failure ends the test with
// the command's output.
func run(ctx context.Context, t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	shown := args
	for len(shown) >= 2 && shown[0] == "-c" { // git's -c key=value noise
		shown = shown[2:]
	}
	var vars string // what a caller added to ProjectEnv's, which has none of these
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == "CGO_ENABLED" || k == "GOOS" || k == "GOARCH" {
			vars += kv + " "
		}
	}
	t.Logf("%s%s %s (%v)", vars, filepath.Base(name), strings.Join(shown, " "), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, &stdout, &stderr)
	}
	return stdout.String()
}
