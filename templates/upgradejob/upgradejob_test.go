package upgradejob_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/proctest"

	"github.com/gomicro/gomicro/internal/testkit/gentest"
	"github.com/gomicro/gomicro/internal/testkit/gittest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
	"github.com/gomicro/gomicro/templates"
)

const (
	branch = "gomicro/upgrade"
	// token is the GH_TOKEN every run of the script has: it must never
	// show in what the script prints, traced with bash -x.
	token = "ghp_e2eSecretTokenValue0123456789"
	// The calls the script makes of gh, as fakeGH records them (a
	// --body-file's path as BODY).
	ghList = "pr list --head " + branch + " --state open --json number --jq .[0].number // empty"
)

// fakeGH is the gh on PATH: GitHub is out of reach. It appends each call's
// arguments to $GH_LOG, one line each, keeps the last --body-file's content
// in $GH_LOG.body, and answers pr list with pull request 7 once pr create
// has been called.
const fakeGH = `#!/usr/bin/env bash
set -euo pipefail
args=()
while (($#)); do
	if [[ $1 == --body-file ]]; then
		cp "$2" "$GH_LOG.body"
		args+=("$1" BODY)
		shift 2
		continue
	fi
	args+=("$1")
	shift
done
printf '%s\n' "${args[*]}" >>"$GH_LOG"
case "${args[0]} ${args[1]}" in
"pr list") if [[ -e $GH_LOG.created ]]; then echo 7; fi ;;
"pr create") : >"$GH_LOG.created" && echo https://github.com/acme/oddjob/pull/7 ;;
"pr edit") echo https://github.com/acme/oddjob/pull/7 ;;
*) echo "gh: unexpected call: ${args[*]}" >&2 && exit 1 ;;
esac
`

