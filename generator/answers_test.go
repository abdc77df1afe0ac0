package generator_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/generator"
)

const questions = minimal + `questions:
  - name: name
    default: oddjob
    validate: name
  - name: owner
    default: launchdarkly
    validate: name
  - name: module
    default: "github.com/{{ .owner }}/{{ .name }}"
    validate: module
  - name: kind
    choices: [web, worker]
    default: web
  - name: docker
    type: bool
  - name: image
    default: "{{ .owner }}/{{ .name }}"
    when: "{{ .docker }}"
  - name: port
    default: "8080"
    when: '{{ eq .kind "web" }}'
`

func TestResolve(t *testing.T) {
	tmpl := mustLoad(t, tree(questions, nil))
	tests := []struct {
		name string
		set  map[string]string
		want generator.Answers
	}{
		{
			name: "defaults, one built from earlier answers",
			want: generator.Answers{
				"name": "oddjob", "owner": "launchdarkly", "module": "github.com/launchdarkly/oddjob",
				"kind": "web", "docker": false, "image": "launchdarkly/oddjob", "port": "8080",
			},
		},
		{
			name: "set feeds later defaults",
			set:  map[string]string{"name": "billing", "owner": "acme"},
			want: generator.Answers{
				"name": "billing", "owner": "acme", "module": "github.com/acme/billing",
				"kind": "web", "docker": false, "image": "acme/billing", "port": "8080",
			},
		},
		{
			name: "set wins over a default",
			set:  map[string]string{"name": "billing", "module": "example.com/x", "image": "img"},
			want: generator.Answers{
				"name": "billing", "owner": "launchdarkly", "module": "example.com/x",
				"kind": "web", "docker": false, "image": "img", "port": "8080",
			},
		},
		{
			name: "bool and choice",
			set:  map[string]string{"docker": "true", "kind": "worker"},
			want: generator.Answers{
				"name": "oddjob", "owner": "launchdarkly", "module": "github.com/launchdarkly/oddjob",
				"kind": "worker", "docker": true, "image": "launchdarkly/oddjob", "port": "8080",
			},
		},
		{
			name: "an answer holding template actions stays data",
			set:  map[string]string{"module": "{{ .name }}"},
			want: generator.Answers{
				"name": "oddjob", "owner": "launchdarkly", "module": "{{ .name }}",
				"kind": "web", "docker": false, "image": "launchdarkly/oddjob", "port": "8080",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "an answer holding template actions stays data" {
				// The module rule rejects it; use a tree without the rule.
				tmpl = mustLoad(t, tree(strings.Replace(questions, "validate: module", "", 1), nil))
			}
			got, err := tmpl.Resolve(context.Background(), tt.set, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Resolve = %v\nwant      %v", got, tt.want)
			}
		})
	}
}

func TestResolveParse(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+`questions:
  - name: b
    type: bool
  - name: c
    choices: [web, worker]
    default: web
`, nil))
	tests := []struct {
		key, value string
		want       any    // the typed answer
		rule       string // or the rule broken
	}{
		{"b", "true", true, ""},
		{"b", "false", false, ""},
		{"b", "1", true, ""},
		{"b", "0", false, ""},
		{"b", "TRUE", true, ""},
		{"b", "F", false, ""},
		{"b", "yes", nil, "answers to b are true or false"},
		{"b", "", nil, "answers to b are true or false"},
		{"b", " true", nil, "answers to b are true or false"},
		{"c", "web", "web", ""},
		{"c", "worker", "worker", ""},
		{"c", "Web", nil, "choose one of web, worker"},
		{"c", "", nil, "choose one of web, worker"},
		{"c", "web,worker", nil, "choose one of web, worker"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			got, err := tmpl.Resolve(context.Background(), map[string]string{tt.key: tt.value}, nil)
			if tt.rule == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got[tt.key] != tt.want {
					t.Errorf("%s = %#v, want %#v", tt.key, got[tt.key], tt.want)
				}
				return
			}
			var ps generator.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v, want generator.Problems", err)
			}
			want := generator.Problems{{Key: tt.key, Value: tt.value, Rule: tt.rule}}
			if !reflect.DeepEqual(ps, want) {
				t.Errorf("problems = %#v\nwant %#v", ps, want)
			}
		})
	}
}

