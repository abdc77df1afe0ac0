package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/fleet"
	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/prompt"
)

// projectReport is what upgrade says about one project, on the project's
// own writers (held by the fleet until its turn).
type projectReport struct {
	dir      string
	out, err io.Writer
	stdio    IO // for the interrupts
}

// upgradeProject upgrades one project of the fleet and returns its outcome
// and summary line. Problems are printed as they are found, prefixed with
// the directory.
func upgradeProject(opts *upgradeOptions, u *fleet.Upgrader, job fleet.Job) (fleet.Outcome, string) {
	r := &projectReport{dir: job.Dir, out: job.Out, err: job.Err, stdio: opts.io}
	p, err := u.Plan(opts.io.interrupts.context(), job.Dir)
	// The terminal goes back to normal while the upgrade works (Ctrl-C is
	// a signal again); the next project's question puts it in raw mode.
	prompt.Close(u.Prompter)
	if errors.As(err, new(cancelled)) {
		return fleet.Stopped, ""
	}
	if err != nil {
		return r.refuse(renderError(err))
	}
	defer p.Close()
	r.sayBase(p)
	if out, line, done := r.unresolved(opts, p); done {
		return out, line
	}
	plan, tmpl := p.Plan, p.Template
	if !plan.Behind() {
		return fleet.Current, fmt.Sprintf("%s: current (%s %s)", r.dir, quote(tmpl.Name), quote(tmpl.Version))
	}
	move, _ := r.move(p)
	if blocked := plan.Blocked(); len(blocked) > 0 {
		r.show(p, &generator.Plan{Changes: blocked}) // nothing else happens
		return fleet.Conflicts, fmt.Sprintf("%s: not upgraded (%s): %d %s in the way; nothing changed", r.dir, move, len(blocked), plural(len(blocked), "path", "paths"))
	}
	switch {
	case opts.dryRun:
		fmt.Fprint(r.out, plan.Diff())
		r.show(p, plan)
		return fleet.Behind, fmt.Sprintf("%s: behind (%s), dry run: nothing changed", r.dir, move)
	case opts.check:
		r.show(p, plan)
		return fleet.Behind, fmt.Sprintf("%s: behind (%s)", r.dir, move)
	}
	return r.apply(p, job)
}

// refuse prints why the project cannot be upgraded: a signal's cut is a
// stop, anything else a refusal.
func (r *projectReport) refuse(err error) (fleet.Outcome, string) {
	if r.stdio.interrupts.context().Err() != nil {
		return fleet.Stopped, "" // a signal: whatever failed was cut short by it
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(r.err, "gomicro: %s: %s\n", r.dir, line)
	}
	return fleet.Refused, r.dir + ": refused"
}

func (r *projectReport) say(format string, args ...any) {
	fmt.Fprintf(r.out, "%s: %s\n", r.dir, fmt.Sprintf(format, args...))
}

// sayBase says where the base came from, which answers are dropped, and
// how to get back gomicro's refs when a clone lacks them.
func (r *projectReport) sayBase(p *fleet.Project) {
	tmpl := p.Template
	r.say("base: %s", p.BaseFrom)
	if n := len(p.Dropped); n > 0 {
		// As copier does: an answer to no question is not recorded.
		r.say("%s drops the %s to %s: %s %s does not ask %s", generator.ManifestFile, plural(n, "answer", "answers"),
			quoteAll(p.Dropped), quote(tmpl.Name), quote(tmpl.Version), plural(n, "it", "them"))
	}
	if p.LacksGomicroRefs() {
		fmt.Fprintf(r.err, "gomicro: %s: note: this clone has no refs/gomicro/*, where upgrades keep the last render as the next base (git clone does not fetch them): git fetch origin 'refs/gomicro/*:refs/gomicro/*', then upgrade again\n", quote(r.dir))
	}
}

// unresolved refuses a project that still holds an earlier upgrade's
// conflicts, unless --force (and not --check).
func (r *projectReport) unresolved(opts *upgradeOptions, p *fleet.Project) (fleet.Outcome, string, bool) {
	if len(p.Plan.Unresolved) == 0 {
		return 0, "", false
	}
	var left []string
	for _, u := range p.Plan.Unresolved {
		if file, ok := strings.CutSuffix(u, generator.SidecarSuffix); ok {
			left = append(left, fmt.Sprintf("%s is there (merge it into %s and remove it)", quote(u), quote(file)))
		} else {
			left = append(left, quote(u)+" holds conflict markers")
		}
	}
	what := fmt.Errorf("unresolved conflicts: %s; resolve them and commit, or pass --force", strings.Join(left, "; "))
	if !opts.check && opts.force {
		return 0, "", false
	}
	if out, _ := r.refuse(what); out == fleet.Stopped {
		return fleet.Stopped, "", true
	}
	return fleet.Unresolved, fmt.Sprintf("%s: unresolved conflicts: %s", r.dir, quoteAll(p.Plan.Unresolved)), true
}

