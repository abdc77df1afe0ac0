package generator_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gomicro/gomicro/generator"
)

func TestLoadValid(t *testing.T) {
	fsys := tree(minimal+`
description: a test template
questions:
  - name: name
    default: svc
    validate: name
  - name: kind
    choices: [web, worker]
    default: web
  - name: docker
    type: bool
  - name: image
    default: "{{ .name }}:latest"
    when: "{{ .docker }}"
verbatim: ["assets/**", "*.txt"]
`, map[string]string{
		"main.go.tmpl":         "package main // {{ .name }}\n",
		"assets/x.js":          "{{ not a template",
		"notes.txt":            "{{",
		"cmd/{{ .name }}/a.go": "package {{ .name }}\n",
	})
	tmpl, err := generator.Load(fsys, source)
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.Name != "t" || tmpl.Version != "1.0.0" || tmpl.Source != source || tmpl.Description != "a test template" {
		t.Errorf("header = %q %q %q %q", tmpl.Name, tmpl.Version, tmpl.Source, tmpl.Description)
	}
	var got []string
	for _, q := range tmpl.Questions {
		got = append(got, q.Name+":"+q.Type)
	}
	if want := "name:string kind:choice docker:bool image:string"; strings.Join(got, " ") != want {
		t.Errorf("questions = %s, want %s", strings.Join(got, " "), want)
	}
	q, ok := tmpl.Question("docker")
	if !ok || q.Default != "false" || q.Prompt != "docker" {
		t.Errorf("Question(docker) = %+v, %v; want default false, prompt docker", q, ok)
	}
	if _, ok := tmpl.Question("nope"); ok {
		t.Error("Question(nope) found")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		fsys fstest.MapFS
		// want holds one substring per expected problem line, in order.
		want []string
	}{
		{
			name: "no template.yaml",
			fsys: tree("", map[string]string{"main.go": "package main\n"}),
			want: []string{"no template.yaml at its root"},
		},
		{
			// A template that ships what gomicro writes itself would pass
			// for gomicro's own (a leftover sidecar blocks every upgrade).
			name: "names gomicro reserves",
			fsys: tree(minimal, map[string]string{
				".gomicro-tmp-1/a.txt":          "x",
				".gomicro.yml":                  "x",
				"config.yml.gomicro-new":        "x",
				"sub/.Gomicro.yml":              "x",
				"{{ .name }}.gomicro-NEW.tmpl":  "x",
				"{{ .name }}.gomicro-new/x.txt": "fine: a directory is never a sidecar, but refused all the same",
				"gomicro-new.txt":               "fine",
			}),
			want: []string{
				`.gomicro-tmp-1/a.txt: file name ".gomicro-tmp-1" starts with .gomicro-, which gomicro reserves for its own temporary files`,
				`.gomicro.yml: file name ".gomicro.yml" is gomicro's answers file, which gomicro writes itself`,
				`config.yml.gomicro-new: file name "config.yml.gomicro-new" ends in .gomicro-new, which gomicro reserves for the new version an upgrade writes beside an edited file`,
				`sub/.Gomicro.yml: file name ".Gomicro.yml" is gomicro's answers file`,
				`{{ .name }}.gomicro-NEW.tmpl: file name "{{ .name }}.gomicro-NEW" ends in .gomicro-new`,
				`{{ .name }}.gomicro-new/x.txt: file name "{{ .name }}.gomicro-new" ends in .gomicro-new`,
			},
		},
		{
			name: "malformed yaml",
			fsys: tree("name: [t\n", nil),
			want: []string{"template.yaml: "},
		},
		{
			name: "yaml of the wrong shape",
			fsys: tree("name: t\nversion: 1\nquestions: {name: x}\n", nil),
			want: []string{"template.yaml: unmarshal errors: line 3: cannot unmarshal"},
		},
		{
			name: "unknown top-level field",
			fsys: tree(minimal+"author: me\n", nil),
			want: []string{"template.yaml: unmarshal errors: line 3: field author not found"},
		},
		{
			name: "unknown question field",
			fsys: tree(minimal+"questions:\n  - name: a\n    defualt: x\n", nil),
			want: []string{"field defualt not found"},
		},
		{
			name: "missing name",
			fsys: tree("version: 1.0.0\n", nil),
			want: []string{"template.yaml: name is required"},
		},
		{
			name: "missing version",
			fsys: tree("name: t\n", nil),
			want: []string{"template.yaml: version is required"},
		},
		{
			name: "missing question name",
			fsys: tree(minimal+"questions:\n  - name: a\n  - prompt: Who\n", nil),
			want: []string{"template.yaml: questions[1]: name is required"},
		},
		{
			name: "question key with a hyphen",
			fsys: tree(minimal+"questions:\n  - name: my-key\n", nil),
			want: []string{`template.yaml: question "my-key": names use letters, digits and '_'`},
		},
		{
			name: "question key starting with a digit",
			fsys: tree(minimal+"questions:\n  - name: 1st\n", nil),
			want: []string{`question "1st": names use letters`},
		},
		{
			name: "duplicate question",
			fsys: tree(minimal+"questions:\n  - name: a\n  - name: b\n  - name: a\n", nil),
			want: []string{`template.yaml: question "a": asked twice`},
		},
		{
			name: "unknown type",
			fsys: tree(minimal+"questions:\n  - name: a\n    type: float\n", nil),
			want: []string{`question "a": type "float" is not one of string, bool, choice, multi, int`},
		},
		{
			name: "choice without choices",
			fsys: tree(minimal+"questions:\n  - name: a\n    type: choice\n", nil),
			want: []string{`question "a": type choice needs choices`},
		},
		{
			name: "choice default not among choices",
			fsys: tree(minimal+"questions:\n  - name: a\n    choices: [x, y]\n    default: z\n", nil),
			want: []string{`question "a": default "z" is not one of its choices x, y`},
		},
		{
			name: "unknown validate rule",
			fsys: tree(minimal+"questions:\n  - name: a\n    validate: email\n", nil),
			want: []string{`question "a": unknown validate rule "email" (known: aws-role-arn, go-version, gomicro-version, module, name, platforms, s3-bucket, s3-region)`},
		},
		{
			name: "default does not parse",
			fsys: tree(minimal+"questions:\n  - name: a\n    default: \"{{ .b \"\n", nil),
			want: []string{`question "a": default: template: a.default:1:`},
		},
		{
			name: "default calls an unknown function",
			fsys: tree(minimal+"questions:\n  - name: a\n    default: \"{{ frobnicate }}\"\n", nil),
			want: []string{`question "a": default: template: a.default:1: function "frobnicate" not defined`},
		},
		{
			name: "when does not parse",
			fsys: tree(minimal+"questions:\n  - name: a\n    when: \"{{ if }}\"\n", nil),
			want: []string{`question "a": when: template: a.when:1:`},
		},
		{
			name: "file body does not parse",
			fsys: tree(minimal, map[string]string{"main.go.tmpl": "package main\n\n// {{ .name\n"}),
			want: []string{"template: main.go.tmpl:4: unclosed action"},
		},
		{
			name: "file name does not parse",
			fsys: tree(minimal, map[string]string{"cmd/{{ .name /main.go": "package main\n"}),
			want: []string{"cmd/{{ .name /main.go: file name: "},
		},
		{
			name: "verbatim glob with an open bracket",
			fsys: tree(minimal+"verbatim: [\"assets/[a-\"]\n", nil),
			want: []string{`template.yaml: verbatim glob "assets/[a-": syntax error in pattern`},
		},
		{
			name: "verbatim glob with a trailing backslash",
			fsys: tree(minimal+"verbatim: [\"**/x\\\\\"]\n", nil),
			want: []string{`template.yaml: verbatim glob "**/x\\": syntax error in pattern`},
		},
		{
			name: "not a regular file",
			fsys: fstest.MapFS{
				generator.ConfigFile: {Data: []byte(minimal)},
				"link":               {Data: []byte("main.go"), Mode: 0o777 | 1<<27 /* fs.ModeSymlink */},
			},
			want: []string{"link: only regular files and directories can be templates"},
		},
		{
			name: "every problem of one tree",
			fsys: tree(`version: ""
questions:
  - name: my-key
  - name: ok
    type: number
  - name: ok
    choices: [a]
    default: b
  - name: c
    validate: nope
    default: "{{ .ok"
verbatim: ["["]
`, map[string]string{
				"a.go.tmpl":      "{{ end }}",
				"{{ .x }/b.go":   "package b\n",
				"fine/c.go.tmpl": "package c // {{ .c }}\n",
			}),
			want: []string{
				"template.yaml: name is required",
				"template.yaml: version is required",
				`question "my-key": names use letters`,
				`question "ok": type "number" is not one of`,
				`question "ok": asked twice`,
				`question "ok": default "b" is not one of its choices a`,
				`question "c": unknown validate rule "nope"`,
				`question "c": default: template: c.default:1:`,
				`verbatim glob "["`,
				"a.go.tmpl:1: unexpected {{end}}",
				"{{ .x }/b.go: file name:",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := generator.Load(tt.fsys, source)
			if err == nil {
				t.Fatalf("Load succeeded (%d questions), want %d problems", len(tmpl.Questions), len(tt.want))
			}
			lines := strings.Split(err.Error(), "\n")
			for i, line := range lines {
				if !strings.HasPrefix(line, "template "+source+": ") {
					t.Errorf("line %d does not name the template: %q", i+1, line)
				}
				if strings.TrimSpace(line) != line || line == "template "+source+": " {
					t.Errorf("line %d is not one clean line: %q", i+1, line)
				}
			}
			if len(lines) != len(tt.want) {
				t.Errorf("got %d problem lines, want %d:\n%s", len(lines), len(tt.want), err)
			}
			for i, want := range tt.want {
				if i < len(lines) && !strings.Contains(lines[i], want) {
					t.Errorf("line %d = %q\nwant it to contain %q", i+1, lines[i], want)
				}
			}
		})
	}
}

