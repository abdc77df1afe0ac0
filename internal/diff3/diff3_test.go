package diff3

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

var gitLabels = Labels{Ours: "ours", Base: "base", Theirs: "theirs"}

type mergeCase struct {
	name               string
	base, ours, theirs string
	labels             *Labels // nil means gitLabels
	want               string
	conflicts          int
	notGit             string // why git cannot check this case
}

// conflictText builds the expected markers for one conflict with gitLabels.
func conflictText(ours, base, theirs string) string {
	return "<<<<<<< ours\n" + ours + "||||||| base\n" + base + "=======\n" + theirs + ">>>>>>> theirs\n"
}

var mergeCases = []mergeCase{
	{
		name: "non-overlapping edits merge cleanly",
		base: "a\nb\nc\nd\ne\n", ours: "A\nb\nc\nd\ne\n", theirs: "a\nb\nc\nd\nE\n",
		want: "A\nb\nc\nd\nE\n",
	},
	{
		name: "one untouched line between edits is enough",
		base: "a\nb\nc\nd\ne\n", ours: "a\nB\nc\nd\ne\n", theirs: "a\nb\nc\nD\ne\n",
		want: "a\nB\nc\nD\ne\n",
	},
	{
		name: "edits on neighbouring lines conflict",
		base: "a\nb\nc\nd\n", ours: "a\nB\nc\nd\n", theirs: "a\nb\nC\nd\n",
		want:      "a\n" + conflictText("B\nc\n", "b\nc\n", "b\nC\n") + "d\n",
		conflicts: 1,
	},
	{
		name: "insertion next to an edit conflicts",
		base: "a\nb\nc\n", ours: "a\nx\nb\nc\n", theirs: "a\nB\nc\n",
		want:      "a\n" + conflictText("x\nb\n", "b\n", "B\n") + "c\n",
		conflicts: 1,
	},
	{
		name: "different insertions at the start",
		base: "a\nb\n", ours: "x\na\nb\n", theirs: "y\na\nb\n",
		want:      conflictText("x\n", "", "y\n") + "a\nb\n",
		conflicts: 1,
	},
	{
		name: "insertion at start on one side, at end on the other",
		base: "a\nb\n", ours: "x\na\nb\n", theirs: "a\nb\ny\n",
		want: "x\na\nb\ny\n",
	},
	{
		name: "different insertions at the end",
		base: "a\nb\n", ours: "a\nb\nx\n", theirs: "a\nb\ny\n",
		want:      "a\nb\n" + conflictText("x\n", "", "y\n"),
		conflicts: 1,
	},
	{
		name: "same insertion on both sides is taken once",
		base: "a\nb\n", ours: "a\nx\nb\n", theirs: "a\nx\nb\n",
		want: "a\nx\nb\n",
	},
	{
		name: "deletion against an edit conflicts",
		base: "a\nb\nc\n", ours: "a\nc\n", theirs: "a\nB\nc\n",
		want:      "a\n" + conflictText("", "b\n", "B\n") + "c\n",
		conflicts: 1,
	},
	{
		name: "same edit on both sides plus one-sided edits",
		base: "a\nb\nc\nd\ne\n", ours: "a\nB\nc\nd\nE\n", theirs: "x\na\nB\nc\nd\ne\n",
		want: "x\na\nB\nc\nd\nE\n",
	},
	{
		name: "both sides delete the same lines",
		base: "a\nb\nc\nd\n", ours: "a\nd\n", theirs: "a\nd\nz\n",
		want: "a\nd\nz\n",
	},
	{
		name: "two separate conflicts are counted apart",
		base: "a\nb\nc\nd\ne\nf\ng\n", ours: "a\nB1\nc\nd\ne\nF1\ng\n", theirs: "a\nB2\nc\nd\ne\nF2\ng\n",
		want: "a\n" + conflictText("B1\n", "b\n", "B2\n") + "c\nd\ne\n" +
			conflictText("F1\n", "f\n", "F2\n") + "g\n",
		conflicts: 2,
	},
	{
		name: "CRLF clean merge keeps CRLF",
		base: "a\r\nb\r\nc\r\nd\r\n", ours: "a\r\nB\r\nc\r\nd\r\n", theirs: "a\r\nb\r\nc\r\nD\r\n",
		want: "a\r\nB\r\nc\r\nD\r\n",
	},
	{
		name: "CRLF conflict writes CRLF markers",
		base: "a\r\nb\r\nc\r\n", ours: "a\r\nX\r\nc\r\n", theirs: "a\r\nY\r\nc\r\n",
		want:      "a\r\n<<<<<<< ours\r\nX\r\n||||||| base\r\nb\r\n=======\r\nY\r\n>>>>>>> theirs\r\nc\r\n",
		conflicts: 1,
	},
	{
		name: "ours drops the final newline, theirs edits elsewhere",
		base: "a\nb\nc\n", ours: "a\nb\nc", theirs: "A\nb\nc\n",
		want: "A\nb\nc",
	},
	{
		name: "theirs drops the final newline, next to an edit of ours",
		base: "a\nb\nc\n", ours: "a\nB\nc\n", theirs: "a\nb\nc",
		// git ends theirs' side with a newline so that the marker starts a line.
		want:      "a\n" + conflictText("B\nc\n", "b\nc\n", "b\nc\n"),
		conflicts: 1,
	},
	{
		name: "no final newline on any side, last line in conflict",
		base: "a\nb", ours: "a\nx", theirs: "a\ny",
		want:      "a\n" + conflictText("x\n", "b\n", "y\n"),
		conflicts: 1,
	},
	{
		name: "no final newline on any side, clean",
		base: "a\nb\nc", ours: "A\nb\nc", theirs: "a\nb\nC",
		want: "A\nb\nC",
	},
	{
		name: "empty base, different additions",
		base: "", ours: "x\n", theirs: "y\n",
		want:      conflictText("x\n", "", "y\n"),
		conflicts: 1,
	},
	{
		name: "empty base, identical additions",
		base: "", ours: "x\ny\n", theirs: "x\ny\n",
		want: "x\ny\n",
	},
	{
		name: "empty base and ours",
		base: "", ours: "", theirs: "y\n",
		want: "y\n",
	},
	{
		name: "ours emptied, theirs untouched",
		base: "a\nb\n", ours: "", theirs: "a\nb\n",
		want: "",
	},
	{
		name: "ours emptied, theirs edited",
		base: "a\nb\n", ours: "", theirs: "a\nB\n",
		want:      conflictText("", "a\nb\n", "a\nB\n"),
		conflicts: 1,
	},
	{
		name: "theirs emptied, ours untouched",
		base: "a\nb\n", ours: "a\nb\n", theirs: "",
		want: "",
	},
	{
		name: "all empty",
		want: "",
	},
	{
		name:   "repeated lines: new function after a closing brace",
		base:   "func a() {\n}\n\nfunc b() {\n}\n",
		ours:   "func a() {\n}\n\nfunc n() {\n}\n\nfunc b() {\n}\n",
		theirs: "func a() {\n\tx()\n}\n\nfunc b() {\n}\n",
		want:   "func a() {\n\tx()\n}\n\nfunc n() {\n}\n\nfunc b() {\n}\n",
	},
	{
		name: "labels with spaces",
		base: "a\n", ours: "b\n", theirs: "c\n",
		labels:    &Labels{Ours: "my file", Base: "template 1.0", Theirs: "template 2.0"},
		want:      "<<<<<<< my file\nb\n||||||| template 1.0\na\n=======\nc\n>>>>>>> template 2.0\n",
		conflicts: 1,
	},
	{
		name: "empty labels write bare markers",
		base: "a\n", ours: "b\n", theirs: "c\n",
		labels:    &Labels{},
		want:      "<<<<<<<\nb\n|||||||\na\n=======\nc\n>>>>>>>\n",
		conflicts: 1,
		notGit:    `git -L "" writes "<<<<<<< " with a trailing space`,
	},
}

