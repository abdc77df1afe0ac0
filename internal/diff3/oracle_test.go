package diff3

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/gittest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

func checkAgainstGit(t *testing.T, git, dir, what string, base, ours, theirs []byte) bool {
	t.Helper()
	want, status := gittest.MergeFile(t, git, dir, base, ours, theirs, "theirs")
	got := Merge(base, ours, theirs, gitLabels)
	if bytes.Equal(got.Data, want) && min(got.Conflicts, 127) == status {
		return true
	}
	t.Errorf("%s differs from git merge-file\nbase:   %q\nours:   %q\ntheirs: %q\ngit (status %d):\n%s\nMerge (%d conflicts):\n%s",
		what, base, ours, theirs, status, want, got.Conflicts, got.Data)
	return false
}

// TestMergeTableMatchesGit keeps the hand-written expectations honest.
func TestMergeTableMatchesGit(t *testing.T) {
	git := testtool.Require(t, "git", "apt-get install git")
	dir := t.TempDir()
	for _, c := range mergeCases {
		if c.notGit != "" || c.labels != nil {
			continue
		}
		checkAgainstGit(t, git, dir, c.name, []byte(c.base), []byte(c.ours), []byte(c.theirs))
	}
}

// sideEdits derives one side from base lines by random replacements,
// insertions and deletions. shared holds edits (by base index, -1 for "after
// the last line") that both sides make identically. New lines are named
// after their side and numbered, so that, with unique base lines, every line
// occurs at most once per file: the longest common subsequence is then
// unique and any two correct diffs agree, which makes byte equality with git
// a fair demand.
type edit struct {
	del bool     // drop the base line
	ins []string // lines inserted before it (after it when it is a replacement)
	rep []string // replacement for the base line
}

func randomEdits(rng *rand.Rand, n int, name string, counter *int) map[int]edit {
	newLine := func() string {
		*counter++
		return fmt.Sprintf("%s %d", name, *counter)
	}
	newLines := func() []string {
		l := []string{newLine()}
		if rng.Intn(3) == 0 {
			l = append(l, newLine())
		}
		return l
	}
	edits := map[int]edit{}
	for k := rng.Intn(5); k >= 0; k-- {
		i := rng.Intn(n+1) - 1 // -1: append at the end
		var e edit
		switch op := rng.Intn(3); {
		case i == -1 || op == 0:
			e.ins = newLines()
		case op == 1:
			e.del = true
		default:
			e.rep = newLines()
		}
		edits[i] = e
	}
	return edits
}

func applyEdits(base []string, own, shared map[int]edit) []string {
	var out []string
	at := func(i int) (edit, bool) {
		if e, ok := shared[i]; ok {
			return e, true
		}
		e, ok := own[i]
		return e, ok
	}
	for i, l := range base {
		e, ok := at(i)
		if !ok {
			out = append(out, l)
			continue
		}
		out = append(out, e.ins...)
		switch {
		case e.del:
		case e.rep != nil:
			out = append(out, e.rep...)
		default:
			out = append(out, l)
		}
	}
	if e, ok := at(-1); ok {
		out = append(out, e.ins...)
	}
	return out
}

func render(lines []string, eol string, finalNewline bool) []byte {
	if len(lines) == 0 {
		return nil
	}
	s := strings.Join(lines, eol)
	if finalNewline {
		s += eol
	}
	return []byte(s)
}

// TestMergeMatchesGitOnUniqueLines is the oracle: generated merges whose
// correct result does not depend on diff tie-breaking must come out
// byte-identical to git merge-file, with the same clean/conflict outcome.
func TestMergeMatchesGitOnUniqueLines(t *testing.T) {
	git := testtool.Require(t, "git", "apt-get install git")
	const cases = 500
	rng := rand.New(rand.NewSource(20240611))
	dir := t.TempDir()
	clean, conflicted, failed := 0, 0, 0
	for c := 0; c < cases && failed < 5; c++ {
		n := 5 + rng.Intn(36)
		base := make([]string, n)
		for i := range base {
			base[i] = fmt.Sprintf("line %d", i+1)
		}
		var oc, tc, bc int
		shared := map[int]edit{}
		if rng.Intn(3) == 0 {
			shared = randomEdits(rng, n, "both", &bc)
		}
		ours := applyEdits(base, randomEdits(rng, n, "ours", &oc), shared)
		theirs := applyEdits(base, randomEdits(rng, n, "theirs", &tc), shared)

		eol := "\n"
		if rng.Intn(8) == 0 {
			eol = "\r\n"
		}
		// A missing final newline changes the last line, which stays unique.
		fin := func() bool { return rng.Intn(8) != 0 }
		b, o, th := render(base, eol, fin()), render(ours, eol, fin()), render(theirs, eol, fin())
		if !checkAgainstGit(t, git, dir, fmt.Sprintf("case %d", c), b, o, th) {
			failed++
			continue
		}
		if Merge(b, o, th, gitLabels).Conflicts == 0 {
			clean++
		} else {
			conflicted++
		}
	}
	t.Logf("%d generated cases agree with git merge-file: %d clean, %d with conflicts", clean+conflicted, clean, conflicted)
	if clean < cases/10 || conflicted < cases/10 {
		t.Errorf("generator is lopsided: %d clean, %d conflicted", clean, conflicted)
	}
}

