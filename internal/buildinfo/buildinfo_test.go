package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	const rev = "7c59dfc1a2b3c4d5e6f708192a3b4c5d6e7f8091"
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	info := func(version string, s []debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/gomicro/gomicro", Version: version}, Settings: s}
	}
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "DEV"},
		{"nothing recorded", info("(devel)", nil), "DEV"},
		{"empty version", info("", settings("vcs", "git")), "DEV"},
		{"go install module@version", info("v1.4.0", nil), "v1.4.0"},
		{"tagged checkout", info("v1.4.0", settings("vcs.revision", rev, "vcs.modified", "false")), "v1.4.0 (7c59dfc1a2b3)"},
		{"tagged checkout, edited", info("v1.4.0+dirty", settings("vcs.revision", rev, "vcs.modified", "true")), "v1.4.0+dirty (7c59dfc1a2b3+dirty)"},
		{"pseudo-version holds the revision", info("v0.0.0-20251129202100-7c59dfc1a2b3", settings("vcs.revision", rev, "vcs.modified", "false")), "v0.0.0-20251129202100-7c59dfc1a2b3"},
		{"pseudo-version, dirty", info("v0.0.0-20251129202100-7c59dfc1a2b3+dirty", settings("vcs.revision", rev, "vcs.modified", "true")), "v0.0.0-20251129202100-7c59dfc1a2b3+dirty"},
		{"revision only", info("(devel)", settings("vcs.revision", rev, "vcs.modified", "false")), "7c59dfc1a2b3"},
		{"revision only, dirty", info("(devel)", settings("vcs.revision", rev, "vcs.modified", "true")), "7c59dfc1a2b3+dirty"},
		{"short revision", info("", settings("vcs.revision", "abc123")), "abc123"},
	} {
		if got := Version(tc.info); got != tc.want {
			t.Errorf("%s: Version = %q, want %q", tc.name, got, tc.want)
		}
	}
}