func TestResolvePrompter(t *testing.T) {
	tmpl := mustLoad(t, tree(questions, nil))

	t.Run("when false: not asked, default used", func(t *testing.T) {
		p := &fakePrompter{t: t, answers: map[string]string{
			"name": "billing", "owner": "", "module": "", "kind": "worker", "docker": "",
		}}
		got, err := tmpl.Resolve(context.Background(), nil, p)
		if err != nil {
			t.Fatal(err)
		}
		wantAsked := []string{
			"name [oddjob]", "owner [launchdarkly]", "module [github.com/launchdarkly/billing]",
			"kind [web]", "docker [false]",
		}
		if !slices.Equal(p.asked, wantAsked) {
			t.Errorf("asked %q\nwant  %q", p.asked, wantAsked)
		}
		want := generator.Answers{
			"name": "billing", "owner": "launchdarkly", "module": "github.com/launchdarkly/billing",
			"kind": "worker", "docker": false, "image": "launchdarkly/billing", "port": "8080",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Resolve = %v\nwant      %v", got, want)
		}
	})

	t.Run("when true: asked", func(t *testing.T) {
		p := &fakePrompter{t: t, answers: map[string]string{
			"owner": "acme", "module": "", "docker": "true", "image": "", "port": "9090",
		}}
		got, err := tmpl.Resolve(context.Background(), map[string]string{"name": "billing", "kind": "web"}, p)
		if err != nil {
			t.Fatal(err)
		}
		wantAsked := []string{
			"owner [launchdarkly]", "module [github.com/acme/billing]", "docker [false]",
			"image [acme/billing]", "port [8080]",
		}
		if !slices.Equal(p.asked, wantAsked) {
			t.Errorf("asked %q\nwant  %q", p.asked, wantAsked)
		}
		if got["image"] != "acme/billing" || got["port"] != "9090" || got["docker"] != true {
			t.Errorf("Resolve = %v", got)
		}
	})

	t.Run("check validates the candidate, empty meaning the default", func(t *testing.T) {
		p := &fakePrompter{t: t, answers: map[string]string{
			"name": "", "owner": "", "module": "", "kind": "", "docker": "", "port": "",
		}}
		if _, err := tmpl.Resolve(context.Background(), nil, p); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			key, value string
			ok         bool
		}{
			{"name", "", true}, {"name", "Bad Name", false}, {"name", "good-name", true},
			{"kind", "", true}, {"kind", "worker", true}, {"kind", "cron", false},
			{"docker", "", true}, {"docker", "maybe", false}, {"docker", "true", true},
		} {
			if err := p.checks[c.key](c.value); (err == nil) != c.ok {
				t.Errorf("check %s %q = %v, want ok=%v", c.key, c.value, err, c.ok)
			}
		}
	})

	t.Run("a prompter error stops resolve", func(t *testing.T) {
		stop := errors.New("interrupted")
		_, err := tmpl.Resolve(context.Background(), nil, promptFunc(func(generator.Question, string) (string, error) { return "", stop }))
		if !errors.Is(err, stop) {
			t.Errorf("err = %v, want the prompter's error", err)
		}
	})
}

type promptFunc func(q generator.Question, def string) (string, error)

func (f promptFunc) Ask(q generator.Question, def string, _ func(string) error) (string, error) {
	return f(q, def)
}

