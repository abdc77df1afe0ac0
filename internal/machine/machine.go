// Package machine answers a template's gitConfig and goVersion defaults
// from the machine gomicro runs on (see generator.Machine).
package machine

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/gitrepo"
)

// Local is this machine, as the user sees it. The generator asks it only
// for a question nothing else answered, so `new --set github_username=…`
// starts no git.
type Local struct{}

var _ generator.Machine = Local{}

// GitConfig is `git config --get key` in the current directory, as the user
// would see it; "" when it is unset or git is missing.
func (Local) GitConfig(key string) string {
	v, err := gitrepo.Config("", key)
	if err != nil {
		return ""
	}
	return v
}

// GoVersion is the language version of the go command on PATH (see
// goCommandVersion), else of the Go gomicro was built with when there is
// no go command. It is worked out once per process.
func (Local) GoVersion() string { return goVersion() }

var goVersion = sync.OnceValue(func() string {
	if v := generator.LanguageVersion(goCommandVersion()); v != "" {
		return v
	}
	return generator.LanguageVersion(runtime.Version())
})

// goCommandVersion is the version of the go command on PATH, read from its
// GOROOT's VERSION file (no process), else from `go env GOVERSION`; "" when
// there is no go command.
func goCommandVersion() string {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return ""
	}
	roots := []string{os.Getenv("GOROOT")}
	if real, err := filepath.EvalSymlinks(goBin); err == nil {
		roots = append(roots, filepath.Dir(filepath.Dir(real))) // GOROOT/bin/go
	}
	for _, root := range roots {
		if root == "" {
			continue
		}
		if f, err := os.Open(filepath.Join(root, "VERSION")); err == nil {
			line, _ := bufio.NewReader(f).ReadString('\n')
			f.Close()
			if v := strings.TrimSpace(line); strings.HasPrefix(v, "go") {
				return v
			}
		}
	}
	// A GOROOT without a VERSION file (a source build): ask go itself,
	// without letting it switch toolchains.
	cmd := exec.Command(goBin, "env", "GOVERSION")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
