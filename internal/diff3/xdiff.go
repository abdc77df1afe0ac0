package diff3

import "math"

// This file is a port of the parts of git's xdiff (xprepare.c, xdiffi.c) that
// decide which lines a diff marks as changed. Any correct LCS would merge
// correctly, but where lines repeat several alignments are equally short and
// each puts conflict boundaries elsewhere; reproducing git's choices (the same
// discarding of unmatched lines, the same middle-snake tie-breaks, the same
// sliding of hunks) is what lets Merge promise git merge-file's bytes.

const (
	maxEqLimit    = 1024 // XDL_MAX_EQLIMIT
	simscanWindow = 100  // XDL_SIMSCAN_WINDOW
	kpdisRun      = 4    // XDL_KPDIS_RUN
	maxCostMin    = 256  // XDL_MAX_COST_MIN
	heurMinCost   = 256  // XDL_HEUR_MIN_COST
	snakeCnt      = 20   // XDL_SNAKE_CNT
	kHeur         = 4    // XDL_K_HEUR
)

// side is one file of a two-way diff: its lines as class ids (equal ids mean
// byte-equal lines) and the per-line "changed" marks the diff produces.
type side struct {
	ids []int
	// chg[i+1] marks line i; chg[0] and chg[len(ids)+1] are xdiff's
	// always-false sentinels around the file.
	chg []bool
	// ha and rindex are the lines that survive discarding, and where each
	// of them sits in ids.
	ha     []int
	rindex []int
}

func newSide(ids []int) *side {
	return &side{ids: ids, chg: make([]bool, len(ids)+2)}
}

// changed reads a mark; like xdiff's sentinels it calls the lines just
// outside the file unchanged, and it also does so for anything further out,
// so that no input can make a walk index out of range.
func (s *side) changed(i int) bool {
	if i < -1 || i > len(s.ids) {
		return false
	}
	return s.chg[i+1]
}

func (s *side) mark(i int, v bool) { s.chg[i+1] = v }
func (s *side) n() int             { return len(s.ids) }
func (s *side) same(i, j int) bool { return s.ids[i] == s.ids[j] }

// bogosqrt is xdiff's cheap square root; its exact values set git's limits.
func bogosqrt(n int) int {
	i := 1
	for ; n > 0; n >>= 2 {
		i <<= 1
	}
	return i
}

// hunk is one edit of a two-way diff: lines [i1, i1+chg1) of the first file
// become lines [i2, i2+chg2) of the second.
type hunk struct{ i1, chg1, i2, chg2 int }

// diffIDs diffs two files given as class ids (nclass bounds every id) and
// returns git's edit script, after git's hunk sliding.
func diffIDs(a, b []int, nclass int) []hunk {
	x, y := newSide(a), newSide(b)
	doDiff(x, y, nclass)
	changeCompact(x, y)
	changeCompact(y, x)
	return buildScript(x, y)
}

func doDiff(x, y *side, nclass int) {
	n1, n2 := x.n(), y.n()

	// xdl_trim_ends: common head and tail never take part.
	lim := min(n1, n2)
	dstart := 0
	for dstart < lim && x.ids[dstart] == y.ids[dstart] {
		dstart++
	}
	tail := 0
	for tail < lim-dstart && x.ids[n1-1-tail] == y.ids[n2-1-tail] {
		tail++
	}
	dend1, dend2 := n1-tail-1, n2-tail-1

	// xdl_cleanup_records: lines with no partner in the other file are
	// changed for sure, and lines with very many partners are dropped when
	// they sit among such lines. Counts are over the whole other file.
	cnt1, cnt2 := make([]int, nclass), make([]int, nclass)
	for _, id := range x.ids {
		cnt1[id]++
	}
	for _, id := range y.ids {
		cnt2[id]++
	}
	dis1 := classify(x.ids, dstart, dend1, cnt2)
	dis2 := classify(y.ids, dstart, dend2, cnt1)
	reduce(x, dis1, dstart, dend1)
	reduce(y, dis2, dstart, dend2)

	ndiags := len(x.ha) + len(y.ha) + 3
	d := &differ{
		x: x, y: y,
		kv:     make([]int, 2*ndiags+2),
		fo:     len(y.ha) + 1,
		bo:     ndiags + len(y.ha) + 1,
		mxcost: max(bogosqrt(ndiags), maxCostMin),
	}
	d.compare(0, len(x.ha), 0, len(y.ha), false)
}