// move is what the upgrade does, for the summary: "service 1.0.0 ->
// 1.3.0", or, when only answers change, "service 1.3.0 with ci=github";
// did is the same in the past tense.
func (r *projectReport) move(p *fleet.Project) (move, did string) {
	old, tmpl := p.Old, p.Template
	move = fmt.Sprintf("%s %s -> %s", quote(tmpl.Name), quote(old.Version), quote(tmpl.Version))
	did = "upgraded " + move
	if old.Version == tmpl.Version {
		move = quote(tmpl.Name) + " " + quote(tmpl.Version)
		if changed := changedAnswers(p); changed != "" {
			move += " with " + changed
		}
		did = "re-rendered " + move
	}
	return move, did
}

// apply writes the plan, records it in git, and reports it.
func (r *projectReport) apply(p *fleet.Project, job fleet.Job) (fleet.Outcome, string) {
	leave, ok := job.Enter()
	if !ok {
		return fleet.Stopped, "" // a signal came first: the project is as it was
	}
	defer leave()
	if err := p.Apply(r.stdio.interrupts.context()); err != nil {
		if r.stdio.interrupts.stopped() != nil {
			return fleet.Stopped, "" // rolled back
		}
		return r.refuse(err)
	}
	if err := p.KeepPristine(); err != nil {
		fmt.Fprintf(r.err, "gomicro: %s: note: could not store the pristine files for the next upgrade: %s\n", r.dir, gitrepo.Message(err))
	}
	if err := p.MarkConflicts(); err != nil {
		fmt.Fprintf(r.err, "gomicro: %s: note: could not record the conflicts in git's index (git status will show them as modified): %s\n", r.dir, gitrepo.Message(err))
	}
	r.show(p, p.Plan)
	_, did := r.move(p)
	c := p.Plan.Conflicts()
	if len(c) == 0 {
		return fleet.Upgraded, fmt.Sprintf("%s: %s", r.dir, did)
	}
	next := "resolve, then commit"
	if p.InGit() {
		next = "resolve, git add, then commit"
		if onlyIgnored(p.Plan) {
			next = "merge by hand, then remove the new version; git ignores the file"
		}
	}
	with := " with "
	if strings.Contains(did, " with ") {
		with = " and "
	}
	return fleet.Conflicts, fmt.Sprintf("%s: %s%s%d %s: %s (%s)", r.dir, did, with, len(c), plural(len(c), "conflict", "conflicts"), quoteAll(c), next)
}

// show lists plan's files, saying why a file goes when answers changed.
func (r *projectReport) show(p *fleet.Project, plan *generator.Plan) {
	report(r.out, plan, removedBy(p.Template, p.Old.Version == p.Template.Version, changedAnswers(p)))
}

// changedAnswers are the answers the upgrade changes, in question order,
// as key=value: "ci=github, s3_region=eu-west-1" ("" when none do).
func changedAnswers(p *fleet.Project) string {
	changed := make([]string, len(p.Changed))
	for i, a := range p.Changed {
		changed[i] = quote(a.Name) + "=" + quote(a.Value)
	}
	return strings.Join(changed, ", ")
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

// removedBy says why a file the new render lacks goes when answers
// changed: with the same template version only they can have removed it.
func removedBy(tmpl *generator.Template, sameVersion bool, changed string) string {
	switch {
	case changed == "":
		return ""
	case !sameVersion:
		return fmt.Sprintf("not in %s %s with %s", quote(tmpl.Name), quote(tmpl.Version), changed)
	case strings.Contains(changed, ", "):
		return "not written with " + changed
	}
	return changed + " no longer writes it"
}

// report lists every file the upgrade touches or deliberately leaves alone.
// gone, when not empty, says why files the new render lacks are removed
// (changed answers) instead of "removed by the template".
func report(out io.Writer, plan *generator.Plan, gone string) {
	for _, c := range plan.Changes {
		if c.Action == generator.Unchanged {
			continue
		}
		name := quote(c.Path)
		if c.Action == generator.Sidecar {
			name += " (new version: " + quote(c.Path+generator.SidecarSuffix) + ")"
		}
		why := c.Why()
		if c.Note == "" && gone != "" {
			switch c.Action {
			case generator.Delete:
				why = gone
			case generator.KeepEdited:
				why = gone + ", but you edited it"
			}
		}
		if why != "" {
			name += " (" + why + ")"
		}
		fmt.Fprintf(out, "  %-9s %s\n", c.Action, name)
	}
}
