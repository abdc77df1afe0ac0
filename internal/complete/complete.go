// Package complete works out the shell completion candidates of gomicro's
// flags: "value" or "value\tdescription", as cobra's __complete prints them
// one a line. The commands choose cobra's directives from what it returns.
package complete

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/templates"
	"github.com/gomicro/gomicro/templates/source"
)

// Load loads a template by what --template takes.
type Load func(src string) (*generator.Template, error)

// Templates offers, for --template, the embedded templates whose names
// start with typed, each described by its description, and the
// directories beside what is typed (a template is a directory holding
// template.yaml; git URLs and modules are left to the person). A directory
// is completed to DIR/, to go on into it.
func Templates(typed string, load Load) (names, dirs []string) {
	for _, name := range templates.Names() {
		if !strings.HasPrefix(name, typed) {
			continue
		}
		desc := "embedded template"
		if tmpl, err := load(source.EmbeddedPrefix + name); err == nil {
			desc = tmpl.Description
		}
		names = append(names, name+"\t"+desc)
	}
	return names, Dirs(typed)
}

// Dirs lists the directories whose path starts with typed, each with a
// trailing slash; hidden ones only once a dot is typed. A directory that
// holds template.yaml says so.
func Dirs(typed string) []string {
	parent, prefix := "", typed
	if i := strings.LastIndex(typed, "/"); i >= 0 {
		parent, prefix = typed[:i+1], typed[i+1:]
	}
	read := parent
	if read == "" {
		read = "."
	}
	entries, err := os.ReadDir(read)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || strings.HasPrefix(name, ".") && !strings.HasPrefix(prefix, ".") {
			continue
		}
		dir := filepath.Join(read, name)
		if info, err := os.Stat(dir); err != nil || !info.IsDir() { // a symlink to a directory counts
			continue
		}
		c := parent + name + "/"
		if _, err := os.Stat(filepath.Join(dir, source.ConfigFile)); err == nil {
			c += "\ttemplate"
		}
		out = append(out, c)
	}
	return out
}

// Set offers, for --set, KEY= for each question of the template at src
// (the default one when src is "") not already answered in given, with
// noSpace set; once KEY= is typed, KEY=CHOICE for each choice of a choice
// question, and KEY=true and KEY=false for a bool. A git or module
// template is not fetched to complete a flag: it offers nothing.
func Set(src string, given []string, typed string, load Load) (out []string, noSpace bool, err error) {
	if src != "" {
		spec, err := source.Parse(src)
		if err != nil || spec.Kind != source.Embedded && spec.Kind != source.Dir {
			return nil, false, nil
		}
	}
	tmpl, err := load(src)
	if err != nil {
		return nil, false, err
	}
	if key, value, typed := strings.Cut(typed, "="); typed {
		q, ok := tmpl.Question(key)
		if !ok {
			return nil, false, nil
		}
		if q.Type == generator.TypeMulti {
			return multi(q, value), true, nil
		}
		for _, c := range answers(q) {
			if strings.HasPrefix(c, value) {
				out = append(out, key+"="+c)
			}
		}
		return out, false, nil
	}
	answered := func(key string) bool {
		return slices.ContainsFunc(given, func(kv string) bool { return strings.HasPrefix(kv, key+"=") })
	}
	for _, q := range tmpl.Questions {
		if strings.HasPrefix(q.Name, typed) && !answered(q.Name) {
			out = append(out, q.Name+"=\t"+q.Prompt)
		}
	}
	return out, true, nil
}

// answers are the answers a question takes, when it names them.
func answers(q generator.Question) []string {
	switch q.Type {
	case generator.TypeBool:
		return []string{"true", "false"}
	case generator.TypeChoice:
		return q.Choices
	}
	return nil
}

// multi offers, for a multi question, the comma list typed so far with
// each choice it does not hold yet that the last item begins: KEY=us,eu
// after KEY=us,e. No space follows, so another comma can.
func multi(q generator.Question, value string) []string {
	done, last := "", value
	if i := strings.LastIndex(value, ","); i >= 0 {
		done, last = value[:i+1], value[i+1:]
	}
	held := strings.Split(done, ",")
	var out []string
	for _, c := range q.Choices {
		if strings.HasPrefix(c, last) && !slices.Contains(held, c) {
			out = append(out, q.Name+"="+done+c)
		}
	}
	return out
}
