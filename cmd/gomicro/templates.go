package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gomicro/gomicro/templates"
)

func newTemplatesCmd(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:   "templates",
		Short: "List the embedded templates and their questions",
		Args:  cobra.NoArgs,
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
				fmt.Fprintf(w, "%s %s\t%s\n", tmpl.Name, tmpl.Version, tmpl.Description)
				for _, q := range tmpl.Questions {
					detail := "[" + q.Default + "]"
					if len(q.Choices) > 0 {
						detail = fmt.Sprintf("%v %s", q.Choices, detail)
					}
					if q.When != "" {
						detail += " when " + q.When
					}
					fmt.Fprintf(w, "  %s\t%s %s\n", q.Name, q.Prompt, detail)
				}
			}
			return w.Flush()
		},
	}
}
