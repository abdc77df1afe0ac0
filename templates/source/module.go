package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// moduleKind is a Go module: MODULE[//SUBDIR][@VERSION]. It is fetched with
// the go command, run outside any module with the person's environment
// untouched, so GOPROXY, GOPRIVATE, GONOSUMDB, GOSUMDB, GOFLAGS and
// GOMODCACHE mean what they mean to every go command; the module cache is
// the cache. Module versions never change (the checksum database sees to
// it), so an exact version already extracted there is read straight from it,
// without the go command.
type moduleKind struct{}

func (moduleKind) parse(s string) (Spec, bool, error) {
	first, _, _ := strings.Cut(s, "/")
	first, _, _ = strings.Cut(first, "@")
	if !strings.Contains(first, ".") {
		return Spec{}, false, nil
	}
	rest, version, _, err := splitRef(s)
	if err != nil {
		return Spec{}, false, err
	}
	if version != "" {
		if err := checkModuleQuery(version); err != nil {
			return Spec{}, false, err
		}
	}
	path, subdir, err := splitSubdir(rest)
	if err != nil {
		return Spec{}, false, err
	}
	if err := module.CheckPath(path); err != nil {
		return Spec{}, false, fmt.Errorf("not a directory, and not a Go module path: %w", err)
	}
	return Spec{Location: path, Subdir: subdir, Ref: version}, true, nil
}

// checkModuleQuery accepts what the go command could take as a version
// query (a version, a prefix, latest, a branch, a commit, <v1.2.0, ...):
// anything but spaces, control characters and a leading "-" (an option).
func checkModuleQuery(q string) error {
	if strings.HasPrefix(q, "-") {
		return fmt.Errorf("VERSION %q: starts with -", q)
	}
	for _, c := range q {
		if c <= ' ' || c == 0x7f {
			return fmt.Errorf("VERSION %q: holds %q", q, c)
		}
	}
	return nil
}

func (moduleKind) format(s Spec) string {
	return joinSource(s.Location, s.Subdir, s.Ref)
}

func (moduleKind) open(ctx context.Context, s Spec) (Tree, error) {
	version := s.Ref
	if version == "" {
		version = "latest"
	}
	if err := checkModuleQuery(version); err != nil {
		return Tree{}, err
	}
	dir, resolved, err := moduleDir(ctx, s.Location, version)
	if err != nil {
		return Tree{}, err
	}
	fsys, err := moduleTree(dir, s, resolved)
	if err != nil {
		return Tree{}, err
	}
	return Tree{FS: fsys, Revision: resolved}, nil
}

func (moduleKind) openRevision(ctx context.Context, s Spec, revision string) (fs.FS, error) {
	if !isExactVersion(revision) {
		return nil, errors.New("a module revision is an exact version, such as v1.4.0 or a pseudo-version")
	}
	dir, _, err := moduleDir(ctx, s.Location, revision)
	if err != nil {
		return nil, err
	}
	return moduleTree(dir, s, revision)
}

// moduleTree is SUBDIR of the extracted module in dir. Module cache files
// are read-only and carry no execute bits; the generator's #! rule gives
// scripts theirs.
func moduleTree(dir string, s Spec, version string) (fs.FS, error) {
	root := dir
	if s.Subdir != "" {
		root = filepath.Join(dir, filepath.FromSlash(s.Subdir))
	}
	fsys := os.DirFS(root)
	if err := checkTemplateRoot(fsys, subdirWhere(s.Subdir, "the module root")+" of "+s.Location+"@"+version); err != nil {
		return nil, err
	}
	return fsys, nil
}

// isExactVersion reports whether v names one version (a release,
// pre-release or pseudo-version) rather than a query.
func isExactVersion(v string) bool {
	return semver.IsValid(v) && module.CanonicalVersion(v) == v
}

// moduleDir returns the directory of path@version extracted in the module
// cache, and the version the query resolved to.
func moduleDir(ctx context.Context, path, version string) (dir, resolved string, err error) {
	if isExactVersion(version) {
		if dir, ok := cachedModule(path, version); ok {
			return dir, version, nil
		}
	}
	return downloadModule(ctx, path, version)
}

// cachedModule finds path@version completely extracted in the module cache,
// as the go command's own check does: the directory is there, no .partial
// marker says an extraction was cut short, and the .ziphash is there.
// Finding it in a cache the go command would not use is harmless: the
// content of a version is the same everywhere.
func cachedModule(path, version string) (string, bool) {
	cache := modCacheDir()
	if cache == "" {
		return "", false
	}
	escPath, err := module.EscapePath(path)
	if err != nil {
		return "", false
	}
	escVersion, err := module.EscapeVersion(version)
	if err != nil {
		return "", false
	}
	dir := filepath.Join(cache, filepath.FromSlash(escPath)+"@"+escVersion)
	if !isDir(dir) {
		return "", false
	}
	download := filepath.Join(cache, "cache", "download", filepath.FromSlash(escPath), "@v", escVersion)
	if _, err := os.Stat(download + ".partial"); err == nil {
		return "", false
	}
	if _, err := os.Stat(download + ".ziphash"); err != nil {
		return "", false
	}
	return dir, true
}

