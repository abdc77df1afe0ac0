package generator

import (
	"bytes"
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
	// targets turns a platforms answer into the Go ports it selects, so a
	// template can write an explicit build list: {{ range targets .platforms }}.
	m["targets"] = rules.ParsePlatforms
	return m
})

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

func newNamespace() namespace {
	t, err := root().Clone()
	if err != nil { // Clone fails only for a template that has executed
		panic(err)
	}
	return namespace{t}
}

func (ns namespace) parse(name, text string) (*template.Template, error) {
	return ns.t.New(name).Parse(text)
}

func execute(t *template.Template, data any) (string, error) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", err
	}
	return buf.String(), nil
}
