package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/bytesize"
	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/lockfile"
	"github.com/gomicro/gomicro/internal/quote"
	"github.com/gomicro/gomicro/internal/rootfs"
)

// Options are an upgrade command's choices, the same for every project.
type Options struct {
	Template string            // --template; "" follows the source each project recorded
	Set      map[string]string // answers to change
	Skip     []string          // --skip: patterns to add to each project's skip:
	// Prompter asks questions new since a project was made; nil: they
	// take their defaults.
	Prompter generator.Prompter
	// Asking is where Prompter asks: the line that says why an upgrade
	// asks anything goes there first. Nil: no such line.
	Asking io.Writer
	Limits generator.Limits
	DryRun bool // plan only (the caller shows the diff)
	Check  bool // plan only (the caller reports behind or current)
	Force  bool // go ahead with uncommitted changes, or a git that cannot tell
	// Branch, when not "", is --commit's branch: each upgrade is committed
	// on it, made fresh from the commit the project was at.
	Branch string
	Opener Opener
	// Interrupted is the error Prompter returns when the person cancels
	// a question (Ctrl-C at a form): the fleet stops.
	Interrupted error
	// WriteFs, when not nil, wraps the project's confined root for the
	// apply (tests stop gomicro mid-write with it).
	WriteFs func(ctx context.Context, root afero.Fs) afero.Fs
}

// writes reports whether the upgrade may change the projects.
func (o *Options) writes() bool { return !o.DryRun && !o.Check }

// Upgrader plans and applies the upgrades of one command's projects. It
// loads each template once for every project that names it; it is safe
// for use by several goroutines, one project each.
type Upgrader struct {
	Options
	templates cache[*generator.Template]
	trees     cache[fs.FS] // the trees projects were generated from
}

// NewUpgrader returns an Upgrader with opts.
func NewUpgrader(opts Options) *Upgrader { return &Upgrader{Options: opts} }

// Project is one project's upgrade, planned: Apply it, or show it. Close
// it when done.
type Project struct {
	Dir      string
	Old      *generator.Manifest // the .gomicro.yml read
	Template *generator.Template // the template it moves to
	*generator.Upgraded
	// Changed are the answers the upgrade changes, in question order.
	Changed []Answer

	repo    *gitrepo.Repo        // nil: the project is in no git repository (or git is not asked)
	tip     *gitrepo.PristineTip // the pristine record as planning found it; nil: read it when recording
	start   string               // with --commit: the commit HEAD was at when planning began
	root    *rootfs.Fs
	writeFs func(ctx context.Context, root afero.Fs) afero.Fs
	release func()
}

