package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/given"
	"github.com/gomicro/gomicro/internal/lockfile"
	"github.com/gomicro/gomicro/internal/prompt"
	"github.com/gomicro/gomicro/internal/rules"
	"github.com/gomicro/gomicro/internal/target"
)

type newOptions struct {
	io             IO
	name           string
	nameGiven      bool // NAME was on the command line, even if empty
	set            []string
	answers        string // --answers FILE
	template       string
	output         string
	nonInteractive bool
	force          bool
	dryRun         bool
	noGit          bool
	git            bool // make a repository even inside another's work tree
}

func newNewCmd(stdio IO) *cobra.Command {
	opts := &newOptions{io: stdio}
	cmd := &cobra.Command{
		Use:   "new NAME",
		Short: "Create a new service repository from a template",
		Long: "Create ./NAME from a template: ask the template's questions (defaults shown in\n" +
			"brackets; NAME answers \"name\" and is required with --non-interactive), render\n" +
			"every file, write the project and make its first git commit (inside an existing\n" +
			"git work tree, such as a monorepo, no repository is made unless --git).",
		Example: "  gomicro new billing\n" +
			"  gomicro new billing --non-interactive --set github_username=acme --set kind=worker\n" +
			"  printf 'acme\\n\\n' | ACCESSIBLE=1 gomicro new billing",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("new takes one NAME, got %d arguments: %s", len(args), strings.Join(args, " "))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.name, opts.nameGiven = args[0], true
			}
			if opts.git && opts.noGit {
				return usagef("--git and --no-git contradict each other: give one")
			}
			return runNew(opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.nonInteractive, "non-interactive", false, "never prompt: take defaults and --set values")
	f.StringArrayVar(&opts.set, "set", nil, "answer a question: key=value (repeatable)")
	f.StringVar(&opts.answers, "answers", "", "take answers from a YAML file (another project's .gomicro.yml works); --set overrides")
	f.StringVar(&opts.template, "template", "", "an embedded template's name (default \"service\"), a directory,\n"+
		"a git URL or user@host:path with [//SUBDIR][@REF], a local git repository as\n"+
		"PATH//SUBDIR[@REF] or PATH@REF, or a Go module as MODULE[//SUBDIR][@VERSION]")
	f.StringVarP(&opts.output, "output", "o", ".", "directory to create the project in")
	f.BoolVar(&opts.force, "force", false, "write into an existing non-empty directory")
	f.BoolVar(&opts.dryRun, "dry-run", false, "list the files that would be written and write nothing")
	f.BoolVar(&opts.noGit, "no-git", false, "do not make a git repository with a first commit")
	f.BoolVar(&opts.git, "git", false, "make the project's own git repository even inside another git work tree")
	_ = cmd.MarkFlagDirname("output")
	_ = cmd.RegisterFlagCompletionFunc("template", completeTemplate)
	_ = cmd.RegisterFlagCompletionFunc("set", completeSet)
	return cmd
}

func runNew(opts *newOptions) error {
	tmpl, set, err := prepareNew(opts)
	if err != nil {
		return err
	}
	ctx := opts.io.interrupts.context()
	prompter := newPrompter(opts.io, opts.nonInteractive)
	if refuse, ok := prompter.(noTerminal); ok {
		// Its advice names what --non-interactive would need besides.
		_, named := set["name"]
		refuse.needsName = !named && !opts.nameGiven
		refuse.unanswered = tmpl.Unanswered(ctx, set)
		prompter = refuse
	}
	opts.io.interrupts.atExit(func() { prompt.Close(prompter) })
	answers, err := tmpl.Resolve(ctx, set, prompter)
	prompt.Close(prompter)
	if err != nil {
		return renderError(err)
	}
	name := opts.name
	if v, ok := answers["name"].(string); ok {
		name = v
	}
	if err := generator.CheckProjectName(name); err != nil {
		return err
	}
	dir := filepath.Join(opts.output, name)
	if !opts.dryRun {
		release, err := lockfile.Project(ctx, dir, lockfile.Wait)
		if err != nil {
			return fmt.Errorf("%s: %w", target.Display(dir), err)
		}
		defer release()
	}
	state, err := target.Inspect(opts.output, name, opts.force)
	if err != nil {
		return err
	}
	tree, err := generator.Render(ctx, tmpl, answers)
	if err != nil {
		return renderError(err)
	}
	templateSteps, err := tmpl.RenderNextSteps(ctx, answers)
	if err != nil {
		return renderError(err)
	}
	if opts.dryRun {
		return printDryRun(opts, state, dir, tree)
	}
	return writeNew(opts, tmpl, answers, newProject{state: state, dir: dir, tree: tree, nextSteps: templateSteps})
}

// prepareNew loads the template and takes the answers on the command line.
// Given NAME, it refuses a bad name or target before asking anything, not
// after a person typed answers.
func prepareNew(opts *newOptions) (*generator.Template, map[string]string, error) {
	tmpl, err := loadTemplate(opts.template)
	if err != nil {
		return nil, nil, err
	}
	if tmpl.Limits, err = renderLimits(); err != nil {
		return nil, nil, err
	}
	set, err := newAnswersGiven(opts, tmpl)
	if err != nil {
		return nil, nil, err
	}
	if opts.nameGiven {
		if err := generator.CheckProjectName(opts.name); err != nil {
			return nil, nil, err
		}
		if rules.Name(opts.name) == nil {
			if _, err := target.Inspect(opts.output, opts.name, opts.force); err != nil {
				return nil, nil, err
			}
		}
	}
	return tmpl, set, nil
}

