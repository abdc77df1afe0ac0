package rules

import (
	"errors"
	"go/build/constraint"
	"slices"
	"strconv"
	"strings"
)

// A Platform is one build target, a GOOS/GOARCH pair.
type Platform struct{ OS, Arch string }

// String returns the platform as Go writes it, e.g. "linux/amd64".
func (p Platform) String() string { return p.OS + "/" + p.Arch }

// firstClass lists Go's first-class ports (https://go.dev/wiki/PortingPolicy),
// sorted by OS then Arch. They are the only targets a platforms expression
// can select.
var firstClass = []Platform{
	{"darwin", "amd64"},
	{"darwin", "arm64"},
	{"linux", "386"},
	{"linux", "amd64"},
	{"linux", "arm"},
	{"linux", "arm64"},
	{"windows", "386"},
	{"windows", "amd64"},
}

// knownOS, unixOS and knownArch copy go/build's internal/syslist (Go 1.26).
// A term must be one of these (or "unix") so that typos such as "linx" are
// caught rather than silently matching nothing.
var (
	knownOS = []string{
		"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios",
		"js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1",
		"windows", "zos",
	}
	unixOS = []string{
		"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios",
		"linux", "netbsd", "openbsd", "solaris",
	}
	knownArch = []string{
		"386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64",
		"mips", "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le",
		"ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x",
		"sparc", "sparc64", "wasm",
	}
)

// hasTag reports whether the build tag is true when building for p, as the
// go command sees it: the GOOS, the GOARCH, and "unix" on Unix systems.
func (p Platform) hasTag(tag string) bool {
	return tag == p.OS || tag == p.Arch || tag == "unix" && slices.Contains(unixOS, p.OS)
}

