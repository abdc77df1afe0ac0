package generator

import (
	"fmt"
)

// Lint reports what a loaded template may have wrong without being invalid
// (Load refuses what is invalid). Warnings: a question that no file body,
// file name, condition, default or when uses, so its answer changes
// nothing. Notes: a rendered file whose name and body use no answer, which
// is normal for a static file but may be a forgotten placeholder. Verbatim
// files are not noted: they are static on purpose.
//
// A piece of the tree that hands all the answers to something ({{ toJson . }},
// {{ template "x" . }}, {{ index . "kind" }}) could read any of them: then no
// question is reported unused, and that file is not noted.
func (t *Template) Lint() (warnings, notes []string) {
	defer func() { warnings = append(warnings, t.lintOwned()...) }() // once: and exclude: (owned.go)
	used := map[string]bool{}
	all := false
	note := func(key string) {
		if key == "" {
			all = true
		}
		used[key] = true
	}
	for _, f := range t.files {
		refs := map[string]bool{}
		collect := func(key string) { note(key); refs[key] = true }
		for _, seg := range f.segments {
			if seg != nil {
				answerRefs(seg.Root, true, collect)
			}
		}
		if f.body != nil {
			answerRefs(f.body.Root, true, collect)
		}
		if f.body != nil && len(refs) == 0 {
			notes = append(notes, fmt.Sprintf("%s uses no answer (fine for a static file)", f.src))
		}
	}
	for _, c := range t.conditions {
		answerRefs(c.expr.Root, true, note)
	}
	for _, q := range t.Questions {
		if q.defaultTmpl != nil {
			answerRefs(q.defaultTmpl.Root, true, note)
		}
		if q.whenTmpl != nil {
			answerRefs(q.whenTmpl.Root, true, note)
		}
	}
	// Templates a file defines ({{ define "x" }}) get whatever their caller
	// passes, most often the answers.
	named := map[string]bool{}
	for _, f := range t.files {
		named[f.src] = true
	}
	for _, d := range t.ns.t.Templates() {
		if d.Tree != nil && !named[d.Name()] {
			answerRefs(d.Root, true, note)
		}
	}
	warnings = append(warnings, t.lintMoved()...)
	if all {
		return warnings, notes
	}
	for _, q := range t.Questions {
		if !used[q.Name] {
			warnings = append(warnings, fmt.Sprintf("question %q is used by no file, file name, condition, default or when: its answer changes nothing", q.Name))
		}
	}
	return warnings, notes
}
