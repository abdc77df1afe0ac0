// Package quote writes names and values that came from a template or a
// project (paths, template names and versions, answers) so that they reach
// a terminal as what they are: printable text as it is, anything else
// quoted the way git quotes paths.
package quote

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Name is how gomicro prints a name or value that came from a template or
// a project (a path, a template's name or version, an answer): as it is
// when it is printable text, else the way git quotes paths: in double
// quotes, C-style, with \t, \n, \", \\ and so on, and every other byte
// of a control character, a non-printing rune (bidi overrides among them)
// or invalid UTF-8 as \ooo. So a file named to look like a report line,
// or to move the cursor, shows as what it is. Quotes and backslashes are
// printable: alone they leave a name as it is (a check's command keeps its
// shell quoting); in a quoted name they are escaped.
func Name(s string) string {
	if !needsQuote(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\a':
			b.WriteString(`\a`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\v':
			b.WriteString(`\v`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == utf8.RuneError && n <= 1, !printable(r):
			for _, c := range []byte(s[i : i+n]) {
				fmt.Fprintf(&b, `\%03o`, c)
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	b.WriteByte('"')
	return b.String()
}

func needsQuote(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if !printable(r) {
			return true
		}
	}
	return false
}

// printable is unicode.IsPrint: letters, marks, numbers, punctuation,
// symbols and the ASCII space; not controls, format characters (bidi
// overrides, zero-width joiners) or other spaces.
func printable(r rune) bool { return unicode.IsPrint(r) }

// All is names, each quoted as Name does, joined by ", ".
func All(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = Name(n)
	}
	return strings.Join(q, ", ")
}

// Shell quotes s for a POSIX shell when it needs it: in single quotes,
// unless it is made only of letters, digits and -_./+@%:, (new's next
// steps, lines to paste into a shell).
func Shell(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./+@%:,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
