// Package diff3 merges two edited versions of a file against their common
// ancestor, line by line, with the output of git merge-file --diff3.
//
// The algorithm is diff3 (Khanna, Kunal and Pierce, "A formal investigation
// of diff3"): diff base against ours and against theirs; base lines neither
// side touched are stable and copied; each run of edits between them takes
// the side that changed, the change once if both made the same one, and is
// a conflict otherwise. Like git, edits that touch (adjacent lines, or an
// insertion next to a change) fall into one run, so they conflict.
//
// The diffs are a port of git's xdiff, because where lines repeat several
// shortest diffs exist and the choice among them moves conflict boundaries.
package diff3

import "bytes"

// Labels name the three sides in conflict markers.
type Labels struct{ Ours, Base, Theirs string }

// Result is the outcome of Merge.
type Result struct {
	Data      []byte // merged file
	Conflicts int    // number of conflict hunks written with markers
}

// Merge merges the changes base->theirs into ours.
//
// Lines keep their terminators, so CRLF files and a missing final newline
// come through byte for byte. An empty label writes a bare marker (no
// trailing space), as git does for a side without a name.
func Merge(base, ours, theirs []byte, labels Labels) Result {
	var cl classifier
	b := cl.file(base)
	o := cl.file(ours)
	t := cl.file(theirs)

	oh := diffIDs(b.ids, o.ids, len(cl.ids))
	th := diffIDs(b.ids, t.ids, len(cl.ids))
	// Whole-file shortcuts, as in xdl_merge: also what makes a side that
	// changed nothing yield the other side's bytes untouched.
	if len(oh) == 0 {
		return Result{Data: bytes.Clone(theirs)}
	}
	if len(th) == 0 {
		return Result{Data: bytes.Clone(ours)}
	}
	regions := mergeHunks(oh, th, &b, &o, &t)
	m := merger{base: b, ours: o, theirs: t, labels: labels}
	m.out = make([]byte, 0, len(ours)+len(theirs)/4)
	return m.write(regions)
}

// file is one side split into lines, each with its terminator.
type file struct {
	lines [][]byte
	ids   []int
}

// classifier gives byte-equal lines of all three sides the same id.
type classifier struct {
	ids map[string]int
}

func (c *classifier) file(data []byte) file {
	if c.ids == nil {
		c.ids = make(map[string]int)
	}
	var f file
	for len(data) > 0 {
		n := bytes.IndexByte(data, '\n') + 1
		if n == 0 {
			n = len(data)
		}
		line := data[:n:n]
		data = data[n:]
		id, ok := c.ids[string(line)]
		if !ok {
			id = len(c.ids)
			c.ids[string(line)] = id
		}
		f.lines = append(f.lines, line)
		f.ids = append(f.ids, id)
	}
	return f
}

// Region modes.
const (
	conflict = iota
	takeOurs
	takeTheirs
)

// region is a stretch of the merge: base lines [i0, i0+chg0) became ours
// lines [i1, i1+chg1) and theirs lines [i2, i2+chg2).
type region struct {
	mode                         int
	i0, chg0, i1, chg1, i2, chg2 int
}

// mergeHunks walks both edit scripts in base order (xdl_do_merge at the
// EAGER level that git uses for --diff3). A hunk that ends strictly before
// the other side's next hunk starts is one-sided; otherwise the two overlap
// or touch, and unless they are the very same edit they form a conflict.
// Regions that touch are joined, so a conflict absorbs its neighbours.
//
// "The very same edit" is git's test: one hunk on each side, same base range,
// same new lines. Both sides can reach the same text through differently cut
// hunks only where lines repeat; git calls that a conflict and so do we.
func mergeHunks(oh, th []hunk, b, o, t *file) []region {
	nb, no, nt := len(b.ids), len(o.ids), len(t.ids)
	var rs []region
	add := func(r region) {
		if n := len(rs); n > 0 {
			m := &rs[n-1]
			if r.i1 <= m.i1+m.chg1 || r.i2 <= m.i2+m.chg2 {
				if r.mode != m.mode {
					m.mode = conflict
				}
				m.chg0 = r.i0 + r.chg0 - m.i0
				m.chg1 = r.i1 + r.chg1 - m.i1
				m.chg2 = r.i2 + r.chg2 - m.i2
				return
			}
		}
		rs = append(rs, r)
	}
	for len(oh) > 0 && len(th) > 0 {
		x, y := oh[0], th[0]
		if x.i1+x.chg1 < y.i1 {
			add(region{takeOurs, x.i1, x.chg1, x.i2, x.chg2, y.i2 - y.i1 + x.i1, x.chg1})
			oh = oh[1:]
			continue
		}
		if y.i1+y.chg1 < x.i1 {
			add(region{takeTheirs, y.i1, y.chg1, x.i2 - x.i1 + y.i1, y.chg1, y.i2, y.chg2})
			th = th[1:]
			continue
		}
		if x.i1 != y.i1 || x.chg1 != y.chg1 || x.chg2 != y.chg2 || !equalIDs(o.ids[x.i2:x.i2+x.chg2], t.ids[y.i2:y.i2+y.chg2]) {
			off := x.i1 - y.i1
			ffo := off + x.chg1 - y.chg1
			i0, i1, i2 := x.i1, x.i2, y.i2
			if off > 0 {
				i0 -= off
				i1 -= off
			} else {
				i2 += off
			}
			chg0 := x.i1 + x.chg1 - i0
			chg1 := x.i2 + x.chg2 - i1
			chg2 := y.i2 + y.chg2 - i2
			if ffo < 0 {
				chg0 -= ffo
				chg1 -= ffo
			} else {
				chg2 += ffo
			}
			add(region{conflict, i0, chg0, i1, chg1, i2, chg2})
		}
		e1, e2 := x.i1+x.chg1, y.i1+y.chg1
		if e1 >= e2 {
			th = th[1:]
		}
		if e2 >= e1 {
			oh = oh[1:]
		}
	}
	for _, x := range oh {
		add(region{takeOurs, x.i1, x.chg1, x.i2, x.chg2, x.i1 + nt - nb, x.chg1})
	}
	for _, y := range th {
		add(region{takeTheirs, y.i1, y.chg1, y.i1 + no - nb, y.chg1, y.i2, y.chg2})
	}
	return rs
}

