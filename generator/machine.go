package generator

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"text/template/parse"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Machine answers what a question's default may ask about the machine
// gomicro runs on: {{ gitConfig "github.user" }} (one of gitKeys only) and
// {{ goVersion }}, so that a default belongs to the user (their GitHub
// account, their Go) rather than to whoever wrote the template. A default
// may also call {{ gomicroVersion }}, the running gomicro's own release
// (GomicroVersion), which no Machine answers: it is the binary's. The CLI sets Template.Machine; without one,
// gitConfig is empty and goVersion is the Go gomicro was built with.
//
// Only a default may call these functions: a default is executed only for
// a question that no --set, user default or recorded answer answered, so an
// answered question asks the machine nothing, and file bodies, names,
// conditions and when-conditions still render from the answers alone (an
// upgrade's base render and the golden trees depend on that).
type Machine interface {
	// GitConfig is `git config --get key`, "" when unset or git is missing.
	GitConfig(key string) string
	// GoVersion is the local Go toolchain's language version, such as 1.26.
	GoVersion() string
}

// machineFuncs are the template functions that read the machine.
var machineFuncs = []string{"gitConfig", "goVersion", "gomicroVersion"}

// gitKeys are the only git settings a template may read with gitConfig: who
// the user is, never how git reaches a server (an http.*.extraheader or a
// credential helper holds a CI job's token, and a default is recorded in
// .gomicro.yml and written into files).
var gitKeys = []string{"github.user", "user.name", "user.email", "init.defaultBranch"}

func gitKeyRule() string {
	return "templates may read only the git keys " + strings.Join(gitKeys, ", ")
}

// checkGitKeys reports every call of gitConfig in trees that does not name
// one of gitKeys as a quoted constant ({{ gitConfig "user.name" }}), so that
// what a template can read is known when it loads, not when it runs. A key
// built at run time ({{ gitConfig .key }}, {{ "k" | gitConfig }}) is refused
// too; gitConfig itself refuses other keys as a second line of defence.
func checkGitKeys(trees map[string]*parse.Tree) error {
	ok := map[*parse.IdentifierNode]bool{}
	var problems []string
	add := func(p string) {
		if !slices.Contains(problems, p) {
			problems = append(problems, p)
		}
	}
	for _, name := range sortedKeys(trees) {
		walkTree(trees[name].Root, true, func(node parse.Node, _ bool) {
			pipe, isPipe := node.(*parse.PipeNode)
			if !isPipe || pipe == nil {
				return
			}
			for i, cmd := range pipe.Cmds {
				id, isID := cmd.Args[0].(*parse.IdentifierNode)
				if !isID || id.Ident != "gitConfig" {
					continue
				}
				ok[id] = true // reported here, if at all
				key, isConst := (*parse.StringNode)(nil), false
				if len(cmd.Args) == 2 {
					key, isConst = cmd.Args[1].(*parse.StringNode)
				}
				switch {
				case i > 0 || !isConst:
					add("gitConfig takes one quoted key, " + gitKeyRule())
				case !slices.Contains(gitKeys, key.Text):
					add(fmt.Sprintf("gitConfig %q: %s", key.Text, gitKeyRule()))
				}
			}
		})
		walkTree(trees[name].Root, true, func(node parse.Node, _ bool) {
			if id, isID := node.(*parse.IdentifierNode); isID && id.Ident == "gitConfig" && !ok[id] {
				add("gitConfig takes one quoted key, " + gitKeyRule())
			}
		})
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// machineTable returns the machine functions bound to the machine that m
// returns at the time of the call.
func machineTable(m func() Machine) map[string]any {
	return map[string]any{
		"gitConfig": func(key string) (string, error) {
			if !slices.Contains(gitKeys, key) {
				return "", fmt.Errorf("gitConfig %q: %s", key, gitKeyRule())
			}
			if mc := m(); mc != nil {
				return mc.GitConfig(key), nil
			}
			return "", nil
		},
		"goVersion": func() string {
			if mc := m(); mc != nil {
				return mc.GoVersion()
			}
			return LanguageVersion(runtime.Version())
		},
		"gomicroVersion": GomicroVersion,
	}
}

// GomicroVersion is the version of the gomicro module this program was
// built from, as `go run github.com/gomicro/gomicro/cmd/gomicro@VERSION`
// takes it back (v0.4.0), when it is a release; otherwise "latest". A
// generated project records it (the service template's gomicro_version) so
// that its upgrade job runs the gomicro that made it.
func GomicroVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "latest"
	}
	return releaseVersion(info.Main.Version)
}

