package fleet

import (
	"fmt"
	"io"
	"strings"

	"github.com/gomicro/gomicro/generator"
)

// Outcome is how one project's upgrade ended, worst last.
type Outcome int

const (
	Current Outcome = iota
	Upgraded
	Behind
	Conflicts
	// Blocked is a plan with paths in the way (a file of the team's where
	// the template puts a directory, a FILE.gomicro-new of theirs): nothing
	// is done. It exits and counts as Conflicts do; JSON calls it refused.
	Blocked
	Unresolved // conflicts left from an earlier upgrade: nothing is done
	Refused    // declined for a reason the team can fix in the project (uncommitted changes, ...)
	Failed     // the project could not be read or checked at all, or the apply failed
	Stopped    // the person cancelled (at a prompt, or by a signal): no further project is touched
)

// outcomeWords are the statuses as the JSON document names them.
var outcomeWords = [...]string{
	Current: "current", Upgraded: "upgraded", Behind: "behind", Conflicts: "conflicts",
	Blocked: "refused", Unresolved: "unresolved", Refused: "refused", Failed: "failed", Stopped: "stopped",
}

// String is the outcome as the JSON document names it.
func (o Outcome) String() string {
	if o < 0 || int(o) >= len(outcomeWords) {
		return fmt.Sprintf("Outcome(%d)", int(o))
	}
	return outcomeWords[o]
}

// MarshalText makes an outcome its word in JSON.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// public is the outcome as the JSON document ranks it: a blocked project
// is refused.
func (o Outcome) public() Outcome {
	if o == Blocked {
		return Refused
	}
	return o
}

// Report is what one project's upgrade came to, decided once by Upgrade:
// everything the JSON document holds of it (the tagged fields) and what the
// text report says besides. Names and values in it are raw; a renderer for
// a terminal quotes them.
type Report struct {
	Path           string   `json:"path"` // as given on the command line (or found)
	Template       string   `json:"template"`
	Source         string   `json:"source"`   // as .gomicro.yml records it
	Version        string   `json:"version"`  // recorded
	Revision       string   `json:"revision"` // recorded; "" when none
	Newest         string   `json:"newest"`   // the version it moves to; "" when not known
	NewestRevision string   `json:"newest_revision"`
	Status         Outcome  `json:"status"`
	Answers        []Answer `json:"answers"` // the answers this upgrade changes, in question order
	Files          []File   `json:"files"`   // every file the upgrade touches or deliberately leaves
	// Set by upgrade --commit: the branch, the commit made or found, and
	// "new" or "already" (origin's branch held it).
	Branch   string `json:"branch,omitempty"`
	Commit   string `json:"commit,omitempty"`
	Proposed string `json:"proposed,omitempty"`
	Error    string `json:"error,omitempty"` // why, when refused or failed

	// Planned says the plan was made: the base line is said.
	Planned  bool     `json:"-"`
	BaseFrom string   `json:"-"` // where the base came from
	Dropped  []string `json:"-"` // recorded answers the template no longer asks
	// LacksRefs says a base file was missing and the clone lacks
	// refs/gomicro/*, where upgrades keep the last render.
	LacksRefs  bool     `json:"-"`
	Unresolved []string `json:"-"` // what an earlier upgrade left to resolve (files, sidecars)
	DryRun     bool     `json:"-"`
	Diff       string   `json:"-"` // --dry-run's unified diff
	Notes      []string `json:"-"` // what went wrong after the apply (the upgrade stands)
	Next       string   `json:"-"` // what to do next: review and commit, or resolve the conflicts
}

// Answer is one answer as .gomicro.yml records it.
type Answer struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// File is what the upgrade does to one file.
type File struct {
	Path   string `json:"path"`
	Action string `json:"action"` // updated, added, removed, kept, skipped, merged, conflict
	Why    string `json:"why"`    // raw; "" when the action says it all
	// From is where the template moved the file from (action moved, or a
	// conflict on a moved file).
	From string `json:"from,omitempty"`

	Change generator.Action `json:"-"` // the generator's decision, which the text names
	// Sidecar is the file that holds the template's version beside an
	// edited one (Change is Sidecar).
	Sidecar string `json:"-"`
	why     string // the generator's why
	gone    bool   // the new render lacks it because answers changed: why says so
}

