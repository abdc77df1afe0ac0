package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/afero"
	"github.com/spf13/cobra"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/lockfile"
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
			"are written and the exit status is 1. .gomicro.yml records the new version.\n\n" +
			"Without DIR, the project is the nearest directory holding .gomicro.yml, from here\n" +
			"up to the top of the git repository. With several, projects in different\n" +
			"repositories are upgraded side by side (one per CPU; one at a time when a new\n" +
			"question is to be asked); the report is printed in the order given, with one\n" +
			"summary line each and a total, and the exit status is the worst.",
		Example: "  gomicro upgrade\n" +
			"  gomicro upgrade --check             # exit 1 when behind, 2 when it cannot tell (for CI)\n" +
			"  gomicro upgrade --dry-run           # show the diff, change nothing\n" +
			"  gomicro upgrade svc-a svc-b --set s3_region=eu-west-1",
		RunE: func(_ *cobra.Command, args []string) error {
			opts.dirs = args
			return runUpgrade(opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.dryRun, "dry-run", false, "print the unified diff of what would change and change nothing")
	f.BoolVar(&opts.check, "check", false, "change nothing; exit 0 when current, 1 when behind or unresolved, 2 when it could not check")
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
	unresolved // conflicts left from an earlier upgrade: nothing is done
	refused    // could not be upgraded (or checked) at all
	stopped    // the person cancelled (at a prompt, or by a signal): no further project is touched
)

func runUpgrade(opts *upgradeOptions) error {
	set, usage := parseSet(opts.set)
	if len(usage) > 0 {
		return usageError{errors.New(strings.Join(usage, "\n"))}
	}
	fail := func(err error) error {
		if opts.check {
			return checkFailed(opts.io, err)
		}
		return err
	}
	limits, err := renderLimits()
	if err != nil {
		return fail(err)
	}
	dirs := opts.dirs
	if len(dirs) == 0 {
		dir, err := findProject()
		if err != nil {
			return fail(err)
		}
		dirs = []string{dir}
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
	f := &fleet{opts: opts, set: set, prompter: prompter, limits: limits}
	return f.run(dirs)
}

// checkStatus is the exit status of --check for its worst outcome: 0 when
// every project is current, 1 when one is behind or holds unresolved
// conflicts, 2 when one could not be checked at all (no template, no
// .gomicro.yml, ...), so that CI can tell "upgrade me" from "I am broken".
func checkStatus(worst outcome) error {
	switch {
	case worst >= refused:
		return exitStatus(exitCheckFailed)
	case worst >= behind:
		return exitStatus(exitFailure)
	}
	return nil
}

// exitCheckFailed is --check's status when a project could not be checked.
const exitCheckFailed = 2

// checkFailed makes an error that ends upgrade --check before any project
// was checked (no project found, say) exit with exitCheckFailed.
func checkFailed(stdio IO, err error) error {
	var stop cancelled
	if err == nil || errors.As(err, new(exitStatus)) || errors.As(err, &stop) {
		return err
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(stdio.Err, "gomicro: "+line)
	}
	return exitStatus(exitCheckFailed)
}

// findProject is the project an upgrade without DIR works on: the nearest
// directory, from the current one up, that holds .gomicro.yml. The search
// stops at the top of the git repository (the directory holding .git) or
// at the file system's root. The project is named relative to the current
// directory: ".", "..", "../..".
func findProject() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	top, inGit := gitrepo.Top(wd)
	rel := "."
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Lstat(filepath.Join(dir, generator.ManifestFile)); err == nil {
			return rel, nil
		}
		if inGit && dir == top {
			return "", fmt.Errorf("no %s here or in a parent directory up to the repository's top (%s): not in a project generated by gomicro (or name its directory: gomicro upgrade DIR)", generator.ManifestFile, relativeTo(wd, dir))
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no %s here or in any parent directory: not in a project generated by gomicro (or name its directory: gomicro upgrade DIR)", generator.ManifestFile)
		}
		if rel == "." {
			rel = ".."
		} else {
			rel += "/.."
		}
	}
}

func relativeTo(wd, dir string) string {
	if rel, err := filepath.Rel(wd, dir); err == nil {
		return rel
	}
	return dir
}

