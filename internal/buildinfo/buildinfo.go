// Package buildinfo names a program's version from what the go command
// recorded in its binary, for a build that set none with -ldflags.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Read is Version of this program's own build information.
func Read() string {
	info, _ := debug.ReadBuildInfo()
	return Version(info)
}

// Version is the version the go command recorded in info: the main
// module's version (v1.2.0 from go install module@v1.2.0, a pseudo-version
// built in a git checkout) and the first 12 characters of the git revision,
// "+dirty" when the work tree had changes (vcs.revision, vcs.modified; a
// pseudo-version that already holds the revision is not followed by it
// again). DEV when it recorded neither, as in a build with -buildvcs=false
// outside the module cache.
func Version(info *debug.BuildInfo) string {
	if info == nil {
		return "DEV"
	}
	module := info.Main.Version
	if module == "(devel)" {
		module = ""
	}
	var revision string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	if revision != "" && dirty {
		revision += "+dirty"
	}
	switch {
	case module == "" && revision == "":
		return "DEV"
	case revision == "":
		return module
	case module == "":
		return revision
	case strings.Contains(module, strings.TrimSuffix(revision, "+dirty")):
		return module
	}
	return module + " (" + revision + ")"
}