// TestLoadEmptyConfig: a template.yaml with no content (only a comment) is
// reported as what it lacks, like "---" is, not as a bare "EOF".
func TestLoadEmptyConfig(t *testing.T) {
	for _, config := range []string{"", "# nothing yet\n"} {
		fsys := fstest.MapFS{generator.ConfigFile: {Data: []byte(config)}}
		_, err := generator.Load(fsys, source)
		want := "template test: template.yaml: name is required\ntemplate test: template.yaml: version is required"
		if err == nil || err.Error() != want {
			t.Errorf("Load(%q) = %v\nwant %s", config, err, want)
		}
	}
}

// TestLoadForbiddenFuncs: functions that read the environment, the clock or
// randomness are not defined, wherever a template would call them.
func TestLoadForbiddenFuncs(t *testing.T) {
	for _, call := range []string{
		`env "HOME"`, `expandenv "$HOME"`, `now`, `ago 0`, `randAlpha 5`, `randAlphaNum 5`,
		`randNumeric 5`, `randInt 1 9`, `uuidv4`, `shuffle "abc"`, `getHostByName "x"`,
		`genPrivateKey "rsa"`, `bcrypt "x"`,
	} {
		fn, _, _ := strings.Cut(call, " ")
		for _, where := range []string{"body", "name", "default", "when"} {
			t.Run(fn+"/"+where, func(t *testing.T) {
				action := "{{ " + call + " }}"
				config, files := minimal, map[string]string{}
				switch where {
				case "body":
					files["f.txt"] = action
				case "name":
					files["x"+action+".txt"] = ""
				case "default":
					config += "questions:\n  - name: a\n    default: '" + action + "'\n"
				case "when":
					config += "questions:\n  - name: a\n    when: '" + action + "'\n"
				}
				_, err := generator.Load(tree(config, files), source)
				if err == nil {
					t.Fatalf("Load accepted %s in a %s", action, where)
				}
				if want := `function "` + fn + `" not defined`; !strings.Contains(err.Error(), want) {
					t.Errorf("error = %q, want it to contain %q", err, want)
				}
			})
		}
	}
}

