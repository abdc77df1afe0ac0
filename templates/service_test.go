package templates_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gomicro/gomicro/internal/testkit/gentest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// TestGeneratedServiceWorks is the claim the service template makes, checked
// for real for every combination of kind × ci × build: a generated project
// vets, builds and passes its own tests (with the race detector, as its CI
// runs them), its scripts pass shellcheck, its build (scripts/build.sh or
// GoReleaser) cross-compiles one archive per target with the commit's short
// SHA baked in, and the binary from an archive starts, serves (or works) and
// stops cleanly on SIGTERM.
//
// Cross-compiling is the cost, so most combinations build two targets; the
// defaults and one GoReleaser combination build the full default-sized list.
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
	shellcheck := testtool.Require(t, "shellcheck", "apt-get install -y shellcheck")

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
	// platforms answer; the others build two.
	full := map[string]struct {
		platforms string   // "" for the default
		targets   []string // what platforms must expand to
	}{
		"kind=web,ci=circleci,build=script": {"", []string{
			"darwin/amd64", "darwin/arm64", "linux/386", "linux/amd64", "linux/arm64",
		}},
		"kind=worker,ci=github,build=goreleaser": {"linux darwin,arm64", []string{
			"darwin/arm64", "linux/386", "linux/amd64", "linux/arm", "linux/arm64",
		}},
	}
	const narrowPlatforms = "linux,amd64 darwin,arm64"
	narrowTargets := []string{"darwin/arm64", "linux/amd64"}

	// The matrix is the template's own: every combination of its choice
	// and bool answers, as gomicro template test tries them.
	combinations := gentest.Combinations(t, "service")
	if len(combinations) != 8 {
		t.Errorf("service has %d combinations, want kind × ci × build = 8 (a new choice? give it its checks here)", len(combinations))
	}
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
		if f, ok := full[name]; ok {
			targets = f.targets
			delete(set, "platforms")
			if f.platforms != "" {
				set["platforms"] = f.platforms
			}
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkGenerated(t, set, k.bin, targets, shellcheck)
		})
	}
}

