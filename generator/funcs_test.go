package generator

import (
	"slices"
	"strings"
	"testing"
	"text/template"
)

// TestBuiltinNames: every name parseText takes for a builtin is one, so
// that it never lets through a text that text/template would refuse.
func TestBuiltinNames(t *testing.T) {
	for name := range builtinNames() {
		if _, err := template.New("").Parse("{{ " + name + " }}"); err != nil {
			t.Errorf("%s is not a text/template builtin: %v", name, err)
		}
	}
}

// TestParseText: a text parsed on its own by parseText and adopted by a
// namespace made of the functions it calls leaves the namespace as
// text/template's Parse does in a namespace holding every function, fails
// with the same error, and executes the same.
func TestParseText(t *testing.T) {
	texts := map[string]string{
		"plain":         "no actions here\n",
		"empty":         "",
		"sprig":         `{{ .name | upper | repeat 2 }} {{ toJson (list 1 2) }} {{ targets "linux" }}`,
		"builtins":      `{{ if and (eq .name "x") (not .b) }}{{ printf "%s" .name | len }}{{ end }}{{ slice .name 1 }}`,
		"defines":       `{{ define "part" }}P{{ .name | lower }}{{ end }}body {{ template "part" . }}`,
		"only-define":   `{{ define "only" }}O{{ end }}`,
		"loop":          `{{ range until 3 }}{{ if eq . 1 }}{{ break }}{{ end }}{{ continue }}{{ end }}`,
		"comment":       "{{/* a comment */}}x{{- /* trimmed */ -}} y",
		"nested":        `{{ with $x := (default "d" .name) }}{{ range $i, $c := (splitList "," $x) }}{{ $c | trim | title }}{{ else }}none{{ end }}{{ else with .b }}{{ nindent 2 . }}{{ end }}`,
		"chain":         `{{ (dict "k" (upper .name)).k }}`,
		"unknown":       `{{ nosuchfunc .x }}`,
		"unknown-late":  "line\n{{ .x }}\n{{ upper (nosuchfunc) }}",
		"syntax":        `{{ .x `,
		"bad-end":       `{{ end }}`,
		"redefine":      `{{ define "twice" }}1{{ end }}{{ define "twice" }}2{{ end }}`,
		"self-define":   `x{{ define "self-define" }}y{{ end }}`,
		"quoted-braces": `{{ printf "}}%s{{" (lower .name) }}`,
		"removed":       `{{ env "HOME" }}`,
	}
	data := map[string]any{"name": "Ab, cd", "b": "bee"}
	limit := func() int64 { return DefaultLimits.MaxOutput }
	for name, text := range texts {
		t.Run(name, func(t *testing.T) {
			want := template.New("").Option("missingkey=error").Funcs(funcs()).Funcs(limitedFuncs(limit))
			wt, werr := want.New(name).Parse(text)
			trees, gerr := parseText(name, text)
			if errString(werr) != errString(gerr) {
				t.Fatalf("error %q, text/template gives %q", errString(gerr), errString(werr))
			}
			if werr != nil {
				return
			}
			calls := map[string]bool{}
			calledFuncs(trees, calls)
			if calls[anyFunc] {
				t.Errorf("a node calledFuncs does not know")
			}
			got := newNamespace(limit, func() Machine { return nil }, calls)
			gt := got.adopt(name, trees)
			if w, g := dump(want), dump(got.t); !slices.Equal(w, g) {
				t.Errorf("namespace holds\n%s\ntext/template leaves\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
			}
			var wout, gout strings.Builder
			werr, gerr = wt.Execute(&wout, data), gt.Execute(&gout, data)
			if errString(werr) != errString(gerr) || wout.String() != gout.String() {
				t.Errorf("executes to %q (error %v), text/template's to %q (error %v)", gout.String(), gerr, wout.String(), werr)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// dump lists a namespace's templates with their text, sorted.
func dump(t *template.Template) []string {
	var out []string
	for _, d := range t.Templates() {
		text := "<nil>"
		if d.Tree != nil {
			text = d.Tree.Root.String()
		}
		out = append(out, d.Name()+": "+text)
	}
	slices.Sort(out)
	return out
}

func TestIsQuestionKey(t *testing.T) {
	for name, want := range map[string]bool{
		"name": true, "_x": true, "a1": true, "A_B_9": true, "_": true,
		"": false, "1a": false, "a-b": false, "a.b": false, "é": false, "a b": false,
	} {
		if got := isQuestionKey(name); got != want {
			t.Errorf("isQuestionKey(%q) = %v", name, got)
		}
	}
}
