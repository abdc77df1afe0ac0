package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

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