// newProject is a rendered project and where it goes.
type newProject struct {
	state     target.State
	dir       string
	tree      *generator.Tree
	nextSteps []string // the template's own
}

// printDryRun lists what new would write, writing nothing.
func printDryRun(opts *newOptions, state target.State, dir string, tree *generator.Tree) error {
	plan, err := target.DryRun(state, dir, tree, opts.force)
	if err != nil {
		return writeError(dir, err)
	}
	for _, w := range plan {
		fmt.Fprintf(opts.io.Out, "would %s %s\n", dryRunVerb(w.Action), quote(target.Display(filepath.Join(dir, w.Path))))
	}
	fmt.Fprintf(opts.io.Out, "Dry run: %d files, nothing written\n", len(tree.Files))
	return nil
}

// writeNew writes the project (a signal rolls it back), makes its first
// commit and prints what was done and what to do next.
func writeNew(opts *newOptions, tmpl *generator.Template, answers generator.Answers, p newProject) error {
	leave := opts.io.interrupts.enter()
	defer leave()
	written, err := target.Write(opts.io.interrupts.context(), p.state, p.dir, p.tree, opts.force, projectFs)
	if err != nil {
		if stop := opts.io.interrupts.stopped(); stop != nil {
			return stop
		}
		return writeError(p.dir, err)
	}
	for _, w := range written {
		switch w.Action {
		case generator.Replaced:
			fmt.Fprintf(opts.io.Out, "  replaced  %s\n", quote(w.Path))
		case generator.KeptSymlink:
			fmt.Fprintf(opts.io.Out, "  kept      %s (a symlink: yours, not written through)\n", quote(w.Path))
		}
	}
	// Only a project that is all gomicro's gets a first commit; with --force
	// into a directory of the team's, what to commit is theirs to say.
	madeRepo := false
	if !opts.noGit && p.state != target.NonEmpty {
		var notes []string
		madeRepo, notes = target.Commit(p.dir, fmt.Sprintf("Generated by gomicro %s@%s", tmpl.Name, tmpl.Version), opts.git)
		for _, n := range notes {
			fmt.Fprintln(opts.io.Err, "gomicro: note: "+n)
		}
	}
	if steps := target.NextSteps(p.dir, answers, madeRepo, p.nextSteps); len(steps) > 0 {
		fmt.Fprintln(opts.io.Out, "Next steps:")
		for _, s := range steps {
			fmt.Fprintln(opts.io.Out, "  "+quote(s))
		}
	}
	fmt.Fprintf(opts.io.Out, "Template applied in %s\n", quote(target.Display(p.dir)))
	return nil
}

// newAnswersGiven collects the answers on the command line (NAME and
// --set). Every mistake in them is reported at once, with the problems of
// the answers given so far, rather than one per try: a usage error.
func newAnswersGiven(opts *newOptions, tmpl *generator.Template) (map[string]string, error) {
	set, usage := given.Answers(opts.io.interrupts.context(), tmpl, opts.answers, opts.set)
	if opts.nameGiven {
		if v, ok := set["name"]; ok && v != opts.name {
			usage = append(usage, fmt.Sprintf("NAME %q and --set name=%q disagree: give one", opts.name, v))
		}
		set["name"] = opts.name
	}
	if _, ok := tmpl.Question("name"); !ok {
		if !opts.nameGiven {
			usage = append(usage, fmt.Sprintf("template %s has no name question: give NAME", tmpl.Name))
		}
		delete(set, "name")
	} else if _, named := set["name"]; opts.nonInteractive && !named {
		// A script that forgot NAME would otherwise get the template's
		// default name, ./oddjob, without a word.
		usage = append(usage, "--non-interactive needs NAME: gomicro new NAME --non-interactive (or --set name=NAME)")
	}
	if len(usage) > 0 {
		var problems generator.Problems
		if _, err := tmpl.Resolve(opts.io.interrupts.context(), set, nil); errors.As(err, &problems) {
			for _, p := range problems {
				usage = append(usage, p.String())
			}
		}
		if opts.nameGiven {
			if err := generator.CheckProjectName(opts.name); err != nil {
				usage = append(usage, err.Error())
			}
		}
		return nil, usageError{errors.New(strings.Join(usage, "\n"))}
	}
	return set, nil
}

func dryRunVerb(a generator.WriteAction) string {
	switch a {
	case generator.Replaced:
		return "replace"
	case generator.KeptSymlink:
		return "keep (a symlink)"
	}
	return "write"
}

// writeError says why a project could not be written, in the words the
// CLI uses for the common cases.
func writeError(dir string, err error) error {
	if errors.Is(err, generator.ErrNotEmpty) {
		return target.NotEmpty(dir)
	}
	return err
}
