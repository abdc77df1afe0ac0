package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gomicro/gomicro/internal/fleet"
	"github.com/gomicro/gomicro/internal/given"
	"github.com/gomicro/gomicro/internal/prompt"
)

func newAdoptCmd(stdio IO) *cobra.Command {
	var tmpl, answers string
	var set []string
	var nonInteractive bool
	cmd := &cobra.Command{
		Use:   "adopt [DIR] --template SRC[@REF]",
		Short: "Link an existing repository to a template release",
		Long: "Write only .gomicro.yml into DIR (default .), recording the template release\n" +
			"rendered with the answers as the project's base: gomicro diff then shows how the\n" +
			"project differs, and upgrade merges from that base. Nothing is committed.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			ctx := stdio.interrupts.context()
			t, err := loadTemplateContext(ctx, tmpl)
			if err == nil {
				t.Limits, err = renderLimits()
			}
			if err != nil {
				return err
			}
			s, usage := given.Answers(ctx, t, answers, set)
			if len(usage) > 0 {
				return usageError{errors.New(strings.Join(usage, "\n"))}
			}
			req := fleet.AdoptRequest{Dir: ".", Template: t, Set: s, Prompter: optionalPrompter(stdio, nonInteractive, stdio.Out),
				Critical: stdio.interrupts.enter, WriteFs: projectFs}
			defer prompt.Close(req.Prompter)
			if len(args) == 1 {
				req.Dir = args[0]
			}
			a, err := fleet.Adopt(ctx, req)
			if stop := stdio.interrupts.stopped(); stop != nil && err != nil {
				return stop // the write rolled back
			}
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(stdio.Out, strings.Join(a.Summary(req.Dir), "\n"))
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&tmpl, "template", "", "the template and release the repository follows (as for new)")
	f.StringArrayVar(&set, "set", nil, "answer a question: key=value (repeatable)")
	f.StringVar(&answers, "answers", "", "take answers from a YAML file (another project's .gomicro.yml works)")
	f.BoolVar(&nonInteractive, "non-interactive", false, "never prompt: take defaults and --set values")
	_ = cmd.MarkFlagRequired("template")
	_ = cmd.RegisterFlagCompletionFunc("template", completeTemplate)
	_ = cmd.RegisterFlagCompletionFunc("set", completeSet)
	return cmd
}
