package generator

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"
)

// Moved files. A release that moves scripts/upload.sh to tools/upload.sh
// should carry the team's edits to the new path, as git merge of the same
// trees does. An upgrade finds the moves between the base (the old
// release, old paths) and theirs (the new release, new paths): a file the
// template no longer renders pairs with one it renders for the first time
//
//   - when template.yaml's moved: declares it (OLD: NEW; a chain of moves
//     over several releases is followed), for content that changed too much
//     to be found;
//   - else when their content is identical (git's exact renames);
//   - else when their content is similar enough: git's similarity score
//     (diffcore-delta.c), at least 50%, git's default, best score first.
//
// Each file pairs at most once. The team's file at OLD then goes through
// the decision table as if it were at NEW (decide, with base = OLD as
// generated), and the change is written at NEW while OLD is removed: Move,
// or a Conflict or Sidecar that keeps From. Where the team deleted OLD, git
// reports a rename/delete conflict, and so does the upgrade: NEW is written
// as the template has it, with stages 1 and 3. Where the team has something
// of its own at NEW, or OLD is a symlink, a directory or a device, nothing
// moves: the ordinary decisions apply to both paths, so nothing of the
// team's is clobbered or written through.

// minMoveScore is git's default similarity for a rename, in percent.
const minMoveScore = 50

// maxMovePairs bounds the similarity comparisons of one upgrade (files
// removed × files added), as git's merge.renameLimit does: beyond it only
// exact and declared moves are found.
const maxMovePairs = 100 * 100

// movePair is one file the template moved.
type movePair struct{ from, to string }

// findMoves pairs the paths old records that theirs lacks with those
// theirs renders that old lacks: declared, then exact, then similar.
func findMoves(old *Manifest, base map[string]File, theirs *Tree) []movePair {
	var gone, added []string
	for _, p := range sortedKeys(old.Files) {
		if _, ok := theirs.File(p); !ok && p != ManifestFile {
			gone = append(gone, p)
		}
	}
	for _, f := range theirs.Files {
		if _, ok := old.Files[f.Path]; !ok && f.Path != ManifestFile {
			added = append(added, f.Path)
		}
	}
	if len(gone) == 0 || len(added) == 0 {
		return nil
	}
	m := &mover{paired: map[string]bool{}}
	m.declared(theirs.Moved, gone, added)
	m.exact(old, theirs, gone, added)
	m.similar(old, base, theirs, gone, added)
	return m.pairs
}

// mover is one findMoves: the pairs found, and each path paired.
type mover struct {
	pairs  []movePair
	paired map[string]bool
}

func (m *mover) pair(from, to string) {
	m.pairs = append(m.pairs, movePair{from, to})
	m.paired[from], m.paired[to] = true, true
}

// declared pairs the moves template.yaml declares, following a chain
// (a -> b in one release, b -> c in the next) to a path theirs renders.
func (m *mover) declared(moved map[string]string, gone, added []string) {
	for _, from := range sortedKeys(moved) {
		if !slices.Contains(gone, from) {
			continue
		}
		to := moved[from]
		for range len(moved) {
			next, ok := moved[to]
			if slices.Contains(added, to) || !ok {
				break
			}
			to = next
		}
		if slices.Contains(added, to) && !m.paired[from] && !m.paired[to] && !nested(from, to) {
			m.pair(from, to)
		}
	}
}

// exact pairs files whose content did not change, preferring the same
// base name, as git does. Empty files are never paired: any two match.
func (m *mover) exact(old *Manifest, theirs *Tree, gone, added []string) {
	byDigest := map[string][]string{}
	for _, p := range added {
		if f, _ := theirs.File(p); len(f.Data) > 0 && !m.paired[p] {
			byDigest[BlobID(f.Data)] = append(byDigest[BlobID(f.Data)], p)
		}
	}
	for _, from := range gone {
		var best string
		for _, to := range byDigest[old.Files[from]] {
			if m.paired[from] || m.paired[to] || nested(from, to) {
				continue
			}
			if best == "" || (path.Base(to) == path.Base(from) && path.Base(best) != path.Base(from)) {
				best = to
			}
		}
		if best != "" {
			m.pair(from, best)
		}
	}
}

// similar pairs the rest by similarity, best score first; it needs the
// content of the removed file as generated.
func (m *mover) similar(old *Manifest, base map[string]File, theirs *Tree, gone, added []string) {
	var from, to []*chunks
	for _, p := range gone {
		if f, ok := base[p]; ok && !m.paired[p] && BlobID(f.Data) == old.Files[p] && len(f.Data) > 0 {
			from = append(from, chunkCounts(p, f.Data))
		}
	}
	for _, p := range added {
		if f, _ := theirs.File(p); !m.paired[p] && len(f.Data) > 0 {
			to = append(to, chunkCounts(p, f.Data))
		}
	}
	if len(from)*len(to) > maxMovePairs {
		return
	}
	type scored struct {
		from, to      string
		copied, total int
	}
	var found []scored
	for _, a := range from {
		for _, b := range to {
			if copied, total, ok := similarity(a, b); ok && !nested(a.path, b.path) {
				found = append(found, scored{a.path, b.path, copied, total})
			}
		}
	}
	slices.SortStableFunc(found, func(x, y scored) int {
		return y.copied*x.total - x.copied*y.total // higher score first
	})
	for _, s := range found {
		if !m.paired[s.from] && !m.paired[s.to] {
			m.pair(s.from, s.to)
		}
	}
}

