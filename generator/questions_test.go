package generator_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
)

// richConfig is the example of the richer questions.
const richConfig = minimal + `questions:
  - name: regions
    type: multi
    choices: [us, eu, ap]
    default: [us]
  - name: replicas
    type: int
    min: 1
    max: 9
    default: 2
  - name: api_key
    secret: true
    env: DEMO_API_KEY
  - name: team
    default: core
    validate:
      pattern: '^[a-z]+$'
      message: lowercase letters only
`

// richFiles use every richer answer: a range over the multi, arithmetic on
// the int, the secret.
var richFiles = map[string]string{
	"regions.txt": "{{ range .regions }}region {{ . }}\n{{ end }}{{ if has \"eu\" .regions }}eu on{{ end }}\n",
	"scale.txt":   "replicas {{ .replicas }}, surge {{ add .replicas 1 }}{{ if gt .replicas 3 }}, big{{ end }}\n",
	"key.txt":     "key {{ .api_key }} team {{ .team }}\n",
}

// env is an environment of one variable, as Template.Environ sees it.
func env(key, value string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		if k == key {
			return value, true
		}
		return "", false
	}
}

func richTemplate(t *testing.T) *generator.Template {
	t.Helper()
	tmpl := mustLoad(t, tree(richConfig, richFiles))
	tmpl.Environ = env("DEMO_API_KEY", "s3cr3t-v4lue")
	return tmpl
}

func TestRichLoad(t *testing.T) {
	tmpl := richTemplate(t)
	q, _ := tmpl.Question("regions")
	if q.Type != generator.TypeMulti || q.Default != "us" {
		t.Errorf("regions: type %q default %q, want multi and us", q.Type, q.Default)
	}
	q, _ = tmpl.Question("replicas")
	if q.Type != generator.TypeInt || *q.Min != 1 || *q.Max != 9 || q.Default != "2" {
		t.Errorf("replicas: %+v", q)
	}
	q, _ = tmpl.Question("team")
	if q.Pattern != "^[a-z]+$" || q.Message != "lowercase letters only" || q.Validate != "" {
		t.Errorf("team: pattern %q message %q validate %q", q.Pattern, q.Message, q.Validate)
	}
}