// fleet upgrades the projects of one command. Projects in different
// repositories are upgraded side by side, up to one per CPU; the projects
// of one repository one after another, in the order given (they share its
// index and refs, and one's writes must not look like another's
// uncommitted changes). Each project's output (its base line, file lines
// and problems, stdout and stderr in the order written) is held until every
// project before it has been printed, so the report reads in argument
// order; the summary lines and a total follow.
//
// Signals keep their meaning. Outside any apply, SIGINT or SIGTERM ends
// gomicro at once (nothing is being written): lastWords prints what has
// finished. During one or more applies, each apply finishes or rolls
// back, no project starts after the signal, and the exit status is the
// signal's.
type fleet struct {
	opts      *upgradeOptions
	set       map[string]string
	prompter  generator.Prompter
	limits    generator.Limits
	templates templateCache
	projects  []*projectRun

	mu       sync.Mutex // guards stopping and every project's state
	stopping bool       // no further project starts, no further apply begins

	printMu sync.Mutex // one printer at a time: run, or a signal's lastWords
	closed  bool       // the summaries are out; nothing more is printed
	said    bool       // some project's outcome has been printed
}

// projectRun is one project of a fleet.
type projectRun struct {
	dir     string
	out     outcome
	line    string
	record  *recording // nil: the output goes straight to the terminal
	state   projectState
	printed bool // guarded by printMu
	done    chan struct{}
}

type projectState int

const (
	waiting projectState = iota
	started
	finished
)

func (f *fleet) run(dirs []string) error {
	// Questions new since a project was made can be asked of one project
	// at a time only: with a prompter, the projects are upgraded one after
	// another, printing as they go, as a person answering expects.
	sequential := f.prompter != nil
	for _, dir := range dirs {
		p := &projectRun{dir: dir, done: make(chan struct{})}
		if !sequential && len(dirs) > 1 {
			p.record = &recording{}
		}
		f.projects = append(f.projects, p)
	}
	groups := f.groups(sequential)
	queue := make(chan []int, len(groups))
	for _, g := range groups {
		queue <- g
	}
	close(queue)
	in := f.opts.io.interrupts
	in.atExit(f.lastWords)
	for range min(runtime.NumCPU(), len(groups)) {
		go f.work(queue)
	}
	ctx := in.context()
	halted := false
wait:
	for _, p := range f.projects {
		select {
		case <-p.done:
			if p.out == stopped {
				halted = true
				break wait
			}
			f.print(p)
		case <-ctx.Done(): // a signal during an apply (outside one, lastWords ends gomicro)
			halted = true
			break wait
		}
	}
	if halted {
		// Nothing starts from now on; whatever has started (an apply, or
		// work that the cancelled context ends) is waited for.
		for _, p := range f.halt() {
			<-p.done
		}
	}
	worst, said := f.finish(!halted)
	if halted {
		stop, ok := in.stopped().(cancelled)
		if !ok {
			stop = errInterrupted // Ctrl-C at a form: a key, not a signal
		}
		if said {
			stop.what = "no project but those above was touched"
		}
		return stop
	}
	if f.opts.check {
		return checkStatus(worst)
	}
	if worst >= behind {
		return exitStatus(exitFailure)
	}
	return nil
}

// groups are the projects that must be upgraded one after another: all of
// them when sequential, else those sharing a git repository (or a
// directory, named twice). Groups come in the order of their first project.
func (f *fleet) groups(sequential bool) [][]int {
	var groups [][]int
	byKey := map[string]int{}
	for i, p := range f.projects {
		key := ""
		if !sequential {
			key = repoKey(p.dir)
		}
		if g, ok := byKey[key]; ok {
			groups[g] = append(groups[g], i)
			continue
		}
		byKey[key] = len(groups)
		groups = append(groups, []int{i})
	}
	return groups
}

// repoKey is the top of the git work tree holding dir (found as git finds
// it: the nearest .git up from the physical directory), or dir itself,
// absolute and without symlinks.
func repoKey(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if top, ok := gitrepo.Top(abs); ok {
		return top
	}
	return abs
}

