package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/afero"
	"github.com/spf13/cobra"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/rootfs"
	"github.com/gomicro/gomicro/templates/source"
)

type upgradeOptions struct {
	io             IO
	dirs           []string
	set            []string
	template       string
	dryRun         bool
	check          bool
	force          bool
	nonInteractive bool
}

func newUpgradeCmd(stdio IO) *cobra.Command {
	opts := &upgradeOptions{io: stdio}
	cmd := &cobra.Command{
		Use:   "upgrade [DIR...]",
		Short: "Bring generated projects up to their template's current version",
		Long: "Re-render the template a project was generated from and merge the changes into\n" +
			"its files: files you did not edit are replaced, files you edited keep your edits,\n" +
			"and where you and the template changed the same lines, git-style conflict markers\n" +
			"are written and the exit status is 1. .gomicro.yml records the new version.",
		Example: "  gomicro upgrade\n" +
			"  gomicro upgrade --check             # exit 1 when behind (for CI)\n" +
			"  gomicro upgrade --dry-run           # show the diff, change nothing\n" +
			"  gomicro upgrade svc-a svc-b --set s3_region=eu-west-1",
		RunE: func(_ *cobra.Command, args []string) error {
			opts.dirs = args
			if len(opts.dirs) == 0 {
				opts.dirs = []string{"."}
			}
			return runUpgrade(opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.dryRun, "dry-run", false, "print the unified diff of what would change and change nothing")
	f.BoolVar(&opts.check, "check", false, "change nothing; exit 1 when a project is behind its template")
	f.StringArrayVar(&opts.set, "set", nil, "change an answer: key=value (repeatable)")
	f.StringVar(&opts.template, "template", "", "template directory or embedded template name (default: the one in .gomicro.yml)")
	f.BoolVar(&opts.force, "force", false, "upgrade even with uncommitted changes in the git work tree")
	f.BoolVar(&opts.nonInteractive, "non-interactive", false, "never prompt: questions new since the project was made take their defaults")
	_ = cmd.MarkFlagDirname("template")
	_ = cmd.RegisterFlagCompletionFunc("set", completeSet)
	return cmd
}

// outcome is how one project's upgrade ended, worst last.
type outcome int

const (
	current outcome = iota
	upgraded
	behind
	conflicts
	refused
	stopped // the person cancelled at a prompt: no further project is touched
)

func runUpgrade(opts *upgradeOptions) error {
	set, usage := parseSet(opts.set)
	if len(usage) > 0 {
		return usageError{errors.New(strings.Join(usage, "\n"))}
	}
	limits, err := renderLimits()
	if err != nil {
		return err
	}
	// Questions new since a project was made are asked only of a person;
	// otherwise they take their defaults (upgrade never refuses for want of
	// a terminal).
	var prompter generator.Prompter
	if !opts.nonInteractive && (opts.io.Terminal || opts.io.Accessible) {
		prompter = newPrompter(opts.io, false)
		opts.io.interrupts.atExit(func() { closePrompter(prompter) })
		defer closePrompter(prompter)
	}
	worst := current
	var summary []string
	var interrupted error
	for _, dir := range opts.dirs {
		// A signal during one project's apply lets that apply finish (or
		// roll back); no further project is started.
		if interrupted = opts.io.interrupts.stopped(); interrupted != nil {
			break
		}
		out, line := upgradeProject(opts, dir, set, prompter, limits)
		if out == stopped {
			if interrupted = opts.io.interrupts.stopped(); interrupted == nil {
				interrupted = errInterrupted // Ctrl-C at a form: a key, not a signal
			}
			break
		}
		worst = max(worst, out)
		summary = append(summary, line)
	}
	for _, line := range summary {
		fmt.Fprintln(opts.io.Out, line)
	}
	if stop, ok := interrupted.(cancelled); ok {
		if len(summary) > 0 {
			stop.what = "no project after those above was touched"
		}
		return stop
	}
	if worst >= behind {
		return exitStatus(exitFailure)
	}
	return nil
}

// upgradeProject upgrades one project and returns its outcome and summary
// line. Problems are printed as they are found, prefixed with the directory.
func upgradeProject(opts *upgradeOptions, dir string, set map[string]string, prompter generator.Prompter, limits generator.Limits) (outcome, string) {
	say := func(format string, args ...any) {
		fmt.Fprintf(opts.io.Out, "%s: %s\n", dir, fmt.Sprintf(format, args...))
	}
	refuse := func(err error) (outcome, string) {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(opts.io.Err, "gomicro: %s: %s\n", dir, line)
		}
		return refused, dir + ": refused"
	}
	ctx := opts.io.interrupts.context()
	root, err := rootfs.Open(dir)
	if err != nil {
		return refuse(fmt.Errorf("cannot open the project: %v", unwrapPathErr(err)))
	}
	defer root.Close()
	if info, _, err := root.LstatIfPossible(generator.ManifestFile); err == nil && !info.Mode().IsRegular() {
		return refuse(fmt.Errorf("%s is not a regular file (a symlink?): gomicro reads only its own", generator.ManifestFile))
	}
	oldData, err := afero.ReadFile(root, generator.ManifestFile)
	if errors.Is(err, os.ErrNotExist) {
		return refuse(fmt.Errorf("no %s: not a project generated by gomicro", generator.ManifestFile))
	}
	if err != nil {
		return refuse(err)
	}
	old, err := generator.ReadManifest(oldData)
	if err != nil {
		return refuse(err)
	}
	repo, err := gitWorkTree(dir, !opts.force && !opts.dryRun && !opts.check)
	if err != nil {
		return refuse(err)
	}
	tmpl, err := upgradeTemplate(ctx, opts.template, old)
	if err != nil {
		return refuse(err)
	}
	tmpl.Limits = limits
	u, err := generator.Upgrade(ctx, generator.UpgradeRequest{
		Project: root, Dir: ".", Old: old, Theirs: tmpl, Set: set, Prompter: prompter,
		Bases: baseSources(ctx, repo, old, tmpl),
	})
	// The terminal goes back to normal while the upgrade works (Ctrl-C is
	// a signal again); the next project's question puts it in raw mode.
	closePrompter(prompter)
	if errors.As(err, new(cancelled)) {
		return stopped, ""
	}
	if err != nil {
		return refuse(renderError(err))
	}
	say("base: %s", u.BaseFrom)
	plan, theirs, label := u.Plan, u.Theirs, u.Label
	move := fmt.Sprintf("%s %s -> %s", tmpl.Name, old.Version, tmpl.Version)
	if len(plan.Unresolved) > 0 {
		var left []string
		for _, p := range plan.Unresolved {
			if file, ok := strings.CutSuffix(p, generator.SidecarSuffix); ok {
				left = append(left, fmt.Sprintf("%s is there (merge it into %s and remove it)", p, file))
			} else {
				left = append(left, p+" holds conflict markers")
			}
		}
		what := fmt.Errorf("unresolved conflicts: %s; resolve them and commit, or pass --force", strings.Join(left, "; "))
		if opts.check || !opts.force {
			out, _ := refuse(what)
			return out, fmt.Sprintf("%s: unresolved conflicts: %s", dir, strings.Join(plan.Unresolved, ", "))
		}
	}
	if !plan.Behind() {
		return current, fmt.Sprintf("%s: current (%s %s)", dir, tmpl.Name, tmpl.Version)
	}
	if blocked := plan.Blocked(); len(blocked) > 0 {
		report(opts.io, &generator.Plan{Changes: blocked}) // nothing else happens
		return conflicts, fmt.Sprintf("%s: not upgraded (%s): %d %s in the way; nothing changed", dir, move, len(blocked), plural(len(blocked), "path", "paths"))
	}
	switch {
	case opts.dryRun:
		fmt.Fprint(opts.io.Out, plan.Diff())
		report(opts.io, plan)
		return behind, fmt.Sprintf("%s: behind (%s), dry run: nothing changed", dir, move)
	case opts.check:
		report(opts.io, plan)
		return behind, fmt.Sprintf("%s: behind (%s)", dir, move)
	}
	leave := opts.io.interrupts.enter()
	defer leave()
	if err := plan.Apply(ctx, projectFs(ctx, root), "."); err != nil {
		if opts.io.interrupts.stopped() != nil {
			return stopped, "" // rolled back
		}
		return refuse(err)
	}
	if repo != nil {
		if err := repo.RecordPristine(gitFiles(theirs), label+" as rendered"); err != nil {
			fmt.Fprintf(opts.io.Err, "gomicro: %s: note: could not store the pristine files for the next upgrade: %s\n", dir, gitMessage(err))
		}
		if err := repo.MarkConflicts(gitConflicts(plan)); err != nil {
			fmt.Fprintf(opts.io.Err, "gomicro: %s: note: could not record the conflicts in git's index (git status will show them as modified): %s\n", dir, gitMessage(err))
		}
	}
	report(opts.io, plan)
	if c := plan.Conflicts(); len(c) > 0 {
		next := "resolve, then commit"
		if repo != nil {
			next = "resolve, git add, then commit"
		}
		return conflicts, fmt.Sprintf("%s: upgraded %s with %d %s: %s (%s)", dir, move, len(c), plural(len(c), "conflict", "conflicts"), strings.Join(c, ", "), next)
	}
	return upgraded, fmt.Sprintf("%s: upgraded %s", dir, move)
}

// gitWorkTree finds the git repository holding the project, if any. Only a
// run that writes needs git's word on uncommitted changes (mustBeClean);
// then a repository git cannot read is refused: the check fails closed.
// Without that need, such a repository is simply not used (--check and
// --dry-run take the base from gomicro's history alone).
func gitWorkTree(dir string, mustBeClean bool) (*gitrepo.Repo, error) {
	repo, err := gitrepo.Find(dir)
	if !mustBeClean {
		if err != nil {
			return nil, nil
		}
		return repo, nil
	}
	dirty := ""
	if err == nil && repo != nil {
		dirty, err = repo.Uncommitted()
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("git cannot say whether the project has uncommitted changes: %s (fix that, or pass --force)", gitMessage(err))
	case dirty != "":
		return nil, fmt.Errorf("uncommitted changes (%s); commit or stash them first, or pass --force", dirty)
	}
	return repo, nil
}

// upgradeTemplate is the template an upgrade moves to: --template as given
// (its @REF, or its newest release), or else the newest release of the
// source the project recorded; the @REF given to new fixed only the first
// render. Following the recorded source keeps recording it as typed.
func upgradeTemplate(ctx context.Context, flag string, old *generator.Manifest) (*generator.Template, error) {
	if flag != "" {
		return loadTemplateContext(ctx, flag)
	}
	spec, err := source.Parse(old.Source)
	if err == nil {
		var tmpl *generator.Template
		if tmpl, err = openTemplate(ctx, spec.Latest(), old.Source); err == nil {
			return tmpl, nil
		}
	}
	return nil, fmt.Errorf("%w (the project's template; pass --template to use another)", err)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// report lists every file the upgrade touches or deliberately leaves alone.
func report(stdio IO, plan *generator.Plan) {
	for _, c := range plan.Changes {
		if c.Action == generator.Unchanged {
			continue
		}
		name := c.Path
		if c.Action == generator.Sidecar {
			name += " (new version: " + c.Path + generator.SidecarSuffix + ")"
		}
		if why := c.Why(); why != "" {
			name += " (" + why + ")"
		}
		fmt.Fprintf(stdio.Out, "  %-9s %s\n", c.Action, name)
	}
}

// baseSources are the places the files a project was generated with may
// be found, in the order they are asked: the template at the revision the
// project recorded (gomicro's history for an embedded template, the commit
// or module version for git and module templates), the template itself
// when its version has not moved (only answers change), then the project's
// git history by blob id.
func baseSources(ctx context.Context, repo *gitrepo.Repo, old *generator.Manifest, current *generator.Template) []generator.BaseSource {
	var sources []generator.BaseSource
	if at, ok := revisionBase(ctx, old); ok {
		sources = append(sources, at)
	}
	if current.Version == old.Version && current.Revision == old.Revision {
		sources = append(sources, generator.RenderedBase(fmt.Sprintf("%s %s as it renders today", current.Name, current.Version), func() (*generator.Template, error) {
			return current, nil
		}, old))
	}
	if repo != nil {
		sources = append(sources, generator.BaseSource{Name: "pristine files from the project's git history", Files: func() (map[string]generator.File, error) {
			blobs, err := repo.Blobs(old.Files)
			if err != nil {
				return nil, err
			}
			files := make(map[string]generator.File, len(blobs))
			for p, data := range blobs {
				files[p] = generator.File{Path: p, Data: data}
			}
			return files, nil
		}})
	}
	return sources
}
