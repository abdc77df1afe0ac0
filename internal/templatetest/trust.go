package templatetest

import (
	"fmt"
	"strings"

	"github.com/gomicro/gomicro/internal/quote"
	"github.com/gomicro/gomicro/internal/userconfig"
	"github.com/gomicro/gomicro/templates/source"
)

// Trusted reports whether the checks of the template at src may run: a
// local directory or an embedded template always (they are the user's
// own); a git or module source only when trust is set (--trust) or the
// user's settings list it under trusted:. settings is read only then, so
// a broken config file does not stop a local template's checks.
func Trusted(src string, trust bool, settings func() (userconfig.Settings, error)) (bool, error) {
	if trust {
		return true, nil
	}
	spec, err := source.Parse(src)
	if err != nil {
		return false, err
	}
	if spec.Kind == source.Dir || spec.Kind == source.Embedded {
		return true, nil
	}
	s, err := settings()
	if err != nil {
		return false, err
	}
	return s.Trusts(spec.Latest().String()), nil
}

// Untrusted is the refusal to run the checks of the template at source
// (as recorded), which Trusted does not trust: it names --trust and the
// user's config file.
func Untrusted(source string) error {
	where := "the trusted: list of your gomicro config file"
	if f := userconfig.File(); f != "" {
		where = "trusted: in " + f
	}
	return fmt.Errorf("template %s is not local: its checks run commands, so run them only with --trust (or list it under %s)", quote.Name(source), where)
}

// CheckEnvNames returns a problem for each of names (--env values) that is
// not the name of one environment variable.
func CheckEnvNames(names []string) []string {
	var problems []string
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, "= \t\n") {
			problems = append(problems, fmt.Sprintf("--env %s: expected the name of one environment variable", quote.Name(n)))
		}
	}
	return problems
}
