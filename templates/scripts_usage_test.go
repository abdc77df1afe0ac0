package templates_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/configcheck"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// TestScriptsUsage: every script in scripts/, in every combination, answers
// -h and --help with its usage on stdout and exit status 0, doing nothing
// else (go, git and curl, which stand-ins here record, are never run, and
// no dist appears), and refuses an argument it does not know with exit
// status 2 and one line on stderr that names the argument and the usage.
func TestScriptsUsage(t *testing.T) {
	testtool.Require(t, "bash", "apt-get install -y bash")
	ctx := testtool.Context(t)
	shims := t.TempDir()
	calls := filepath.Join(t.TempDir(), "calls")
	for _, tool := range []string{"go", "git", "curl", "goreleaser"} {
		testtool.WriteExecutable(t, filepath.Join(shims, tool), []byte("#!/bin/sh\necho \""+tool+" $*\" >>'"+calls+"'\nexit 1\n"))
	}
	env := append(gentest.ProjectEnv(), "PATH="+shims+string(os.PathListSeparator)+os.Getenv("PATH"))
	seen := map[string]bool{}
	for _, set := range gentest.Combinations(t, "service") {
		set["github_username"] = "acme"
		dir := gentest.Generate(t, "service", set, "oddjob")
		scripts, _ := fs.Glob(os.DirFS(dir), "scripts/*.sh")
		if len(scripts) < 2 {
			t.Fatalf("%v: scripts %v, want build.sh or none, upload.sh, gomicro-upgrade.sh and lint.sh", set, scripts)
		}
		for _, script := range scripts {
			seen[path.Base(script)] = true
			usage := "usage: " + script
			for _, flag := range []string{"-h", "--help"} {
				stdout, stderr, code := runScript(t, ctx, dir, env, script, flag)
				if code != 0 || stderr != "" || !strings.HasPrefix(stdout, usage+"\n") && !strings.HasPrefix(stdout, usage+" ") {
					t.Errorf("%v: %s %s: exit %d, stdout %q, stderr %q; want exit 0 and the usage (%q...) on stdout alone", set, script, flag, code, stdout, stderr, usage)
				}
			}
			stdout, stderr, code := runScript(t, ctx, dir, env, script, "--bogus")
			if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 ||
				!strings.Contains(stderr, "unknown argument --bogus") || !strings.Contains(stderr, usage) {
				t.Errorf("%v: %s --bogus: exit %d, stdout %q, stderr %q; want exit 2 and one line naming --bogus and %q", set, script, code, stdout, stderr, usage)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "dist")); err == nil {
			t.Errorf("%v: a script asked for its usage wrote dist", set)
		}
	}
	for _, name := range []string{"build.sh", "upload.sh", "gomicro-upgrade.sh", "lint.sh"} {
		if !seen[name] {
			t.Errorf("no combination generates scripts/%s", name)
		}
	}
	if data, err := os.ReadFile(calls); err == nil {
		t.Errorf("asked for their usage, the scripts ran:\n%s", data)
	}
}

// runScript runs dir/script with args under bash and returns its output
// and exit status.
func runScript(t *testing.T, ctx context.Context, dir string, env []string, script string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, "bash", append([]string{script}, args...)...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("bash %s: %v", script, err)
	}
	return out.String(), errOut.String(), code
}

// TestLintVersion: the staticcheck scripts/lint.sh pins is the one the
// matrix runs on every generated project (configcheck.StaticcheckVersion,
// which .ci/run installs), so the tests check the code with what its CI
// will run.
func TestLintVersion(t *testing.T) {
	for _, f := range gentest.Render(t, "service", map[string]string{"github_username": "acme"}).Files {
		if f.Path != lintScript {
			continue
		}
		m := regexp.MustCompile(`(?m)^STATICCHECK_VERSION=(\S+)`).FindSubmatch(f.Data)
		if m == nil || string(m[1]) != "v"+configcheck.StaticcheckVersion {
			t.Errorf("%s pins staticcheck %q, the tests run v%s (configcheck.StaticcheckVersion, .ci/run's STATICCHECK_VERSION): move them together", lintScript, m, configcheck.StaticcheckVersion)
		}
		return
	}
	t.Errorf("no %s generated", lintScript)
}