func TestResolveProblems(t *testing.T) {
	tmpl := mustLoad(t, tree(questions, nil))
	_, err := tmpl.Resolve(context.Background(), map[string]string{
		"zeta":   "1",
		"port":   "80",
		"kind":   "cron",
		"alpha":  "2",
		"name":   "Bad Name",
		"docker": "maybe",
		"owner":  "-acme",
	}, nil)

	var ps generator.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want generator.Problems", err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Key+"="+p.Value)
	}
	// Unknown keys first (sorted), then every bad answer in question order.
	// module's default names the bad name and is not reported again.
	want := []string{"alpha=2", "zeta=1", "name=Bad Name", "owner=-acme", "kind=cron", "docker=maybe"}
	if !slices.Equal(got, want) {
		t.Errorf("problems %q\nwant     %q", got, want)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("Error() has %d lines, want %d:\n%s", len(lines), len(want), err)
	}
	for _, w := range []struct {
		line int
		text string
	}{
		{0, `alpha "2": no such question in template t (it asks name, owner, module, kind, docker, image, port)`},
		{2, `name "Bad Name": names use only letters, digits, '-' and '_' (found " ")`},
		{4, `kind "cron": choose one of web, worker`},
		{5, `docker "maybe": answers to docker are true or false`},
	} {
		if lines[w.line] != w.text {
			t.Errorf("line %d = %q\nwant     %q", w.line+1, lines[w.line], w.text)
		}
	}
}

func TestResolveUnknownKeySuggests(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+`questions:
  - name: name
  - name: kind
    choices: [web, worker]
`, nil))
	_, err := tmpl.Resolve(context.Background(), map[string]string{"knd": "web", "zzzzzz": "1", "name": "x", "kind": "web"}, nil)
	want := "knd \"web\": no such question in template t; did you mean kind? (it asks name, kind)\n" +
		"zzzzzz \"1\": no such question in template t (it asks name, kind)"
	if err == nil || err.Error() != want {
		t.Errorf("err =\n%v\nwant\n%s", err, want)
	}
}

func TestResolveDefaultDoesNotRender(t *testing.T) {
	// A default that names a later question is refused at Load (see
	// TestLoadRefs); one that fails only when executed is a problem of its
	// question.
	tmpl := mustLoad(t, tree(minimal+`questions:
  - name: first
    default: '{{ fail "no default for first" }}'
  - name: later
    default: x
`, nil))
	_, err := tmpl.Resolve(context.Background(), nil, nil)
	var ps generator.Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Key != "first" || !strings.Contains(ps[0].Rule, "default does not render") {
		t.Fatalf("err = %#v, want one problem for first's default", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("problem is not one line: %q", err)
	}
	// Answering first directly needs no default.
	if _, err := tmpl.Resolve(context.Background(), map[string]string{"first": "y"}, nil); err != nil {
		t.Error(err)
	}
}

func TestResolveNotUTF8(t *testing.T) {
	// .gomicro.yml records answers as YAML text: an answer that is not
	// UTF-8 is a problem of its question, found before anything is written.
	tmpl := mustLoad(t, tree(questions, nil))
	_, err := tmpl.Resolve(context.Background(), map[string]string{"kind": "web\xff", "image": "a\xffb", "docker": "true"}, nil)
	var ps generator.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want generator.Problems", err)
	}
	want := "kind \"web\\xff\": answers must be UTF-8 text\nimage \"a\\xffb\": answers must be UTF-8 text"
	if err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
}

// Unanswered names the questions whose defaults do not answer them and
// that set does not either; a key set gives, however wrong, is not one.
func TestUnanswered(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+`questions:
  - name: name
    default: svc
  - name: owner
    validate: name
  - name: bucket
    validate: s3-bucket
  - name: kind
    choices: [web, worker]
    default: web
`, nil))
	ctx := context.Background()
	if got, want := tmpl.Unanswered(ctx, nil), []string{"owner", "bucket"}; !slices.Equal(got, want) {
		t.Errorf("Unanswered(nil) = %q, want %q", got, want)
	}
	if got, want := tmpl.Unanswered(ctx, map[string]string{"owner": "acme", "kind": "cron"}), []string{"bucket"}; !slices.Equal(got, want) {
		t.Errorf("Unanswered(owner, a bad kind) = %q, want %q", got, want)
	}
	if got := tmpl.Unanswered(ctx, map[string]string{"owner": "acme", "bucket": "acme-artifacts"}); got != nil {
		t.Errorf("Unanswered(all) = %q, want none", got)
	}
}
