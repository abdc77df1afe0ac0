package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/gitrepo"
)

// localMachine answers a template's gitConfig and goVersion defaults from
// this machine. The generator calls it only for a question nothing else
// answered, so `new --set github_username=…` starts no git.
type localMachine struct{}

// GitConfig is `git config --get key` in the current directory, as the user
// would see it; "" when it is unset or git is missing.
func (localMachine) GitConfig(key string) string {
	v, err := gitrepo.Config("", key)
	if err != nil {
		return ""
	}
	return v
}

// GoVersion is the language version of the go command on PATH, read from
// its GOROOT's VERSION file (no process), else from `go env GOVERSION`, else
// gomicro's own Go when there is no go command.
var goVersion = sync.OnceValue(func() string {
	if v := generator.LanguageVersion(localGoVersion()); v != "" {
		return v
	}
	return generator.LanguageVersion(runtime.Version())
})

func (localMachine) GoVersion() string { return goVersion() }

func localGoVersion() string {
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

// userConfigFile is where a user keeps their own default answers:
// $GOMICRO_CONFIG when set (as cookiecutter's COOKIECUTTER_CONFIG), else
// $XDG_CONFIG_HOME/gomicro/config.yaml, with XDG's ~/.config when
// XDG_CONFIG_HOME is unset (on every Unix, macOS too, as git and gh do).
func userConfigFile() string {
	if path := os.Getenv("GOMICRO_CONFIG"); path != "" {
		return path
	}
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) { // XDG: a relative value is ignored
		if runtime.GOOS == "windows" {
			dir, _ = os.UserConfigDir()
		} else if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".config")
		}
	}
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "gomicro", "config.yaml")
}

// userConfig is gomicro's config file, read once per process.
type userConfig struct {
	// Defaults are default answers by question key, for any template that
	// asks them: defaults: {github_username: acme, s3_region: eu-west-1}.
	Defaults map[string]yaml.Node `yaml:"defaults"`
	// Trusted are the template sources whose checks template test runs
	// without --trust, as copier's trust setting: an entry ending in "/" is
	// a prefix (https://github.com/acme/), any other the whole source
	// without its @REF.
	Trusted []string `yaml:"trusted"`
}

// userSettings is the user's config file as gomicro uses it.
type userSettings struct {
	defaults map[string]string
	trusted  []string
}

// readUserConfig reads the user's config file; no file means no settings.
var readUserConfig = sync.OnceValues(func() (userSettings, error) {
	path := userConfigFile()
	if path == "" {
		return userSettings{}, nil
	}
	data, err := readConfigFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return userSettings{}, nil
	}
	if err != nil {
		return userSettings{}, err
	}
	return parseUserConfig(path, data)
})

// maxUserConfig bounds the config file: a page of defaults is a few
// hundred bytes.
const maxUserConfig = 1 << 20

// readConfigFile reads the config file at path if it is a regular file of
// at most maxUserConfig bytes. Anything else (a pipe, which would block
// gomicro until something writes to it, a device such as /dev/zero, which
// never ends, a directory) is one error naming the path and the rule.
func readConfigFile(path string) ([]byte, error) {
	notRegular := func() error {
		return fmt.Errorf("%s: not a regular file (a pipe, device or directory): gomicro reads its config only from a regular file", path)
	}
	// Stat first: opening a pipe for reading waits for a writer.
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular()
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, notRegular() // replaced since the Stat
	}
	data, err := io.ReadAll(io.LimitReader(f, maxUserConfig+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxUserConfig {
		return nil, fmt.Errorf("%s: larger than 1 MiB, the most gomicro reads as its config file", path)
	}
	return data, nil
}

// userDefaults reads the user's default answers; no file means none.
func userDefaults() (map[string]string, error) {
	s, err := readUserConfig()
	return s.defaults, err
}

func parseUserConfig(path string, data []byte) (userSettings, error) {
	var cfg userConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return userSettings{}, fmt.Errorf("%s: %s", path, strings.TrimPrefix(strings.ReplaceAll(err.Error(), "\n ", ""), "yaml: "))
	}
	defaults := make(map[string]string, len(cfg.Defaults))
	for key, node := range cfg.Defaults {
		if node.Kind != yaml.ScalarNode {
			return userSettings{}, fmt.Errorf("%s: defaults.%s: want one value, as in %s: acme", path, key, key)
		}
		defaults[key] = node.Value
	}
	for _, t := range cfg.Trusted {
		if strings.TrimSpace(t) == "" {
			return userSettings{}, fmt.Errorf("%s: trusted: an empty entry would trust every source", path)
		}
	}
	return userSettings{defaults: defaults, trusted: cfg.Trusted}, nil
}