// work upgrades the groups it takes from queue until there are none, or
// until the fleet stops.
func (f *fleet) work(queue <-chan []int) {
	for group := range queue {
		for _, i := range group {
			p := f.projects[i]
			if !f.start(p) {
				return
			}
			p.out, p.line = f.upgradeProject(p)
			f.mu.Lock()
			p.state = finished
			if p.out == stopped {
				f.stopping = true
			}
			f.mu.Unlock()
			close(p.done)
		}
	}
}

func (f *fleet) start(p *projectRun) bool {
	if f.opts.io.interrupts.stopped() != nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopping {
		return false
	}
	p.state = started
	return true
}

// enterApply begins an apply's critical section, unless the fleet is
// stopping or a signal has come: then it returns false and the project is
// left as it is. (A signal after enter is seen by the apply, which rolls
// back; one before it is seen here.)
func (f *fleet) enterApply() (leave func(), ok bool) {
	f.mu.Lock()
	stopping := f.stopping
	f.mu.Unlock()
	if stopping {
		return nil, false
	}
	in := f.opts.io.interrupts
	leave = in.enter()
	if in.stopped() != nil {
		leave()
		return nil, false
	}
	return leave, true
}

// halt stops the fleet and returns the projects under way.
func (f *fleet) halt() []*projectRun {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopping = true
	var busy []*projectRun
	for _, p := range f.projects {
		if p.state == started {
			busy = append(busy, p)
		}
	}
	return busy
}

// ended reports whether p has finished with something to report.
func (f *fleet) ended(p *projectRun) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return p.state == finished && p.out != stopped
}

// print writes p's held output, once.
func (f *fleet) print(p *projectRun) {
	f.printMu.Lock()
	defer f.printMu.Unlock()
	if !f.closed {
		f.printLocked(p)
	}
}

func (f *fleet) printLocked(p *projectRun) {
	if !p.printed {
		p.record.replay(f.opts.io)
		p.printed = true
	}
}

// finish prints the held output of every finished project not yet
// printed, then one summary line each and, when total and there is more
// than one project, the total. It returns the worst outcome and whether
// any project's outcome was printed.
func (f *fleet) finish(total bool) (outcome, bool) {
	f.printMu.Lock()
	defer f.printMu.Unlock()
	if f.closed {
		return current, f.said
	}
	f.closed = true
	var done []*projectRun
	for _, p := range f.projects {
		if f.ended(p) {
			f.printLocked(p)
			done = append(done, p)
		}
	}
	worst := current
	count := map[outcome]int{}
	for _, p := range done {
		fmt.Fprintln(f.opts.io.Out, p.line)
		worst = max(worst, p.out)
		count[p.out]++
	}
	f.said = len(done) > 0
	if total && len(f.projects) > 1 {
		fmt.Fprintln(f.opts.io.Out, totalLine(len(f.projects), count))
	}
	return worst, f.said
}

// totalLine counts the outcomes: "20 projects: 18 upgraded, 2 with
// conflicts, 0 failed". Failures are always counted; the others when
// there are any.
func totalLine(n int, count map[outcome]int) string {
	var parts []string
	for _, c := range []struct {
		out  outcome
		what string
	}{{current, "current"}, {behind, "behind"}, {upgraded, "upgraded"}, {conflicts, "with conflicts"}} {
		if count[c.out] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", count[c.out], c.what))
		}
	}
	parts = append(parts, fmt.Sprintf("%d failed", count[unresolved]+count[refused]))
	return fmt.Sprintf("%d %s: %s", n, plural(n, "project", "projects"), strings.Join(parts, ", "))
}

// lastWords runs when a signal ends gomicro outside any apply (the
// interrupt handler calls it, holding its lock, before the exit): what has
// finished is printed, with its summary, and gomicro exits with the
// signal's status.
func (f *fleet) lastWords() {
	_, said := f.finish(false)
	stop := cancelled{status: signalStatus(f.opts.io.interrupts.caught)} // the handler holds the lock
	if said {
		stop.what = "no project but those above was touched"
	}
	fmt.Fprintln(f.opts.io.Err, "gomicro: "+stop.Error())
	os.Exit(stop.status)
}

// recording holds one project's output, stdout and stderr in the order
// written, until it can be printed in its turn.
type recording struct {
	mu     sync.Mutex
	chunks []chunk
}