// TestMergeMatchesGitOnRepeatedLines goes further than the brief needs:
// with lines drawn from a tiny alphabet, several shortest diffs exist and the
// result depends on which one is picked. Merge ports git's diff, so it
// should still agree byte for byte.
func TestMergeMatchesGitOnRepeatedLines(t *testing.T) {
	git := testtool.Require(t, "git", "apt-get install git")
	const cases = 70
	rng := rand.New(rand.NewSource(7))
	// Skewed towards braces and blank lines, so that some lines have more
	// partners than git's cut-off and git's discarding rules come into play.
	alphabet := []string{"}", "}", "}", "", "", "\treturn nil", "a", "b"}
	pick := func(n int) []string {
		l := make([]string, n)
		for i := range l {
			l[i] = alphabet[rng.Intn(len(alphabet))]
		}
		return l
	}
	fresh := 0
	insert := func() []string {
		if rng.Intn(2) == 0 {
			fresh++
			return []string{fmt.Sprintf("new %d", fresh)}
		}
		return pick(1)
	}
	mutate := func(base []string) []string {
		var out []string
		for _, l := range base {
			switch rng.Intn(16) {
			case 0, 1: // delete
			case 2, 3: // replace
				out = append(out, insert()...)
			case 4, 5:
				out = append(out, insert()...)
				out = append(out, l)
			case 6:
				// A brace among new code: git drops such a line from
				// matching (xdl_clean_mmatch) rather than align on it.
				for k := 3 + rng.Intn(3); k > 0; k-- {
					fresh++
					out = append(out, fmt.Sprintf("new %d", fresh))
				}
				out = append(out, "}")
				for k := 3 + rng.Intn(3); k > 0; k-- {
					fresh++
					out = append(out, fmt.Sprintf("new %d", fresh))
				}
				out = append(out, l)
			default:
				out = append(out, l)
			}
		}
		return out
	}
	dir := t.TempDir()
	failed := 0
	for c := 0; c < cases && failed < 5; c++ {
		base := pick(5 + rng.Intn(60))
		b := render(base, "\n", true)
		o := render(mutate(base), "\n", true)
		th := render(mutate(base), "\n", true)
		if !checkAgainstGit(t, git, dir, fmt.Sprintf("repeated-lines case %d", c), b, o, th) {
			failed++
		}
	}
}

// TestMergeMatchesGitOnLargeRewrites reaches the parts of git's diff that
// only run when the edit cost passes 256: the snake heuristic and the cost
// cut-off, which give up on a minimal diff to stay fast.
func TestMergeMatchesGitOnLargeRewrites(t *testing.T) {
	git := testtool.Require(t, "git", "apt-get install git")
	rng := rand.New(rand.NewSource(99))
	dir := t.TempDir()
	fresh := 0
	line := func() string {
		if rng.Intn(4) == 0 {
			fresh++
			return fmt.Sprintf("new %d", fresh)
		}
		return fmt.Sprintf("l%d", rng.Intn(300))
	}
	for c := 0; c < 4; c++ {
		// The last case is big enough (mxcost 512) for the snake
		// heuristic to run; its result is not observable here, as the
		// point it picks lies on an optimal path, but it must not break.
		base := make([]string, []int{1500, 2000, 3000, 40000}[c])
		for i := range base {
			base[i] = line()
		}
		mutate := func(rate int) []string {
			var out []string
			for _, l := range base {
				switch rng.Intn(rate) {
				case 0:
				case 1:
					out = append(out, line())
				case 2:
					out = append(out, line(), l)
				default:
					out = append(out, l)
				}
			}
			return out
		}
		rate := []int{4, 6, 12, 30}[c]
		b := render(base, "\n", true)
		o, th := render(mutate(rate), "\n", true), render(mutate(rate), "\n", true)
		checkAgainstGit(t, git, dir, fmt.Sprintf("large case %d", c), b, o, th)
	}
}