func TestRichLoadErrors(t *testing.T) {
	for _, tt := range []struct{ name, questions, want string }{
		{"multi without choices", "type: multi", `type multi needs choices`},
		{"multi default not a choice", "type: multi\n    choices: [us, eu]\n    default: [us, mars]", `default "us,mars": choose any of us, eu, separated by commas ("mars" is not one)`},
		{"multi choice with a comma", "type: multi\n    choices: ['a,b', c]", `choice "a,b": a multi question's choices are listed with commas`},
		{"list default not multi", "choices: [us, eu]\n    default: [us]", `default is a list, which only a question of type multi takes`},
		{"min above max", "type: int\n    min: 9\n    max: 1", `min 9 is above max 1`},
		{"int default out of range", "type: int\n    min: 1\n    max: 9\n    default: 12", `default "12": answers to a are whole numbers from 1 to 9`},
		{"int default not a number", "type: int\n    default: many", `default "many": answers to a are whole numbers`},
		{"min on a string", "min: 1", `min and max bound a question of type int, not string`},
		{"min not a number", "type: int\n    min: one", "cannot unmarshal !!str `one` into int"},
		{"pattern does not compile", "validate:\n      pattern: '[a-'", `validate: pattern "[a-" does not compile: missing closing ]`},
		{"pattern missing", "validate:\n      message: no", `validate: pattern is required`},
		{"validate unknown key", "validate:\n      pattern: x\n      hint: y", `validate: field hint is not pattern or message`},
		{"validate on an int", "type: int\n    default: 1\n    validate: name", `validate checks text answers, not those of type int`},
		{"secret without env", "secret: true", `a secret needs env`},
		{"secret multi", "secret: true\n    env: X\n    type: multi\n    choices: [x]", `a secret is a question of type string, not multi`},
		{"env without secret", "env: X", `env names where a secret comes from, and this question is not secret: true`},
		{"env not a name", "secret: true\n    env: 'A-B'", `env "A-B" is not an environment variable's name`},
		{"unknown key", "defualt: x", `line 5: field defualt not found in type generator.Question`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := generator.Load(tree(minimal+"questions:\n  - name: a\n    "+tt.questions+"\n", nil), source)
			if err == nil {
				t.Fatalf("Load succeeded, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("Load: %v\nwant one line holding %q", err, tt.want)
			}
		})
	}
	// A secret is for file bodies, conditions and whens: not where it would
	// be shown or recorded.
	const secret = minimal + "questions:\n  - name: k\n    secret: true\n    env: K\n"
	for _, tt := range []struct {
		name   string
		config string
		files  map[string]string
		want   string
	}{
		{"file name", secret, map[string]string{"{{ .k }}.txt": "x"}, `{{ .k }}.txt: file name: reads the secret .k, which would be shown or recorded there`},
		{"default", secret + "  - name: url\n    default: 'https://{{ .k }}@host'\n", nil, `question "url": default: reads the secret .k`},
		{"next step", secret + "next_steps: ['echo {{ $.k }}']\n", nil, `next_steps[0]: reads the secret $.k`},
	} {
		_, err := generator.Load(tree(tt.config, tt.files), source)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Load: %v\nwant %q", tt.name, err, tt.want)
		}
	}
	mustLoad(t, tree(secret+"conditions:\n  a.txt: '{{ ne .k \"\" }}'\n", map[string]string{"a.txt": "{{ .k }}", "b.txt": "{{ if .k }}set{{ end }}"}))

	// YAML's merge key still merges.
	merged := mustLoad(t, tree(minimal+"questions:\n  - &n {name: a, type: int, min: 1, default: 1}\n  - <<: *n\n    name: b\n", nil))
	if q, _ := merged.Question("b"); q.Type != generator.TypeInt || *q.Min != 1 {
		t.Errorf("merged question: %+v", q)
	}
	// A secret may have a default: the value where its variable is unset.
	mustLoad(t, tree(minimal+"questions:\n  - name: a\n    secret: true\n    env: A\n    default: dev\n", nil))
}

func TestRichRender(t *testing.T) {
	tmpl := richTemplate(t)
	out := mustRender(t, tmpl, map[string]string{"regions": "eu,us", "replicas": "4"})
	if got, want := fileData(t, out, "regions.txt"), "region us\nregion eu\neu on\n"; got != want {
		t.Errorf("regions.txt = %q, want %q (choices' order)", got, want)
	}
	if got, want := fileData(t, out, "scale.txt"), "replicas 4, surge 5, big\n"; got != want {
		t.Errorf("scale.txt = %q, want %q", got, want)
	}
	if got, want := fileData(t, out, "key.txt"), "key s3cr3t-v4lue team core\n"; got != want {
		t.Errorf("key.txt = %q, want %q", got, want)
	}
	manifest := fileData(t, out, generator.ManifestFile)
	if strings.Contains(manifest, "s3cr3t") || strings.Contains(manifest, "api_key") {
		t.Errorf("%s records the secret:\n%s", generator.ManifestFile, manifest)
	}
	for _, want := range []string{"  regions:\n    - us\n    - eu\n", "  replicas: 4\n", "  team: core\n"} {
		if !strings.Contains(manifest, want) {
			t.Errorf("%s lacks %q:\n%s", generator.ManifestFile, want, manifest)
		}
	}
	// None: an empty list.
	out = mustRender(t, tmpl, map[string]string{"regions": ""})
	if got := fileData(t, out, "regions.txt"); got != "\n" {
		t.Errorf("no regions: %q", got)
	}
	if manifest := fileData(t, out, generator.ManifestFile); !strings.Contains(manifest, "  regions: []\n") {
		t.Errorf("no regions recorded as:\n%s", manifest)
	}
}

