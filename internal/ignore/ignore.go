// Package ignore matches slash-separated paths against patterns in
// .gitignore syntax, as git does for a .gitignore at the top of a tree:
// `*`, `?` and `[...]` within one path segment, `**` across segments,
// a leading or middle `/` anchoring a pattern to the top, a trailing `/`
// for directories only, `!` re-including what an earlier pattern matched,
// and `\` escaping the next character. As in git, a file inside a matched
// directory is matched, and no later `!` re-includes it. The tests hold it
// to git check-ignore --no-index.
package ignore

import "strings"

// Pattern is one parsed line.
type Pattern struct {
	Text     string // as written
	glob     string // without `!`, a leading `/` and a trailing `/`
	negate   bool
	dirOnly  bool
	basename bool // no slash: matches a name at any depth
}

// Parse parses one line; ok is false for a blank line or a comment.
func Parse(line string) (p Pattern, ok bool) {
	p.Text = line
	s := trimTrailingSpace(line)
	if s == "" || s[0] == '#' {
		return p, false
	}
	if s[0] == '!' {
		p.negate, s = true, s[1:]
	}
	if strings.HasSuffix(s, "/") {
		p.dirOnly, s = true, s[:len(s)-1]
	}
	p.basename = !strings.Contains(s, "/")
	p.glob = strings.TrimPrefix(s, "/")
	return p, p.glob != ""
}

// trimTrailingSpace drops trailing spaces not escaped by a backslash.
func trimTrailingSpace(s string) string {
	for strings.HasSuffix(s, " ") && !strings.HasSuffix(s, `\ `) {
		s = s[:len(s)-1]
	}
	return s
}

// Negated reports whether p re-includes (a `!` pattern).
func (p Pattern) Negated() bool { return p.negate }

// matches reports whether p, positive or not, names path, a directory
// when dir.
func (p Pattern) matches(path string, dir bool) bool {
	if p.dirOnly && !dir {
		return false
	}
	if p.basename {
		path = path[strings.LastIndexByte(path, '/')+1:]
	}
	return wildmatch(p.glob, path)
}

// Matcher is a list of patterns, later ones deciding over earlier ones.
type Matcher struct {
	patterns []Pattern
}

// New parses lines, skipping blank lines and comments.
func New(lines []string) *Matcher {
	m := &Matcher{}
	for _, l := range lines {
		if p, ok := Parse(l); ok {
			m.patterns = append(m.patterns, p)
		}
	}
	return m
}

// Match reports whether the file at path is matched, and by which
// pattern: its own, or that of a directory above it.
func (m *Matcher) Match(path string) (Pattern, bool) { return m.match(path, false) }

// MatchDir is Match for the directory at path.
func (m *Matcher) MatchDir(path string) (Pattern, bool) { return m.match(path, true) }