// checkGenerated generates the project for set and puts it through
// TestGeneratedServiceWorks's checks.
func checkGenerated(t *testing.T, set map[string]string, binName string, targets []string, shellcheck string) {
	ctx := testtool.Context(t) // no fixed timeout: a loaded machine is slow, not broken
	dir := gentest.Generate(t, "service", set, "project")
	checkLayout(t, dir, set["ci"], set["build"])
	env := gentest.ProjectEnv()
	git := func(args ...string) string {
		base := []string{
			"-c", "user.name=test", "-c", "user.email=test@example.com",
			"-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false",
			"-c", "init.defaultBranch=main",
		}
		return run(ctx, t, dir, env, "git", append(base, args...)...)
	}
	git("init", "-q")
	// As in CI's checkout: GoReleaser reads the commit only with a remote.
	git("remote", "add", "origin", "https://example.com/"+binName+".git")
	git("add", "-A")
	git("commit", "--no-verify", "-q", "-m", "Template applied")
	sha6 := strings.TrimSpace(git("rev-parse", "HEAD"))[:6]

	if out := run(ctx, t, dir, env, "gofmt", "-l", "."); out != "" {
		t.Errorf("gofmt -l . lists files that are not gofmt-clean:\n%s", out)
	}
	scripts, _ := fs.Glob(os.DirFS(dir), "scripts/*.sh")
	if len(scripts) == 0 {
		t.Fatal("no scripts/*.sh generated")
	}
	run(ctx, t, dir, env, shellcheck, scripts...)
	run(ctx, t, dir, env, "go", "vet", "./...")
	run(ctx, t, dir, env, "go", "build", "./...")
	run(ctx, t, dir, env, "go", "test", "-race", "./...")

	// Either build writes to ./dist: CIRCLE_ARTIFACTS is unset (projectEnv
	// drops it), and GoReleaser's dist is ./dist.
	var want []string
	for _, target := range targets {
		goos, goarch, _ := strings.Cut(target, "/")
		want = append(want, fmt.Sprintf("%s_%s_%s_%s.tar.gz", binName, sha6, goos, goarch))
	}
	if set["build"] == "goreleaser" {
		goreleaser := testtool.Require(t, "goreleaser", "go install github.com/goreleaser/goreleaser/v2@v2.15.1")
		run(ctx, t, dir, env, goreleaser, "release", "--snapshot", "--clean")
	} else {
		printed := strings.Fields(run(ctx, t, dir, env, "scripts/build.sh"))
		var wantPrinted []string
		for _, name := range want {
			wantPrinted = append(wantPrinted, "dist/"+name)
		}
		if !slices.Equal(printed, wantPrinted) {
			t.Errorf("scripts/build.sh printed\n%s\nwant\n%s", strings.Join(printed, "\n"), strings.Join(wantPrinted, "\n"))
		}
	}
	got, err := fs.Glob(os.DirFS(filepath.Join(dir, "dist")), "*.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("dist holds the archives\n%s\nwant exactly\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if set["build"] == "script" {
		// build.sh writes nothing else; GoReleaser adds its builds and metadata.
		if entries, _ := os.ReadDir(filepath.Join(dir, "dist")); len(entries) != len(want) {
			t.Errorf("dist holds %d entries, want only the %d archives", len(entries), len(want))
		}
	}
	if status := git("status", "--porcelain"); status != "" {
		t.Errorf("build output is not ignored by .gitignore; git status:\n%s", status)
	}

	wantFiles := []string{binName, binName + ".local.conf"}
	slices.Sort(wantFiles)
	var hostBinary []byte
	host := runtime.GOOS + "/" + runtime.GOARCH
	for i, name := range want {
		files := readArchive(t, filepath.Join(dir, "dist", name))
		var names []string
		for n := range files {
			names = append(names, n)
		}
		slices.Sort(names)
		if !slices.Equal(names, wantFiles) {
			t.Errorf("%s holds %v, want %v", name, names, wantFiles)
		}
		if targets[i] == host {
			hostBinary = files[binName]
		}
	}
	if hostBinary == nil {
		t.Skipf("no target for this machine (%s): cannot run the binary", host)
	}
	bin := filepath.Join(t.TempDir(), binName)
	if err := os.WriteFile(bin, hostBinary, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(run(ctx, t, dir, env, bin, "-version")); got != sha6 {
		t.Errorf("%s -version = %q, want the commit's short SHA %q", binName, got, sha6)
	}

	if set["kind"] == "worker" {
		checkWorker(ctx, t, bin, env, binName, sha6)
	} else {
		checkWeb(ctx, t, bin, env, binName, sha6)
	}
}

// checkLayout checks that the ci and build answers chose their files: one CI
// config, and scripts/build.sh or .goreleaser.yaml, never both.
func checkLayout(t *testing.T, dir, ci, build string) {
	t.Helper()
	want := map[string]bool{
		".circleci/config.yml":     ci == "circleci",
		".github/workflows/ci.yml": ci == "github",
		"scripts/build.sh":         build == "script",
		".goreleaser.yaml":         build == "goreleaser",
		"scripts/upload.sh":        true,
	}
	for p, wanted := range want {
		_, err := os.Stat(filepath.Join(dir, p))
		if exists := err == nil; exists != wanted {
			t.Errorf("ci=%s build=%s: %s exists: %v, want %v", ci, build, p, exists, wanted)
		}
	}
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
	t.Logf("%s %s (%v)", filepath.Base(name), strings.Join(shown, " "), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, &stdout, &stderr)
	}
	return stdout.String()
}

// readArchive returns the regular files of a .tar.gz by name, and fails the
// test for anything that is not a regular file at the archive root.
func readArchive(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h.Typeflag != tar.TypeReg || strings.Contains(h.Name, "/") {
			t.Errorf("%s: entry %q (type %c) is not a file at the archive root", filepath.Base(path), h.Name, h.Typeflag)
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		files[h.Name] = data
	}
	return files
}

// checkWeb starts the web service on a free port, checks /healthz and
// /version, and stops it with SIGTERM.
func checkWeb(ctx context.Context, t *testing.T, bin string, env []string, name, sha6 string) {
	cmd, logs := start(ctx, t, bin, env, "-addr", "127.0.0.1:0")
	m := logs.waitFor(t, regexp.MustCompile(`listening on (\S+)`))
	for path, want := range map[string]string{"/healthz": "ok\n", "/version": sha6 + "\n"} {
		resp, err := http.Get("http://" + m[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || string(body) != want {
			t.Errorf("GET %s = %d %q (%v), want 200 %q", path, resp.StatusCode, body, err, want)
		}
	}
	stop(t, cmd, logs, "Starting "+name+" version "+sha6, "shutting down", "stopped")
}

// checkWorker starts the worker with a short interval, waits for two rounds
// of work, and stops it with SIGTERM.
func checkWorker(ctx context.Context, t *testing.T, bin string, env []string, name, sha6 string) {
	cmd, logs := start(ctx, t, bin, env, "-interval", "20ms")
	logs.waitFor(t, regexp.MustCompile(`(?s)working.*working`))
	stop(t, cmd, logs, "Starting "+name+" version "+sha6, "stopped")
}

func start(ctx context.Context, t *testing.T, bin string, env []string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.Stdout = logs
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, logs
}

// stop sends SIGTERM and wants a clean exit whose log holds every one of lines.
func stop(t *testing.T, cmd *exec.Cmd, logs *syncBuffer, lines ...string) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after SIGTERM: %v; log:\n%s", err, logs)
		}
	case <-testtool.Context(t).Done():
		t.Fatalf("still running at the test's deadline, long after SIGTERM; log:\n%s", logs)
	}
	for _, line := range lines {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, logs)
		}
	}
}

// syncBuffer collects a running process's output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls the output until re matches, up to the test's deadline.
func (b *syncBuffer) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	for ; testtool.Before(t, time.Now()); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			return m
		}
	}
	t.Fatalf("no %q in the output by the test's deadline:\n%s", re, b)
	return nil
}
