package generator

import (
	"maps"
	"slices"
	"sync"
	"text/template"

	"github.com/Masterminds/sprig/v3"

	"github.com/gomicro/gomicro/internal/rules"
)

// nondeterministic lists the Sprig functions a template may not call: they read
// the environment, the clock, the network or randomness, and a render must be a
// pure function of template and answers (golden files, upgrade's base render).
var nondeterministic = []string{
	"env", "expandenv", "now", "ago", "getHostByName",
	// These read the clock for a value that is not a time, or the local zone.
	"date", "dateInZone", "date_in_zone", "htmlDate", "htmlDateInZone", "toDate", "mustToDate",
	"randAlpha", "randAlphaNum", "randAscii", "randNumeric", "randBytes", "randInt",
	"uuidv4", "shuffle", "bcrypt", "htpasswd", "derivePassword", "encryptAES",
	"genPrivateKey", "genCA", "genCAWithKey", "genSelfSignedCert",
	"genSelfSignedCertWithKey", "genSignedCert", "genSignedCertWithKey",
}

// funcs is built on first use, not at init, so that commands which never render
// (version, help, completion) do not pay for Sprig's map.
var funcs = sync.OnceValue(func() template.FuncMap {
	m := sprig.TxtFuncMap()
	for _, name := range nondeterministic {
		delete(m, name)
	}
	// Sprig's keys and values list a map in Go's iteration order, which
	// differs from one run to the next; sorted, a render stays repeatable.
	m["keys"] = sortedDictKeys
	m["values"] = sortedDictValues
	// targets turns a platforms answer into the Go ports it selects, so a
	// template can write an explicit build list: {{ range targets .platforms }}.
	m["targets"] = rules.ParsePlatforms
	wrapWith = m["wrapWith"].(func(int, string, string) string)
	// Each loaded tree replaces these with versions bound to its own Limits
	// (newNamespace); the defaults here mean no unguarded version is ever
	// reachable.
	maps.Copy(m, limitedFuncs(func() int64 { return DefaultLimits.MaxOutput }))
	return m
})

// wrapWith is Sprig's, kept for the guarded version to call once it has
// checked the size. funcs sets it, and every template executes with
// functions that funcs built first.
var wrapWith func(width int, sep, s string) string

// sortedDictKeys is Sprig's keys with each dict's keys sorted: several dicts
// still give their keys one after the other, duplicates kept.
func sortedDictKeys(dicts ...map[string]any) []string {
	var n int
	for _, d := range dicts {
		n += len(d)
	}
	k := make([]string, 0, n)
	for _, d := range dicts {
		start := len(k)
		for key := range d {
			k = append(k, key)
		}
		slices.Sort(k[start:])
	}
	return k
}

// sortedDictValues is Sprig's values in the order of the sorted keys.
func sortedDictValues(dict map[string]any) []any {
	v := make([]any, 0, len(dict))
	for _, key := range sortedKeys(dict) {
		v = append(v, dict[key])
	}
	return v
}

// root carries the options and functions every template gets. Funcs checks
// each of Sprig's ~200 functions by reflection, so that is done once per
// process; each loaded tree clones root once into its own namespace (see
// newNamespace), and every piece of the tree is a template associated with
// it, sharing its function table instead of copying it.
var root = sync.OnceValue(func() *template.Template {
	return template.New("").Option("missingkey=error").Funcs(funcs())
})

// namespace parses the pieces of one template tree: file bodies, file name
// segments, defaults and when-conditions, each under a unique name.
type namespace struct{ t *template.Template }

// newNamespace clones root for one tree, with the size-guarded functions
// reading that tree's output limit.
func newNamespace(maxOutput func() int64) namespace {
	t, err := root().Clone()
	if err != nil { // Clone fails only for a template that has executed
		panic(err)
	}
	return namespace{t.Funcs(limitedFuncs(maxOutput))}
}

func (ns namespace) parse(name, text string) (*template.Template, error) {
	return ns.t.New(name).Parse(text)
}
