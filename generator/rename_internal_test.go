package generator

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// lines is n numbered lines, the first k of them changed by tag.
func lines(n, k int, tag string) string {
	var b strings.Builder
	for i := range n {
		if i < k {
			fmt.Fprintf(&b, "%s line %d\n", tag, i)
		} else {
			fmt.Fprintf(&b, "line %d of the file\n", i)
		}
	}
	return b.String()
}

func TestSimilarity(t *testing.T) {
	score := func(a, b string) int {
		copied, total, ok := similarity(chunkCounts("a", []byte(a)), chunkCounts("b", []byte(b)))
		if !ok {
			return -1
		}
		return copied * 100 / total
	}
	for _, tt := range []struct {
		name string
		a, b string
		want int // -1: below 50%, not a move
	}{
		{"identical", lines(10, 0, ""), lines(10, 0, ""), 100},
		{"a CRLF copy", lines(10, 0, ""), strings.ReplaceAll(lines(10, 0, ""), "\n", "\r\n"), 95}, // CRs count in the size, not the content
		{"two lines of ten", lines(10, 0, ""), lines(10, 2, "new"), 80},
		{"six lines of ten", lines(10, 0, ""), lines(10, 6, "new"), -1},
		{"a third the size", lines(30, 0, ""), lines(10, 0, ""), -1},
		{"a long line is chunks of 64 bytes", strings.Repeat("x", 640), strings.Repeat("x", 576) + strings.Repeat("y", 64), 90},
	} {
		if got := score(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: score %d, want %d", tt.name, got, tt.want)
		}
	}
}

// movesBetween runs findMoves on a base of gone files and a theirs of
// added ones.
func movesBetween(gone, added map[string]string, declared map[string]string) []movePair {
	old := &Manifest{Files: map[string]string{}}
	base := map[string]File{}
	for p, data := range gone {
		old.Files[p] = BlobID([]byte(data))
		base[p] = File{Path: p, Data: []byte(data)}
	}
	theirs := &Tree{Moved: declared}
	for p, data := range added {
		theirs.Files = append(theirs.Files, File{Path: p, Data: []byte(data)})
	}
	slices.SortFunc(theirs.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return findMoves(old, base, theirs)
}

func TestFindMoves(t *testing.T) {
	got := movesBetween(
		map[string]string{"a/x.txt": lines(10, 0, ""), "a/y.txt": lines(10, 10, "y"), "a/z.txt": lines(10, 0, ""), "a/empty": "", "a/d.txt": "declared\n"},
		map[string]string{"b/x.txt": lines(10, 0, ""), "c/x.txt": lines(10, 1, "new"), "b/w.txt": lines(10, 3, "new"), "b/empty": "", "b/d.txt": "rewritten\n"},
		map[string]string{"a/d.txt": "b/d.txt"},
	)
	// Declared first; then exact, preferring the same base name (a/z.txt
	// has the same content, but b/x.txt is taken by a/x.txt); then the
	// best score (c/x.txt, 90%, before b/w.txt, 70%, for a/z.txt). Empty
	// files never pair.
	want := []movePair{{"a/d.txt", "b/d.txt"}, {"a/x.txt", "b/x.txt"}, {"a/z.txt", "c/x.txt"}}
	if !slices.Equal(got, want) {
		t.Errorf("findMoves = %v, want %v", got, want)
	}
}

// Beyond maxMovePairs comparisons only exact and declared moves are found.
func TestFindMovesBounded(t *testing.T) {
	gone, added := map[string]string{}, map[string]string{}
	for i := range 101 {
		gone[fmt.Sprintf("old/%03d", i)] = lines(10, 1, fmt.Sprint("old", i))
		added[fmt.Sprintf("new/%03d", i)] = lines(10, 1, fmt.Sprint("new", i))
	}
	gone["old/same"], added["new/same"] = "exact\n", "exact\n"
	if got, want := movesBetween(gone, added, nil), []movePair{{"old/same", "new/same"}}; !slices.Equal(got, want) {
		t.Errorf("101×101 files: %v, want only the exact move %v", got, want)
	}
	delete(gone, "old/100")
	delete(added, "new/100")
	if got := movesBetween(gone, added, nil); len(got) != 101 {
		t.Errorf("100×100 files: %d moves, want 101", len(got))
	}
}

// BenchmarkFindMoves is the worst case the bound allows: 100 files removed
// and 100 added, 4 KiB each, every pair compared.
func BenchmarkFindMoves(b *testing.B) {
	gone, added := map[string]string{}, map[string]string{}
	for i := range 100 {
		gone[fmt.Sprintf("old/%03d", i)] = lines(200, 20, fmt.Sprint("old", i))
		added[fmt.Sprintf("new/%03d", i)] = lines(200, 20, fmt.Sprint("new", i))
	}
	for b.Loop() {
		if got := movesBetween(gone, added, nil); len(got) != 100 {
			b.Fatalf("%d moves", len(got))
		}
	}
}

// A file that becomes a directory, or a directory a file, is not a move:
// it upgrades as delete and add, as trust_file_to_dir.txtar tells.
func TestFindMovesNotNested(t *testing.T) {
	if got := movesBetween(map[string]string{"conf": "port: 8080\n"}, map[string]string{"conf/app.yml": "port: 8080\n"}, nil); len(got) != 0 {
		t.Errorf("conf -> conf/app.yml: %v, want no move", got)
	}
	if got := movesBetween(map[string]string{"conf/app.yml": "port: 8080\n"}, map[string]string{"conf": "port: 8080\n"}, map[string]string{"conf/app.yml": "conf"}); len(got) != 0 {
		t.Errorf("conf/app.yml -> conf, declared: %v, want no move", got)
	}
}