// jsonActions are the generator's actions as JSON names them.
var jsonActions = map[generator.Action]string{
	generator.Take: "updated", generator.Create: "added", generator.Delete: "removed",
	generator.KeepOurs: "kept", generator.KeepEdited: "kept", generator.KeepLink: "kept",
	generator.KeepDeleted: "skipped", generator.Merge: "merged",
	generator.Conflict: "conflict", generator.Sidecar: "conflict", generator.Blocked: "conflict",
	generator.Skipped: "skipped",
	generator.Move:    "moved",
}

// files is what the report lists of changes: every change but Unchanged.
func (r *Report) files(changes []generator.FileChange, gone bool) []File {
	files := []File{}
	for _, c := range changes {
		if c.Action == generator.Unchanged {
			continue
		}
		f := File{Path: c.Path, From: c.From, Action: jsonActions[c.Action], Change: c.Action, why: c.Why()}
		if c.Action == generator.Sidecar {
			f.Sidecar = c.Path + generator.SidecarSuffix
		}
		f.gone = gone && c.Note == "" && (c.Action == generator.Delete || c.Action == generator.KeepEdited)
		f.Why = r.why(f, raw)
		if f.Sidecar != "" {
			f.Why += " (new version: " + f.Sidecar + ")"
		}
		files = append(files, f)
	}
	return files
}

// why says why f's action, with names written by q: a file the new render
// lacks goes because of the changed answers (when any changed).
func (r *Report) why(f File, q func(string) string) string {
	if !f.gone {
		return f.why
	}
	changed := r.changed(q)
	var gone string
	switch {
	case r.Version != r.Newest:
		gone = fmt.Sprintf("not in %s %s with %s", q(r.Template), q(r.Newest), changed)
	case strings.Contains(changed, ", "):
		gone = "not written with " + changed
	default:
		gone = changed + " no longer writes it"
	}
	if f.Change == generator.KeepEdited {
		return gone + ", but you edited it"
	}
	return gone
}

// changed is the answers the upgrade changes as key=value, names written
// by q: "ci=github, s3_region=eu-west-1" ("" when none do).
func (r *Report) changed(q func(string) string) string {
	changed := make([]string, len(r.Answers))
	for i, a := range r.Answers {
		changed[i] = q(a.Name) + "=" + q(a.Value)
	}
	return strings.Join(changed, ", ")
}

// Conflicts are the files written with conflict markers, the sidecars, and
// the paths in the way.
func (r *Report) Conflicts() []string {
	var paths []string
	for _, f := range r.Files {
		switch {
		case f.Sidecar != "":
			paths = append(paths, f.Sidecar)
		case f.Action == "conflict":
			paths = append(paths, f.Path)
		}
	}
	return paths
}

func raw(s string) string { return s }

// Renderer says what a fleet's projects came to.
type Renderer interface {
	// Project writes what one finished project has to say to its own
	// writers (held until its turn).
	Project(r *Report, out, errw io.Writer)
	// End writes what follows the projects' own lines: done are the
	// finished projects, in the order given, of n; total is false when
	// the fleet was halted.
	End(out, errw io.Writer, done []*Report, n int, total bool)
}

// ExitCode is the exit status of a fleet that was not halted, for its
// worst outcome. Without check: 0 when every project is current or
// upgraded, else 1. With check (--check): 0 when every project is current,
// 1 when one is behind or holds unresolved conflicts, 2 when one could not
// be checked at all (no template, no .gomicro.yml, ...), so that CI can
// tell "upgrade me" from "I am broken".
func (r Result) ExitCode(check bool) int {
	switch {
	case check && r.Worst >= Refused:
		return 2
	case r.Worst >= Behind:
		return 1
	}
	return 0
}