// TestRichSet: --set for each type; a wrong value is one line naming the
// key, the value (never a secret's) and the rule.
func TestRichSet(t *testing.T) {
	tmpl := richTemplate(t)
	for _, tt := range []struct {
		set  map[string]string
		want string
	}{
		{map[string]string{"regions": "us,mars"}, `regions "us,mars": choose any of us, eu, ap, separated by commas ("mars" is not one)`},
		{map[string]string{"replicas": "0"}, `replicas "0": answers to replicas are whole numbers from 1 to 9`},
		{map[string]string{"replicas": "two"}, `replicas "two": answers to replicas are whole numbers from 1 to 9`},
		{map[string]string{"team": "Core"}, `team "Core": lowercase letters only`},
		{map[string]string{"api_key": "x"}, ``},
		{map[string]string{"regions": " ap , us "}, ``},
	} {
		_, err := tmpl.Resolve(context.Background(), tt.set, nil)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("--set %v: %v", tt.set, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("--set %v: %v\nwant %s", tt.set, err, tt.want)
		}
	}
	answers, err := tmpl.Resolve(context.Background(), map[string]string{"regions": " ap , us ", "replicas": "9"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := answers["regions"]; !slices.Equal(got.([]string), []string{"us", "ap"}) || answers["replicas"] != 9 {
		t.Errorf("answers = %#v", answers)
	}
}

// TestRichSecret: where nobody is asked, a secret comes from its variable,
// else its default, else one problem naming the variable; a problem with
// its value never shows it.
func TestRichSecret(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+`questions:
  - name: api_key
    secret: true
    env: DEMO_API_KEY
    validate:
      pattern: '^k-'
`, nil))
	_, err := tmpl.Resolve(context.Background(), nil, nil)
	want := `api_key "": set the environment variable DEMO_API_KEY: a secret is never recorded, and upgrade and --non-interactive take it from there`
	if err == nil || err.Error() != want {
		t.Errorf("unset: %v\nwant %s", err, want)
	}
	tmpl.Environ = env("DEMO_API_KEY", "hunter2")
	_, err = tmpl.Resolve(context.Background(), nil, nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), `api_key "(secret)": must match the pattern ^k-`) {
		t.Errorf("a bad secret: %v", err)
	}
	tmpl.Environ = env("DEMO_API_KEY", "k-1")
	answers, err := tmpl.Resolve(context.Background(), nil, nil)
	if err != nil || answers["api_key"] != "k-1" {
		t.Errorf("from the environment: %v, %v", answers, err)
	}
	// A person asked at new types it; the variable is not read.
	p := &fakePrompter{t: t, answers: map[string]string{"api_key": "k-typed"}}
	if answers, err := tmpl.Resolve(context.Background(), nil, p); err != nil || answers["api_key"] != "k-typed" {
		t.Errorf("asked: %v, %v", answers, err)
	}
	// An upgrade never asks it: a prompter that is asked fails the test.
	answers, err = tmpl.ResolveUpgrade(context.Background(), generator.Answers{"api_key": "k-hand-written"}, nil, &fakePrompter{t: t})
	if err != nil || answers["api_key"] != "k-1" {
		t.Errorf("upgrade: %v, %v (a recorded secret is not read)", answers, err)
	}
}

