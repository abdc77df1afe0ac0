package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/templates"
	"github.com/gomicro/gomicro/templates/source"
)

// Shell completion (gomicro completion bash|zsh|fish|powershell installs
// it; cobra's hidden __complete command answers it, one candidate a line,
// which is how the stories test it).

// completeTemplate offers, for --template, the embedded templates' names
// and the directories beside what is typed (a template is a directory
// holding template.yaml; git URLs and modules are left to the person).
func completeTemplate(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, name := range templates.Names() {
		if !strings.HasPrefix(name, toComplete) {
			continue
		}
		desc := "embedded template"
		if tmpl, err := loadTemplate(embeddedPrefix + name); err == nil {
			desc = tmpl.Description
		}
		out = append(out, name+"\t"+desc)
	}
	dirs := completeDirs(toComplete)
	directive := cobra.ShellCompDirectiveNoFileComp
	if len(dirs) > 0 {
		// A directory is completed to DIR/, to go on into it.
		directive |= cobra.ShellCompDirectiveNoSpace
	}
	return append(out, dirs...), directive
}

// completeDirs lists the directories whose path starts with toComplete,
// each with a trailing slash; hidden ones only once a dot is typed. A
// directory that holds template.yaml says so.
func completeDirs(toComplete string) []string {
	parent, prefix := "", toComplete
	if i := strings.LastIndex(toComplete, "/"); i >= 0 {
		parent, prefix = toComplete[:i+1], toComplete[i+1:]
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

// completeSet offers, for --set, KEY= for each question of the template
// (--template's, else the default) not already answered by another --set;
// once KEY= is typed, KEY=CHOICE for each choice of a choice question, and
// KEY=true and KEY=false for a bool. A git or module template is not
// fetched to complete a flag.
func completeSet(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	src, _ := cmd.Flags().GetString("template")
	if src != "" {
		spec, err := source.Parse(src)
		if err != nil || spec.Kind != source.Embedded && spec.Kind != source.Dir {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
	}
	tmpl, err := loadTemplate(src)
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	if key, value, typed := strings.Cut(toComplete, "="); typed {
		q, ok := tmpl.Question(key)
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, c := range answerChoices(q) {
			if strings.HasPrefix(c, value) {
				out = append(out, key+"="+c)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	given, _ := cmd.Flags().GetStringArray("set")
	answered := func(key string) bool {
		return slices.ContainsFunc(given, func(kv string) bool { return strings.HasPrefix(kv, key+"=") })
	}
	var out []string
	for _, q := range tmpl.Questions {
		if strings.HasPrefix(q.Name, toComplete) && !answered(q.Name) {
			out = append(out, q.Name+"=\t"+q.Prompt)
		}
	}
	return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
}

// answerChoices are the answers a question takes, when it names them.
func answerChoices(q generator.Question) []string {
	switch q.Type {
	case generator.TypeBool:
		return []string{"true", "false"}
	case generator.TypeChoice:
		return q.Choices
	}
	return nil
}
