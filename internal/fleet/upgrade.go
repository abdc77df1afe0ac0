package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/quote"
)

// Upgrade upgrades the project job names: it plans the upgrade, decides
// what it comes to (current, behind, blocked, unresolved, refused, failed),
// and unless DryRun or Check applies it, inside the job's critical section.
// The Report says what happened; Stopped when a signal or the person
// (Ctrl-C at a question) cut it short, the project left as it was.
func (u *Upgrader) Upgrade(ctx context.Context, job Job) *Report {
	r := &Report{Path: job.Dir, Answers: []Answer{}, Files: []File{}, DryRun: u.DryRun}
	p, err := u.plan(ctx, job.Dir)
	//lint:ignore SA5001 plan returns a project to close even when it fails (how far it came)
	defer p.Close()
	// The terminal goes back to normal while the upgrade works (Ctrl-C is
	// a signal again); the next project's question puts it in raw mode.
	if c, ok := u.Prompter.(io.Closer); ok {
		c.Close()
	}
	r.describe(p)
	switch {
	case u.Interrupted != nil && errors.Is(err, u.Interrupted):
		return r.end(Stopped)
	case err != nil:
		return r.fail(ctx, RenderError(err))
	}
	r.planned(p)
	if len(p.Plan.Unresolved) > 0 && (u.Check || !u.Force) {
		return r.unresolved(ctx, p.Plan.Unresolved)
	}
	if !p.Plan.Behind() {
		return r.end(Current)
	}
	if blocked := p.Plan.Blocked(); len(blocked) > 0 {
		r.Files = r.files(blocked, len(r.Answers) > 0) // nothing else happens
		r.Error = fmt.Sprintf("%d %s in the way; nothing changed", len(blocked), plural(len(blocked), "path", "paths"))
		return r.end(Blocked)
	}
	r.Files = r.files(p.Plan.Changes, len(r.Answers) > 0)
	switch {
	case u.DryRun:
		r.Diff = maskSecrets(p.Plan.Diff(), p.Template, p.Answers)
		return r.end(Behind)
	case u.Check:
		return r.end(Behind)
	}
	return r.apply(ctx, u, p, job)
}

// describe says what is known of the project's template, recorded and
// newest, however far planning went. A --template that names another
// template than the project's (a failure) has no newest version of it.
func (r *Report) describe(p *Project) {
	if p.Old != nil {
		r.Template, r.Source, r.Version, r.Revision = p.Old.Template, p.Old.Source, p.Old.Version, p.Old.Revision
	}
	if p.Template != nil && p.Template.Name == r.Template {
		r.Newest, r.NewestRevision = p.Template.Version, p.Template.Revision
	}
}

// planned records what planning found out: the base, the answers that
// change and those dropped, whether the clone lacks gomicro's refs.
func (r *Report) planned(p *Project) {
	r.Planned, r.BaseFrom, r.Dropped, r.LacksRefs = true, p.BaseFrom, p.Dropped, p.LacksGomicroRefs()
	r.Answers = append(r.Answers, p.Changed...)
}

func (r *Report) end(status Outcome) *Report {
	r.Status = status
	return r
}

// fail says why the project cannot be upgraded: refused or failed, or
// stopped when a signal cut short whatever failed.
func (r *Report) fail(ctx context.Context, err error) *Report {
	if ctx.Err() != nil {
		return r.end(Stopped)
	}
	r.Error = err.Error()
	if errors.As(err, new(refusal)) {
		return r.end(Refused)
	}
	return r.end(Failed)
}

// unresolved refuses a project that still holds an earlier upgrade's
// conflicts (unless --force, and not --check): they are listed as files.
func (r *Report) unresolved(ctx context.Context, left []string) *Report {
	if ctx.Err() != nil {
		return r.end(Stopped)
	}
	r.Unresolved = left
	for _, path := range left {
		f := File{Path: path, Action: "conflict", Change: generator.Conflict,
			Why: "an earlier upgrade's conflict markers: resolve them and commit"}
		if file, ok := strings.CutSuffix(path, generator.SidecarSuffix); ok {
			f.Change, f.Sidecar = generator.Sidecar, path
			f.Why = "an earlier upgrade's new version of " + file + ": merge it into " + file + " and remove it"
		}
		f.why = f.Why
		r.Files = append(r.Files, f)
	}
	return r.end(Unresolved)
}

