package generator

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/afero"
	"golang.org/x/mod/semver"
)

// BaseSource is one place an upgrade may find the files a project was
// generated with: gomicro's template history, the template's recorded
// revision, the project's git history. Files is called only while some base
// file is still missing, so a source that costs a fetch or a process is
// asked only when needed.
type BaseSource struct {
	Name  string // for the report: "service 1.0.0 from gomicro's template history"
	Files func() (map[string]File, error)
}

// UpgradeRequest is everything one project's upgrade needs; the caller
// finds the template and the base sources, the generator tells the story.
type UpgradeRequest struct {
	Project  afero.Fs // the project's files (the confined layer in the CLI)
	Dir      string   // the project directory within Project
	Old      *Manifest
	Theirs   *Template // the template version to move to
	Set      map[string]string
	Prompter Prompter // for questions new since the project was made; nil: defaults
	Bases    []BaseSource
	// Ignored, when not nil, says which of the given project-relative
	// paths the project's version control ignores (git check-ignore): a
	// file of the team's there may be a secret, so a conflict on it never
	// becomes index stages; see KeepIgnored.
	Ignored func(paths []string) ([]string, error)
	// Skip are patterns to add to the project's skip: (upgrade --skip),
	// honoured from this upgrade on; see owned.go.
	Skip []string
}

// Upgraded is a planned upgrade: apply Plan, or show it.
type Upgraded struct {
	Plan     *Plan
	Theirs   *Tree  // the new render, for the pristine record
	Label    string // names theirs in conflict markers: "gomicro service@1.3.0"
	BaseFrom string // where the base came from, for the report
	// Answers are the answers theirs was rendered with, which the new
	// .gomicro.yml records.
	Answers Answers
	// Dropped lists, sorted, the recorded answers to questions the template
	// does not ask: the new .gomicro.yml leaves them out (as copier's
	// answers file does), and the report says so.
	Dropped []string
	// BaseMissing counts the files the project recorded whose base no
	// source had: an edit of the team's there cannot be merged.
	BaseMissing int
}

// Upgrade plans one project's upgrade to req.Theirs: it checks that the
// template is the project's and not older, answers the questions (the
// recorded answers stand, --set changes them, new questions are asked),
// renders theirs, gathers the base file by file from the sources in turn,
// and decides every file. It only reads the project.
func Upgrade(ctx context.Context, req UpgradeRequest) (*Upgraded, error) {
	old, tmpl := req.Old, req.Theirs
	if tmpl.Name != old.Template {
		return nil, fmt.Errorf("the project was generated from template %s, not %s", old.Template, tmpl.Name)
	}
	if semver.Compare("v"+tmpl.Version, "v"+old.Version) < 0 {
		return nil, fmt.Errorf("template %s %s is older than the project's %s: use a newer gomicro or --template", tmpl.Name, tmpl.Version, old.Version)
	}
	answers, err := tmpl.ResolveUpgrade(ctx, old.Answers, req.Set, req.Prompter)
	if err != nil {
		return nil, err
	}
	theirs, err := Render(ctx, tmpl, answers)
	if err != nil {
		return nil, err
	}
	if len(req.Skip) > 0 {
		old = old.withSkip(req.Skip)
	}
	base, from := RecoverBase(old, req.Bases)
	label := "gomicro " + tmpl.Name + "@" + tmpl.Version
	plan, err := planUpgrade(req.Project, req.Dir, old, base, theirs, label, req.Ignored)
	if err != nil {
		return nil, err
	}
	keepOwned(plan, old, tmpl, theirs)
	var dropped []string
	for _, key := range sortedKeys(old.Answers) {
		if _, asked := tmpl.Question(key); !asked {
			dropped = append(dropped, key)
		}
	}
	return &Upgraded{Plan: plan, Theirs: theirs, Label: label, BaseFrom: from, Answers: answers, Dropped: dropped,
		BaseMissing: len(old.Files) - len(base)}, nil
}

// RecoverBase gathers the files as generated, asking each source in turn
// for the files still missing. A file counts only when its blob id is the
// one the manifest recorded, so a wrong source can only mean a missing
// base, never a wrong merge. It also says where the base came from.
func RecoverBase(old *Manifest, sources []BaseSource) (map[string]File, string) {
	base := map[string]File{}
	var from []string
	for _, src := range sources {
		if len(base) == len(old.Files) {
			break
		}
		files, err := src.Files()
		if err != nil {
			continue // a source that cannot answer is one that has nothing
		}
		n := 0
		for p, digest := range old.Files {
			if _, have := base[p]; have {
				continue
			}
			if f, ok := files[p]; ok && BlobID(f.Data) == digest {
				base[p] = f
				n++
			}
		}
		if n > 0 {
			from = append(from, fmt.Sprintf("%s (%d files)", src.Name, n))
		}
	}
	switch {
	case len(from) == 0:
		return nil, "none found; edited files the template changed get " + SidecarSuffix + " beside them"
	case len(base) < len(old.Files):
		from = append(from, fmt.Sprintf("%d of %d files without a base", len(old.Files)-len(base), len(old.Files)))
	}
	return base, strings.Join(from, ", ")
}

// RenderedBase is a BaseSource that renders a template version with the
// project's recorded answers.
func RenderedBase(name string, load func() (*Template, error), old *Manifest) BaseSource {
	return BaseSource{Name: name, Files: func() (map[string]File, error) {
		t, err := load()
		if err != nil {
			return nil, err
		}
		return baseFiles(t, old.Answers)
	}}
}

// ResolveUpgrade answers the questions for an upgrade, within ctx and
// t.Limits: the project's recorded answers stand, --set values change them,
// and only questions new since then go to the prompter (nil: they take
// their defaults).
func (t *Template) ResolveUpgrade(ctx context.Context, recorded Answers, set map[string]string, p Prompter) (Answers, error) {
	return t.resolveContext(ctx, orEmpty(recorded), set, p)
}

// baseFiles renders the template version a project was generated from with
// its recorded answers: the base of upgrade's three-way merge.
func baseFiles(t *Template, recorded Answers) (map[string]File, error) {
	answers, err := t.resolve(recorded, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("recorded answers no longer valid for %s %s: %w", t.Name, t.Version, err)
	}
	tree, err := Render(context.Background(), t, answers)
	if err != nil {
		return nil, err
	}
	files := make(map[string]File, len(tree.Files))
	for _, f := range tree.Files {
		files[f.Path] = f
	}
	return files, nil
}
