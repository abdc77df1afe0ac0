package generator_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/generator"
)

// fakeMachine answers gitConfig from a table and counts what it is asked.
type fakeMachine struct {
	git   map[string]string
	goVer string
	asked []string
}

func (m *fakeMachine) GitConfig(key string) string {
	m.asked = append(m.asked, "git "+key)
	return m.git[key]
}

func (m *fakeMachine) GoVersion() string {
	m.asked = append(m.asked, "go")
	return m.goVer
}

const machineQuestions = minimal + `questions:
  - name: owner
    default: '{{ gitConfig "github.user" }}'
    validate: name
  - name: bucket
    default: "{{ .owner }}-artifacts"
    validate: s3-bucket
  - name: go_version
    default: "{{ goVersion }}"
    validate: go-version
`

func TestMachineDefaults(t *testing.T) {
	tests := []struct {
		name      string
		machine   *fakeMachine // nil: no Machine set
		user, set map[string]string
		want      generator.Answers
		wantAsked []string
	}{
		{
			name:      "the machine's git config and Go",
			machine:   &fakeMachine{git: map[string]string{"github.user": "octo"}, goVer: "1.27"},
			want:      generator.Answers{"owner": "octo", "bucket": "octo-artifacts", "go_version": "1.27"},
			wantAsked: []string{"git github.user", "go"},
		},
		{
			name:      "answered by --set: the machine is not asked",
			machine:   &fakeMachine{git: map[string]string{"github.user": "octo"}, goVer: "1.27"},
			set:       map[string]string{"owner": "acme", "go_version": "1.25"},
			want:      generator.Answers{"owner": "acme", "bucket": "acme-artifacts", "go_version": "1.25"},
			wantAsked: nil,
		},
		{
			name:      "user defaults take the template default's place, below --set",
			machine:   &fakeMachine{git: map[string]string{"github.user": "octo"}, goVer: "1.27"},
			user:      map[string]string{"owner": "acme", "bucket": "acme-builds", "go_version": "1.26", "unasked": "x"},
			set:       map[string]string{"bucket": "other"},
			want:      generator.Answers{"owner": "acme", "bucket": "other", "go_version": "1.26"},
			wantAsked: nil,
		},
		{
			name: "no Machine: no git config, gomicro's own Go",
			set:  map[string]string{"owner": "acme"},
			want: generator.Answers{"owner": "acme", "bucket": "acme-artifacts", "go_version": generator.LanguageVersion(runtime.Version())},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := mustLoad(t, tree(machineQuestions, nil))
			if tt.machine != nil {
				tmpl.Machine = tt.machine
			}
			tmpl.UserDefaults = tt.user
			got, err := tmpl.Resolve(context.Background(), tt.set, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !equalAnswers(got, tt.want) {
				t.Errorf("Resolve = %v, want %v", got, tt.want)
			}
			if tt.machine != nil && !slices.Equal(tt.machine.asked, tt.wantAsked) {
				t.Errorf("the machine was asked %q, want %q", tt.machine.asked, tt.wantAsked)
			}
		})
	}
}

func equalAnswers(a, b generator.Answers) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestNoDefaultNamesTheWayToAnswer: a question whose default the machine
// cannot give fails with the flag that answers it, not with its rule.
func TestNoDefaultNamesTheWayToAnswer(t *testing.T) {
	tmpl := mustLoad(t, tree(machineQuestions, nil))
	tmpl.Machine = &fakeMachine{goVer: "1.26"}
	_, err := tmpl.Resolve(context.Background(), nil, nil)
	var problems generator.Problems
	if !errors.As(err, &problems) || len(problems) != 1 {
		t.Fatalf("Resolve = %v, want one problem", err)
	}
	want := `owner "": no default here: answer it with --set owner=VALUE, or give a default in gomicro's config file`
	if got := problems[0].String(); got != want {
		t.Errorf("problem = %s\nwant      %s", got, want)
	}

	tmpl.UserDefaults = map[string]string{"owner": "Not A Name"}
	_, err = tmpl.Resolve(context.Background(), nil, nil)
	if err == nil || !strings.Contains(err.Error(), `owner "Not A Name": `) || !strings.HasSuffix(err.Error(), "(the default in gomicro's config file)") {
		t.Errorf("a bad user default: %v, want the value, its rule and where it came from", err)
	}
}

