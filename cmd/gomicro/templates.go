package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gomicro/gomicro/generator"
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
				listTemplate(w, tmpl, verbose)
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show each question's help text")
	return cmd
}

// listTemplate writes a template's heading and one line per question:
//
//	kind  What kind of service [web*|worker]
//
// with its help text on the next line when verbose. A default that is this
// user's own, or that reads this machine, shows its value here and where it
// comes from: [acme] (from git config github.user).
func listTemplate(w io.Writer, tmpl *generator.Template, verbose bool) {
	fmt.Fprintf(w, "%s %s\t%s\n", tmpl.Name, tmpl.Version, tmpl.Description)
	for _, q := range tmpl.Questions {
		from := defaultHere(tmpl, &q)
		line := q.Prompt + " " + q.Answers() + from
		if q.When != "" {
			line += " when " + q.When
		}
		fmt.Fprintf(w, "  %s\t%s\n", q.Name, line)
		if verbose && q.Help != "" {
			fmt.Fprintf(w, "  \t  %s\n", q.Help)
		}
	}
}

// defaultHere sets q.Default to what this user gets where that is not the
// template's text (their config file's default, or a default read from
// this machine, quoted) and returns where it comes from, " (from …)"; ""
// for a default shown as the template writes it (or one that does not
// render here: new says why, when it needs it).
func defaultHere(tmpl *generator.Template, q *generator.Question) string {
	if ud, ok := tmpl.UserDefaults[q.Name]; ok {
		q.Default = ud
		return " (from gomicro's config file)"
	}
	value, from, ok, err := tmpl.MachineDefault(context.Background(), q.Name)
	if err != nil || !ok {
		return ""
	}
	q.Default = quote(value)
	if value == "" {
		return " (from " + from + ": not set here)"
	}
	return " (from " + from + ")"
}
