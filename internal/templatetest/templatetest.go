// Package templatetest tests a template: it renders each of a set of
// answer sets into a temporary git repository and runs the template's
// checks there, several combinations at once, and reports how each ended.
//
// Checks are someone else's commands. Whether they may run at all is the
// caller's decision, by [Trusted]'s rule; here they run with
// bash -c in the project, in a scrubbed environment (see checkEnv), with
// empty stdin, their output in a file rather than a pipe, and no process
// they start outlives them: each check runs in a process group of its own,
// and on Linux this process is the subreaper of whatever detaches.
//
// The package prints nothing: a [Result] says what happened to one
// combination and a [Report] to them all (template test --json prints it
// as it is); the caller says it to a person.
package templatetest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/quote"
	"github.com/gomicro/gomicro/internal/rootfs"
)

// Step is where a combination failed.
type Step string

// The steps of a combination, in order. StepStopped is a combination that
// did not start because the context was done.
const (
	StepStopped Step = "stopped"
	StepAnswers Step = "answers"
	StepRender  Step = "render"
	StepWrite   Step = "write"
	StepGitInit Step = "git init"
	StepCheck   Step = "check"
)

// Result is how one combination's test ended.
type Result struct {
	Answers map[string]string // the answer set tested
	Label   string            // the answer set's name (see Label)
	Elapsed time.Duration
	Failed  Step     // where it failed; "" when it passed
	Err     error    // why it failed
	Check   string   // the check that failed, when Failed is StepCheck
	Output  []string // the check's last output lines, when Failed is StepCheck
	Ran     int      // how many of the checks ran, the failing one included
	Kept    string   // the project's path, when kept
}

// Passed reports whether the combination passed.
func (r Result) Passed() bool { return r.Failed == "" }

// Failure names what failed in a combination (the step, or the failing
// check's CheckName) and the lines that say why: the check's last output
// lines, or the error's.
func (r Result) Failure() (what string, lines []string) {
	switch r.Failed {
	case "":
		return "", nil
	case StepCheck:
		return CheckName(r.Check), r.Output
	case StepAnswers, StepRender:
		return string(r.Failed), strings.Split(r.Err.Error(), "\n")
	case StepGitInit:
		return string(r.Failed), []string{gitrepo.Message(r.Err)}
	case StepStopped:
		return string(r.Failed), nil
	}
	return string(r.Failed), []string{r.Err.Error()}
}

// Runner tests the combinations of one template.
type Runner struct {
	Template *generator.Template
	Jobs     int      // combinations tested at once (at least 1)
	Keep     bool     // keep the projects of failing combinations
	Env      []string // names of variables passed to the checks beside the tool chain's

	// Note is told of a temporary directory that could not be removed;
	// nil ignores it.
	Note func(dir string, err error)
	// Explain, when set, rewords an error of the answers or the render
	// step (what a person can do about a limit, say).
	Explain func(error) error
}

// Prepare makes this process ready to run checks: bash and git must be
// there, and (on Linux) it becomes the subreaper of what the checks start.
// done kills whatever a check left behind that could not be told apart
// (a process that dropped its environment); call it when no check runs.
func Prepare() (done func(), err error) {
	for _, tool := range []string{"bash", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s not found: template test runs the checks with bash in a git repository (install %s)", tool, tool)
		}
	}
	if err := startReaping(); err != nil {
		return nil, fmt.Errorf("cannot make sure no process a check starts outlives it: %v", err)
	}
	return func() { reapCheck("") }, nil
}

// Test tests each of sets, which are some of the template's total
// combinations, as Run does (each is called with each result), and returns
// the report of those finished before ctx was done. Call Prepare first
// when the template has checks.
func (rn *Runner) Test(ctx context.Context, sets []map[string]string, total int, each func(Result)) (*Report, error) {
	rep := NewReport(rn.Template, total)
	err := rn.Run(ctx, sets, func(r Result) {
		rep.Add(r)
		each(r)
	})
	return rep, err
}