// TestMachineDefaultPrompted: a prompt shows the machine's default, and
// one with none shows none.
func TestMachineDefaultPrompted(t *testing.T) {
	tmpl := mustLoad(t, tree(machineQuestions, nil))
	tmpl.Machine = &fakeMachine{goVer: "1.26"}
	p := &fakePrompter{t: t, answers: map[string]string{"owner": "typed", "bucket": "", "go_version": ""}}
	got, err := tmpl.Resolve(context.Background(), nil, p)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"owner []", "bucket [typed-artifacts]", "go_version [1.26]"}; !slices.Equal(p.asked, want) {
		t.Errorf("asked %q, want %q", p.asked, want)
	}
	if got["owner"] != "typed" {
		t.Errorf("owner = %v, want typed", got["owner"])
	}
	if err := p.checks["owner"](""); err == nil {
		t.Error("an empty answer to a question with no default passes its check")
	}
}

// TestMachineFuncsOnlyInDefaults: a render must not depend on the machine.
func TestMachineFuncsOnlyInDefaults(t *testing.T) {
	for name, fsys := range map[string]map[string]string{
		"file body": {"a.txt": `{{ gitConfig "user.name" }}`},
		"file name": {"{{ goVersion }}.txt": "x"},
	} {
		_, err := generator.Load(tree(minimal, fsys), source)
		if err == nil || !strings.Contains(err.Error(), "reads this machine: only a question's default may call it") {
			t.Errorf("%s calling a machine function: Load = %v, want it refused", name, err)
		}
	}
	_, err := generator.Load(tree(minimal+"questions:\n  - name: a\n    when: '{{ eq goVersion \"1.26\" }}'\n", nil), source)
	if err == nil || !strings.Contains(err.Error(), "goVersion reads this machine") {
		t.Errorf("a when-condition calling goVersion: Load = %v, want it refused", err)
	}
}