// Plan reads dir's .gomicro.yml, finds its git repository and the
// template it moves to, and plans the upgrade. A run that writes holds
// the project's lock from here to Close: no other gomicro may change what
// this one merges into.
func (u *Upgrader) Plan(ctx context.Context, dir string) (*Project, error) {
	p, err := u.plan(ctx, dir)
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// plan is Plan, whose project says, when it fails, how far it came (the
// manifest read, the template loaded): Close it either way. A reason the
// team can fix in the project is a refusal.
func (u *Upgrader) plan(ctx context.Context, dir string) (p *Project, err error) {
	p = &Project{Dir: dir, writeFs: u.WriteFs, release: func() {}}
	if u.writes() {
		release, err := lockfile.Project(ctx, dir, lockfile.Wait)
		if err != nil {
			if errors.As(err, new(*lockfile.BusyError)) {
				err = refusal{err}
			}
			return p, err
		}
		p.release = release
	}
	if p.root, err = rootfs.Open(dir); err != nil {
		return p, fmt.Errorf("cannot open the project: %v", rootfs.Reason(err))
	}
	if p.Old, err = readManifest(p.root); err != nil {
		return p, err
	}
	rev := u.Opener.revision(ctx, p.Old)
	if open := rev.tree; open != nil {
		rev.tree = func() (fs.FS, error) { return u.trees.get(rev.key, open) }
		// The tree the project was generated from is read while git
		// checks the work tree, from the local cache alone: a fetch of
		// it waits until the project is known not to be refused.
		go u.trees.prefetch(rev.key, rev.cached)
	}
	// The release is fetched while git checks the work tree, as git pull
	// fetches before it refuses to merge into uncommitted changes; a
	// refusal stops the fetch rather than wait for it.
	fetchCtx, stopFetch := context.WithCancel(ctx)
	defer stopFetch()
	type release struct {
		tmpl *generator.Template
		err  error
	}
	fetched := make(chan release, 1)
	go func() {
		tmpl, err := u.template(fetchCtx, p.Old, rev)
		fetched <- release{tmpl, err}
	}()
	if p.repo, err = findRepo(dir, u.writes(), u.Force); err != nil {
		return p, refusal{err}
	}
	// What git holds of the project is read while git checks the work
	// tree and the release loads.
	held := p.readHeld()
	defer held.wait() // a refusal does not leave git running
	if err = checkWorkTree(p.repo, u.writes(), u.Force); err != nil {
		return p, refusal{err}
	}
	if p.start, err = u.startCommit(ctx, p.repo); err != nil {
		return p, refusal{err}
	}
	held.wait()
	index, indexErr, pristine := held.index, held.indexErr, held.pristine
	p.tip = held.tip
	r := <-fetched
	if p.Template, err = r.tmpl, r.err; err != nil {
		return p, err
	}
	req := generator.UpgradeRequest{
		Project: p.root, Dir: ".", Old: p.Old, Theirs: p.Template, Set: u.Set, Prompter: u.explain(dir, p.Old, p.Template),
		Bases: u.Opener.baseSources(p.repo, p.Old, p.Template, rev), Skip: u.Skip,
	}
	if p.repo != nil {
		req.Ignored = p.repo.Ignored
		req.Pristine = pristine
		if indexErr == nil && u.writes() && !u.Force {
			// gitWorkTree found nothing uncommitted: the index is the disk.
			req.Committed = make(map[string]generator.Committed, len(index.Files))
			for path, e := range index.Files {
				req.Committed[path] = generator.Committed{ID: e.ID, Mode: e.Mode}
			}
		}
	}
	if p.Upgraded, err = generator.Upgrade(ctx, req); err != nil {
		return p, err
	}
	if err = outsideSparse(index, indexErr, p.Plan); err != nil {
		return p, refusal{err}
	}
	p.Changed = changedAnswers(p.Old, p.Answers, p.Template)
	return p, nil
}

// Close releases the project: its root and its lock.
func (p *Project) Close() {
	if p.root != nil {
		p.root.Close()
	}
	p.release()
}

// InGit reports whether the project is in a git repository gomicro uses.
func (p *Project) InGit() bool { return p.repo != nil }

// LacksGomicroRefs reports whether some base file was missing and the
// project's clone has no refs/gomicro/*, where upgrades keep the last
// render as the next base (git clone does not fetch them).
func (p *Project) LacksGomicroRefs() bool {
	if p.BaseMissing == 0 || p.repo == nil {
		return false
	}
	if p.tip != nil {
		return !p.tip.HasGomicroRefs() // read while planning, under the project's lock
	}
	has, err := p.repo.HasGomicroRefs()
	return err == nil && !has
}

// Apply writes the plan into the project, all or nothing: when ctx is
// cancelled it rolls back.
func (p *Project) Apply(ctx context.Context) error {
	var fsys afero.Fs = p.root
	if p.writeFs != nil {
		fsys = p.writeFs(ctx, p.root)
	}
	return p.Plan.Apply(ctx, fsys, ".")
}

// KeepPristine stores the new render in git under a private ref, the
// next upgrade's base, and returns undo, which puts the ref back where it
// was. Without git it does nothing.
func (p *Project) KeepPristine() (undo func() error, err error) {
	undo = func() error { return nil }
	if p.repo == nil {
		return undo, nil
	}
	was, err := p.repo.RecordPristineOn(p.tip, gitFiles(p.Theirs), p.Label+" as rendered")
	var missing *gitrepo.MissingBlobsError
	if errors.As(err, &missing) {
		// Files the upgrade did not render, whose blobs the clone lacks.
		if err = p.Upgraded.Render(context.Background(), p.Template, missing.Paths); err == nil {
			was, err = p.repo.RecordPristineOn(p.tip, gitFiles(p.Theirs), p.Label+" as rendered")
		}
	}
	if err != nil {
		return undo, err
	}
	return func() error { return p.repo.ResetPristine(was) }, nil
}

// MarkConflicts records the plan's conflicts as unmerged index entries, so
// that git itself shows them. Without git it does nothing.
func (p *Project) MarkConflicts() error {
	if p.repo == nil {
		return nil
	}
	return p.repo.MarkConflicts(gitConflicts(p.Plan))
}

// maxManifest bounds .gomicro.yml: a line per generated file, and a
// template holds at most 256 MiB, so a manifest far past a few MiB is not
// gomicro's.
const maxManifest = 16 << 20

// readManifest reads the project's .gomicro.yml, which must be a regular
// file of at most maxManifest bytes: gomicro reads only its own.
func readManifest(root afero.Fs) (*generator.Manifest, error) {
	if info, _, err := root.(afero.Lstater).LstatIfPossible(generator.ManifestFile); err == nil && !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (a symlink?): gomicro reads only its own", generator.ManifestFile)
	}
	f, err := root.Open(generator.ManifestFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no %s: not a project generated by gomicro", generator.ManifestFile)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifest+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxManifest {
		return nil, fmt.Errorf("%s is larger than %s, the most gomicro reads as its answers file", generator.ManifestFile, bytesize.String(maxManifest))
	}
	return generator.ReadManifest(data)
}

