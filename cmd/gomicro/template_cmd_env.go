package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/gomicro/gomicro/templates/source"
)

// A template's checks are someone else's commands. They run only when the
// template is the user's own (a directory, or embedded in gomicro) or
// trusted (--trust, or a trusted: entry in the user's config file), and
// then with only the tool chain's environment: no AWS_SECRET_ACCESS_KEY,
// no GITHUB_TOKEN, no SSH agent, and a HOME and TMPDIR of their own that
// are removed with the combination.

// trustedSource reports whether the checks of the template at src may run:
// a local directory or embedded template always; a git or module source
// only with --trust or a matching trusted: entry.
func trustedSource(src string, flag bool) (bool, error) {
	if flag {
		return true, nil
	}
	spec, err := source.Parse(src)
	if err != nil {
		return false, err
	}
	if spec.Kind == source.Dir || spec.Kind == source.Embedded {
		return true, nil
	}
	settings, err := readUserConfig()
	if err != nil {
		return false, err
	}
	return matchTrusted(spec.Latest().String(), settings.trusted), nil
}

// matchTrusted is copier's rule: an entry ending in "/" trusts every source
// it is a prefix of, any other entry the one source it names.
func matchTrusted(src string, trusted []string) bool {
	for _, t := range trusted {
		if strings.HasSuffix(t, "/") && strings.HasPrefix(src, t) || src == t {
			return true
		}
	}
	return false
}

// untrusted is the error template test gives for a template it will not run
// the checks of.
func untrusted(src string) error {
	where := "the trusted: list of your gomicro config file"
	if f := userConfigFile(); f != "" {
		where = "trusted: in " + f
	}
	return usagef("template %s is not local: its checks run commands, so run them only with --trust (or list it under %s)", quote(src), where)
}

// toolchainVars are passed to checks as the go command computes them:
// their defaults come from HOME, which a check gets a temporary one of.
var toolchainVars = []string{
	"GOPATH", "GOCACHE", "GOMODCACHE", "GOPROXY", "GOFLAGS", "GOTOOLCHAIN",
	"GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOSUMDB", "GOINSECURE",
}

// goEnv is `go env` of toolchainVars in gomicro's own environment (so the
// user's go env file counts), or nil without a go command.
var goEnv = sync.OnceValue(func() map[string]string {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil
	}
	out, err := exec.Command(goBin, append([]string{"env", "-json"}, toolchainVars...)...).Output()
	if err != nil {
		return nil
	}
	var env map[string]string
	if json.Unmarshal(out, &env) != nil {
		return nil
	}
	return env
})

// checkEnv is the whole environment of a template's check: PATH, the tool
// chain's variables, the locale, HOME and TMPDIR in scratch (temporary
// directories of the combination), and the variables named by --env.
func checkEnv(scratch string, extra []string) ([]string, error) {
	home, tmp := filepath.Join(scratch, "home"), filepath.Join(scratch, "tmp")
	for _, d := range []string{home, tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	env := []string{"HOME=" + home, "TMPDIR=" + tmp}
	pass := func(k string) {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	pass("PATH")
	pass("GOROOT")
	computed := goEnv()
	for _, k := range toolchainVars {
		if v := computed[k]; v != "" {
			env = append(env, k+"="+v)
		} else {
			pass(k)
		}
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "LANG" || k == "LANGUAGE" || strings.HasPrefix(k, "LC_") {
			env = append(env, kv)
		}
	}
	if runtime.GOOS == "windows" {
		for _, k := range []string{"SystemRoot", "ComSpec", "PATHEXT", "USERPROFILE"} {
			pass(k)
		}
	}
	for _, k := range extra {
		pass(k)
	}
	return env, nil
}

// checkEnvFlag checks --env NAME values.
func checkEnvFlag(names []string) []string {
	var problems []string
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, "= \t\n") {
			problems = append(problems, fmt.Sprintf("--env %s: expected the name of one environment variable", quote(n)))
		}
	}
	return problems
}
