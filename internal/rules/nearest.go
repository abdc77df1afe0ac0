package rules

import "strings"

// Nearest returns the name in names closest to word, when one is close
// enough to be a likely typo of it (--set knd=web means kind), or "".
// Close enough is an edit distance of at most 2, and less than word's
// length; a name that word begins (--set s3=…) counts as one edit away.
// Ties go to the name listed first.
func Nearest(word string, names []string) string {
	if len(word) > 64 {
		return ""
	}
	best, bestDist := "", 3
	for _, n := range names {
		d := editDistance(word, n)
		if len(word) >= 2 && strings.HasPrefix(n, word) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = n, d
		}
	}
	if bestDist >= len(word) {
		return ""
	}
	return best
}
