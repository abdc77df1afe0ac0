package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/given"
	"github.com/gomicro/gomicro/internal/templatetest"
)

// newTemplateCmd groups the commands for template authors.
func newTemplateCmd(stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "template",
		Short: "Test and lint a template (for template authors)",
		Args:  subcommandsOnly, // an unknown subcommand is a usage error, not help
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
	json bool

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
			"  gomicro template test ./my-template --max 8\n" +
			"  gomicro template test ./my-template --json",
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
	f.BoolVar(&opts.json, "json", false, "print one JSON document on stdout instead of the lines (see docs/template-test.md)")
	return cmd
}

func runTemplateTest(opts *templateTestOptions) error {
	tmpl, set, err := loadTemplateTest(opts)
	if err != nil {
		return err
	}
	if err := checksMayRun(opts, tmpl); err != nil {
		if opts.json {
			rep := templatetest.NewReport(tmpl, 0)
			rep.Status, rep.Error = templatetest.StatusUntrusted, err.Error()
			if err := encodeTemplateReport(opts.io.Out, rep); err != nil {
				return err
			}
		}
		return err
	}
	sets, total, err := tmpl.Combinations(set, opts.max)
	if errors.Is(err, generator.ErrTooManyCombinations) {
		return fmt.Errorf("%w: fix some with --set key=value", err)
	}
	if err != nil {
		return renderError(err)
	}
	if len(tmpl.Checks) > 0 {
		done, err := templatetest.Prepare()
		if err != nil {
			return err
		}
		defer done()
	}
	if !opts.json {
		printTemplateTestHeader(opts, tmpl, len(sets), total)
	}
	// A signal cancels ctx instead of ending gomicro at once: the checks
	// are stopped and the temporary projects removed before it exits.
	leave := opts.io.interrupts.enter()
	defer leave()
	runner := &templatetest.Runner{
		Template: tmpl, Jobs: opts.jobs, Keep: opts.keep, Env: opts.env, Explain: renderError,
		Note: func(dir string, err error) {
			fmt.Fprintf(opts.io.Err, "gomicro: note: could not remove %s: %v\n", dir, err)
		},
	}
	rep, err := runner.Test(opts.io.interrupts.context(), sets, total, func(r templatetest.Result) {
		if !opts.json {
			printComboResult(opts.io.Out, r)
		}
	})
	if err != nil {
		return err
	}
	return endTemplateTest(opts, rep)
}

// endTemplateTest prints the last line, or the JSON document, and returns
// how template test ends.
func endTemplateTest(opts *templateTestOptions, rep *templatetest.Report) error {
	stop := opts.io.interrupts.stopped()
	switch {
	case stop != nil:
		rep.Status = templatetest.StatusStopped
	case !opts.json:
		fmt.Fprintf(opts.io.Out, "%d passed, %d failed\n", rep.Passed, rep.Failed)
	}
	if opts.json {
		if err := encodeTemplateReport(opts.io.Out, rep); err != nil {
			return err
		}
	}
	if stop != nil {
		c := stop.(cancelled)
		c.what = "checks stopped, temporary projects removed"
		return c
	}
	if rep.Failed > 0 {
		return exitStatus(exitFailure)
	}
	return nil
}

// loadTemplateTest checks template test's flags and loads the template.
func loadTemplateTest(opts *templateTestOptions) (*generator.Template, map[string]string, error) {
	set, usage := given.Set(opts.set)
	if opts.max < 0 {
		usage = append(usage, fmt.Sprintf("--max %d: expected 0 (all) or a positive number", opts.max))
	}
	usage = append(usage, templatetest.CheckEnvNames(opts.env)...)
	if len(usage) > 0 {
		return nil, nil, usageError{errors.New(strings.Join(usage, "\n"))}
	}
	limits, err := renderLimits()
	if err != nil {
		return nil, nil, err
	}
	tmpl, err := loadTemplate(opts.src)
	if err != nil {
		return nil, nil, err
	}
	tmpl.Limits = limits
	return tmpl, set, nil
}

// checksMayRun refuses the checks of a template that is neither local nor
// trusted (see templatetest.Trusted): a usage error.
func checksMayRun(opts *templateTestOptions, tmpl *generator.Template) error {
	if len(tmpl.Checks) == 0 {
		return nil
	}
	src := opts.src
	if src == "" {
		src = embeddedPrefix + defaultTemplate
	}
	ok, err := templatetest.Trusted(src, opts.trust, readUserConfig)
	if err != nil || ok {
		return err
	}
	return usageError{templatetest.Untrusted(tmpl.Source)}
}

// printTemplateTestHeader says what is tested: "template NAME VERSION: N
// combinations, M checks".
func printTemplateTestHeader(opts *templateTestOptions, tmpl *generator.Template, tested, total int) {
	what := counted(total, "combination")
	if tested < total {
		what = fmt.Sprintf("%d of %d combinations (--max %d: the defaults, then an even spread)", tested, total, opts.max)
	}
	checks := counted(len(tmpl.Checks), "check")
	if len(tmpl.Checks) == 0 {
		checks = "no checks: rendered only"
	}
	fmt.Fprintf(opts.io.Out, "template %s %s: %s, %s\n", quote(tmpl.Name), quote(tmpl.Version), what, checks)
}

// encodeTemplateReport prints template test's JSON document.
func encodeTemplateReport(w io.Writer, rep *templatetest.Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// printComboResult prints one combination's line, and for a failure the
// last lines of what failed and where its project was kept.
func printComboResult(w io.Writer, r templatetest.Result) {
	label := r.Label
	if r.Passed() {
		fmt.Fprintf(w, "ok   %s (%.1fs)\n", label, r.Elapsed.Seconds())
		return
	}
	what, lines := r.Failure()
	if r.Failed == templatetest.StepCheck {
		what = quote(what)
	}
	fmt.Fprintf(w, "FAIL %s (%.1fs): %s\n", label, r.Elapsed.Seconds(), what)
	for _, line := range lines {
		fmt.Fprintf(w, "    %s\n", line)
	}
	if r.Kept != "" {
		fmt.Fprintf(w, "    kept in %s\n", quote(r.Kept))
	}
}

// counted is "1 noun" or "N nouns".
func counted(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