// apply writes the plan, records it in git, and says what to do next:
// review and commit it, or resolve its conflicts.
func (r *Report) apply(ctx context.Context, u *Upgrader, p *Project, job Job) *Report {
	leave, ok := job.Enter()
	if !ok {
		return r.end(Stopped) // a signal came first: the project is as it was
	}
	defer leave()
	// The pristine record (git objects and a private ref: nothing in the
	// work tree) is made while Apply writes the work tree; a failed
	// Apply puts the ref back.
	type kept struct {
		undo func() error
		err  error
	}
	keeping := make(chan kept, 1)
	go func() {
		undo, err := p.KeepPristine()
		keeping <- kept{undo, err}
	}()
	err := p.Apply(ctx)
	k := <-keeping
	if err != nil {
		if k.err == nil {
			k.undo() // else the next upgrade finds its base by blob id all the same
		}
		if ctx.Err() != nil {
			return r.end(Stopped) // rolled back
		}
		r.Files = []File{}
		return r.fail(ctx, err)
	}
	if k.err != nil {
		r.Notes = append(r.Notes, "note: could not store the pristine files for the next upgrade: "+gitrepo.Message(k.err))
	}
	if p.start != "" {
		if err := r.commit(ctx, p, u.Branch); err != nil {
			return r.fail(ctx, fmt.Errorf("the upgrade is in the work tree, not committed: %s", gitrepo.Message(err)))
		}
	} else if err := p.MarkConflicts(); err != nil {
		r.Notes = append(r.Notes, "note: could not record the conflicts in git's index (git status will show them as modified): "+gitrepo.Message(err))
	}
	status := Upgraded
	if len(r.Conflicts()) > 0 {
		status = Conflicts
	}
	r.Next = r.next(p, status)
	return r.end(status)
}

// next is what the person does after an apply: review and commit it, or
// resolve its conflicts; with --commit, where the upgrade was committed.
func (r *Report) next(p *Project, status Outcome) string {
	on := ""
	if r.Commit != "" {
		on = fmt.Sprintf("on %s as %s", quote.Name(r.Branch), shortRevision(r.Commit))
	}
	switch {
	case r.Proposed == "already":
		return "already proposed: origin holds it " + on
	case r.Proposed != "" && status == Conflicts:
		return "committed with the conflict markers " + on + ": resolve them there, then commit"
	case r.Proposed != "":
		return "committed " + on
	case status == Upgraded && p.InGit():
		return "review with git diff, then commit"
	case status == Upgraded:
		return ""
	case !p.InGit():
		return "resolve, then commit"
	case onlyIgnored(p.Plan):
		return "merge by hand, then remove the new version; git ignores the file"
	}
	return "resolve, git add, then commit"
}

// onlyIgnored reports whether every conflict of plan is on a file git
// ignores: nothing to git add.
func onlyIgnored(plan *generator.Plan) bool {
	for _, c := range plan.Changes {
		switch c.Action {
		case generator.Conflict, generator.Blocked:
			return false
		case generator.Sidecar:
			if c.Note != generator.IgnoredNote {
				return false
			}
		}
	}
	return true
}

// refusal is an error that refuses a project for a reason the team can
// fix in it (uncommitted changes, a git operation in progress, a sparse
// checkout, another gomicro at work): the project is refused, not failed.
type refusal struct{ error }

func (r refusal) Unwrap() error { return r.error }

// RenderError adds what a person can do about a limit.
func RenderError(err error) error {
	if errors.Is(err, generator.ErrRenderTimeout) {
		return fmt.Errorf("%w (a loop that never ends? GOMICRO_RENDER_TIMEOUT=30s allows longer)", err)
	}
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