// releaseVersion returns v when it names a release of a module (a semantic
// version with a v, a pre-release such as v1.0.0-rc.1 included), and
// "latest" for anything else: "(devel)" (a build in a checkout), "" (no
// module), a pseudo-version (a commit between releases, which no tag names)
// or a version with build metadata (v1.2.3+dirty: a modified checkout).
func releaseVersion(v string) string {
	if !semver.IsValid(v) || semver.Build(v) != "" || module.IsPseudoVersion(v) {
		return "latest"
	}
	return v
}

// LanguageVersion turns a toolchain version as `go env GOVERSION` or
// runtime.Version prints it (go1.26.8, go1.27rc1, devel go1.27-abcdef …) into
// the language version go.mod's go line takes (1.26, 1.27rc1, 1.27), or ""
// for anything else.
func LanguageVersion(v string) string {
	v = strings.TrimPrefix(v, "devel ")
	v, ok := strings.CutPrefix(v, "go")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(v, " -+"); i >= 0 { // devel go1.27-abcdef Tue …
		v = v[:i]
	}
	major, rest, ok := strings.Cut(v, ".")
	if !ok || major != "1" {
		return ""
	}
	end := 0
	for end < len(rest) && '0' <= rest[end] && rest[end] <= '9' {
		end++
	}
	if end == 0 {
		return ""
	}
	minor, tail := rest[:end], rest[end:]
	if strings.HasPrefix(tail, "rc") || strings.HasPrefix(tail, "beta") {
		// A pre-release toolchain is older than 1.N itself: go 1.N in go.mod
		// would refuse it.
		return "1." + minor + tail
	}
	return "1." + minor
}

// MachineDefault is the default of question key as it is on this machine,
// for a default that reads the machine and no answer ({{ gitConfig
// "github.user" }}, {{ goVersion }}): the value, and where it comes from
// ("git config github.user", "the local go"), so that a listing shows what
// a person would get rather than template text. ok is false for a default
// that reads no machine, or reads answers too (its value depends on them).
// A user default does not count: the caller knows it already.
func (t *Template) MachineDefault(ctx context.Context, key string) (value, from string, ok bool, err error) {
	q, found := t.Question(key)
	if !found || q.defaultTmpl == nil || q.defaultTmpl.Tree == nil {
		return "", "", false, nil
	}
	reads, answers := machineReads(q.defaultTmpl.Tree)
	if len(reads) == 0 || answers {
		return "", "", false, nil
	}
	value, err = t.newQuestionRun().exec(ctx, "default", &q, q.defaultTmpl, Answers{})
	if err != nil {
		return "", "", false, err
	}
	return value, strings.Join(reads, " and "), true, nil
}

// machineReads names what a parsed default reads of the machine, once each
// in order ("git config KEY" for gitConfig "KEY", "the local go" for
// goVersion, "this gomicro's release" for gomicroVersion), and whether it reads answers, or calls a template that might.
func machineReads(tree *parse.Tree) (reads []string, answers bool) {
	add := func(r string) {
		if !slices.Contains(reads, r) {
			reads = append(reads, r)
		}
	}
	walkTree(tree.Root, true, func(node parse.Node, _ bool) {
		switch n := node.(type) {
		case *parse.CommandNode:
			id, isID := n.Args[0].(*parse.IdentifierNode)
			if isID && id.Ident == "gitConfig" && len(n.Args) == 2 {
				if key, isConst := n.Args[1].(*parse.StringNode); isConst {
					add("git config " + key.Text) // Load allows only constants
				}
			}
		case *parse.IdentifierNode:
			switch n.Ident {
			case "goVersion":
				add("the local go")
			case "gomicroVersion":
				add("this gomicro's release")
			}
		case *parse.TemplateNode:
			answers = true
		}
	})
	answerRefs(tree.Root, true, func(string) { answers = true })
	return reads, answers
}
