// Package fleet upgrades the projects of one gomicro upgrade command: one
// project, or a fleet of them side by side. It finds the project to work
// on, opens the template each project moves to (and the bases it came
// from), plans and applies each project's upgrade through the generator,
// and schedules the projects so that their reports read in the order
// given.
//
// It takes plain parameters (a context, writers, options) and knows
// nothing of the command line: the questions a project's upgrade asks go
// through a generator.Prompter, the signals that stop it through Signals.
// Upgrader.Upgrade decides what each project's upgrade comes to, as a
// Report, and a Renderer says it: Text for a person, JSON for a program.
package fleet

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/gitrepo"
)

// Signals is how SIGINT and SIGTERM reach a fleet. Outside any critical
// section a signal ends the program at once (after the AtExit functions);
// inside one, the context is cancelled and the work rolls back.
// *interrupt.Watcher is one.
type Signals interface {
	Signal() os.Signal        // the signal caught, or nil
	Enter() (leave func())    // begins a critical section
	AtExit(f func(os.Signal)) // f runs before a signal ends the program outside one
	Context() context.Context
}

// Job is one project handed to Work.
type Job struct {
	Dir      string
	Out, Err io.Writer // the project's own output: held until its turn
	// Enter begins the apply's critical section, unless the fleet is
	// stopping or a signal has come: then it returns false and the
	// project is to be left as it is. (A signal after Enter is seen by the
	// apply, which rolls back; one before it is seen here.)
	Enter func() (leave func(), ok bool)
}

// Work upgrades one project and says what it came to (see
// Upgrader.Upgrade); the fleet's Renderer writes it to the job's writers.
type Work func(job Job) *Report

// Config is one fleet's run.
type Config struct {
	Out, Err io.Writer
	Signals  Signals
	// Sequential upgrades the projects one after another, printing as they
	// go: a person answering questions expects it.
	Sequential bool
	Work       Work
	Render     Renderer // Text when nil
	// Exit runs when a signal ends the program outside any apply, after
	// what had finished was printed (said: some project's outcome was); it
	// does not return.
	Exit func(sig os.Signal, said bool)
}

// Result is how a fleet ended.
type Result struct {
	Worst  Outcome // the worst outcome printed
	Halted bool    // a project stopped, or a signal came: no project started after
	Said   bool    // some project's outcome was printed
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
	cfg      Config
	projects []*projectRun

	mu       sync.Mutex // guards stopping and every project's state
	stopping bool       // no further project starts, no further apply begins

	printMu sync.Mutex // one printer at a time: run, or a signal's lastWords
	closed  bool       // the summaries are out; nothing more is printed
	said    bool       // some project's outcome has been printed
}

// projectRun is one project of a fleet.
type projectRun struct {
	dir     string
	report  *Report
	record  *recording // nil: the output goes straight to the writers
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

// Run upgrades the projects in dirs with cfg.Work, prints each one's held
// output in the order given, then one summary line each and, unless
// halted, a total when there is more than one.
func Run(dirs []string, cfg Config) Result {
	if cfg.Render == nil {
		cfg.Render = Text{}
	}
	f := &fleet{cfg: cfg}
	for _, dir := range dirs {
		p := &projectRun{dir: dir, done: make(chan struct{})}
		if !cfg.Sequential && len(dirs) > 1 {
			p.record = &recording{}
		}
		f.projects = append(f.projects, p)
	}
	groups := f.groups()
	queue := make(chan []int, len(groups))
	for _, g := range groups {
		queue <- g
	}
	close(queue)
	cfg.Signals.AtExit(f.lastWords)
	for range min(runtime.NumCPU(), len(groups)) {
		go f.work(queue)
	}
	halted := f.wait(cfg.Signals.Context())
	if halted {
		// Nothing starts from now on; whatever has started (an apply, or
		// work that the cancelled context ends) is waited for.
		for _, p := range f.halt() {
			<-p.done
		}
	}
	worst, said := f.finish(!halted)
	return Result{Worst: worst, Halted: halted, Said: said}
}

// wait prints each project as it finishes, in order, until all have, or
// one stopped, or a signal came during an apply.
func (f *fleet) wait(ctx context.Context) (halted bool) {
	for _, p := range f.projects {
		select {
		case <-p.done:
			if p.report.Status == Stopped {
				return true
			}
			f.print(p)
		case <-ctx.Done(): // a signal during an apply (outside one, lastWords ends gomicro)
			return true
		}
	}
	return false
}

// groups are the projects that must be upgraded one after another: all of
// them when sequential, else those sharing a git repository (or a
// directory, named twice). Groups come in the order of their first project.
func (f *fleet) groups() [][]int {
	var groups [][]int
	byKey := map[string]int{}
	for i, p := range f.projects {
		key := ""
		if !f.cfg.Sequential {
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
			job := Job{Dir: p.dir, Out: f.cfg.Out, Err: f.cfg.Err, Enter: f.enterApply}
			if p.record != nil {
				job.Out, job.Err = p.record.writer(false), p.record.writer(true)
			}
			p.report = f.cfg.Work(job)
			if p.report.Status != Stopped {
				f.cfg.Render.Project(p.report, job.Out, job.Err)
			}
			f.mu.Lock()
			p.state = finished
			if p.report.Status == Stopped {
				f.stopping = true
			}
			f.mu.Unlock()
			close(p.done)
		}
	}
}

func (f *fleet) start(p *projectRun) bool {
	if f.cfg.Signals.Signal() != nil {
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

// enterApply begins an apply's critical section (see Job.Enter).
func (f *fleet) enterApply() (leave func(), ok bool) {
	f.mu.Lock()
	stopping := f.stopping
	f.mu.Unlock()
	if stopping {
		return nil, false
	}
	in := f.cfg.Signals
	leave = in.Enter()
	if in.Signal() != nil {
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
	return p.state == finished && p.report.Status != Stopped
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
		p.record.replay(f.cfg.Out, f.cfg.Err)
		p.printed = true
	}
}

// finish prints the held output of every finished project not yet
// printed, then has the Renderer end (the summary lines and, when total,
// the total; or the JSON document). It returns the worst outcome and
// whether any project's outcome was printed.
func (f *fleet) finish(total bool) (Outcome, bool) {
	f.printMu.Lock()
	defer f.printMu.Unlock()
	if f.closed {
		return Current, f.said
	}
	f.closed = true
	var done []*Report
	worst := Current
	for _, p := range f.projects {
		if f.ended(p) {
			f.printLocked(p)
			done = append(done, p.report)
			worst = max(worst, p.report.Status)
		}
	}
	f.said = len(done) > 0
	f.cfg.Render.End(f.cfg.Out, f.cfg.Err, done, len(f.projects), total)
	return worst, f.said
}

// lastWords runs when a signal ends the program outside any apply (the
// interrupt handler calls it before the exit): what has finished is
// printed, with its summary, and cfg.Exit ends the program.
func (f *fleet) lastWords(sig os.Signal) {
	_, said := f.finish(false)
	f.cfg.Exit(sig, said)
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

// replay writes the recorded output to out and errw; a nil recording has
// none.
func (r *recording) replay(out, errw io.Writer) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.chunks {
		if c.toErr {
			errw.Write(c.data)
		} else {
			out.Write(c.data)
		}
	}
	r.chunks = nil
}

// Find is the project an upgrade without DIR works on: the nearest
// directory, from wd up, that holds .gomicro.yml. The search stops at the
// top of the git repository (the directory holding .git) or at the file
// system's root. The project is named relative to wd: ".", "..", "../..".
func Find(wd string) (string, error) {
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
