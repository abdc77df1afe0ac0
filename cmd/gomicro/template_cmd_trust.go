package main

import (
	"fmt"
	"strings"

	"github.com/gomicro/gomicro/internal/userconfig"
	"github.com/gomicro/gomicro/templates/source"
)

// A template's checks are someone else's commands. They run only when the
// template is the user's own (a directory, or embedded in gomicro) or
// trusted (--trust, or a trusted: entry in the user's config file), and
// then (package templatetest) with only the tool chain's environment and
// the variables --env names.

// trustedSource reports whether the checks of the template at src may run:
// a local directory or embedded template always; a git or module source
// only with --trust or a matching trusted: entry.
func trustedSource(src string, flag bool) (bool, error) {
	if flag {
		return true, nil
	}
	spec, err := source.Parse(src)
	if err != nil {
		return false, err
	}
	if spec.Kind == source.Dir || spec.Kind == source.Embedded {
		return true, nil
	}
	settings, err := readUserConfig()
	if err != nil {
		return false, err
	}
	return settings.Trusts(spec.Latest().String()), nil
}

// untrusted is the error template test gives for a template it will not run
// the checks of.
func untrusted(src string) error {
	where := "the trusted: list of your gomicro config file"
	if f := userconfig.File(); f != "" {
		where = "trusted: in " + f
	}
	return usagef("template %s is not local: its checks run commands, so run them only with --trust (or list it under %s)", quote(src), where)
}

// checkEnvFlag checks --env NAME values.
func checkEnvFlag(names []string) []string {
	var problems []string
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, "= \t\n") {
			problems = append(problems, fmt.Sprintf("--env %s: expected the name of one environment variable", quote(n)))
		}
	}
	return problems
}