func TestLanguageVersion(t *testing.T) {
	for in, want := range map[string]string{
		"go1.26.8":                            "1.26",
		"go1.26":                              "1.26",
		"go1.27rc1":                           "1.27rc1",
		"go1.27beta2":                         "1.27beta2",
		"devel go1.27-abcdef Tue Nov 3 +0000": "1.27",
		"go1.26.8 X:nocoverageredesign":       "1.26",
		"1.26":                                "",
		"go2.0":                               "",
		"gox":                                 "",
		"":                                    "",
	} {
		if got := generator.LanguageVersion(in); got != want {
			t.Errorf("LanguageVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGitConfigKeys: a default may read only the identity keys of git's
// configuration, each named as a quoted constant, so what a template can
// read is known when it loads. An extraheader or credential helper (a CI
// job's token) would otherwise end up in .gomicro.yml and in files.
func TestGitConfigKeys(t *testing.T) {
	rule := "templates may read only the git keys github.user, user.name, user.email, init.defaultBranch"
	for def, want := range map[string]string{
		`{{ gitConfig "http.https://github.com/.extraheader" }}{{ gitConfig "credential.helper" }}`: `gitConfig "http.https://github.com/.extraheader": ` + rule + `; gitConfig "credential.helper": ` + rule,
		`{{ gitConfig "User.Email" }}`:                                                     `gitConfig "User.Email": ` + rule,
		`{{ gitConfig .owner }}`:                                                           "gitConfig takes one quoted key, " + rule,
		`{{ "credential.helper" | gitConfig }}`:                                            "gitConfig takes one quoted key, " + rule,
		`{{ gitConfig (printf "%s.helper" "credential") }}`:                                "gitConfig takes one quoted key, " + rule,
		`{{ define "x" }}{{ gitConfig . }}{{ end }}{{ template "x" "credential.helper" }}`: "gitConfig takes one quoted key, " + rule,
		`{{ printf "%s" gitConfig }}`:                                                      "gitConfig takes one quoted key, " + rule,
	} {
		yml := minimal + "questions:\n  - name: owner\n    default: x\n  - name: a\n    default: '" + strings.ReplaceAll(def, "'", "''") + "'\n"
		_, err := generator.Load(tree(yml, nil), source)
		if err == nil || !strings.HasSuffix(err.Error(), `question "a": default: `+want) {
			t.Errorf("default %s: Load = %v\nwant it refused with %q", def, err, want)
		}
	}
	for _, key := range generator.GitKeys {
		m := &fakeMachine{git: map[string]string{key: "v"}}
		tmpl := mustLoad(t, tree(minimal+"questions:\n  - name: a\n    default: '{{ gitConfig \""+key+"\" }}'\n", nil))
		tmpl.Machine = m
		got, err := tmpl.Resolve(context.Background(), nil, nil)
		if err != nil || got["a"] != "v" {
			t.Errorf("gitConfig %q: %v, %v; want v", key, got, err)
		}
	}
}

// TestMachineDefault: what gomicro templates shows for a default that reads
// the machine: its value here and where it comes from; a default that
// reads answers, or no machine, is left as the template writes it.
func TestMachineDefault(t *testing.T) {
	tmpl := mustLoad(t, tree(machineQuestions+`  - name: author
    default: '{{ gitConfig "user.name" }} <{{ gitConfig "user.email" }}>'
  - name: branch
    default: '{{ gitConfig "init.defaultBranch" | default "main" }}'
  - name: plain
    default: x
  - name: mixed
    default: '{{ .owner }}@{{ goVersion }}'
`, nil))
	m := &fakeMachine{git: map[string]string{"github.user": "octo", "user.name": "Octo Cat", "user.email": "o@example.com"}, goVer: "1.27"}
	tmpl.Machine = m
	for _, c := range []struct {
		key, value, from string
		ok               bool
	}{
		{"owner", "octo", "git config github.user", true},
		{"go_version", "1.27", "the local go", true},
		{"author", "Octo Cat <o@example.com>", "git config user.name and git config user.email", true},
		{"branch", "main", "git config init.defaultBranch", true},
		{"bucket", "", "", false}, // reads an answer
		{"plain", "", "", false},
		{"mixed", "", "", false},
		{"nosuch", "", "", false},
	} {
		value, from, ok, err := tmpl.MachineDefault(context.Background(), c.key)
		if err != nil || value != c.value || from != c.from || ok != c.ok {
			t.Errorf("MachineDefault(%s) = %q, %q, %v, %v; want %q, %q, %v", c.key, value, from, ok, err, c.value, c.from, c.ok)
		}
	}
	m.git = nil
	if value, from, ok, _ := tmpl.MachineDefault(context.Background(), "owner"); value != "" || from != "git config github.user" || !ok {
		t.Errorf("unset github.user: %q, %q, %v", value, from, ok)
	}
}

// TestReleaseVersion: only a version `go run …@VERSION` can fetch again
// is recorded as gomicro's; a checkout's build, a commit between releases
// and a modified build record latest.
func TestReleaseVersion(t *testing.T) {
	for v, want := range map[string]string{
		"v0.4.0":                               "v0.4.0",
		"v1.2.3-rc.1":                          "v1.2.3-rc.1",
		"v2.0.0+incompatible":                  "latest",
		"(devel)":                              "latest",
		"":                                     "latest",
		"v0.0.0-20261207174130-6d1460a1b2c3":   "latest",
		"v0.4.1-0.20261207174130-6d1460a1b2c3": "latest",
		"v0.4.0+dirty":                         "latest",
		"0.4.0":                                "latest",
		"latest":                               "latest",
	} {
		if got := generator.ReleaseVersion(v); got != want {
			t.Errorf("ReleaseVersion(%q) = %q, want %q", v, got, want)
		}
	}
}

// TestGomicroVersionDefault: a default may call gomicroVersion, which is
// the test binary's own (not a release: latest); a file may not.
func TestGomicroVersionDefault(t *testing.T) {
	tmpl, err := generator.Load(tree(minimal+"questions:\n  - name: v\n    default: '{{ gomicroVersion }}'\n", nil), source)
	if err != nil {
		t.Fatal(err)
	}
	answers, err := tmpl.Resolve(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := generator.GomicroVersion(); answers["v"] != want || want != "latest" {
		t.Errorf("gomicroVersion default = %q, GomicroVersion() = %q, want latest in a test binary", answers["v"], want)
	}
	_, err = generator.Load(tree(minimal, map[string]string{"v.txt": "{{ gomicroVersion }}"}), source)
	if err == nil || !strings.Contains(err.Error(), "gomicroVersion reads this machine") {
		t.Errorf("a file calling gomicroVersion: Load = %v, want it refused", err)
	}
}
