package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/rootfs"
)

// newTemplateCmd groups the commands for template authors.
func newTemplateCmd(stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "template",
		Short: "Test and lint a template (for template authors)",
		Args:  cobra.NoArgs, // an unknown subcommand is a usage error, not help
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newTemplateTestCmd(stdio), newTemplateLintCmd(stdio))
	return cmd
}

type templateTestOptions struct {
	io   IO
	src  string
	set  []string
	keep bool
	max  int
	jobs int // combinations tested at once

	trust bool     // run the checks of a git or module template
	env   []string // variables passed to the checks beside the tool chain's
}

func newTemplateTestCmd(stdio IO) *cobra.Command {
	opts := &templateTestOptions{io: stdio, jobs: runtime.NumCPU()}
	cmd := &cobra.Command{
		Use:   "test [SRC]",
		Short: "Render every combination of a template's answers and run its checks",
		Long: "Render the template once for every combination of its choice and bool answers\n" +
			"(a question whose when does not hold takes its default; every other answer takes\n" +
			"its default or its --set value), write each into a temporary git repository and\n" +
			"run the template's checks (template.yaml's checks: shell commands, run in order\n" +
			"with bash -c in the project; the first that fails fails the combination).\n" +
			"One line per combination, then \"N passed, M failed\"; exit status 1 if any failed.\n\n" +
			"Checks are commands: they run only for a template directory or an embedded one,\n" +
			"or with --trust (or a trusted: entry in the config file) for a git or module\n" +
			"template. They see only PATH, the go tool chain's settings, the locale and a\n" +
			"temporary HOME and TMPDIR; --env NAME passes one more variable. No process a\n" +
			"check starts outlives it.\n" +
			"SRC is what --template takes (default \"service\").",
		Example: "  gomicro template test ./my-template\n" +
			"  gomicro template test --set kind=web --keep\n" +
			"  gomicro template test ./my-template --max 8",
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.src = args[0]
			}
			return runTemplateTest(opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.set, "set", nil, "fix an answer: key=value (repeatable)")
	f.BoolVar(&opts.keep, "keep", false, "keep the projects of failing combinations and print their paths")
	f.IntVar(&opts.max, "max", 0, "test at most N combinations: the defaults, then an even spread (0: all)")
	f.BoolVar(&opts.trust, "trust", false, "run the checks of a git or module template (they are its author's commands)")
	f.StringArrayVar(&opts.env, "env", nil, "pass the environment variable NAME to the checks (repeatable)")
	return cmd
}

// comboResult is how one combination's test ended.
type comboResult struct {
	label   string
	elapsed time.Duration
	failed  string   // what failed: a check's command, "render", ...; "" when it passed
	output  []string // the last lines of what failed
	kept    string   // the project's path, when kept
}

// tailLines is how many of a failing check's last output lines are shown.
const tailLines = 10