type chunk struct {
	toErr bool
	data  []byte
}

func (r *recording) writer(toErr bool) io.Writer {
	return recordingWriter{r, toErr}
}

type recordingWriter struct {
	r     *recording
	toErr bool
}

func (w recordingWriter) Write(p []byte) (int, error) {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	if n := len(w.r.chunks); n > 0 && w.r.chunks[n-1].toErr == w.toErr {
		w.r.chunks[n-1].data = append(w.r.chunks[n-1].data, p...)
	} else {
		w.r.chunks = append(w.r.chunks, chunk{w.toErr, slices.Clone(p)})
	}
	return len(p), nil
}

// replay writes the recorded output to stdio; a nil recording has none.
func (r *recording) replay(stdio IO) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.chunks {
		if c.toErr {
			stdio.Err.Write(c.data)
		} else {
			stdio.Out.Write(c.data)
		}
	}
	r.chunks = nil
}

// templateCache loads each template once per command: the projects of a
// fleet made from one source share one load (and one fetch).
type templateCache struct {
	mu sync.Mutex
	m  map[string]*cachedTemplate
}

type cachedTemplate struct {
	once sync.Once
	tmpl *generator.Template
	err  error
}

func (c *templateCache) get(key string, load func() (*generator.Template, error)) (*generator.Template, error) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*cachedTemplate{}
	}
	e := c.m[key]
	if e == nil {
		e = &cachedTemplate{}
		c.m[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.tmpl, e.err = load() })
	return e.tmpl, e.err
}