func classify(ids []int, start, end int, other []int) []byte {
	mlim := min(bogosqrt(len(ids)), maxEqLimit)
	dis := make([]byte, len(ids)+1)
	for i := start; i <= end; i++ {
		nm := min(other[ids[i]], mlim)
		switch {
		case nm == 0:
			dis[i] = 0
		case nm >= mlim:
			dis[i] = 2
		default:
			dis[i] = 1
		}
	}
	return dis
}

func reduce(s *side, dis []byte, start, end int) {
	for i := start; i <= end; i++ {
		if dis[i] == 1 || (dis[i] == 2 && !cleanMMatch(dis, i, start, end)) {
			s.rindex = append(s.rindex, i)
			s.ha = append(s.ha, s.ids[i])
		} else {
			s.mark(i, true)
		}
	}
}

// cleanMMatch reports whether the many-matches line i sits in a run made
// mostly of unmatched lines, where matching it would only produce noise.
func cleanMMatch(dis []byte, i, s, e int) bool {
	if i-s > simscanWindow {
		s = i - simscanWindow
	}
	if e-i > simscanWindow {
		e = i + simscanWindow
	}
	rdis0, rpdis0 := 0, 1
	for r := 1; i-r >= s; r++ {
		if dis[i-r] == 0 {
			rdis0++
		} else if dis[i-r] == 2 {
			rpdis0++
		} else {
			break
		}
	}
	if rdis0 == 0 {
		return false
	}
	rdis1, rpdis1 := 0, 1
	for r := 1; i+r <= e; r++ {
		if dis[i+r] == 0 {
			rdis1++
		} else if dis[i+r] == 2 {
			rpdis1++
		} else {
			break
		}
	}
	if rdis1 == 0 {
		return false
	}
	rdis1 += rdis0
	rpdis1 += rpdis0
	return rpdis1*kpdisRun < rpdis1+rdis1
}

type differ struct {
	x, y   *side
	kv     []int
	fo, bo int // kv offsets of the forward and backward diagonal vectors
	mxcost int
}

// compare is xdl_recs_cmp: Myers' divide and conquer over the reduced lines.
func (d *differ) compare(off1, lim1, off2, lim2 int, needMin bool) {
	ha1, ha2 := d.x.ha, d.y.ha
	for off1 < lim1 && off2 < lim2 && ha1[off1] == ha2[off2] {
		off1++
		off2++
	}
	for off1 < lim1 && off2 < lim2 && ha1[lim1-1] == ha2[lim2-1] {
		lim1--
		lim2--
	}
	switch {
	case off1 == lim1:
		for ; off2 < lim2; off2++ {
			d.y.mark(d.y.rindex[off2], true)
		}
	case off2 == lim2:
		for ; off1 < lim1; off1++ {
			d.x.mark(d.x.rindex[off1], true)
		}
	default:
		i1, i2, minLo, minHi := d.split(off1, lim1, off2, lim2, needMin)
		if (i1 == off1 && i2 == off2) || (i1 == lim1 && i2 == lim2) {
			// Cannot happen with xdiff's split; guard against looping
			// forever on a bug by calling the whole box changed.
			for ; off1 < lim1; off1++ {
				d.x.mark(d.x.rindex[off1], true)
			}
			for ; off2 < lim2; off2++ {
				d.y.mark(d.y.rindex[off2], true)
			}
			return
		}
		d.compare(off1, i1, off2, i2, minLo)
		d.compare(i1, lim1, i2, lim2, minHi)
	}
}