// ParsePlatforms evaluates a build-constraint expression against Go's
// first-class ports and returns the matching ones sorted by OS then Arch.
//
// Two notations are accepted:
//
//   - goxc's BuildConstraints (the old "// +build" syntax): alternatives
//     separated by spaces, each a comma-separated list of terms that must all
//     hold, each term a GOOS or GOARCH name, negated by a leading '!'.
//     "linux,!arm darwin" means (linux && !arm) || darwin.
//   - Go's //go:build syntax, with &&, ||, ! and parentheses:
//     "linux && !arm || darwin".
//
// An expression that contains any of '&', '|', '(' or ')' is read in Go
// notation, and any other in goxc notation (the two agree on a single term
// such as "linux" or "!windows"). Mixing them is an error rather than a guess:
// in "linux,!arm || darwin" the comma and the space would mean different
// things depending on which notation won, so the user is asked to pick one.
//
// Every term must be a GOOS or GOARCH that Go knows (or "unix", which holds
// for linux and darwin as it does for the go command). It is an error if the
// expression is empty, does not parse, or selects none of the first-class
// ports.
func ParsePlatforms(expr string) ([]Platform, error) {
	x, err := parseConstraint(expr)
	if err != nil {
		return nil, err
	}
	if err := checkTags(x, strings.TrimSpace(expr)); err != nil {
		return nil, err
	}
	var ps []Platform
	for _, p := range firstClass {
		if x.Eval(p.hasTag) {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		names := make([]string, len(firstClass))
		for i, p := range firstClass {
			names[i] = p.String()
		}
		return nil, errors.New("platforms match none of Go's first-class ports (" + strings.Join(names, ", ") + ")")
	}
	slices.SortFunc(ps, comparePlatforms)
	return ps, nil
}

// comparePlatforms orders platforms by OS, then Arch.
func comparePlatforms(a, b Platform) int {
	if c := strings.Compare(a.OS, b.OS); c != 0 {
		return c
	}
	return strings.Compare(a.Arch, b.Arch)
}

var (
	errEmptyPlatforms = errors.New("platforms name at least one GOOS or GOARCH, like linux,!arm darwin")
	errMixedNotation  = errors.New("platforms use either goxc notation (linux,!arm darwin) or Go notation (linux && !arm || darwin), not both")
)

// parseConstraint parses expr in whichever notation it is written (see
// ParsePlatforms) into a constraint.Expr.
func parseConstraint(expr string) (constraint.Expr, error) {
	fields := strings.Fields(expr)
	if len(fields) == 0 {
		return nil, errEmptyPlatforms
	}
	if !strings.ContainsAny(expr, "&|()") {
		return parseGoxc(fields)
	}
	if strings.Contains(expr, ",") {
		return nil, errMixedNotation
	}
	// Fields also drops newlines, which a //go:build line cannot hold.
	x, err := constraint.Parse("//go:build " + strings.Join(fields, " "))
	if err != nil {
		return nil, goSyntaxError(err)
	}
	return x, nil
}

// goSyntaxError restates a go/build/constraint syntax error as a rule,
// quoting the offending token.
func goSyntaxError(err error) error {
	const prefix = "platforms in Go notation are GOOS and GOARCH names joined by &&, || and ! with parentheses: "
	msg := err.Error()
	var se *constraint.SyntaxError
	if errors.As(err, &se) {
		msg = se.Err
	}
	if tok, ok := strings.CutPrefix(msg, "unexpected token "); ok {
		msg = "unexpected " + strconv.Quote(tok)
	} else if c, ok := strings.CutPrefix(msg, "invalid syntax at "); ok {
		msg = "unexpected " + strconv.Quote(c)
		if c == "&" || c == "|" {
			msg += ", write " + c + c
		}
	}
	return errors.New(prefix + msg)
}

// parseGoxc parses the space-separated alternatives of goxc notation.
func parseGoxc(alternatives []string) (constraint.Expr, error) {
	var or constraint.Expr
	for _, alt := range alternatives {
		var and constraint.Expr
		for term := range strings.SplitSeq(alt, ",") {
			t, err := parseGoxcTerm(term)
			if err != nil {
				return nil, err
			}
			if and == nil {
				and = t
			} else {
				and = &constraint.AndExpr{X: and, Y: t}
			}
		}
		if or == nil {
			or = and
		} else {
			or = &constraint.OrExpr{X: or, Y: and}
		}
	}
	return or, nil
}

// parseGoxcTerm parses one term of goxc notation: a name, or '!' and a name.
func parseGoxcTerm(term string) (constraint.Expr, error) {
	name, neg := strings.CutPrefix(term, "!")
	switch {
	case term == "":
		return nil, errors.New("platform terms must not be empty (look for a stray comma)")
	case name == "":
		return nil, errors.New("a '!' in platforms must be followed by a GOOS or GOARCH name")
	case strings.HasPrefix(name, "!"):
		return nil, errors.New("platform terms are negated with a single '!'")
	case strings.Count(name, "/") == 1 && !neg:
		return nil, errors.New("platform terms are single GOOS or GOARCH names (write GOOS/GOARCH as GOOS,GOARCH)")
	}
	var x constraint.Expr = &constraint.TagExpr{Tag: name}
	if neg {
		x = &constraint.NotExpr{X: x}
	}
	return x, nil
}

// checkTags returns an error for the first tag in x, left to right, that is
// not a known GOOS, GOARCH or "unix". The error names the tag unless it is
// the whole expression, which the caller prints anyway.
func checkTags(x constraint.Expr, whole string) error {
	switch x := x.(type) {
	case *constraint.TagExpr:
		if x.Tag == "unix" || slices.Contains(knownOS, x.Tag) || slices.Contains(knownArch, x.Tag) {
			return nil
		}
		var notes []string
		if x.Tag != whole {
			notes = append(notes, "found "+strconv.Quote(x.Tag))
		}
		if s := suggest(x.Tag); s != "" {
			notes = append(notes, "did you mean "+strconv.Quote(s)+"?")
		}
		msg := "platform terms are GOOS or GOARCH names"
		if len(notes) > 0 {
			msg += " (" + strings.Join(notes, "; ") + ")"
		}
		return errors.New(msg)
	case *constraint.NotExpr:
		return checkTags(x.X, whole)
	case *constraint.AndExpr:
		if err := checkTags(x.X, whole); err != nil {
			return err
		}
		return checkTags(x.Y, whole)
	case *constraint.OrExpr:
		if err := checkTags(x.X, whole); err != nil {
			return err
		}
		return checkTags(x.Y, whole)
	}
	return errors.New("platforms hold an expression that is not understood")
}

// suggest returns the known name closest to an unknown tag, if one is close
// enough to be a likely typo, or "".
func suggest(tag string) string {
	if len(tag) > 32 {
		return ""
	}
	lower := strings.ToLower(tag)
	best, bestDist := "", 3 // suggest only within an edit distance of 2
	for _, names := range [][]string{knownOS, knownArch, {"unix"}} {
		for _, n := range names {
			d := editDistance(lower, n)
			if len(lower) >= 2 && strings.HasPrefix(n, lower) {
				d = min(d, 1) // "amd" means amd64 rather than aix
			}
			if d < bestDist || d == bestDist && best != "" && n < best {
				best, bestDist = n, d
			}
		}
	}
	if bestDist >= len(tag) {
		return "" // "x" is one edit from too many names to mean any of them
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