// changedAnswers lists the answers the upgrade changes, in question order.
func changedAnswers(old *generator.Manifest, answers generator.Answers, tmpl *generator.Template) []Answer {
	var changed []Answer
	for _, q := range tmpl.Questions {
		v, ok := answers[q.Name]
		if !ok || q.Secret {
			// A secret is never recorded, so whether it changed is not
			// known, and its value is never shown: it is left out.
			continue
		}
		if was, had := old.Answers[q.Name]; !had || generator.AnswerText(was) != generator.AnswerText(v) {
			changed = append(changed, Answer{q.Name, generator.AnswerText(v)})
		}
	}
	return changed
}

// findRepo finds the git repository holding the project, if any. Only a
// run that writes needs git's word on the work tree: then a repository git
// cannot read is refused (the check fails closed). Without writes, or with
// force, a repository git cannot read is simply not used (--check and
// --dry-run take the base from gomicro's history alone).
func findRepo(dir string, writes, force bool) (*gitrepo.Repo, error) {
	repo, err := gitrepo.Find(dir)
	switch {
	case err == nil:
		return repo, nil
	case !writes || force:
		return nil, nil
	}
	return nil, cannotSay(err)
}

// checkWorkTree refuses, in a run that writes, a work tree where a rebase,
// merge, cherry-pick, revert, bisect or `git am` has stopped half-way (the
// upgrade would fold into it), and, unless force, one with uncommitted
// changes. With force, a check git cannot make is skipped: the person said
// go ahead.
func checkWorkTree(repo *gitrepo.Repo, writes, force bool) error {
	if repo == nil || !writes {
		return nil
	}
	op, err := repo.InProgress()
	switch {
	case err != nil && force:
		return nil
	case err != nil:
		return cannotSay(err)
	case op != nil:
		return fmt.Errorf("%s is in progress (git's %s is there); finish it first: %s", op.Name, op.Marker, op.Next)
	case force:
		return nil
	}
	dirty, err := repo.Uncommitted()
	switch {
	case err != nil:
		return cannotSay(err)
	case dirty != "":
		return fmt.Errorf("uncommitted changes (%s); commit or stash them first, or pass --force", dirty)
	}
	return nil
}

