package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/fleet"
	"github.com/gomicro/gomicro/internal/given"
	"github.com/gomicro/gomicro/internal/prompt"
)

type upgradeOptions struct {
	io             IO
	dirs           []string
	set            []string
	skip           []string
	template       string
	dryRun         bool
	check          bool
	force          bool
	nonInteractive bool
	json           bool
	commit         bool
	branch         string
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
			"  gomicro upgrade svc-a svc-b --set s3_region=eu-west-1\n" +
			"  gomicro upgrade --check --json */    # one JSON document: each project's versions and status\n" +
			"  gomicro upgrade --commit            # the upgrade as one commit on branch gomicro/upgrade",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.dirs = args
			if err := commitUsage(opts, cmd.Flags().Changed("branch")); err != nil {
				return usageError{err}
			}
			return runUpgrade(opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.dryRun, "dry-run", false, "print the unified diff of what would change and change nothing")
	f.BoolVar(&opts.check, "check", false, "change nothing; exit 0 when current, 1 when behind or unresolved, 2 when it could not check")
	f.StringArrayVar(&opts.set, "set", nil, "change an answer: key=value (repeatable)")
	f.StringArrayVar(&opts.skip, "skip", nil, "leave the paths a .gitignore PATTERN matches as they are, from now on: recorded in .gomicro.yml's skip: (repeatable)")
	f.StringVar(&opts.template, "template", "", "template directory or embedded template name (default: the one in .gomicro.yml)")
	f.BoolVar(&opts.force, "force", false, "upgrade even with uncommitted changes in the git work tree, or over unresolved conflicts an earlier upgrade left")
	f.BoolVar(&opts.nonInteractive, "non-interactive", false, "never prompt: questions new since the project was made take their defaults")
	f.BoolVar(&opts.json, "json", false, "print one JSON document on stdout instead of the report (see docs/json.md)")
	f.BoolVar(&opts.commit, "commit", false, "commit the upgrade on --branch, made fresh from the current commit, and stay on it")
	f.StringVar(&opts.branch, "branch", defaultBranch, "with --commit: the branch to commit on")
	_ = cmd.MarkFlagDirname("template")
	_ = cmd.RegisterFlagCompletionFunc("set", completeSet)
	return cmd
}

// defaultBranch is where upgrade --commit commits, as Dependabot and
// Renovate keep their branches under their own names.
const defaultBranch = "gomicro/upgrade"

// commitUsage refuses the flags --commit does not go with (a commit is of
// an upgrade applied to a clean work tree), and clears --branch without it.
func commitUsage(opts *upgradeOptions, branchSet bool) error {
	switch {
	case branchSet && !opts.commit:
		return errors.New("--branch " + quote(opts.branch) + " needs --commit")
	case !opts.commit:
		opts.branch = "" // no commit
		return nil
	case opts.check, opts.dryRun:
		return errors.New("--commit commits an upgrade: it cannot go with --check or --dry-run, which change nothing")
	case opts.force:
		return errors.New("--commit starts from a clean work tree: it cannot go with --force")
	case opts.branch == "":
		return errors.New("--branch needs a branch name")
	}
	return nil
}

func runUpgrade(opts *upgradeOptions) error {
	set, usage := given.Set(opts.set)
	usage = append(usage, generator.CheckPatterns("--skip", opts.skip)...)
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
	asking := opts.io.Out // where questions are asked: stdout holds the document with --json
	if opts.json {
		asking = opts.io.Err
	}
	prompter := optionalPrompter(opts.io, opts.nonInteractive, asking)
	defer prompt.Close(prompter)
	u := fleet.NewUpgrader(fleet.Options{
		Template: opts.template, Set: set, Prompter: prompter, Asking: asking, Interrupted: errInterrupted, Limits: limits,
		DryRun: opts.dryRun, Check: opts.check, Force: opts.force, Branch: opts.branch, Skip: opts.skip,
		Opener: opener(), WriteFs: projectFs,
	})
	var render fleet.Renderer = fleet.Text{}
	if opts.json {
		render = fleet.JSON{}
	}
	in := opts.io.interrupts
	res := fleet.Run(dirs, fleet.Config{
		Out: opts.io.Out, Err: opts.io.Err, Signals: in.watcher(),
		// Questions new since a project was made can be asked of one
		// project at a time only: with a prompter, the projects are
		// upgraded one after another, printing as they go, as a person
		// answering expects.
		Sequential: prompter != nil,
		Work:       func(job fleet.Job) *fleet.Report { return u.Upgrade(in.context(), job) },
		Render:     render,
		Exit:       func(sig os.Signal, said bool) { lastWords(opts.io, sig, said) },
	})
	return upgradeStatus(opts, res)
}

// optionalPrompter asks questions (new since a project was made, or
// adopt's) of a person only; otherwise (nil) they take their defaults:
// upgrade and adopt never refuse for want of a terminal. They are asked on
// out (stderr for upgrade --json, whose stdout holds the document alone).
func optionalPrompter(stdio IO, nonInteractive bool, out io.Writer) generator.Prompter {
	if nonInteractive || !stdio.Terminal && !stdio.Accessible {
		return nil
	}
	asking := stdio
	asking.Out = out
	prompter := newPrompter(asking, false)
	stdio.interrupts.atExit(func() { prompt.Close(prompter) })
	return prompter
}

// upgradeStatus is how the command ends once the fleet has: the signal's
// or Ctrl-C's status when halted, else the worst outcome's.
func upgradeStatus(opts *upgradeOptions, res fleet.Result) error {
	if res.Halted {
		stop, ok := opts.io.interrupts.stopped().(cancelled)
		if !ok {
			stop = errInterrupted // Ctrl-C at a form: a key, not a signal
		}
		if res.Said {
			stop.what = "no project but those above was touched"
		}
		return stop
	}
	if code := res.ExitCode(opts.check); code != 0 {
		return exitStatus(code)
	}
	return nil
}

// lastWords ends gomicro when a signal comes outside any apply, after the
// fleet printed what had finished (said: some project's outcome). The
// interrupt handler calls it holding its lock.
func lastWords(stdio IO, sig os.Signal, said bool) {
	stop := cancelled{status: signalStatus(sig)}
	if said {
		stop.what = "no project but those above was touched"
	}
	fmt.Fprintln(stdio.Err, "gomicro: "+stop.Error())
	os.Exit(stop.status)
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

// findProject is the project an upgrade without DIR works on (see
// fleet.Find), named relative to the current directory.
func findProject() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return fleet.Find(wd)
}