// upgradeProject upgrades one project and returns its outcome and summary
// line. Problems are printed as they are found, prefixed with the directory.
func (f *fleet) upgradeProject(p *projectRun) (outcome, string) {
	opts, dir := f.opts, p.dir
	stdio := opts.io
	if p.record != nil {
		stdio.Out, stdio.Err = p.record.writer(false), p.record.writer(true)
	}
	ctx := stdio.interrupts.context()
	say := func(format string, args ...any) {
		fmt.Fprintf(stdio.Out, "%s: %s\n", dir, fmt.Sprintf(format, args...))
	}
	refuse := func(err error) (outcome, string) {
		if ctx.Err() != nil {
			return stopped, "" // a signal: whatever failed was cut short by it
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stdio.Err, "gomicro: %s: %s\n", dir, line)
		}
		return refused, dir + ": refused"
	}
	// One writer per project: from reading .gomicro.yml to the last write,
	// no other gomicro may change what this one merges into.
	if !opts.check && !opts.dryRun {
		release, err := lockfile.Project(ctx, dir, lockfile.Wait)
		if err != nil {
			return refuse(err)
		}
		defer release()
	}
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
	repo, err := gitWorkTree(dir, !opts.dryRun && !opts.check, opts.force)
	if err != nil {
		return refuse(err)
	}
	tmpl, err := f.template(ctx, old)
	if err != nil {
		return refuse(err)
	}
	req := generator.UpgradeRequest{
		Project: root, Dir: ".", Old: old, Theirs: tmpl, Set: f.set, Prompter: f.prompter,
		Bases: baseSources(ctx, repo, old, tmpl),
	}
	if repo != nil {
		req.Ignored = repo.Ignored
	}
	u, err := generator.Upgrade(ctx, req)
	// The terminal goes back to normal while the upgrade works (Ctrl-C is
	// a signal again); the next project's question puts it in raw mode.
	closePrompter(f.prompter)
	if errors.As(err, new(cancelled)) {
		return stopped, ""
	}
	if err != nil {
		return refuse(renderError(err))
	}
	if err := outsideSparse(repo, u.Plan); err != nil {
		return refuse(err)
	}
	say("base: %s", u.BaseFrom)
	if n := len(u.Dropped); n > 0 {
		// As copier does: an answer to no question is not recorded.
		say("%s drops the %s to %s: %s %s does not ask %s", generator.ManifestFile, plural(n, "answer", "answers"),
			quoteAll(u.Dropped), quote(tmpl.Name), quote(tmpl.Version), plural(n, "it", "them"))
	}
	if u.BaseMissing > 0 && repo != nil {
		if has, err := repo.HasGomicroRefs(); err == nil && !has {
			fmt.Fprintf(stdio.Err, "gomicro: %s: note: this clone has no refs/gomicro/*, where upgrades keep the last render as the next base (git clone does not fetch them): git fetch origin 'refs/gomicro/*:refs/gomicro/*', then upgrade again\n", quote(dir))
		}
	}
	plan, theirs, label := u.Plan, u.Theirs, u.Label
	changed := changedAnswers(old, plan, tmpl)
	// What the upgrade does, for the summary: "service 1.0.0 -> 1.3.0", or,
	// when only answers change, "service 1.3.0 with ci=github".
	move := fmt.Sprintf("%s %s -> %s", quote(tmpl.Name), quote(old.Version), quote(tmpl.Version))
	did := "upgraded " + move
	if old.Version == tmpl.Version {
		move = quote(tmpl.Name) + " " + quote(tmpl.Version)
		if changed != "" {
			move += " with " + changed
		}
		did = "re-rendered " + move
	}
	show := func(plan *generator.Plan) { report(stdio, plan, removedBy(tmpl, old.Version == tmpl.Version, changed)) }
	if len(plan.Unresolved) > 0 {
		var left []string
		for _, p := range plan.Unresolved {
			if file, ok := strings.CutSuffix(p, generator.SidecarSuffix); ok {
				left = append(left, fmt.Sprintf("%s is there (merge it into %s and remove it)", quote(p), quote(file)))
			} else {
				left = append(left, quote(p)+" holds conflict markers")
			}
		}
		what := fmt.Errorf("unresolved conflicts: %s; resolve them and commit, or pass --force", strings.Join(left, "; "))
		if opts.check || !opts.force {
			if out, _ := refuse(what); out == stopped {
				return stopped, ""
			}
			return unresolved, fmt.Sprintf("%s: unresolved conflicts: %s", dir, quoteAll(plan.Unresolved))
		}
	}
	if !plan.Behind() {
		return current, fmt.Sprintf("%s: current (%s %s)", dir, quote(tmpl.Name), quote(tmpl.Version))
	}
	if blocked := plan.Blocked(); len(blocked) > 0 {
		show(&generator.Plan{Changes: blocked}) // nothing else happens
		return conflicts, fmt.Sprintf("%s: not upgraded (%s): %d %s in the way; nothing changed", dir, move, len(blocked), plural(len(blocked), "path", "paths"))
	}
	switch {
	case opts.dryRun:
		fmt.Fprint(stdio.Out, plan.Diff())
		show(plan)
		return behind, fmt.Sprintf("%s: behind (%s), dry run: nothing changed", dir, move)
	case opts.check:
		show(plan)
		return behind, fmt.Sprintf("%s: behind (%s)", dir, move)
	}
	leave, ok := f.enterApply()
	if !ok {
		return stopped, "" // a signal came first: the project is as it was
	}
	defer leave()
	if err := plan.Apply(ctx, projectFs(ctx, root), "."); err != nil {
		if stdio.interrupts.stopped() != nil {
			return stopped, "" // rolled back
		}
		return refuse(err)
	}
	if repo != nil {
		if err := repo.RecordPristine(gitFiles(theirs), label+" as rendered"); err != nil {
			fmt.Fprintf(stdio.Err, "gomicro: %s: note: could not store the pristine files for the next upgrade: %s\n", dir, gitMessage(err))
		}
		if err := repo.MarkConflicts(gitConflicts(plan)); err != nil {
			fmt.Fprintf(stdio.Err, "gomicro: %s: note: could not record the conflicts in git's index (git status will show them as modified): %s\n", dir, gitMessage(err))
		}
	}
	show(plan)
	if c := plan.Conflicts(); len(c) > 0 {
		next := "resolve, then commit"
		if repo != nil {
			next = "resolve, git add, then commit"
			if onlyIgnored(plan) {
				next = "merge by hand, then remove the new version; git ignores the file"
			}
		}
		with := " with "
		if strings.Contains(did, " with ") {
			with = " and "
		}
		return conflicts, fmt.Sprintf("%s: %s%s%d %s: %s (%s)", dir, did, with, len(c), plural(len(c), "conflict", "conflicts"), quoteAll(c), next)
	}
	return upgraded, fmt.Sprintf("%s: %s", dir, did)
}