func (m *Matcher) match(path string, dir bool) (Pattern, bool) {
	for i := strings.IndexByte(path, '/'); i >= 0; {
		if p, ok := m.last(path[:i], true); ok {
			return p, true
		}
		j := strings.IndexByte(path[i+1:], '/')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return m.last(path, dir)
}

// Matches is Match without the pattern.
func (m *Matcher) Matches(path string) bool {
	_, ok := m.Match(path)
	return ok
}

// last is the last pattern naming path; ok when it is not a `!` one.
func (m *Matcher) last(path string, dir bool) (Pattern, bool) {
	for i := len(m.patterns) - 1; i >= 0; i-- {
		if p := m.patterns[i]; p.matches(path, dir) {
			return p, !p.negate
		}
	}
	return Pattern{}, false
}

// Names reports whether p, taken as positive, names path or a directory
// above it: for telling a pattern that matches nothing.
func (p Pattern) Names(path string) bool {
	p.negate = false
	return (&Matcher{patterns: []Pattern{p}}).Matches(path)
}

// NamesDir is Names for the directory at path.
func (p Pattern) NamesDir(path string) bool {
	p.negate = false
	_, ok := (&Matcher{patterns: []Pattern{p}}).MatchDir(path)
	return ok
}

// wildmatch is git's wildmatch with WM_PATHNAME: `*`, `?` and brackets
// never match a slash; `**` that fills a whole segment matches any number
// of whole segments (`**/x`, `x/**/y`, `x/**`), and elsewhere any text.
func wildmatch(pat, s string) bool {
	w := wm{tried: map[[3]int]bool{}}
	return w.match(pat, s, true)
}

// wm is one wildmatch: where a star tries each place its rest may start,
// the places tried fail once only, so a pattern of many stars (a template
// is someone else's) costs at most its length times the path's, squared,
// never exponential time.
type wm struct {
	tried map[[3]int]bool // rest of the pattern, of the text, segStart: failed
}

// try is match, remembered.
func (w *wm) try(pat, s string, segStart bool) bool {
	key := [3]int{len(pat), len(s), 0}
	if segStart {
		key[2] = 1
	}
	if w.tried[key] {
		return false
	}
	ok := w.match(pat, s, segStart)
	if !ok {
		w.tried[key] = true
	}
	return ok
}

// match is wildmatch; segStart says whether pat starts a segment of the
// original pattern (at its start, or after a `/`).
func (w *wm) match(pat, s string, segStart bool) bool {
	for len(pat) > 0 {
		c := pat[0]
		switch c {
		case '*':
			rest := strings.TrimLeft(pat, "*")
			switch {
			case len(pat)-len(rest) < 2:
				return w.star(rest, s)
			case segStart && (rest == "" || rest[0] == '/'):
				return w.segments(rest, s)
			}
			return w.anyText(rest, s)
		case '?':
			if s == "" || s[0] == '/' {
				return false
			}
			pat, s = pat[1:], s[1:]
		case '[':
			n, ok := bracket(pat, s)
			if !ok {
				return false
			}
			pat, s = pat[n:], s[1:]
		default:
			if c == '\\' && len(pat) > 1 {
				pat, c = pat[1:], pat[1]
			}
			if s == "" || s[0] != c {
				return false
			}
			pat, s = pat[1:], s[1:]
		}
		segStart = c == '/'
	}
	return s == ""
}

// star matches `*` then rest: any run of non-slash characters.
func (w *wm) star(rest, s string) bool {
	for i := 0; ; i++ {
		if w.try(rest, s[i:], false) {
			return true
		}
		if i == len(s) || s[i] == '/' {
			return false
		}
	}
}

// anyText matches rest after any run of characters, slashes too: a `**`
// beside other characters in its segment, as git 2.39 matches it (its
// documentation calls it a plain `*`; the oracle test follows git).
func (w *wm) anyText(rest, s string) bool {
	for i := 0; i <= len(s); i++ {
		if w.try(rest, s[i:], false) {
			return true
		}
	}
	return false
}

// segments matches a whole-segment `**` followed by rest, "" or a `/` and
// more: a final `**` matches anything, and `**/x` matches x after zero or
// more whole segments.
func (w *wm) segments(rest, s string) bool {
	if rest == "" {
		return true
	}
	for i := -1; i < len(s); i++ {
		if (i < 0 || s[i] == '/') && w.try(rest[1:], s[i+1:], true) {
			return true
		}
	}
	return false
}

// bracket matches the class at the start of pat against s's first
// character and returns the class's length; a class never matches a
// slash, and one that is not closed matches nothing, as in git.
func bracket(pat, s string) (n int, ok bool) {
	if s == "" || s[0] == '/' {
		return 0, false
	}
	c, i := s[0], 1
	negate := i < len(pat) && (pat[i] == '!' || pat[i] == '^')
	if negate {
		i++
	}
	matched := false
	for first := true; i < len(pat); first = false {
		lo := pat[i]
		if lo == ']' && !first {
			return i + 1, matched != negate
		}
		if lo == '\\' && i+1 < len(pat) {
			i++
			lo = pat[i]
		}
		hi := lo
		if i+2 < len(pat) && pat[i+1] == '-' && pat[i+2] != ']' {
			i += 2
			hi = pat[i]
			if hi == '\\' && i+1 < len(pat) {
				i++
				hi = pat[i]
			}
		}
		if lo <= c && c <= hi {
			matched = true
		}
		i++
	}
	return 0, false
}
