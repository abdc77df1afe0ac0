package templates_test

import (
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
)

// TestVariantWords: each generated file says only what is true of its own
// variant. No file of a build=script project names GoReleaser's config, nor
// one of a goreleaser project scripts/build.sh; a GitHub project's files
// name no CircleCI variable or config, a CircleCI project's no GitHub
// workflow variable; a worker's README and settings name no PORT; the
// GoReleaser config speaks of 32-bit ARM only when it builds it.
func TestVariantWords(t *testing.T) {
	sets := gentest.Combinations(t, "service")
	sets = append(sets, map[string]string{"build": "goreleaser", "platforms": "linux darwin,arm64"})
	for _, set := range sets {
		set = maps.Clone(set)
		set["github_username"] = "acme"
		answers := gentest.Render(t, "service", set)
		var kind, ci, build, platforms string
		files := map[string]string{}
		for _, f := range answers.Files {
			files[f.Path] = string(f.Data)
		}
		m, err := generator.ReadManifest([]byte(files[generator.ManifestFile]))
		if err != nil {
			t.Fatal(err)
		}
		kind, ci, build, platforms = m.Answers["kind"].(string), m.Answers["ci"].(string), m.Answers["build"].(string), m.Answers["platforms"].(string)
		never := map[string][]*regexp.Regexp{} // file ("" for every one) -> what it must not say
		add := func(file string, patterns ...string) {
			for _, p := range patterns {
				never[file] = append(never[file], regexp.MustCompile(p))
			}
		}
		switch build {
		case "script":
			add("", `\.goreleaser\.yaml`, `GoReleaser config`)
		case "goreleaser":
			add("", `build\.sh`)
		}
		switch ci {
		case "github":
			add("", `CIRCLE_`, `\.circleci`)
		case "circleci":
			add("", `GITHUB_REF`, `\.github/workflows`)
		}
		if kind == "worker" {
			add("README.md", `\bPORT\b`)
			add(m.Answers["name"].(string)+".local.conf", `\bPORT\b`)
		}
		arm := platforms == "linux darwin,arm64" // the one answer here that builds linux/arm
		if !arm {
			add(".goreleaser.yaml", `32-bit ARM`)
		}
		for path, data := range files {
			if path == generator.ManifestFile {
				continue
			}
			for _, file := range []string{"", path} {
				for _, re := range never[file] {
					if loc := re.FindStringIndex(data); loc != nil {
						line := strings.Count(data[:loc[0]], "\n") + 1
						t.Errorf("kind=%s ci=%s build=%s: %s:%d says %q, not true of this variant", kind, ci, build, path, line, data[loc[0]:loc[1]])
					}
				}
			}
		}
		if build == "goreleaser" && arm && !strings.Contains(files[".goreleaser.yaml"], "32-bit ARM") {
			t.Errorf("platforms %q build linux/arm, but .goreleaser.yaml does not say how", platforms)
		}
	}
}
