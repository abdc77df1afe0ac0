package generator

import (
	"context"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/afero"
	"golang.org/x/mod/semver"
)

// BaseSource is one place an upgrade may find the files a project was
// generated with: gomicro's template history, the template's recorded
// revision, the project's git history. Files is called only while some base
// file is still missing, so a source that costs a fetch or a process is
// asked only when needed; it may leave out the paths need does not accept
// (the files the release did not change: see deferred.go).
type BaseSource struct {
	Name  string // for the report: "service 1.0.0 from gomicro's template history"
	Files func(need func(p string) bool) (map[string]File, error)
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
	// Pristine is the answers file of the project's pristine record (the
	// last render, kept in git), or nil. Where its answers are Old's,
	// nobody edited an answer by hand since the recorded files were
	// rendered, and the files the release did not change need no render
	// (see deferred.go).
	Pristine []byte
	// Committed, when not nil, maps project files to what the caller
	// knows of them on disk without looking (git's index of a work tree
	// with nothing uncommitted): a file as generated that the release did
	// not change is then neither read nor examined.
	Committed map[string]Committed
}

// Committed is a regular file of the project known without looking: its
// blob id, and its mode as git records it (0o644 or 0o755).
type Committed struct {
	ID   string
	Mode fs.FileMode
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
	theirs, err := renderTheirs(ctx, tmpl, answers, old, sameAnswers(old.raw, req.Pristine))
	if err != nil {
		return nil, err
	}
	if len(req.Skip) > 0 {
		old = old.withSkip(req.Skip)
	}
	need := func(p string) bool {
		f, ok := theirs.File(p)
		return !ok || !f.known()
	}
	// The project is read while the base is gathered: on two cores, the
	// one's file reads beside the other's renders.
	sv, err := startSurvey(req.Project, req.Dir, old, theirs, req.Committed)
	if err != nil {
		return nil, err
	}
	base, from, missing := recoverBase(old, req.Bases, need)
	label := "gomicro " + tmpl.Name + "@" + tmpl.Version
	plan, err := sv.plan(base, label, req.Ignored)
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
		BaseMissing: missing}, nil
}

// RecoverBase gathers the files as generated, asking each source in turn
// for the files still missing. A file counts only when its blob id is the
// one the manifest recorded, so a wrong source can only mean a missing
// base, never a wrong merge. It also says where the base came from.
func RecoverBase(old *Manifest, sources []BaseSource) (map[string]File, string) {
	base, from, _ := recoverBase(old, sources, func(string) bool { return true })
	return base, from
}

// recoverBase is RecoverBase for the paths need accepts; it also counts
// those it found no base for.
func recoverBase(old *Manifest, sources []BaseSource, need func(p string) bool) (base map[string]File, from string, missing int) {
	base = map[string]File{}
	wanted := 0
	for p := range old.Files {
		if need(p) {
			wanted++
		}
	}
	if wanted == 0 {
		return base, "none needed: the release changes none of the generated files", 0
	}
	var found []string
	for _, src := range sources {
		if len(base) == wanted {
			break
		}
		files, err := src.Files(need)
		if err != nil {
			continue // a source that cannot answer is one that has nothing
		}
		n := 0
		for p, digest := range old.Files {
			if _, have := base[p]; have || !need(p) {
				continue
			}
			if f, ok := files[p]; ok && BlobID(f.Data) == digest {
				base[p] = f
				n++
			}
		}
		if n > 0 {
			found = append(found, fmt.Sprintf("%s (%d files)", src.Name, n))
		}
	}
	switch {
	case len(found) == 0:
		return nil, "none found; edited files the template changed get " + SidecarSuffix + " beside them", wanted
	case len(base) < wanted:
		found = append(found, fmt.Sprintf("%d of %d files without a base", wanted-len(base), wanted))
	}
	return base, strings.Join(found, ", "), wanted - len(base)
}

// RenderedBase is a BaseSource that renders a template version with the
// project's recorded answers, only the files asked for.
func RenderedBase(name string, load func() (*Template, error), old *Manifest) BaseSource {
	return BaseSource{Name: name, Files: func(need func(string) bool) (map[string]File, error) {
		t, err := load()
		if err != nil {
			return nil, err
		}
		return baseFiles(t, old.Answers, need)
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
// its recorded answers, the paths need accepts (nil: all): the base of
// upgrade's three-way merge.
func baseFiles(t *Template, recorded Answers, need func(string) bool) (map[string]File, error) {
	answers, err := t.resolve(recorded, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("recorded answers no longer valid for %s %s: %w", t.Name, t.Version, err)
	}
	tree, err := t.renderWithin(context.Background(), answers, renderOpts{only: need})
	if err != nil {
		return nil, err
	}
	files := make(map[string]File, len(tree.Files))
	for _, f := range tree.Files {
		files[f.Path] = f
	}
	return files, nil
}

// renderTheirs is the render an upgrade moves to: with the recorded
// answers (asRendered: as the pristine record has them), the files
// deferred as unchanged since the base are given by the digest and mode
// the project recorded (see deferred.go). A secret answer is never
// recorded, and may differ from the one the files were rendered with: a
// template that asks one is rendered in full.
func renderTheirs(ctx context.Context, t *Template, answers Answers, old *Manifest, asRendered bool) (*Tree, error) {
	var opts renderOpts
	if !asRendered || slices.ContainsFunc(t.Questions, func(q Question) bool { return q.Secret }) {
		// Answers other than the ones the recorded files were rendered with.
	} else if recorded, err := t.resolveContext(ctx, orEmpty(old.Answers), nil, nil); err == nil && old.Executable != nil && reflect.DeepEqual(recorded, answers) {
		opts.same = func(p string) (string, fs.FileMode, bool) {
			digest, ok := old.Files[p]
			return digest, old.BaseMode(p), ok
		}
	}
	return t.renderWithin(ctx, answers, opts)
}
