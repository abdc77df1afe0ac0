package fleet

import (
	"fmt"
	"io"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/quote"
)

// explained is the Prompter of one project's upgrade: before the first
// question it asks, it says why an upgrade asks anything at all, on the
// writer the questions are asked on.
type explained struct {
	generator.Prompter
	w    io.Writer
	why  string
	said bool
}

// explain wraps u.Prompter for the project at dir, moving from old to
// tmpl; nil stays nil (nothing is asked).
func (u *Upgrader) explain(dir string, old *generator.Manifest, tmpl *generator.Template) generator.Prompter {
	if u.Prompter == nil || u.Asking == nil {
		return u.Prompter
	}
	why := fmt.Sprintf("%s: %s %s asks what the project's %s (made with %s) has no answer to:",
		dir, quote.Name(tmpl.Name), quote.Name(tmpl.Version), generator.ManifestFile, quote.Name(old.Version))
	return &explained{Prompter: u.Prompter, w: u.Asking, why: why}
}

func (e *explained) Ask(q generator.Question, def string, check func(string) error) (string, error) {
	if !e.said {
		e.said = true
		fmt.Fprintln(e.w, e.why)
	}
	return e.Prompter.Ask(q, def, check)
}
