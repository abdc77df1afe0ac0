package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gomicro/gomicro/internal/listing"
	"github.com/gomicro/gomicro/templates"
)

func newTemplatesCmd(stdio IO) *cobra.Command {
	verbose := false
	cmd := &cobra.Command{
		Use:   "templates",
		Short: "List the embedded templates and their questions",
		Long: "List the templates built into gomicro, each with its questions: the key --set\n" +
			"takes, the prompt, and the default in brackets (for a choice, the choices with\n" +
			"the default marked *: [web*|worker]; a default from your config file or read\n" +
			"from this machine shows its value here and where it comes from). With -v, each\n" +
			"question's help too.",
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			w := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
			for i, name := range templates.Names() {
				tmpl, err := loadTemplate(embeddedPrefix + name)
				if err != nil {
					return err
				}
				if i > 0 {
					fmt.Fprintln(w)
				}
				listing.Template(w, tmpl, verbose)
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show each question's help text")
	return cmd
}
