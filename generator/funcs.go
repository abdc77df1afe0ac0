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

func parseText(name, text string) (*template.Template, error) {
	return template.New(name).Option("missingkey=error").Funcs(funcs()).Parse(text)
}

func execute(t *template.Template, data any) (string, error) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", err
	}
	return buf.String(), nil
}
