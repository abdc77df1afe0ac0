// Package listing is what gomicro templates prints of a template: its
// heading and a line per question, with the default this user gets.
package listing

import (
	"context"
	"fmt"
	"io"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/quote"
)

// Template writes a template's heading and one line per question:
//
//	kind  What kind of service [web*|worker]
//
// with its help text on the next line when verbose. A default that is this
// user's own, or that reads this machine, shows its value here and where it
// comes from: [acme] (from git config github.user).
func Template(w io.Writer, tmpl *generator.Template, verbose bool) {
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
	q.Default = quote.Name(value)
	if value == "" {
		return " (from " + from + ": not set here)"
	}
	return " (from " + from + ")"
}
