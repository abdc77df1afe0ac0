package propose

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Summary is what an upgrade did, for its commit message.
type Summary struct {
	Template, From, To string
	Answers            []string // "k=v", the answers the upgrade changes
	Files              []File   // in plan order
}

// File is one file the upgrade touched or deliberately left, with its JSON
// action word (updated, added, removed, kept, skipped, merged, conflict).
type File struct{ Path, Action string }

// maxSubject is the longest subject line, in characters: what git's tools
// and the pull request titles made of it show without cutting it.
const maxSubject = 72

// resolve is the end of the message of an upgrade with conflicts.
const resolve = `Some files conflict: the project and the template both changed them.
- A file with conflict markers: search it for <<<<<<<, keep what is
  right between the markers, delete them, and commit.
- A file X.gomicro-new is the template's new X, written beside a file
  gomicro could not merge: merge it into X, delete X.gomicro-new, and
  commit.
` + "`gomicro upgrade --check`" + ` passes once every conflict is resolved.
`

// Message is the commit message for an upgrade: the subject, then one line
// per file (the action padded to the longest), then, when a file
// conflicts, how to resolve the conflicts. It ends with a newline.
func Message(s Summary) string {
	var b strings.Builder
	b.WriteString(subject(s) + "\n")
	if len(s.Files) == 0 {
		return b.String()
	}
	width, conflict := 0, false
	for _, f := range s.Files {
		width = max(width, utf8.RuneCountInString(oneLine(f.Action)))
		conflict = conflict || f.Action == "conflict"
	}
	b.WriteString("\n")
	for _, f := range s.Files {
		action := oneLine(f.Action)
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(action))
		b.WriteString(action + pad + "  " + quotePath(f.Path) + "\n")
	}
	if conflict {
		b.WriteString("\n" + resolve)
	}
	return b.String()
}

// subject is the message's first line: "gomicro: upgrade T FROM -> TO",
// or "gomicro: re-render T TO with k=v, ..." when only answers change. A
// template's name, versions and answers may come from anyone: whatever
// would break the line, or hide part of it, goes. A subject longer than
// maxSubject is cut, and ends with "...".
func subject(s Summary) string {
	var line string
	if s.From != s.To {
		line = "gomicro: upgrade " + oneLine(s.Template) + " " + oneLine(s.From) + " -> " + oneLine(s.To)
	} else {
		line = "gomicro: re-render " + oneLine(s.Template) + " " + oneLine(s.To)
		var answers []string
		for _, a := range s.Answers {
			answers = append(answers, oneLine(a))
		}
		if len(answers) > 0 {
			line += " with " + strings.Join(answers, ", ")
		}
	}
	if r := []rune(line); len(r) > maxSubject {
		line = strings.TrimRight(string(r[:maxSubject-3]), " ") + "..."
	}
	return line
}

// oneLine is s made safe for one line of text: invalid UTF-8 becomes
// U+FFFD, spaces of every kind (newlines, tabs, U+2028) become one plain
// space each, and control and bidirectional formatting characters go.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// quotePath is p as it goes on its own line of the body: as it is, or
// Go-quoted when it holds a quote, a backslash, invalid UTF-8, or any
// character oneLine would change but a plain space, so that no path can
// start a line of its own or hide what it is.
func quotePath(p string) string {
	odd := func(r rune) bool {
		return r == '"' || r == '\\' || r == utf8.RuneError || (unicode.IsSpace(r) && r != ' ') ||
			unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
	}
	if utf8.ValidString(p) && !strings.ContainsFunc(p, odd) {
		return p
	}
	return strconv.Quote(p)
}