func (c mergeCase) labelsOrDefault() Labels {
	if c.labels != nil {
		return *c.labels
	}
	return gitLabels
}

func TestMerge(t *testing.T) {
	for _, c := range mergeCases {
		t.Run(c.name, func(t *testing.T) {
			got := Merge([]byte(c.base), []byte(c.ours), []byte(c.theirs), c.labelsOrDefault())
			if string(got.Data) != c.want || got.Conflicts != c.conflicts {
				t.Errorf("Merge:\ngot  %d conflicts, %q\nwant %d conflicts, %q", got.Conflicts, got.Data, c.conflicts, c.want)
			}
		})
	}
}

// TestMergeDoesNotAliasInputs guards the shortcut that returns one side
// whole: callers may reuse their buffers.
func TestMergeDoesNotAliasInputs(t *testing.T) {
	base, ours, theirs := []byte("a\n"), []byte("a\n"), []byte("b\n")
	got := Merge(base, ours, theirs, gitLabels)
	theirs[0] = 'z'
	if string(got.Data) != "b\n" {
		t.Fatalf("result changed with its input: %q", got.Data)
	}
}

// benchFile is a Go-like file of about 300 lines, with repeats (braces,
// blank lines) as real code has.
func benchFile() []string {
	var lines []string
	for f := 0; f < 30; f++ {
		lines = append(lines,
			fmt.Sprintf("// F%d does step %d.", f, f),
			fmt.Sprintf("func F%d(x int) int {", f),
			"\tif x < 0 {",
			"\t\treturn 0",
			"\t}",
			fmt.Sprintf("\ty := x * %d", f),
			"\tfor i := 0; i < y; i++ {",
			"\t\tx += i",
			"\t}",
			"\treturn x",
			"}",
		)
	}
	return lines
}