// nested reports whether one path is inside the other: a file that
// becomes a directory (conf -> conf/app.yml) or the reverse is not a move.
// It upgrades as it always has, deleted and then added, which the team
// can follow by moving its own file aside.
func nested(from, to string) bool {
	return strings.HasPrefix(to, from+"/") || strings.HasPrefix(from, to+"/")
}

// chunks is a file as git's similarity sees it: how many bytes of it are
// in chunks of each hash, sorted by hash.
type chunks struct {
	path  string
	size  int
	spans []span
}

type span struct {
	hash  uint32
	bytes int
}

// chunkCounts cuts data as diffcore-delta.c does: a chunk ends after a
// newline or at 64 bytes, and in a text file a CR before LF is not
// counted, so a CRLF copy is the same content.
func chunkCounts(p string, data []byte) *chunks {
	const offset, prime = 2166136261, 16777619 // FNV-1a
	counts := map[uint32]int{}
	text := !isBinary(data)
	h, n := uint32(offset), 0
	for i, b := range data {
		if text && b == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			continue
		}
		h = (h ^ uint32(b)) * prime
		n++
		if b == '\n' || n == 64 || i == len(data)-1 {
			counts[h] += n
			h, n = offset, 0
		}
	}
	c := &chunks{path: p, size: len(data), spans: make([]span, 0, len(counts))}
	for h, n := range counts {
		c.spans = append(c.spans, span{h, n})
	}
	slices.SortFunc(c.spans, func(a, b span) int { return cmp.Compare(a.hash, b.hash) })
	return c
}

// similarity is git's score of b as a copy of a: the bytes their chunks
// share, over the larger size. Files whose sizes differ so much that the
// score cannot reach minMoveScore are not compared (git's shortcut).
func similarity(a, b *chunks) (copied, total int, ok bool) {
	total = max(a.size, b.size)
	if min(a.size, b.size)*100 < total*minMoveScore {
		return 0, 0, false
	}
	for i, j := 0, 0; i < len(a.spans) && j < len(b.spans); {
		switch x, y := a.spans[i], b.spans[j]; {
		case x.hash < y.hash:
			i++
		case x.hash > y.hash:
			j++
		default:
			copied += min(x.bytes, y.bytes)
			i++
			j++
		}
	}
	return copied, total, copied*100 >= total*minMoveScore
}

// moves turns each move findMoves finds into one change at the new path
// (see the comment at the top of this file), dropping the old path's own.
// A file the project's version control ignores (ignored, as in
// planUpgrade) never moves: it may hold a secret, which the new path would
// no longer keep out of git.
func (pl *planner) moves(base map[string]File, theirs *Tree, label string, ignored func([]string) ([]string, error)) error {
	pairs := findMoves(pl.old, base, theirs)
	if len(pairs) > 0 && ignored != nil {
		var from []string
		for _, m := range pairs {
			from = append(from, m.from)
		}
		matched, err := ignored(from)
		if err != nil {
			return fmt.Errorf("cannot tell which files git ignores, so a move could take one out of its ignore: %w", err)
		}
		pairs = slices.DeleteFunc(pairs, func(m movePair) bool { return slices.Contains(matched, m.from) })
	}
	if len(pairs) == 0 {
		return nil
	}
	at := map[string]int{}
	for i, c := range pl.plan.Changes {
		at[c.Path] = i
	}
	drop := map[string]bool{}
	for _, m := range pairs {
		if c, ok := pl.move(m, pl.plan.Changes[at[m.from]], base, theirs, label); ok {
			pl.plan.Changes[at[m.to]] = c
			drop[m.from] = true
		}
	}
	var blocking []string
	for _, i := range pl.blocking {
		blocking = append(blocking, pl.plan.Changes[i].Path)
	}
	pl.plan.Changes = slices.DeleteFunc(pl.plan.Changes, func(c FileChange) bool { return drop[c.Path] })
	pl.blocking = pl.blocking[:0]
	for i, c := range pl.plan.Changes {
		if slices.Contains(blocking, c.Path) {
			pl.blocking = append(pl.blocking, i)
		}
	}
	return nil
}

