// Package userconfig reads the user's gomicro config file: default answers
// for any template that asks those keys, and the template sources whose
// checks the user trusts.
//
//	defaults:
//	  github_username: acme
//	trusted:
//	  - https://github.com/acme/
package userconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Settings is the config file as gomicro uses it.
type Settings struct {
	// Defaults are default answers by question key.
	Defaults map[string]string
	// Trusted are the template sources whose checks template test runs
	// without --trust (see Trusts).
	Trusted []string
}

// Trusts is copier's rule: an entry ending in "/" trusts every source it
// is a prefix of, any other entry the one source it names (without @REF).
func (s Settings) Trusts(src string) bool {
	for _, t := range s.Trusted {
		if strings.HasSuffix(t, "/") && strings.HasPrefix(src, t) || src == t {
			return true
		}
	}
	return false
}

// File is where a user keeps the config: $GOMICRO_CONFIG when set (as
// cookiecutter's COOKIECUTTER_CONFIG), else
// $XDG_CONFIG_HOME/gomicro/config.yaml, with XDG's ~/.config when
// XDG_CONFIG_HOME is unset (on every Unix, macOS too, as git and gh do);
// "" when there is no such place.
func File() string {
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

// Read reads and parses the config file at path; no file means no
// settings.
func Read(path string) (Settings, error) {
	if path == "" {
		return Settings{}, nil
	}
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Settings{}, nil
	}
	if err != nil {
		return Settings{}, err
	}
	return Parse(path, data)
}

// maxSize bounds the config file: a page of defaults is a few hundred
// bytes.
const maxSize = 1 << 20

// readFile reads the config file at path if it is a regular file of at
// most maxSize bytes. Anything else (a pipe, which would block gomicro
// until something writes to it, a device such as /dev/zero, which never
// ends, a directory) is one error naming the path and the rule.
func readFile(path string) ([]byte, error) {
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
	data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxSize {
		return nil, fmt.Errorf("%s: larger than 1 MiB, the most gomicro reads as its config file", path)
	}
	return data, nil
}

// file is the config file's YAML.
type file struct {
	Defaults map[string]yaml.Node `yaml:"defaults"`
	Trusted  []string             `yaml:"trusted"`
}

// Parse parses the config file at path, read as data: unknown keys, a
// default that is not one value and an empty trusted entry (which would
// trust every source) are errors naming the file.
func Parse(path string, data []byte) (Settings, error) {
	var cfg file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		msg := strings.TrimPrefix(strings.ReplaceAll(err.Error(), "\n ", ""), "yaml: ")
		msg = strings.TrimSpace(strings.TrimPrefix(msg, "unmarshal errors:"))
		if i := strings.Index(msg, " in type "); i >= 0 { // a Go type name means nothing to a user
			msg = msg[:i]
		}
		return Settings{}, fmt.Errorf("%s: %s", path, msg)
	}
	defaults := make(map[string]string, len(cfg.Defaults))
	for key, node := range cfg.Defaults {
		if node.Kind != yaml.ScalarNode {
			return Settings{}, fmt.Errorf("%s: defaults.%s: want one value, as in %s: acme", path, key, key)
		}
		defaults[key] = node.Value
	}
	for _, t := range cfg.Trusted {
		if strings.TrimSpace(t) == "" {
			return Settings{}, fmt.Errorf("%s: trusted: an empty entry would trust every source", path)
		}
	}
	return Settings{Defaults: defaults, Trusted: cfg.Trusted}, nil
}