// modCacheDir computes GOMODCACHE as the go command does: $GOMODCACHE, else
// the go env file's GOMODCACHE, else the first GOPATH entry ($GOPATH, the go
// env file's, else $HOME/go) plus pkg/mod. "" when it cannot tell (then the
// go command is asked).
func modCacheDir() string {
	env := goEnvFile()
	get := func(key string) string {
		if v := os.Getenv(key); v != "" {
			return v
		}
		return env[key]
	}
	if dir := get("GOMODCACHE"); dir != "" {
		if !filepath.IsAbs(dir) {
			return ""
		}
		return dir
	}
	gopath := get("GOPATH")
	if gopath == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		gopath = filepath.Join(home, "go")
	}
	for _, p := range filepath.SplitList(gopath) {
		if p != "" {
			if !filepath.IsAbs(p) {
				return ""
			}
			return filepath.Join(p, "pkg", "mod")
		}
	}
	return ""
}

// goEnvFile reads the go env file (`go env -w` writes it): $GOENV, else
// os.UserConfigDir()/go/env; GOENV=off means none.
func goEnvFile() map[string]string {
	file := os.Getenv("GOENV")
	if file == "off" {
		return nil
	}
	if file == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return nil
		}
		file = filepath.Join(dir, "go", "env")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		key, value, ok := strings.Cut(strings.TrimSuffix(line, "\r"), "=")
		if ok && key != "" && key[0] >= 'A' && key[0] <= 'Z' {
			env[key] = value
		}
	}
	return env
}

// downloadModule runs `go mod download -json path@query` in an empty
// temporary directory, outside any module, so that no go.mod or go.work of
// the person's steers it, and returns what it extracted.
func downloadModule(ctx context.Context, path, query string) (dir, version string, err error) {
	if offline(ctx) {
		return "", "", ErrNotCached
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", "", errors.New("the go command is not installed (not found on PATH); Go module template sources need it")
	}
	work, err := os.MkdirTemp("", "gomicro-module-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(work)
	// -x: the go command says on stderr what it fetches ("# get URL"),
	// which the watchdog takes for signs of life, as it does the growth of
	// the module's files in the download cache.
	cmd := exec.CommandContext(ctx, goCmd, "mod", "download", "-x", "-json", path+"@"+query)
	cmd.Dir = work
	cmd.WaitDelay = 5 * time.Second // a VCS child of the go command may hold the pipes
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	f := fetchingOf(ctx)
	stalled, runErr := f.run(cmd, downloadProbe(path))
	if ctx.Err() != nil {
		return "", "", fmt.Errorf("go mod download: %w", ctx.Err())
	}
	if stalled && runErr != nil {
		return "", "", fmt.Errorf("go mod download: %s", f.stallError())
	}
	var res struct {
		Path, Version, Dir, Error string
	}
	jsonErr := json.Unmarshal(stdout.Bytes(), &res)
	switch {
	case jsonErr == nil && res.Error != "":
		return "", "", fmt.Errorf("go mod download: %s", oneLine(res.Error))
	case runErr != nil:
		msg := oneLine(stderr.String())
		if msg == "" {
			msg = runErr.Error()
		}
		return "", "", fmt.Errorf("go mod download: %s", msg)
	case jsonErr != nil:
		return "", "", fmt.Errorf("go mod download: reading its output: %v", jsonErr)
	case res.Dir == "" || res.Version == "":
		return "", "", errors.New("go mod download: it named no directory or version")
	}
	return res.Dir, res.Version, nil
}

// downloadProbe returns the total size of the files of module path in the
// module download cache, where the go command writes a module's zip while
// it fetches it; nil when there is no telling where that is.
func downloadProbe(path string) func() int64 {
	cache := modCacheDir()
	escPath, err := module.EscapePath(path)
	if cache == "" || err != nil {
		return nil
	}
	dir := filepath.Join(cache, "cache", "download", filepath.FromSlash(escPath), "@v")
	return func() int64 {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return 0
		}
		var n int64
		for _, e := range entries {
			if info, err := e.Info(); err == nil {
				n += info.Size()
			}
		}
		return n
	}
}

// oneLine keeps an error to one line: the first that is not blank, nor
// one of -x's "# get" lines.
func oneLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "# ") {
			return line
		}
	}
	return ""
}