// TestUpgradeJob runs a generated project's scripts/gomicro-upgrade.sh as
// its CI would, from a fresh clone each time, against a bare repository as
// origin. gomicro comes from the script's own go run …@VERSION line, the
// version the project recorded when the same go run generated it, from a
// file:// GOPROXY serving this working tree (gomicroProxy); the template is
// a local git repository that gains newer tags; gh records its calls;
// nothing else is faked. The story:
//
//   - DRY_RUN=1 prints what it would push and open, and changes nothing
//     remote;
//   - a newer tag: the branch is pushed with one commit on top of main,
//     with gomicro's message, and a pull request is created from it;
//   - again: nothing pushed, `already proposed`, the pull request untouched;
//   - a newer tag still: the branch is replaced and the pull request edited;
//   - a team edit on main that clashes with the next tag: the commit holds
//     the markers, the pull request's body lists the file, and
//     gomicro upgrade --check fails on that branch.
//
// Every run is traced with bash -x, and the token shows in none.
func TestUpgradeJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gomicro from a module zip and upgrades a project four times; skipped with -short")
	}
	if runtime.GOOS == "windows" {
		t.Skip("the generated script needs bash")
	}
	testtool.Require(t, "git", "apt-get install -y git")
	testtool.Require(t, "bash", "apt-get install -y bash")
	ctx := testtool.Context(t)
	proxy, version := gomicroProxy(t)
	modCache := goEnv(ctx, t, "GOMODCACHE")
	t.Cleanup(func() { forget(t, modCache, version) })

	work := t.TempDir()
	home := filepath.Join(work, "home")
	bin := filepath.Join(work, "bin")
	for _, d := range []string{home, bin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	testtool.WriteExecutable(t, filepath.Join(bin, "gh"), []byte(fakeGH))
	gitConfig := filepath.Join(work, "gitconfig") // no identity: the script's own
	if err := os.WriteFile(gitConfig, []byte("[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ghLog := filepath.Join(work, "gh.log")
	env := append(gentest.ProjectEnv(),
		"HOME="+home,
		"XDG_CACHE_HOME="+filepath.Join(work, "cache"), // gomicro's git mirrors
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"GOMODCACHE="+modCache, // the dependencies, already downloaded: no network
		"GOPROXY="+fileURL(proxy),
		"GOSUMDB=off",
		"GONOSUMDB="+gomicroModule,
		"GOPRIVATE=", "GONOPROXY=", // nothing bypasses the proxy for the network
		"GOENV=off", // nor does a go env file
		"GIT_CONFIG_GLOBAL="+gitConfig,
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GH_TOKEN="+token,
		"GH_LOG="+ghLog,
	)
	git := func(t *testing.T, dir string, args ...string) string {
		t.Helper()
		out, err := proctest.Output(ctx, dir, env, "git", args...)
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(out)
	}
	gomicro := func(dir string, args ...string) (string, error) {
		return proctest.Output(ctx, dir, env, "go", append([]string{"run", gomicroModule + "/cmd/gomicro@" + version}, args...)...)
	}

	// The template: service 2.1.0 as released, in a git repository.
	tpl := filepath.Join(work, "tpl")
	snapshot, err := templates.Snapshot("service", "2.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(tpl, snapshot); err != nil {
		t.Fatal(err)
	}
	git(t, tpl, "init", "-q")
	released := "2.1.0"
	release := func(t *testing.T, v string, edits map[string][2]string) {
		t.Helper()
		if edits == nil {
			edits = map[string][2]string{}
		}
		if v != released {
			edits["template.yaml"] = [2]string{"\nversion: " + released + "\n", "\nversion: " + v + "\n"}
			released = v
		}
		for file, edit := range edits {
			replaceIn(t, filepath.Join(tpl, file), edit[0], edit[1])
		}
		git(t, tpl, "add", "-A")
		commit(ctx, t, tpl, env, "service "+v)
		git(t, tpl, "tag", "v"+v)
	}
	release(t, "2.1.0", nil)

	// The project, generated by the gomicro the script will run, pushed
	// to its origin.
	out, err := gomicro(work, "new", "oddjob", "--non-interactive", "--set", "github_username=acme",
		"--template", fileURL(tpl)+"@v2.1.0")
	if err != nil {
		t.Fatalf("gomicro new: %v\n%s", err, out)
	}
	project := filepath.Join(work, "oddjob")
	manifest, err := os.ReadFile(filepath.Join(project, ".gomicro.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "\n  gomicro_version: " + version + "\n"; !strings.Contains(string(manifest), want) {
		t.Fatalf(".gomicro.yml does not record the gomicro that made it (%q):\n%s", strings.TrimSpace(want), manifest)
	}
	origin := filepath.Join(work, "origin.git")
	git(t, work, "init", "-q", "--bare", origin)
	git(t, project, "remote", "add", "origin", origin)
	git(t, project, "push", "-q", "origin", "main")

	// upgrade runs the script as CI does, in a fresh clone of origin
	// (name), with extra environment; it returns what the script printed
	// and the calls it made of gh.
	upgrade := func(t *testing.T, name string, extra ...string) (string, []string) {
		t.Helper()
		clone := filepath.Join(work, name)
		git(t, work, "clone", "-q", origin, clone)
		_ = os.Remove(ghLog)
		out, err := proctest.Output(ctx, clone, append(slices.Clip(env), extra...), "bash", "-x", "scripts/gomicro-upgrade.sh")
		if strings.Contains(out, token) {
			t.Errorf("the token shows in the script's output (bash -x):\n%s", out)
		}
		if err != nil {
			t.Fatalf("scripts/gomicro-upgrade.sh: %v; the end of its bash -x trace:\n%s", err, lastLines(out, 40))
		}
		t.Logf("%s: scripts/gomicro-upgrade.sh:\n%s", name, lastLines(out, 12))
		calls, _ := os.ReadFile(ghLog)
		return out, strings.Split(strings.TrimSpace(string(calls)), "\n")
	}
	// proposed checks origin's branch: one commit on top of origin's main,
	// with subject; it returns the commit.
	proposed := func(t *testing.T, subject string) string {
		t.Helper()
		head := git(t, origin, "rev-parse", "refs/heads/"+branch)
		if parent, main := git(t, origin, "rev-parse", head+"^"), git(t, origin, "rev-parse", "refs/heads/main"); parent != main {
			t.Errorf("origin's %s (%s) is not one commit on top of main (%s): its parent is %s", branch, head, main, parent)
		}
		if got := git(t, origin, "log", "-1", "--format=%s", head); got != subject {
			t.Errorf("origin's %s: subject %q, want %q", branch, got, subject)
		}
		return head
	}
	noBranch := func(t *testing.T) {
		t.Helper()
		if out, err := proctest.Output(ctx, origin, env, "git", "rev-parse", "-q", "--verify", "refs/heads/"+branch); err == nil {
			t.Errorf("origin has %s (%s), want none", branch, strings.TrimSpace(out))
		}
	}

	// A newer release: README.md gains a line.
	release(t, "2.1.1", map[string][2]string{"README.md": {"\n## Develop\n", "\nUpgraded by its template.\n\n## Develop\n"}})

	if !t.Run("dry run", func(t *testing.T) {
		out, calls := upgrade(t, "dry", "DRY_RUN=1")
		for _, want := range []string{
			"would run: git push --force-with-lease=refs/heads/" + branch + ": origin " + branch,
			"would open a pull request from " + branch + " into main, or edit the one open: gomicro: upgrade service 2.1.0 -> 2.1.1",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("DRY_RUN=1 does not say %q", want)
			}
		}
		if !regexp.MustCompile(`(?m)^\s+updated\s+README\.md$`).MatchString(out) {
			t.Errorf("DRY_RUN=1 does not show the body it would propose, listing README.md")
		}
		if len(calls) != 1 || calls[0] != "" {
			t.Errorf("DRY_RUN=1 called gh: %q", calls)
		}
		noBranch(t)
	}) {
		return // each step starts from where the one before left origin
	}

	var first string
	if !t.Run("proposes", func(t *testing.T) {
		_, calls := upgrade(t, "run1")
		subject := "gomicro: upgrade service 2.1.0 -> 2.1.1"
		first = proposed(t, subject)
		want := []string{ghList, "pr create --base main --head " + branch + " --title " + subject + " --body-file BODY"}
		if !slices.Equal(calls, want) {
			t.Errorf("gh calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
		}
		body, _ := os.ReadFile(ghLog + ".body")
		if msg := git(t, origin, "log", "-1", "--format=%b", first); strings.TrimSpace(string(body)) != strings.TrimSpace(msg) || !strings.Contains(msg, "README.md") {
			t.Errorf("pull request body:\n%s\nwant the commit's body, listing README.md:\n%s", body, msg)
		}
	}) {
		return // each step starts from where the one before left origin
	}

	if !t.Run("already proposed", func(t *testing.T) {
		out, calls := upgrade(t, "run2")
		if !strings.Contains(out, "already proposed") {
			t.Errorf("a second run does not say already proposed")
		}
		if head := git(t, origin, "rev-parse", "refs/heads/"+branch); head != first {
			t.Errorf("a second run moved origin's %s from %s to %s", branch, first, head)
		}
		if !slices.Equal(calls, []string{ghList}) {
			t.Errorf("gh calls: %q, want only %q", calls, ghList)
		}
	}) {
		return // each step starts from where the one before left origin
	}

	if !t.Run("newer release", func(t *testing.T) {
		release(t, "2.1.2", map[string][2]string{"README.md": {"\nUpgraded by its template.\n", "\nUpgraded by its template, twice.\n"}})
		_, calls := upgrade(t, "run3")
		subject := "gomicro: upgrade service 2.1.0 -> 2.1.2"
		if head := proposed(t, subject); head == first {
			t.Errorf("origin's %s is still %s", branch, first)
		}
		want := []string{ghList, "pr edit 7 --title " + subject + " --body-file BODY"}
		if !slices.Equal(calls, want) {
			t.Errorf("gh calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
		}
	}) {
		return // each step starts from where the one before left origin
	}

	t.Run("conflict", func(t *testing.T) {
		// The team retitles README.md on main; the next release does too.
		team := filepath.Join(work, "team")
		git(t, work, "clone", "-q", origin, team)
		replaceIn(t, filepath.Join(team, "README.md"), "# oddjob\n", "# oddjob, the team's\n")
		git(t, team, "add", "-A")
		commit(ctx, t, team, env, "README: our title")
		git(t, team, "push", "-q", "origin", "main")
		release(t, "2.1.3", map[string][2]string{"README.md": {"# {{ .name }}\n", "# The {{ .name }} service\n"}})

		_, calls := upgrade(t, "run4")
		subject := "gomicro: upgrade service 2.1.0 -> 2.1.3"
		head := proposed(t, subject)
		want := []string{ghList, "pr edit 7 --title " + subject + " --body-file BODY"}
		if !slices.Equal(calls, want) {
			t.Errorf("gh calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
		}
		readme := git(t, origin, "show", head+":README.md")
		if !strings.Contains(readme, "<<<<<<<") || !strings.Contains(readme, ">>>>>>>") {
			t.Errorf("README.md on %s has no conflict markers:\n%s", branch, readme)
		}
		body, _ := os.ReadFile(ghLog + ".body")
		if !regexp.MustCompile(`(?m)^conflict\s+README\.md\b`).Match(body) {
			t.Errorf("the pull request's body does not list README.md as a conflict:\n%s", body)
		}

		// gomicro upgrade --check on that branch fails until the conflict
		// is resolved.
		check := filepath.Join(work, "check")
		git(t, work, "clone", "-q", "--branch", branch, origin, check)
		out, err := gomicro(check, "upgrade", "--check")
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("gomicro upgrade --check on %s: %v, want exit status 1\n%s", branch, err, out)
		}
	})
}

// commit commits what is staged in dir as gittest's identity.
func commit(ctx context.Context, t *testing.T, dir string, env []string, message string) {
	t.Helper()
	env = append(slices.Clip(env), gittest.Identity...)
	if out, err := proctest.Output(ctx, dir, env, "git", "commit", "-q", "--no-verify", "-m", message); err != nil {
		t.Fatalf("git commit: %v\n%s", err, out)
	}
}

// replaceIn replaces old, which must be there, with new in file.
func replaceIn(t *testing.T, file, old, new string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("test bug: %q not in %s", old, file)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goEnv is go env key in the test's own environment.
func goEnv(ctx context.Context, t *testing.T, key string) string {
	t.Helper()
	out, err := exec.CommandContext(ctx, "go", "env", key).Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go env %s: %v", key, err)
	}
	return strings.TrimSpace(string(out))
}

// lastLines is the last n lines of s, for a log that stays short.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