// TestLoadSkipsVCS: a template directory that is a checkout loads as the tree
// it holds. .git, .hg and .svn are skipped at any depth, directories and
// files alike (a .git file is how a worktree or submodule points at its
// repository), whatever they hold.
func TestLoadSkipsVCS(t *testing.T) {
	fsys := tree(minimal+"questions:\n  - name: name\n    default: svc\n", map[string]string{
		".git/HEAD":                      "ref: refs/heads/main\n",
		".git/config":                    "[core]\n{{ not a template",
		".git/objects/ab/cdef0123":       "\x78\x01{{",
		".git/hooks/pre-commit.sample":   "#!/bin/sh\n{{ .nope }}\n",
		".hg/store/data":                 "{{",
		".svn/entries":                   "{{ end }}",
		"sub/.hg/x":                      "{{",
		"sub/.svn/wc.db":                 "{{",
		"sub/deep/.git/HEAD":             "{{",
		"worktree/.git":                  "gitdir: /elsewhere/.git/worktrees/x\n",
		"worktree/main.go.tmpl":          "package {{ .name }}\n",
		"sub/keep.txt":                   "kept {{ .name }}\n",
		".gitignore":                     "/dist\n",
		".github/workflows/ci.yml":       "name: {{ .name }}\n",
		"sub/.git.txt":                   "only the exact name is skipped\n",
		"notes/{{ .name }}/.svn/entries": "{{",
	})
	want := []string{".github/workflows/ci.yml", ".gitignore", "sub/.git.txt", "sub/keep.txt", "worktree/main.go"}
	got := paths(mustRender(t, mustLoad(t, fsys), nil))
	if !slices.Equal(got, want) {
		t.Errorf("paths %q\nwant  %q", got, want)
	}

	// The same from disk, where .git is a real directory or a real file.
	dir := t.TempDir()
	for name, body := range map[string]string{
		generator.ConfigFile:          minimal,
		"README.md":                   "readme\n",
		".git/HEAD":                   "ref: refs/heads/main\n",
		".git/objects/pack/x.pack":    "PACK{{",
		"vendor/mod/.git":             "gitdir: ../../.git/modules/mod\n",
		"vendor/mod/go.mod.tmpl":      "module mod\n",
		"vendor/mod/.hg/requires":     "{{",
		"docs/.svn/pristine/ab/ab.sv": "{{",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tmpl, err := generator.Load(os.DirFS(dir), dir)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := generator.Render(context.Background(), tmpl, generator.Answers{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := paths(tr), []string{"README.md", "vendor/mod/go.mod"}; !slices.Equal(got, want) {
		t.Errorf("from disk: paths %q\nwant  %q", got, want)
	}
}

// TestLoadRefs: a default or when that reads a question not yet answered
// (unknown, asked later, or itself) is a Load error, one line per reference;
// before, such a when was silently never true.
func TestLoadRefs(t *testing.T) {
	const head = minimal + "questions:\n  - name: kind\n    choices: [web, worker]\n    default: web\n"
	tests := []struct {
		name      string
		questions string // appended after kind
		want      []string
	}{
		{
			name:      "when names a later question",
			questions: "  - name: metrics\n    type: bool\n    when: '{{ eq .port \"80\" }}'\n  - name: port\n",
			want:      []string{`template.yaml: question "metrics": when refers to .port, which is asked after it`},
		},
		{
			name:      "when names no question",
			questions: "  - name: metrics\n    type: bool\n    when: '{{ eq .knd \"web\" }}'\n",
			want:      []string{`template.yaml: question "metrics": when refers to .knd, which is not a question`},
		},
		{
			name:      "default names a later question and no question",
			questions: "  - name: image\n    default: '{{ .owner }}/{{ .nme }}'\n  - name: owner\n",
			want: []string{
				`question "image": default refers to .owner, which is asked after it`,
				`question "image": default refers to .nme, which is not a question`,
			},
		},
		{
			name:      "itself",
			questions: "  - name: port\n    default: '{{ .port }}'\n    when: '{{ .port }}'\n",
			want: []string{
				`question "port": default refers to .port, which is this question itself`,
				`question "port": when refers to .port, which is this question itself`,
			},
		},
		{
			name:      "each name once",
			questions: "  - name: a\n    default: '{{ .x }}{{ .x.y }}{{ $.x }}'\n",
			want:      []string{`question "a": default refers to .x, which is not a question`},
		},
		{
			name:      "a field chain names its first field",
			questions: "  - name: a\n    when: '{{ .later.sub }}'\n  - name: later\n",
			want:      []string{`question "a": when refers to .later, which is asked after it`},
		},
		{
			name:      "$ reaches the answers inside range and with",
			questions: "  - name: a\n    default: '{{ range list 1 }}{{ $.zz }}{{ end }}{{ with 1 }}{{ $.yy }}{{ end }}'\n",
			want: []string{
				`question "a": default refers to $.zz, which is not a question`,
				`question "a": default refers to $.yy, which is not a question`,
			},
		},
		{
			name:      "pipelines of range, with and if, else branches, nested actions",
			questions: "  - name: a\n    default: '{{ range .r }}{{ else }}{{ .e }}{{ end }}{{ with .w }}{{ else with .ew }}{{ .ee }}{{ end }}{{ if .i }}{{ else if .ei }}{{ .ie }}{{ end }}{{ printf \"%s\" (print .p) | lower }}{{ $v := .v }}'\n",
			want: []string{
				// .ee is in the body of else with, where dot is .ew's value.
				`refers to .r,`, `refers to .e,`, `refers to .w,`, `refers to .ew,`,
				`refers to .i,`, `refers to .ei,`, `refers to .ie,`, `refers to .p,`, `refers to .v,`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := generator.Load(tree(head+tt.questions, nil), source)
			if err == nil {
				t.Fatalf("Load succeeded, want %d problems", len(tt.want))
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d problem lines, want %d:\n%s", len(lines), len(tt.want), err)
			}
			for i, want := range tt.want {
				if !strings.HasPrefix(lines[i], "template test: template.yaml: question ") || !strings.Contains(lines[i], want) {
					t.Errorf("line %d = %q\nwant it to contain %q", i+1, lines[i], want)
				}
			}
		})
	}

	// Inside range and with, dot is the element, not the answers: its
	// fields are not questions. Earlier questions are fine anywhere.
	for _, ok := range []string{
		`{{ eq .kind "web" }}`,
		`{{ eq $.kind "web" }}`,
		`{{ range list (dict "os" "linux") }}{{ .os }}{{ end }}`,
		`{{ with dict "arch" "arm" }}{{ .arch }}{{ $.kind }}{{ end }}`,
		`{{ range $i, $t := targets "linux" }}{{ $t.OS }}{{ .Arch }}{{ end }}`,
		`{{ $d := dict "x" 1 }}{{ $d.x }}{{ (dict "y" 2).y }}`,
		`{{ index . "kind" }}{{ . }}`,
		`plain`,
		``,
	} {
		config := head + "  - name: next\n    default: '" + ok + "'\n    when: '" + ok + "'\n"
		if _, err := generator.Load(tree(config, nil), source); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// TestLoadUndefinedRefs: a file body, file name, condition or next step
// that reads an answer no question defines would stop its render whenever
// it is reached; Load refuses it (template lint says so), naming the key and
// the nearest question, every one at once.
func TestLoadUndefinedRefs(t *testing.T) {
	config := minimal + `questions:
  - name: name
  - name: kind
    choices: [web, worker]
verbatim: ['assets/**']
conditions:
  docs: '{{ eq .knd "web" }}'
next_steps:
  - 'cd {{ .name }} && deploy {{ $.zone }}'
`
	_, err := generator.Load(tree(config, map[string]string{
		"README.md":              "{{ .name }} in {{ .region }}, {{ .region }} again\n",
		"{{ .nme }}.conf":        "x\n",
		"docs/guide.md":          "{{ if .name }}{{ .kind }}{{ else }}{{ .nope }}{{ end }}\n",
		"assets/logo.txt":        "{{ .verbatim_is_not_read }}\n",
		"ranged.txt":             "{{ range list 1 }}{{ .inner }}{{ $.outer }}{{ end }}\n",
		"\x1b[2J{{ .name }}.txt": "{{ .esc }}\n",
	}), source)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	want := []string{
		`template test: template.yaml: next_steps[0]: refers to $.zone, which is not a question`,
		`template test: "\033[2J{{ .name }}.txt": refers to .esc, which is not a question`,
		`template test: README.md: refers to .region, which is not a question`,
		`template test: docs/guide.md: refers to .nope, which is not a question; did you mean .name?`,
		`template test: ranged.txt: refers to $.outer, which is not a question`,
		`template test: {{ .nme }}.conf: file name: refers to .nme, which is not a question; did you mean .name?`,
		`template test: template.yaml: condition for docs: refers to .knd, which is not a question; did you mean .kind?`,
	}
	if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, want) {
		t.Errorf("Load:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestConditionErrors(t *testing.T) {
	for name, cond := range map[string]string{
		"names no file":  "  nosuch: 'true'\n",
		"does not parse": "  README.md: '{{ if }}'\n",
	} {
		fsys := fstest.MapFS{
			"template.yaml": {Data: []byte("name: c\nversion: 1.0.0\nconditions:\n" + cond)},
			"README.md":     {Data: []byte("readme\n")},
		}
		_, err := generator.Load(fsys, "test")
		if err == nil || !strings.Contains(err.Error(), "condition for ") {
			t.Errorf("%s: err = %v, want a condition error", name, err)
		}
	}
}
