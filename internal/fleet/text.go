package fleet

import (
	"fmt"
	"io"
	"strings"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/quote"
)

// Text is the report for a person: each project's base line, its files and
// its problems (on stderr, prefixed "gomicro: DIR: "), then one summary
// line per project and a total. Every name a template or a project gave is
// quoted (see quote.Name).
type Text struct{}

// Project writes r's lines: stdout and stderr in the order a person reads
// them.
func (Text) Project(r *Report, out, errw io.Writer) {
	if !r.Planned {
		sayError(errw, r)
		return
	}
	say(out, r, "base: %s", r.BaseFrom)
	if n := len(r.Dropped); n > 0 {
		// As copier does: an answer to no question is not recorded.
		say(out, r, "%s drops the %s to %s: %s %s does not ask %s", generator.ManifestFile, plural(n, "answer", "answers"),
			quote.All(r.Dropped), quote.Name(r.Template), quote.Name(r.Newest), plural(n, "it", "them"))
	}
	if r.LacksRefs {
		fmt.Fprintf(errw, "gomicro: %s: note: this clone has no refs/gomicro/*, where upgrades keep the last render as the next base (git clone does not fetch them): git fetch origin 'refs/gomicro/*:refs/gomicro/*', then upgrade again\n", quote.Name(r.Path))
	}
	switch r.Status {
	case Current:
		return
	case Unresolved:
		var left []string
		for _, u := range r.Unresolved {
			if file, ok := strings.CutSuffix(u, generator.SidecarSuffix); ok {
				left = append(left, fmt.Sprintf("%s is there (merge it into %s and remove it)", quote.Name(u), quote.Name(file)))
			} else {
				left = append(left, quote.Name(u)+" holds conflict markers")
			}
		}
		fmt.Fprintf(errw, "gomicro: %s: unresolved conflicts: %s; resolve them and commit, or pass --force\n", r.Path, strings.Join(left, "; "))
		return
	case Refused, Failed:
		sayError(errw, r)
		return
	}
	if r.DryRun {
		fmt.Fprint(out, r.Diff)
	}
	for _, note := range r.Notes {
		fmt.Fprintf(errw, "gomicro: %s: %s\n", r.Path, note)
	}
	for _, f := range r.Files {
		name := quote.Name(f.Path)
		if f.From != "" {
			name = quote.Name(f.From) + " -> " + name
		}
		if f.Sidecar != "" {
			name += " (new version: " + quote.Name(f.Sidecar) + ")"
		}
		if why := r.why(f, quote.Name); why != "" {
			name += " (" + why + ")"
		}
		fmt.Fprintf(out, "  %-9s %s\n", f.Change, name)
	}
}

func say(out io.Writer, r *Report, format string, args ...any) {
	fmt.Fprintf(out, "%s: %s\n", r.Path, fmt.Sprintf(format, args...))
}

// sayError says why the project was refused or failed, a line each.
func sayError(errw io.Writer, r *Report) {
	for _, line := range strings.Split(r.Error, "\n") {
		fmt.Fprintf(errw, "gomicro: %s: %s\n", r.Path, line)
	}
}

// End writes one summary line per finished project and, when total and
// there is more than one project, the total. A refused or failed
// project's line goes to errw, where its reason went.
func (Text) End(out, errw io.Writer, done []*Report, n int, total bool) {
	count := map[Outcome]int{}
	for _, r := range done {
		w := out
		if r.Status == Refused || r.Status == Failed {
			w = errw
		}
		fmt.Fprintln(w, summary(r))
		count[r.Status]++
	}
	if total && n > 1 {
		fmt.Fprintln(out, totalLine(n, count))
	}
}

// summary is r's summary line.
func summary(r *Report) string {
	move, did := r.move()
	var line string
	switch r.Status {
	case Current:
		line = fmt.Sprintf("current (%s %s)", quote.Name(r.Template), quote.Name(r.Newest))
	case Behind:
		line = "behind (" + move + ")"
		if r.DryRun {
			line += ", dry run: nothing changed"
		}
	case Blocked:
		line = fmt.Sprintf("not upgraded (%s): %s", move, r.Error)
	case Unresolved:
		line = "unresolved conflicts: " + quote.All(r.Unresolved)
	case Refused, Failed:
		line = "refused"
	case Upgraded:
		line = did
		if r.Next != "" {
			line += " (" + r.Next + ")"
		}
	case Conflicts:
		with := " with "
		if strings.Contains(did, " with ") {
			with = " and "
		}
		c := r.Conflicts()
		line = fmt.Sprintf("%s%s%d %s: %s (%s)", did, with, len(c), plural(len(c), "conflict", "conflicts"), quote.All(c), r.Next)
	}
	return r.Path + ": " + line
}

// move is what the upgrade does, for the summary: "service 1.0.0 ->
// 1.3.0", or, when only answers change, "service 1.3.0 with ci=github";
// did is the same in the past tense.
func (r *Report) move() (move, did string) {
	move = fmt.Sprintf("%s %s -> %s", quote.Name(r.Template), quote.Name(r.Version), quote.Name(r.Newest))
	did = "upgraded " + move
	if r.Version == r.Newest {
		move = quote.Name(r.Template) + " " + quote.Name(r.Newest)
		if changed := r.changed(quote.Name); changed != "" {
			move += " with " + changed
		}
		did = "re-rendered " + move
	}
	return move, did
}

// totalLine counts the outcomes: "20 projects: 18 upgraded, 2 with
// conflicts, 0 failed". Failures are always counted; the others when
// there are any.
func totalLine(n int, count map[Outcome]int) string {
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{{count[Current], "current"}, {count[Behind], "behind"}, {count[Upgraded], "upgraded"}, {count[Conflicts] + count[Blocked], "with conflicts"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	parts = append(parts, fmt.Sprintf("%d failed", count[Unresolved]+count[Refused]+count[Failed]))
	return fmt.Sprintf("%d %s: %s", n, plural(n, "project", "projects"), strings.Join(parts, ", "))
}