// move decides the file the template moved from m.from to m.to, given
// the old path's change as decidePath made it; false leaves both paths
// to the ordinary decisions.
// Its notes never name a path: the report shows both, quoted.
func (pl *planner) move(m movePair, old FileChange, base map[string]File, theirs *Tree, label string) (FileChange, bool) {
	if pl.found[m.to].kind != onDiskAbsent {
		return FileChange{}, false // the team's own file (or more) at NEW: never clobbered
	}
	t, _ := theirs.File(m.to)
	if t.Data == nil {
		t.Data = []byte{}
	}
	b := baseSide(pl.old, base, m.from)
	switch pl.found[m.from].kind {
	case onDiskAbsent:
		c := FileChange{Path: m.to, Action: Conflict, New: t.Data, Mode: t.Mode, Theirs: &Version{t.Data, t.Mode},
			From: m.from, Note: "moved here by the template from where you deleted it: keep it (git add) or delete it (git rm)"}
		if b.known {
			c.Base = &Version{b.data, b.mode}
		}
		return c, true
	case onDiskFile:
	default:
		return FileChange{}, false // a symlink (never written through), a directory, a device
	}
	c := FileChange{Path: m.to, Old: old.Old, OldMode: old.OldMode}
	decide(&c, b, t, true, label)
	edited := !asGenerated(c.Old, b.digest)
	switch c.Action {
	case Unchanged, Take, KeepOurs, Merge:
		if c.Action == Merge {
			c.Note = "your edits merged with the template's"
		} else if edited {
			c.Note = "your edits came along"
		}
		c.Action = Move
	case Conflict:
		c.Note = "moved by the template; both changed the same lines: resolve the markers"
	case Sidecar:
		c.Note = "moved by the template; changed by you and by the template, and no merge is possible (binary, or no base): yours is here now, compare with the new version beside it"
	}
	c.From, c.FromData, c.FromMode = m.from, c.Old, c.OldMode
	c.Old, c.OldMode = nil, 0
	return c, true
}

// movesFrom reports whether c moves the team's file from c.From.
func (c FileChange) movesFrom() bool { return c.From != "" && c.FromMode != 0 }

// moved is what c removes or writes besides its target: the old path of a
// moved file, and for a Sidecar the team's file at its new path.
func (c FileChange) moved() []string {
	switch {
	case !c.movesFrom():
		return nil
	case c.Action == Sidecar:
		return []string{c.From, c.Path}
	}
	return []string{c.From}
}

// moveSteps are the apply steps c needs besides its own: remove the old
// path, and for a Sidecar write the team's file at the new one. n names
// the staged file.
func moveSteps(dir string, c FileChange, n int) []applyStep {
	if !c.movesFrom() {
		return nil
	}
	steps := []applyStep{{target: join(dir, c.From), n: n, remove: true, old: c.FromData, oldMode: c.FromMode}}
	if c.Action == Sidecar {
		steps = append(steps, applyStep{target: join(dir, c.Path), n: n, new: c.FromData, mode: c.FromMode})
	}
	return steps
}

// diffFrom starts a moved file's part of --dry-run's diff with git's
// rename header (so git apply moves it too), and returns the content and
// name to diff from.
func (c FileChange) diffFrom(b *strings.Builder) (old, from string) {
	fmt.Fprintf(b, "diff --git a/%s b/%s\nrename from %s\nrename to %s\n", c.From, c.Path, c.From, c.Path)
	if c.Action == Sidecar {
		// The team's file moves as it is; the sidecar is a patch of its own.
		fmt.Fprintf(b, "diff --git a/%s b/%[1]s\nnew file mode 100%o\n", c.target(), c.Mode.Perm())
	}
	return string(c.FromData), "a/" + c.From
}

// checkMoved validates template.yaml's moved: both paths of each entry
// relative, clean and inside the project, and different.
func (t *Template) checkMoved() []string {
	var problems []string
	for _, from := range sortedKeys(t.Moved) {
		to := t.Moved[from]
		for _, p := range []string{from, to} {
			if why := movedPathProblem(p); why != "" {
				problems = append(problems, fmt.Sprintf("%s: moved: %q %s", ConfigFile, p, why))
			}
		}
		if from == to {
			problems = append(problems, fmt.Sprintf("%s: moved: %q moves to itself", ConfigFile, from))
		}
	}
	return problems
}

// movedPathProblem says why p cannot be a path in moved:, or "".
func movedPathProblem(p string) string {
	switch {
	case p == "":
		return "is empty"
	case path.IsAbs(p) || strings.HasPrefix(p, `\`):
		return "is absolute: paths in moved are relative to the project root"
	case p != path.Clean(p) || strings.Contains(p, `\`):
		return "is not clean: write it as " + fmt.Sprintf("%q", path.Clean(strings.ReplaceAll(p, `\`, "/")))
	case p == "." || p == ".." || strings.HasPrefix(p, "../"):
		return "is outside the project root"
	case p == ManifestFile:
		return "is the answers file, which gomicro writes itself"
	}
	return ""
}

// lintMoved warns of a move whose old path the template still has: a
// file in the tree that renders there (by its name in the tree, .tmpl
// stripped) would make the move a no-op.
func (t *Template) lintMoved() []string {
	var warnings []string
	for _, from := range sortedKeys(t.Moved) {
		for _, f := range t.files {
			if strings.TrimSuffix(f.src, ".tmpl") == from {
				warnings = append(warnings, fmt.Sprintf("moved: %q still exists in the template (%s): the move never happens while it does", from, f.src))
				break
			}
		}
	}
	return warnings
}
