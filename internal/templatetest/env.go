package templatetest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// A template's checks are someone else's commands: they run with only the
// tool chain's environment (no AWS_SECRET_ACCESS_KEY, no GITHUB_TOKEN, no
// SSH agent), and a HOME and TMPDIR of their own that are removed with the
// combination. Whether they run at all is the caller's to decide.

// toolchainVars are passed to checks as the go command computes them:
// their defaults come from HOME, which a check gets a temporary one of.
var toolchainVars = []string{
	"GOPATH", "GOCACHE", "GOMODCACHE", "GOPROXY", "GOFLAGS", "GOTOOLCHAIN",
	"GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOSUMDB", "GOINSECURE",
}

// goEnv is `go env` of toolchainVars in this process's own environment (so
// the user's go env file counts), or nil without a go command.
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
// directories of the combination), and the variables named in extra.
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