func equalIDs(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type merger struct {
	base, ours, theirs file
	labels             Labels
	out                []byte
}

// write lays out the regions over ours (xdl_fill_merge_buffer): lines
// between regions are copied from ours, which equals base there or carries
// an edit both sides made identically.
func (m *merger) write(rs []region) Result {
	var res Result
	i := 0
	for _, r := range rs {
		m.copyLines(m.ours.lines[i:r.i1], false, false)
		switch r.mode {
		case takeOurs:
			m.copyLines(m.ours.lines[r.i1:r.i1+r.chg1], false, false)
		case takeTheirs:
			m.copyLines(m.theirs.lines[r.i2:r.i2+r.chg2], false, false)
		default:
			res.Conflicts++
			m.conflict(r)
		}
		i = r.i1 + r.chg1
	}
	m.copyLines(m.ours.lines[i:], false, false)
	res.Data = m.out
	return res
}

func (m *merger) conflict(r region) {
	cr := m.needsCR(r)
	m.marker('<', m.labels.Ours, cr)
	m.copyLines(m.ours.lines[r.i1:r.i1+r.chg1], true, cr)
	m.marker('|', m.labels.Base, cr)
	m.copyLines(m.base.lines[r.i0:r.i0+r.chg0], true, cr)
	m.marker('=', "", cr)
	m.copyLines(m.theirs.lines[r.i2:r.i2+r.chg2], true, cr)
	m.marker('>', m.labels.Theirs, cr)
}

func (m *merger) marker(c byte, label string, cr bool) {
	for range 7 {
		m.out = append(m.out, c)
	}
	if label != "" {
		m.out = append(m.out, ' ')
		m.out = append(m.out, label...)
	}
	m.eol(cr)
}

func (m *merger) eol(cr bool) {
	if cr {
		m.out = append(m.out, '\r')
	}
	m.out = append(m.out, '\n')
}

// copyLines appends lines; inside a conflict (addNL) a last line without a
// newline gets one, or the marker after it would not start a line.
func (m *merger) copyLines(lines [][]byte, addNL, cr bool) {
	for _, l := range lines {
		m.out = append(m.out, l...)
	}
	if addNL && len(lines) > 0 {
		if l := lines[len(lines)-1]; len(l) == 0 || l[len(l)-1] != '\n' {
			m.eol(cr)
		}
	}
}

// needsCR is git's is_cr_needed: markers (and newlines added inside the
// conflict) end in CRLF when the line before the conflict on each side, and
// the first line of base, end in CRLF; sides whose style cannot be told
// do not vote, and a tie goes to LF.
func (m *merger) needsCR(r region) bool {
	prev := func(i int) int {
		if i > 0 {
			return i - 1
		}
		return 0
	}
	v := eolCRLF(m.ours.lines, prev(r.i1))
	if v != 0 {
		v = eolCRLF(m.theirs.lines, prev(r.i2))
	}
	if v != 0 {
		v = eolCRLF(m.base.lines, 0)
	}
	return v > 0
}

// eolCRLF is git's is_eol_crlf: 1 if line i ends in CRLF, 0 if in a bare LF,
// -1 if unknown (empty file, or a single line without a newline). A last
// line without a newline takes the style of the line before it.
func eolCRLF(lines [][]byte, i int) int {
	crlf := func(l []byte) int {
		if len(l) > 1 && l[len(l)-2] == '\r' {
			return 1
		}
		return 0
	}
	n := len(lines)
	if i < n-1 {
		return crlf(lines[i])
	}
	if n == 0 {
		return -1
	}
	if l := lines[i]; len(l) > 0 && l[len(l)-1] == '\n' {
		return crlf(l)
	}
	if i == 0 {
		return -1
	}
	return crlf(lines[i-1])
}