// TestRichUpgrade: a project made with a secret from the environment
// upgrades with it from there; the list and the int read back from
// .gomicro.yml; the secret is in no manifest and no problem.
func TestRichUpgrade(t *testing.T) {
	v1 := richTemplate(t)
	v2config := strings.Replace(richConfig, "version: 1.0.0", "version: 1.1.0", 1)
	v2 := mustLoad(t, tree(v2config, richFiles))
	v2.Environ = env("DEMO_API_KEY", "s3cr3t-v4lue")
	fsys := afero.NewMemMapFs()
	upgGenerate(t, fsys, "svc", v1, map[string]string{"regions": "ap,eu", "replicas": "3"})
	old := upgManifest(t, fsys, "svc")
	if !slices.Equal(old.Answers["regions"].([]string), []string{"eu", "ap"}) || old.Answers["replicas"] != "3" {
		t.Errorf("recorded answers read as %#v", old.Answers)
	}
	base := generator.RenderedBase("v1", func() (*generator.Template, error) { return v1, nil }, old)
	u, err := generator.Upgrade(context.Background(), generator.UpgradeRequest{Project: fsys, Dir: "svc", Old: old, Theirs: v2,
		Set: map[string]string{"replicas": "5"}, Bases: []generator.BaseSource{base}})
	if err != nil {
		t.Fatal(err)
	}
	if u.BaseMissing != 0 || u.Answers["replicas"] != 5 || !slices.Equal(u.Answers["regions"].([]string), []string{"eu", "ap"}) {
		t.Errorf("BaseMissing %d, answers %#v", u.BaseMissing, u.Answers)
	}
	if m := string(u.Plan.Manifest.Data); strings.Contains(m, "s3cr3t") || !strings.Contains(m, "replicas: 5\n") {
		t.Errorf("new %s:\n%s", generator.ManifestFile, m)
	}
	// Without the variable, the upgrade stops at one line naming it.
	v2.Environ = nil
	_, err = generator.Upgrade(context.Background(), generator.UpgradeRequest{Project: fsys, Dir: "svc", Old: old, Theirs: v2})
	var problems generator.Problems
	if !errors.As(err, &problems) || len(problems) != 1 || !strings.Contains(err.Error(), "DEMO_API_KEY") {
		t.Errorf("upgrade without the variable: %v", err)
	}
}

// TestRichCombinations: template test multiplies by a multi question's
// default, each choice alone, all and none; not by every subset.
func TestRichCombinations(t *testing.T) {
	tmpl := richTemplate(t)
	sets, total, err := tmpl.Combinations(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sets {
		got = append(got, "regions="+s["regions"])
	}
	want := []string{"regions=us", "regions=eu", "regions=ap", "regions=us,eu,ap", "regions="}
	if total != 5 || !slices.Equal(got, want) {
		t.Errorf("Combinations = %d: %q\nwant %q", total, got, want)
	}
	for _, s := range sets {
		if _, err := tmpl.Resolve(context.Background(), s, nil); err != nil {
			t.Errorf("Resolve(%v): %v", s, err)
		}
	}
}

// TestRichAnswersShown: gomicro templates' view of each question; a
// secret shows where it comes from, never a default.
func TestRichAnswersShown(t *testing.T) {
	tmpl := mustLoad(t, tree(richConfig+`  - name: kind
    choices: [web, worker]
    default: web
  - name: docker
    type: bool
  - name: shh
    secret: true
    env: SHH
    default: not-for-eyes
`, nil))
	want := map[string]string{
		"regions":  "[us*|eu|ap]",
		"replicas": "[2] (from 1 to 9)",
		"api_key":  "(secret, from $DEMO_API_KEY)",
		"team":     "[core]",
		"kind":     "[web*|worker]",
		"docker":   "[true|false*]",
		"shh":      "(secret, from $SHH)",
	}
	for _, q := range tmpl.Questions {
		if got := q.Answers(); got != want[q.Name] {
			t.Errorf("%s: %s, want %s", q.Name, got, want[q.Name])
		}
	}
}

// TestRichAnswersFile: --answers reads a multi answer as .gomicro.yml
// records it, a list, and another project's manifest of the richer
// questions answers a new one.
func TestRichAnswersFile(t *testing.T) {
	set, _, err := generator.ReadAnswersFile([]byte("regions: [eu, ap]\nreplicas: 3\n"))
	if err != nil || set["regions"] != "eu,ap" || set["replicas"] != "3" {
		t.Errorf("ReadAnswersFile = %q, %v", set, err)
	}
	out := mustRender(t, richTemplate(t), map[string]string{"regions": "eu,ap", "replicas": "3"})
	set, manifest, err := generator.ReadAnswersFile([]byte(fileData(t, out, generator.ManifestFile)))
	if err != nil || !manifest || set["regions"] != "eu,ap" || set["replicas"] != "3" {
		t.Errorf("another project's manifest: %q, %v, %v", set, manifest, err)
	}
	if _, _, err := generator.ReadAnswersFile([]byte("regions: [[eu]]\n")); err == nil || !strings.Contains(err.Error(), "line 1: regions: a list holds one word per choice") {
		t.Errorf("a nested list: %v", err)
	}
}