func runTemplateTest(opts *templateTestOptions) error {
	set, usage := parseSet(opts.set)
	if opts.max < 0 {
		usage = append(usage, fmt.Sprintf("--max %d: expected 0 (all) or a positive number", opts.max))
	}
	usage = append(usage, checkEnvFlag(opts.env)...)
	if len(usage) > 0 {
		return usageError{errors.New(strings.Join(usage, "\n"))}
	}
	limits, err := renderLimits()
	if err != nil {
		return err
	}
	tmpl, err := loadTemplate(opts.src)
	if err != nil {
		return err
	}
	tmpl.Limits = limits
	if len(tmpl.Checks) > 0 {
		src := opts.src
		if src == "" {
			src = embeddedPrefix + defaultTemplate
		}
		ok, err := trustedSource(src, opts.trust)
		if err != nil {
			return err
		}
		if !ok {
			return untrusted(tmpl.Source)
		}
	}
	sets, total, err := tmpl.Combinations(set, opts.max)
	if errors.Is(err, generator.ErrTooManyCombinations) {
		return fmt.Errorf("%w: fix some with --set key=value", err)
	}
	if err != nil {
		return renderError(err)
	}
	if len(tmpl.Checks) > 0 {
		for _, tool := range []string{"bash", "git"} {
			if _, err := exec.LookPath(tool); err != nil {
				return fmt.Errorf("%s not found: template test runs the checks with bash in a git repository (install %s)", tool, tool)
			}
		}
		if err := startReaping(); err != nil {
			return fmt.Errorf("cannot make sure no process a check starts outlives it: %v", err)
		}
		// Whatever a check left that reapCheck could not tell apart (a
		// process that dropped its environment) ends with template test.
		defer reapCheck("")
	}

	what := counted(total, "combination")
	if len(sets) < total {
		what = fmt.Sprintf("%d of %d combinations (--max %d: the defaults, then an even spread)", len(sets), total, opts.max)
	}
	checks := counted(len(tmpl.Checks), "check")
	if len(tmpl.Checks) == 0 {
		checks = "no checks: rendered only"
	}
	fmt.Fprintf(opts.io.Out, "template %s %s: %s, %s\n", quote(tmpl.Name), quote(tmpl.Version), what, checks)

	parent, err := os.MkdirTemp("", "gomicro-template-test-")
	if err != nil {
		return err
	}
	// A signal cancels ctx instead of ending gomicro at once: the checks
	// are stopped and the temporary projects removed before it exits.
	leave := opts.io.interrupts.enter()
	defer leave()
	ctx := opts.io.interrupts.context()

	results := make([]chan comboResult, len(sets))
	for i := range results {
		results[i] = make(chan comboResult, 1)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(opts.jobs, len(sets))) {
		wg.Go(func() {
			for i := range jobs {
				results[i] <- testCombination(ctx, opts, tmpl, sets[i], filepath.Join(parent, strconv.Itoa(i+1)))
			}
		})
	}
	go func() {
		for i := range sets {
			jobs <- i
		}
		close(jobs)
	}()

	// Results are printed in the order of the combinations, each as soon
	// as it and those before it are done.
	passed, failed, kept := 0, 0, 0
	for i := range sets {
		r := <-results[i]
		if ctx.Err() != nil {
			continue // stopped: the result says nothing about the template
		}
		if r.failed == "" {
			passed++
			fmt.Fprintf(opts.io.Out, "ok   %s (%.1fs)\n", r.label, r.elapsed.Seconds())
			continue
		}
		failed++
		fmt.Fprintf(opts.io.Out, "FAIL %s (%.1fs): %s\n", r.label, r.elapsed.Seconds(), r.failed)
		for _, line := range r.output {
			fmt.Fprintf(opts.io.Out, "    %s\n", line)
		}
		if r.kept != "" {
			kept++
			fmt.Fprintf(opts.io.Out, "    kept in %s\n", quote(r.kept))
		}
	}
	wg.Wait()
	if stop := opts.io.interrupts.stopped(); stop != nil {
		removeTree(opts.io, parent)
		c := stop.(cancelled)
		c.what = "checks stopped, temporary projects removed"
		return c
	}
	if kept == 0 {
		removeTree(opts.io, parent)
	}
	fmt.Fprintf(opts.io.Out, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return exitStatus(exitFailure)
	}
	return nil
}

// testCombination renders one answer set into dir/NAME, makes it a git
// repository and runs the checks there. Unless it fails and --keep is given,
// dir is removed before it returns.
func testCombination(ctx context.Context, opts *templateTestOptions, tmpl *generator.Template, set map[string]string, dir string) (r comboResult) {
	start := time.Now()
	r.label = comboLabel(tmpl, set)
	project := ""
	defer func() {
		r.elapsed = time.Since(start)
		if r.failed != "" && opts.keep && project != "" && ctx.Err() == nil {
			r.kept = project
			return
		}
		removeTree(opts.io, dir)
	}()
	fail := func(what string, lines []string) comboResult {
		r.failed, r.output = what, lines
		return r
	}
	if ctx.Err() != nil {
		return fail("stopped", nil)
	}
	answers, err := tmpl.ResolveContext(ctx, set, nil)
	if err != nil {
		return fail("answers", strings.Split(renderError(err).Error(), "\n"))
	}
	tree, err := generator.RenderContext(ctx, tmpl, answers)
	if err != nil {
		return fail("render", strings.Split(renderError(err).Error(), "\n"))
	}
	name := "project"
	if n, ok := answers["name"].(string); ok && generator.CheckProjectName(n) == nil {
		name = n
	}
	project = filepath.Join(dir, name)
	if err := writeTemp(ctx, project, tree); err != nil {
		return fail("write", []string{err.Error()})
	}
	if len(tmpl.Checks) == 0 {
		return r
	}
	if _, err := gitrepo.Init(project, fmt.Sprintf("Generated by gomicro %s@%s", tmpl.Name, tmpl.Version)); err != nil {
		return fail("git init", []string{gitMessage(err)})
	}
	for _, check := range tmpl.Checks {
		out, err := runCheck(ctx, project, dir, check, opts.env)
		if err != nil {
			lines := lastLines(out, tailLines)
			if len(lines) == 0 {
				lines = []string{"(no output; " + err.Error() + ")"}
			}
			return fail(quote(checkName(check)), lines)
		}
	}
	return r
}