// split is xdl_split: it finds a point on an optimal (or, past the cost
// limits, a good enough) path through the box, searching from both corners.
func (d *differ) split(off1, lim1, off2, lim2 int, needMin bool) (int, int, bool, bool) {
	ha1, ha2 := d.x.ha, d.y.ha
	kv, fo, bo := d.kv, d.fo, d.bo
	dmin, dmax := off1-lim2, lim1-off2
	fmid, bmid := off1-off2, lim1-lim2
	odd := (fmid-bmid)&1 != 0
	fmin, fmax := fmid, fmid
	bmin, bmax := bmid, bmid

	kv[fo+fmid] = off1
	kv[bo+bmid] = lim1

	for ec := 1; ; ec++ {
		gotSnake := false

		if fmin > dmin {
			fmin--
			kv[fo+fmin-1] = -1
		} else {
			fmin++
		}
		if fmax < dmax {
			fmax++
			kv[fo+fmax+1] = -1
		} else {
			fmax--
		}
		for k := fmax; k >= fmin; k -= 2 {
			var i1 int
			if kv[fo+k-1] >= kv[fo+k+1] {
				i1 = kv[fo+k-1] + 1
			} else {
				i1 = kv[fo+k+1]
			}
			prev1 := i1
			i2 := i1 - k
			for i1 < lim1 && i2 < lim2 && ha1[i1] == ha2[i2] {
				i1++
				i2++
			}
			if i1-prev1 > snakeCnt {
				gotSnake = true
			}
			kv[fo+k] = i1
			if odd && bmin <= k && k <= bmax && kv[bo+k] <= i1 {
				return i1, i2, true, true
			}
		}

		if bmin > dmin {
			bmin--
			kv[bo+bmin-1] = math.MaxInt
		} else {
			bmin++
		}
		if bmax < dmax {
			bmax++
			kv[bo+bmax+1] = math.MaxInt
		} else {
			bmax--
		}
		for k := bmax; k >= bmin; k -= 2 {
			var i1 int
			if kv[bo+k-1] < kv[bo+k+1] {
				i1 = kv[bo+k-1]
			} else {
				i1 = kv[bo+k+1] - 1
			}
			prev1 := i1
			i2 := i1 - k
			for i1 > off1 && i2 > off2 && ha1[i1-1] == ha2[i2-1] {
				i1--
				i2--
			}
			if prev1-i1 > snakeCnt {
				gotSnake = true
			}
			kv[bo+k] = i1
			if !odd && fmin <= k && k <= fmax && i1 <= kv[fo+k] {
				return i1, i2, true, true
			}
		}

		if needMin {
			continue
		}

		// Past heurMinCost, settle for a diagonal that has come far
		// along a long snake rather than keep searching.
		if gotSnake && ec > heurMinCost {
			best, s1, s2 := 0, 0, 0
			for k := fmax; k >= fmin; k -= 2 {
				dd := k - fmid
				if dd < 0 {
					dd = -dd
				}
				i1 := kv[fo+k]
				i2 := i1 - k
				v := (i1 - off1) + (i2 - off2) - dd
				if v > kHeur*ec && v > best &&
					off1+snakeCnt <= i1 && i1 < lim1 &&
					off2+snakeCnt <= i2 && i2 < lim2 {
					for j := 1; ha1[i1-j] == ha2[i2-j]; j++ {
						if j == snakeCnt {
							best, s1, s2 = v, i1, i2
							break
						}
					}
				}
			}
			if best > 0 {
				return s1, s2, true, false
			}
			for k := bmax; k >= bmin; k -= 2 {
				dd := k - bmid
				if dd < 0 {
					dd = -dd
				}
				i1 := kv[bo+k]
				i2 := i1 - k
				v := (lim1 - i1) + (lim2 - i2) - dd
				if v > kHeur*ec && v > best &&
					off1 < i1 && i1 <= lim1-snakeCnt &&
					off2 < i2 && i2 <= lim2-snakeCnt {
					for j := 0; ha1[i1+j] == ha2[i2+j]; j++ {
						if j == snakeCnt-1 {
							best, s1, s2 = v, i1, i2
							break
						}
					}
				}
			}
			if best > 0 {
				return s1, s2, false, true
			}
		}

		// Too expensive: take whichever end has reached furthest.
		if ec >= d.mxcost {
			fbest, fbest1 := -1, -1
			for k := fmax; k >= fmin; k -= 2 {
				i1 := min(kv[fo+k], lim1)
				i2 := i1 - k
				if lim2 < i2 {
					i1, i2 = lim2+k, lim2
				}
				if fbest < i1+i2 {
					fbest, fbest1 = i1+i2, i1
				}
			}
			bbest, bbest1 := math.MaxInt, math.MaxInt
			for k := bmax; k >= bmin; k -= 2 {
				i1 := max(off1, kv[bo+k])
				i2 := i1 - k
				if i2 < off2 {
					i1, i2 = off2+k, off2
				}
				if i1+i2 < bbest {
					bbest, bbest1 = i1+i2, i1
				}
			}
			if (lim1+lim2)-bbest < fbest-(off1+off2) {
				return fbest1, fbest - fbest1, true, false
			}
			return bbest1, bbest - bbest1, false, true
		}
	}
}

