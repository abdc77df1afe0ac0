package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/fleet"
)

func newDiffCmd(stdio IO) *cobra.Command {
	var exitCode, stat bool
	cmd := &cobra.Command{
		Use:   "diff [DIR] [-- PATH...]",
		Short: "Show how a project differs from its template's release",
		Long: "Print the unified diff from the template release the project recorded, rendered\n" +
			"with its recorded answers (a/), to the project's files (b/): the base upgrade\n" +
			"merges from. PATHs, relative to the project, limit it and add the project's own\n" +
			"files there. Works offline for the embedded templates and a cached revision.",
		Example: "  gomicro diff\n  gomicro diff --exit-code -- .circleci scripts   # CI: these must match the template",
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := runDiff(stdio, args, cmd.ArgsLenAtDash())
			switch {
			case err != nil && exitCode:
				return checkFailed(stdio, err)
			case err != nil:
				return err
			case stat && len(d.Files) > 0:
				fmt.Fprint(stdio.Out, generator.DiffStat(d.Files))
			default:
				fmt.Fprint(stdio.Out, generator.UnifiedDiff(d.Files))
			}
			if exitCode && len(d.Files) > 0 {
				return exitStatus(exitFailure)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&exitCode, "exit-code", false, "exit 1 when the project differs, 2 when it cannot tell")
	cmd.Flags().BoolVar(&stat, "stat", false, "a line per file and the totals, as git diff --stat")
	return cmd
}

// runDiff takes DIR (before any --) and the PATHs (after it) and diffs.
func runDiff(stdio IO, args []string, dash int) (*fleet.Diffed, error) {
	if dash < 0 {
		dash = len(args)
	}
	if dash > 1 {
		return nil, usagef("diff takes one DIR; put PATHs after --: gomicro diff DIR -- PATH...")
	}
	paths, err := fleet.DiffPaths(args[dash:])
	if err != nil {
		return nil, usageError{err}
	}
	dir := "."
	if dash == 1 {
		dir = args[0]
	} else if dir, err = findProject(); err != nil {
		return nil, err
	}
	return opener().Diff(stdio.interrupts.context(), dir, paths)
}