func cannotSay(err error) error {
	return fmt.Errorf("git cannot say whether the project has uncommitted changes: %s (fix that, or pass --force)", gitrepo.Message(err))
}

// held is what git holds of a project, read beside the work tree's check:
// its index, the pristine record's tip, and the answers file as recorded
// there.
type held struct {
	done     chan struct{}
	index    *gitrepo.Index
	indexErr error
	tip      *gitrepo.PristineTip // nil when unreadable: read again when recording
	pristine []byte               // the record's .gomicro.yml; nil: none
}

// readHeld starts reading what git holds of p; wait for it. Without git
// there is nothing to read.
func (p *Project) readHeld() *held {
	h := &held{done: make(chan struct{})}
	if p.repo == nil {
		close(h.done)
		return h
	}
	go func() {
		defer close(h.done)
		h.index, h.indexErr = p.repo.Index()
		if tip, err := p.repo.ReadPristineTip(); err == nil {
			h.tip = tip
			// The answers file is most often the one on disk, byte for
			// byte: then git need not be asked for it.
			switch id, ok := tip.BlobID(generator.ManifestFile); {
			case ok && id == "":
				return // no record, or no answers file in it
			case ok && id == generator.BlobID(p.Old.Raw()):
				h.pristine = p.Old.Raw()
				return
			}
		}
		h.pristine, _ = p.repo.PristineFile(generator.ManifestFile)
	}()
	return h
}

func (h *held) wait() { <-h.done }

// outsideSparse refuses a plan that touches paths git marks skip-worktree
// (outside a sparse checkout): they are missing from the work tree, and
// the upgrade would take them for files the team deleted, record the new
// version, and lose the template's change for good.
func outsideSparse(index *gitrepo.Index, err error, plan *generator.Plan) error {
	if err != nil {
		return fmt.Errorf("git cannot say which files are outside the sparse checkout: %s", gitrepo.Message(err))
	}
	if index == nil {
		return nil // not in git
	}
	skipped := index.SkipWorktree
	var hit []string
	for _, c := range plan.Changes {
		if _, found := slices.BinarySearch(skipped, c.Path); found {
			hit = append(hit, quote.Name(c.Path))
		}
		if _, found := slices.BinarySearch(skipped, c.From); found && c.From != "" {
			hit = append(hit, quote.Name(c.From)) // a file the template moved
		}
	}
	if len(hit) == 0 {
		return nil
	}
	return fmt.Errorf("git keeps %s out of the work tree (skip-worktree, a sparse checkout), so upgrade cannot tell what you changed: widen the sparse checkout to the project (git sparse-checkout add DIR) or disable it, then upgrade again", strings.Join(hit, ", "))
}

// gitFiles is a tree as gitrepo takes it.
func gitFiles(tree *generator.Tree) []gitrepo.File {
	files := make([]gitrepo.File, len(tree.Files))
	for i, f := range tree.Files {
		// Unrendered (unchanged since the base), a file is its digest.
		files[i] = gitrepo.File{Path: f.Path, Data: f.Data, Mode: f.Mode, ID: f.Digest}
		if f.Data != nil {
			files[i].ID = generator.BlobID(f.Data)
		}
	}
	return files
}

// gitConflicts are the plan's conflicts as git's index stages.
func gitConflicts(plan *generator.Plan) []gitrepo.Conflict {
	stage := func(v *generator.Version) *gitrepo.Stage {
		if v == nil {
			return nil
		}
		return &gitrepo.Stage{Data: v.Data, Mode: v.Mode}
	}
	var cs []gitrepo.Conflict
	for _, c := range plan.Changes {
		if (c.Action == generator.Conflict || c.Action == generator.Sidecar) && (c.Ours != nil || c.Theirs != nil) {
			cs = append(cs, gitrepo.Conflict{Path: c.Path, Base: stage(c.Base), Ours: stage(c.Ours), Theirs: stage(c.Theirs)})
		}
	}
	return cs
}