type group struct{ start, end int }

func (s *side) groupInit() group {
	var g group
	for s.changed(g.end) {
		g.end++
	}
	return g
}

func (s *side) groupNext(g *group) bool {
	if g.end == s.n() {
		return false
	}
	g.start = g.end + 1
	for g.end = g.start; s.changed(g.end); g.end++ {
	}
	return true
}

func (s *side) groupPrevious(g *group) bool {
	if g.start == 0 {
		return false
	}
	g.end = g.start - 1
	for g.start = g.end; s.changed(g.start - 1); g.start-- {
	}
	return true
}

func (s *side) slideDown(g *group) bool {
	if g.end < s.n() && s.same(g.start, g.end) {
		s.mark(g.start, false)
		s.mark(g.end, true)
		g.start++
		g.end++
		for s.changed(g.end) {
			g.end++
		}
		return true
	}
	return false
}

func (s *side) slideUp(g *group) bool {
	if g.start > 0 && s.same(g.start-1, g.end-1) {
		g.start--
		g.end--
		s.mark(g.start, true)
		s.mark(g.end, false)
		for s.changed(g.start - 1) {
			g.start--
		}
		return true
	}
	return false
}

// changeCompact is xdl_change_compact without the indent heuristic, which
// git merge-file does not enable: each hunk slides as far down as its lines
// allow, unless sliding back up lines it up with a hunk of the other file.
func changeCompact(x, o *side) {
	g, og := x.groupInit(), o.groupInit()
	for {
		if g.end != g.start {
			var groupsize, earliestEnd int
			endMatchingOther := -1
			for {
				groupsize = g.end - g.start
				endMatchingOther = -1
				for x.slideUp(&g) {
					o.groupPrevious(&og)
				}
				earliestEnd = g.end
				if og.end > og.start {
					endMatchingOther = g.end
				}
				for x.slideDown(&g) {
					o.groupNext(&og)
					if og.end > og.start {
						endMatchingOther = g.end
					}
				}
				if groupsize == g.end-g.start {
					break
				}
			}
			if g.end != earliestEnd && endMatchingOther != -1 {
				for og.end == og.start {
					if !x.slideUp(&g) || !o.groupPrevious(&og) {
						break
					}
				}
			}
		}
		if !x.groupNext(&g) {
			break
		}
		o.groupNext(&og)
	}
}

func buildScript(x, y *side) []hunk {
	var rev []hunk
	for i1, i2 := x.n(), y.n(); i1 >= 0 || i2 >= 0; i1, i2 = i1-1, i2-1 {
		if x.changed(i1-1) || y.changed(i2-1) {
			l1, l2 := i1, i2
			for x.changed(i1 - 1) {
				i1--
			}
			for y.changed(i2 - 1) {
				i2--
			}
			rev = append(rev, hunk{i1: i1, chg1: l1 - i1, i2: i2, chg2: l2 - i2})
		}
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}