func BenchmarkMerge(b *testing.B) {
	lines := benchFile()
	edit := func(f func(l []string) []string) []byte {
		l := append([]string(nil), lines...)
		return []byte(strings.Join(f(l), "\n") + "\n")
	}
	base := edit(func(l []string) []string { return l })
	ours := edit(func(l []string) []string {
		l[5] = "\ty := x * 100"
		l[120] = "// F10 does something else."
		l = append(l[:200], append([]string{"\tlog.Print(x)"}, l[200:]...)...)
		return l
	})
	theirs := edit(func(l []string) []string {
		l[40] = "\tif x <= 0 {"
		l[121] = "func F10(x int64) int {"
		l = append(l[:300], "// end")
		return l
	})
	res := Merge(base, ours, theirs, gitLabels)
	if res.Conflicts != 1 {
		b.Fatalf("benchmark merge has %d conflicts, want 1:\n%s", res.Conflicts, res.Data)
	}
	b.SetBytes(int64(len(base)))
	b.ReportAllocs()
	for b.Loop() {
		Merge(base, ours, theirs, gitLabels)
	}
}

func FuzzMerge(f *testing.F) {
	for _, c := range mergeCases {
		f.Add([]byte(c.base), []byte(c.ours), []byte(c.theirs))
	}
	f.Add([]byte("a\na\na\n"), []byte("a\nb\na\na\n"), []byte("a\na\n"))
	f.Add([]byte("x\r\ny"), []byte("x\r\n"), []byte("\n\n\r"))
	f.Fuzz(func(t *testing.T, base, ours, theirs []byte) {
		r := Merge(base, ours, theirs, gitLabels)
		if again := Merge(base, ours, theirs, gitLabels); !bytes.Equal(r.Data, again.Data) || r.Conflicts != again.Conflicts {
			t.Fatalf("not deterministic")
		}
		for _, p := range [][2][]byte{{base, ours}, {ours, theirs}} {
			x, y := p[0], p[1]
			if r := Merge(x, x, y, gitLabels); !bytes.Equal(r.Data, y) || r.Conflicts != 0 {
				t.Fatalf("Merge(x, x, y) = %d conflicts, %q; want y = %q", r.Conflicts, r.Data, y)
			}
			if r := Merge(x, y, x, gitLabels); !bytes.Equal(r.Data, y) || r.Conflicts != 0 {
				t.Fatalf("Merge(x, y, x) = %d conflicts, %q; want y = %q", r.Conflicts, r.Data, y)
			}
			if r := Merge(x, y, y, gitLabels); !bytes.Equal(r.Data, y) || r.Conflicts != 0 {
				t.Fatalf("Merge(b, o, o) = %d conflicts, %q; want o = %q", r.Conflicts, r.Data, y)
			}
		}
		start := []byte("<<<<<<< ours")
		inputs := bytes.Count(ours, start) + bytes.Count(theirs, start) + bytes.Count(base, start)
		got := bytes.Count(r.Data, start)
		switch {
		case r.Conflicts == 0 && got > inputs:
			t.Fatalf("clean merge has %d conflict markers, inputs had %d: %q", got, inputs, r.Data)
		case r.Conflicts > 0 && got < r.Conflicts:
			t.Fatalf("%d conflicts but %d start markers: %q", r.Conflicts, got, r.Data)
		}
		if r.Conflicts == 0 {
			// A clean merge cannot depend on which side is called ours.
			s := Merge(base, theirs, ours, gitLabels)
			if s.Conflicts != 0 || !bytes.Equal(s.Data, r.Data) {
				t.Fatalf("clean merge not symmetric: %q vs %d conflicts, %q", r.Data, s.Conflicts, s.Data)
			}
		}
	})
}
