package generator

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"text/template"
	"text/template/parse"

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
	// text/template's own, in the table so that they are guarded like the
	// rest (newNamespace): a table's function takes a builtin's place.
	m["print"], m["printf"], m["println"] = fmt.Sprint, fmt.Sprintf, fmt.Sprintln
	m["html"], m["js"], m["urlquery"] = template.HTMLEscaper, template.JSEscaper, template.URLQueryEscaper
	wrapWith = m["wrapWith"].(func(int, string, string) string)
	// Each loaded tree replaces these with versions bound to its own Limits
	// (newNamespace); the defaults here mean no unguarded version is ever
	// reachable.
	maps.Copy(m, limitedFuncs(func() int64 { return DefaultLimits.MaxOutput }))
	maps.Copy(m, machineTable(func() Machine { return nil }))
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

// namespace holds the pieces of one template tree: file bodies, file name
// segments, defaults and when-conditions, each a template under a unique
// name, associated with one another so that {{ template "x" }} finds what
// any of them defines.
//
// Its function table holds only the functions the tree calls: text/template
// checks each function of a table by reflection, some 0.1 ms for Sprig's
// ~200 at every start of gomicro, and a tree calls a dozen. The texts are
// parsed first, against the whole table (parseText), and the namespace is
// made from them (see loading).
type namespace struct{ t *template.Template }

// newNamespace makes the namespace of a tree whose texts call the functions
// named in calls, the size-guarded ones reading that tree's output limit.
func newNamespace(maxOutput func() int64, machine func() Machine, calls map[string]bool) namespace {
	all := funcs()
	table := make(template.FuncMap, len(calls))
	if calls[anyFunc] {
		maps.Copy(table, all)
	}
	for name := range calls {
		if f, ok := all[name]; ok {
			table[name] = f
		}
	}
	for name, f := range limitedFuncs(maxOutput) {
		if _, ok := table[name]; ok {
			table[name] = f
		}
	}
	for name, f := range machineTable(machine) {
		if _, ok := table[name]; ok {
			table[name] = f
		}
	}
	for name, f := range table {
		table[name] = guard(name, f, maxOutput)
	}
	return namespace{template.New("").Option("missingkey=error").Funcs(table)}
}

// adopt adds the trees parseText made of a text to ns under name, exactly
// as text/template's Parse of that text would have, and returns the
// template called name.
func (ns namespace) adopt(name string, trees map[string]*parse.Tree) *template.Template {
	t := ns.t.New(name)
	for n, tree := range trees {
		t.AddParseTree(n, tree) // never fails: its error result is for html/template
	}
	return t
}

// parseText parses text as text/template would in a namespace holding every
// function, into trees of its own (the template called name and those it
// defines) that belong to no namespace yet.
func parseText(name, text string) (map[string]*parse.Tree, error) {
	trees, err := parse.Parse(name, text, "", "", funcs(), builtinNames())
	if err == nil {
		return trees, nil
	}
	// Parsed again by text/template itself, which holds the builtins: its
	// error is the one to report (and, for a builtin newer than
	// builtinNames, there is none).
	full, err := fullTable().Clone()
	if err != nil { // Clone fails only for a template that has executed
		panic(err)
	}
	if _, err := full.New(name).Parse(text); err != nil {
		return nil, err
	}
	trees = map[string]*parse.Tree{}
	for _, d := range full.Templates() {
		if d.Tree != nil {
			trees[d.Name()] = d.Tree
		}
	}
	return trees, nil
}

// fullTable is a namespace with every function, for parseText's second
// parse; built once per process, and only if a text does not parse.
var fullTable = sync.OnceValue(func() *template.Template {
	return template.New("").Option("missingkey=error").Funcs(funcs())
})

// builtinNames are text/template's own functions, which a parse checks a
// name against beside the function table (the table text/template holds is
// unexported). A name missing here only sends a text to parseText's second
// parse; a name here that is not a builtin would let through a text that
// text/template refuses, which TestBuiltinNames rules out.
var builtinNames = sync.OnceValue(func() map[string]any {
	return map[string]any{
		"and": true, "call": true, "html": true, "index": true, "slice": true,
		"js": true, "len": true, "not": true, "or": true, "print": true,
		"printf": true, "println": true, "urlquery": true,
		"eq": true, "ge": true, "gt": true, "le": true, "lt": true, "ne": true,
	}
})

// anyFunc in a set of called functions stands for all of them: a node
// calledFuncs does not know might call any.
const anyFunc = ""

// calledFuncs adds to calls the name of every function trees call. An
// execution looks a function up by the name an identifier node holds, and
// nowhere else.
func calledFuncs(trees map[string]*parse.Tree, calls map[string]bool) {
	for _, t := range trees {
		walkTree(t.Root, true, func(node parse.Node, _ bool) {
			switch n := node.(type) {
			case *parse.IdentifierNode:
				calls[n.Ident] = true
			case *parse.ListNode, *parse.ActionNode, *parse.IfNode, *parse.RangeNode,
				*parse.WithNode, *parse.TemplateNode, *parse.PipeNode, *parse.CommandNode,
				*parse.ChainNode, *parse.TextNode, *parse.CommentNode, *parse.BreakNode,
				*parse.ContinueNode, *parse.DotNode, *parse.NilNode, *parse.BoolNode,
				*parse.NumberNode, *parse.StringNode, *parse.FieldNode, *parse.VariableNode:
			default:
				calls[anyFunc] = true
			}
		})
	}
}