// Run tests each answer set in a temporary directory of its own and calls
// report with each result, in the order of sets, as soon as it and those
// before it are done. Once ctx is done, the combinations still to come are
// not started and nothing more is reported. Before Run returns, the
// temporary directories are removed, except those of kept projects when
// ctx is not done.
func (rn *Runner) Run(ctx context.Context, sets []map[string]string, report func(Result)) error {
	parent, err := os.MkdirTemp("", "gomicro-template-test-")
	if err != nil {
		return err
	}
	results := make([]chan Result, len(sets))
	for i := range results {
		results[i] = make(chan Result, 1)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(rn.Jobs, len(sets))) {
		wg.Go(func() {
			for i := range jobs {
				results[i] <- rn.testCombination(ctx, sets[i], filepath.Join(parent, strconv.Itoa(i+1)))
			}
		})
	}
	go func() {
		for i := range sets {
			jobs <- i
		}
		close(jobs)
	}()
	kept := 0
	for i := range sets {
		r := <-results[i]
		if ctx.Err() != nil {
			continue // stopped: the result says nothing about the template
		}
		if r.Kept != "" {
			kept++
		}
		report(r)
	}
	wg.Wait()
	if ctx.Err() != nil || kept == 0 {
		rn.removeTree(parent)
	}
	return nil
}

// testCombination renders one answer set into dir/NAME, makes it a git
// repository and runs the checks there. Unless it fails and rn.Keep is
// set, dir is removed before it returns.
func (rn *Runner) testCombination(ctx context.Context, set map[string]string, dir string) (r Result) {
	start := time.Now()
	r.Answers, r.Label = shownAnswers(rn.Template, set), Label(rn.Template, set)
	project := ""
	defer func() {
		r.Elapsed = time.Since(start)
		if r.Failed != "" && rn.Keep && project != "" && ctx.Err() == nil {
			r.Kept = project
			return
		}
		rn.removeTree(dir)
	}()
	fail := func(step Step, err error) Result {
		r.Failed, r.Err = step, err
		return r
	}
	if ctx.Err() != nil {
		return fail(StepStopped, ctx.Err())
	}
	tmpl := rn.Template
	answers, err := tmpl.Resolve(ctx, set, nil)
	if err != nil {
		return fail(StepAnswers, rn.explain(err))
	}
	tree, err := generator.Render(ctx, tmpl, answers)
	if err != nil {
		return fail(StepRender, rn.explain(err))
	}
	name := "project"
	if n, ok := answers["name"].(string); ok && generator.CheckProjectName(n) == nil {
		name = n
	}
	project = filepath.Join(dir, name)
	if err := writeTemp(ctx, project, tree); err != nil {
		return fail(StepWrite, err)
	}
	if len(tmpl.Checks) == 0 {
		return r
	}
	if _, err := gitrepo.Init(project, fmt.Sprintf("Generated by gomicro %s@%s", tmpl.Name, tmpl.Version)); err != nil {
		return fail(StepGitInit, err)
	}
	for _, check := range tmpl.Checks {
		r.Ran++
		out, err := runCheck(ctx, project, dir, check, rn.Env)
		if err != nil {
			lines := lastLines(out, tailLines)
			if len(lines) == 0 {
				lines = []string{"(no output; " + err.Error() + ")"}
			}
			r.Check, r.Output = check, lines
			return fail(StepCheck, err)
		}
	}
	return r
}

func (rn *Runner) explain(err error) error {
	if rn.Explain == nil {
		return err
	}
	return rn.Explain(err)
}

// Label names an answer set by its choice and bool answers, in question
// order, each quoted as quote.Name does: kind=web ci=github build=script;
// "defaults" when the template has none.
func Label(tmpl *generator.Template, set map[string]string) string {
	var parts []string
	for _, q := range tmpl.Questions {
		if v, ok := set[q.Name]; ok && (q.Type == generator.TypeChoice || q.Type == generator.TypeBool || q.Type == generator.TypeMulti) {
			parts = append(parts, quote.Name(q.Name)+"="+quote.Name(v))
		}
	}
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, " ")
}

// writeTemp writes tree into the new directory project.
func writeTemp(ctx context.Context, project string, tree *generator.Tree) error {
	if err := os.MkdirAll(project, 0o755); err != nil {
		return err
	}
	root, err := rootfs.Open(project)
	if err != nil {
		return err
	}
	defer root.Close()
	_, err = generator.Write(ctx, root, ".", tree, generator.WriteOptions{})
	return err
}

// removeTree removes a temporary directory, making read-only directories
// a check left behind writable first; a failure goes to rn.Note.
func (rn *Runner) removeTree(dir string) {
	if os.RemoveAll(dir) == nil {
		return
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
	if err := os.RemoveAll(dir); err != nil && rn.Note != nil {
		rn.Note(dir, err)
	}
}

// shownAnswers is set as a report shows it: a secret's value (given with
// --set) as generator.SecretShown.
func shownAnswers(tmpl *generator.Template, set map[string]string) map[string]string {
	shown := make(map[string]string, len(set))
	for k, v := range set {
		if q, ok := tmpl.Question(k); ok && q.Secret {
			v = generator.SecretShown
		}
		shown[k] = v
	}
	return shown
}
