package generator

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gomicro/gomicro/internal/ignore"
	"github.com/gomicro/gomicro/internal/quote"
)

// Files a team owns, and files a template does not ship; every list is of
// patterns in .gitignore syntax (internal/ignore):
//   - template.yaml's once: project files that new writes and upgrade
//     never writes, deletes or merges (a main.go the team owns from the
//     first day);
//   - template.yaml's exclude: files of the tree that are not part of the
//     render (the template's own README, tests, CI);
//   - .gomicro.yml's skip: the project's own choice of files upgrade
//     leaves as they are; upgrade --skip records one.

// OnceNote explains an upgrade's skipping of a once: file.
const OnceNote = "the template's once: file is the team's"

// skipKey is the key of .gomicro.yml that holds the project's skip:
// patterns. gomicro does not own it as it owns the rest (manifestKeys):
// like a team's own key it stays where the team put it, with its comments,
// and an older gomicro, which does not know it, keeps it too.
const skipKey = "skip"

// owned is a template's once: and exclude: patterns, parsed.
type owned struct {
	once, exclude *ignore.Matcher
	excluded      []string // what exclude: left out of the tree, for lint
	excludedDirs  []string
}

// loadOwned checks and parses Once and Exclude.
func (t *Template) loadOwned() []string {
	problems := append(CheckPatterns(ConfigFile+": once", t.Once), CheckPatterns(ConfigFile+": exclude", t.Exclude)...)
	t.owned = owned{once: ignore.New(t.Once), exclude: ignore.New(t.Exclude)}
	return problems
}

// CheckPatterns reports each entry of patterns that is no pattern: blank,
// a comment, or more than one line. where names the list.
func CheckPatterns(where string, patterns []string) []string {
	var problems []string
	for i, p := range patterns {
		if _, ok := ignore.Parse(p); !ok || strings.ContainsAny(p, "\n\r\x00") {
			problems = append(problems, fmt.Sprintf("%s[%d]: %q is not a pattern: a pattern is one line of .gitignore syntax, not blank and not a # comment", where, i, p))
		}
	}
	return problems
}

// excludes reports whether exclude: leaves the tree's path p out.
func (o *owned) excludes(p string, dir bool) bool {
	if o.exclude == nil {
		return false
	}
	if dir {
		_, ok := o.exclude.MatchDir(p)
		return ok
	}
	return o.exclude.Matches(p)
}

// skipExcluded notes p, which exclude: leaves out, and skips it in the
// walk of the tree: all of it, for a directory (as in git, nothing inside
// an excluded directory comes back).
func (o *owned) skipExcluded(p string, d fs.DirEntry) error {
	if d.IsDir() {
		o.excludedDirs = append(o.excludedDirs, p)
		return fs.SkipDir
	}
	o.excluded = append(o.excluded, p)
	return nil
}

// lintOwned warns of each once: or exclude: pattern that matches nothing:
// exclude: against the files of the tree, once: against their names as
// written (a {{ }} in a name is taken as it stands, and .tmpl dropped).
func (t *Template) lintOwned() []string {
	var warnings []string
	var names, srcs []string
	for _, f := range t.files {
		srcs = append(srcs, f.src)
		names = append(names, strings.TrimSuffix(f.src, ".tmpl"))
	}
	srcs = append(srcs, t.owned.excluded...)
	check := func(field string, patterns, files, dirs []string, what string) {
		for _, text := range patterns {
			p, _ := ignore.Parse(text)
			if !slices.ContainsFunc(files, p.Names) && !slices.ContainsFunc(dirs, p.NamesDir) {
				warnings = append(warnings, fmt.Sprintf("%s: pattern %q matches no %s", field, text, what))
			}
		}
	}
	check("once", t.Once, names, nil, "file name of the template (names are matched as written, {{ }} and all)")
	check("exclude", t.Exclude, srcs, t.owned.excludedDirs, "file or directory of the template")
	return warnings
}

// keepOwned turns every change of plan to a file the team owns into none:
// a once: file of the template, or one a skip: pattern of the project
// matches. It stays as it is; the report lists it (Skipped) only when
// the template changed it since the project's version.
func keepOwned(plan *Plan, old *Manifest, t *Template, theirs *Tree) {
	skip := ignore.New(old.Skip)
	for i := range plan.Changes {
		c := &plan.Changes[i]
		why := ""
		if t.owned.once != nil && t.owned.once.Matches(c.Path) {
			why = OnceNote
		} else if p, ok := skip.Match(c.Path); ok {
			why = "skip: " + quote.Name(p.Text) + " in " + ManifestFile
		}
		if why == "" {
			continue
		}
		kept := FileChange{Path: c.Path, Action: Unchanged, Old: c.Old, OldMode: c.OldMode, New: c.Old, Mode: c.OldMode}
		if templateChanged(old, theirs, c.Path) {
			kept.Action, kept.Note = Skipped, why
		}
		*c = kept
	}
}

// templateChanged reports whether the template renders p otherwise than
// the project's version did: added, removed, or another content or mode.
func templateChanged(old *Manifest, theirs *Tree, p string) bool {
	digest, was := old.Files[p]
	t, is := theirs.File(p)
	switch {
	case was != is:
		return true
	case !is:
		return false
	}
	mode := old.BaseMode(p)
	return t.blobID() != digest || mode != 0 && mode != t.Mode
}

// withSkip is m with patterns added to its skip: list, which is then
// written sorted and without duplicates, the `!` patterns last: a `!`
// takes back only what patterns before it match, so after all of them it
// takes back from any.
func (m *Manifest) withSkip(patterns []string) *Manifest {
	all := slices.Concat(m.Skip, patterns)
	slices.SortFunc(all, func(a, b string) int {
		if an, bn := strings.HasPrefix(a, "!"), strings.HasPrefix(b, "!"); an != bn {
			if an {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	all = slices.Compact(all)
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, p := range all {
		seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: p})
	}
	c := *m
	c.Skip = all
	c.unknown = slices.Clone(m.unknown)
	for i, u := range c.unknown {
		if u.key.Value == skipKey {
			c.unknown[i].value = seq
			return &c
		}
	}
	key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: skipKey}
	c.unknown = append(c.unknown, unknownKey{after: manifestKeys, key: key, value: seq})
	return &c
}
