package main

import (
	"github.com/spf13/cobra"

	"github.com/gomicro/gomicro/internal/complete"
)

// Shell completion (gomicro completion bash|zsh|fish|powershell installs
// it; cobra's hidden __complete command answers it, one candidate a line,
// which is how the stories test it). The candidates are package
// complete's; here, cobra's directives.

// completeTemplate completes --template: embedded names and directories.
func completeTemplate(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	names, dirs := complete.Templates(toComplete, loadTemplate)
	directive := cobra.ShellCompDirectiveNoFileComp
	if len(dirs) > 0 {
		// A directory is completed to DIR/, to go on into it.
		directive |= cobra.ShellCompDirectiveNoSpace
	}
	return append(names, dirs...), directive
}

// completeSet completes --set: the template's keys, then their answers.
func completeSet(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	src, _ := cmd.Flags().GetString("template")
	given, _ := cmd.Flags().GetStringArray("set")
	out, noSpace, err := complete.Set(src, given, toComplete, loadTemplate)
	switch {
	case err != nil:
		return nil, cobra.ShellCompDirectiveError
	case noSpace:
		return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