// checkName is a check as the FAIL line names it: its first line.
func checkName(check string) string {
	check = strings.TrimSpace(check)
	if first, _, multi := strings.Cut(check, "\n"); multi {
		return strings.TrimSpace(first) + " ..."
	}
	return check
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

// comboLabel names an answer set by its choice and bool answers, in
// question order: kind=web ci=github build=script.
func comboLabel(tmpl *generator.Template, set map[string]string) string {
	var parts []string
	for _, q := range tmpl.Questions {
		if v, ok := set[q.Name]; ok && (q.Type == generator.TypeChoice || q.Type == generator.TypeBool) {
			parts = append(parts, quote(q.Name)+"="+quote(v))
		}
	}
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, " ")
}

// maxLine is how much of one output line a FAIL block shows.
const maxLine = 500

// lastLines returns the last n lines of out, each cut at maxLine bytes.
func lastLines(out string, n int) []string {
	out = strings.TrimRight(out, "\r\n")
	if out == "" {
		return nil
	}
	lines := strings.Split(out, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		l = strings.TrimRight(l, "\r")
		if len(l) > maxLine {
			l = strings.ToValidUTF8(l[:maxLine], "") + " ..."
		}
		lines[i] = l
	}
	return lines
}

// checkMarker is the environment variable that marks the processes of one
// check, for reapCheck to find those that left its process group.
const checkMarker = "GOMICRO_CHECK"

// checkCount numbers the checks of this process.
var checkCount atomic.Int64

// maxTail is how much of a check's output is read back for its last lines.
const maxTail = 64 << 10

// runCheck runs one check with bash -c in project and returns the tail of
// its output (stdout and stderr together). The output goes to a file in
// logDir rather than a pipe, so a process the check leaves behind cannot
// hold gomicro up; runGroup stops such processes when the check ends. Stdin
// is empty: a check never waits for a person.
func runCheck(ctx context.Context, project, logDir, script string, extraEnv []string) (string, error) {
	log, err := os.CreateTemp(logDir, "check-*.log")
	if err != nil {
		return "", err
	}
	defer os.Remove(log.Name())
	defer log.Close()
	env, err := checkEnv(filepath.Join(logDir, "scratch"), extraEnv)
	if err != nil {
		return "", err
	}
	token := strconv.FormatInt(checkCount.Add(1), 10)
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = project
	cmd.Env = append(env, checkMarker+"="+token)
	cmd.Stdout = log
	cmd.Stderr = log
	runErr := runGroup(cmd)
	reapCheck(token) // what it left behind, however it detached
	size, err := log.Seek(0, io.SeekEnd)
	if err != nil {
		return "", errors.Join(runErr, err)
	}
	tail := make([]byte, min(size, maxTail))
	if _, err := log.ReadAt(tail, size-int64(len(tail))); err != nil {
		return "", errors.Join(runErr, err)
	}
	return string(tail), runErr
}

// removeTree removes a temporary project, making read-only directories a
// check left behind writable first; a failure is a note, not an error.
func removeTree(stdio IO, dir string) {
	if os.RemoveAll(dir) == nil {
		return
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(stdio.Err, "gomicro: note: could not remove %s: %v\n", dir, err)
	}
}

// counted is "1 noun" or "N nouns".
func counted(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

type templateLintOptions struct {
	io  IO
	src string
}

func newTemplateLintCmd(stdio IO) *cobra.Command {
	opts := &templateLintOptions{io: stdio}
	return &cobra.Command{
		Use:   "lint [SRC]",
		Short: "Report a template's problems, and what it may have wrong",
		Long: "Load the template and report every problem that makes it unusable (exit status 1),\n" +
			"then warnings (a question nothing uses) and notes (a file that uses no answer,\n" +
			"which is fine for a static file), one line each. Warnings alone exit 0.\n" +
			"SRC is what --template takes (default \"service\").",
		Example: "  gomicro template lint ./my-template",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.src = args[0]
			}
			return runTemplateLint(opts)
		},
	}
}

func runTemplateLint(opts *templateLintOptions) error {
	tmpl, err := loadTemplate(opts.src)
	if err != nil {
		return err // every load problem, one line each
	}
	warnings, notes := tmpl.Lint()
	for _, w := range warnings {
		fmt.Fprintln(opts.io.Out, "warning: "+w)
	}
	for _, n := range notes {
		fmt.Fprintln(opts.io.Out, "note: "+n)
	}
	fmt.Fprintf(opts.io.Out, "template %s %s: %s, %s\n", quote(tmpl.Name), quote(tmpl.Version), counted(len(warnings), "warning"), counted(len(notes), "note"))
	return nil
}