// outsideSparse refuses a plan that touches paths git marks skip-worktree
// (outside a sparse checkout): they are missing from the work tree, and
// the upgrade would take them for files the team deleted, record the new
// version, and lose the template's change for good.
func outsideSparse(repo *gitrepo.Repo, plan *generator.Plan) error {
	if repo == nil {
		return nil
	}
	skipped, err := repo.SkipWorktree()
	if err != nil {
		return fmt.Errorf("git cannot say which files are outside the sparse checkout: %s", gitMessage(err))
	}
	var hit []string
	for _, c := range plan.Changes {
		if _, found := slices.BinarySearch(skipped, c.Path); found {
			hit = append(hit, quote(c.Path))
		}
	}
	if len(hit) == 0 {
		return nil
	}
	return fmt.Errorf("git keeps %s out of the work tree (skip-worktree, a sparse checkout), so upgrade cannot tell what you changed: widen the sparse checkout to the project (git sparse-checkout add DIR) or disable it, then upgrade again", strings.Join(hit, ", "))
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

// template is the template a project moves to (see upgradeTemplate),
// loaded once per command for every project that names the same source.
func (f *fleet) template(ctx context.Context, old *generator.Manifest) (*generator.Template, error) {
	key := "recorded\x00" + old.Source
	if f.opts.template != "" {
		key = "flag\x00" + f.opts.template
	}
	return f.templates.get(key, func() (*generator.Template, error) {
		tmpl, err := upgradeTemplate(ctx, f.opts.template, old)
		if err == nil {
			tmpl.Limits = f.limits
		}
		return tmpl, err
	})
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

// changedAnswers lists the answers the upgrade changes, in question order,
// as key=value: "ci=github, s3_region=eu-west-1" ("" when none do).
func changedAnswers(old *generator.Manifest, plan *generator.Plan, tmpl *generator.Template) string {
	next, err := generator.ReadManifest(plan.Manifest.Data)
	if err != nil {
		return ""
	}
	var changed []string
	for _, q := range tmpl.Questions {
		v, ok := next.Answers[q.Name]
		if !ok {
			continue
		}
		if was, had := old.Answers[q.Name]; !had || fmt.Sprint(was) != fmt.Sprint(v) {
			changed = append(changed, quote(q.Name)+"="+quote(fmt.Sprint(v)))
		}
	}
	return strings.Join(changed, ", ")
}

// gitWorkTree finds the git repository holding the project, if any. Only a
// run that writes needs git's word on the work tree: then a repository git
// cannot read is refused (the check fails closed), so is one where a
// rebase, merge, cherry-pick, revert, bisect or `git am` has stopped
// half-way (the upgrade would fold into it), and, unless force, one with
// uncommitted changes. Without writes, or with force, a repository git
// cannot read is simply not used (--check and --dry-run take the base from
// gomicro's history alone).
func gitWorkTree(dir string, writes, force bool) (*gitrepo.Repo, error) {
	repo, err := gitrepo.Find(dir)
	if !writes || (force && err != nil) {
		if err != nil {
			return nil, nil
		}
		return repo, nil
	}
	var op *gitrepo.Operation
	if err == nil && repo != nil {
		if op, err = repo.InProgress(); err != nil && force {
			return repo, nil // as with Find's error: the person said go ahead
		}
	}
	dirty := ""
	if err == nil && repo != nil && op == nil && !force {
		dirty, err = repo.Uncommitted()
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("git cannot say whether the project has uncommitted changes: %s (fix that, or pass --force)", gitMessage(err))
	case op != nil:
		return nil, fmt.Errorf("%s is in progress (git's %s is there); finish it first: %s", op.Name, op.Marker, op.Next)
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
// gone, when not empty, says why files the new render lacks are removed
// (changed answers) instead of "removed by the template".
func report(stdio IO, plan *generator.Plan, gone string) {
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
		sources = append(sources, generator.RenderedBase(fmt.Sprintf("%s %s as it renders today", quote(current.Name), quote(current.Version)), func() (*generator.Template, error) {
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
