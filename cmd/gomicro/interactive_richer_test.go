//go:build linux || darwin || freebsd || netbsd || openbsd

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// richTemplateDir writes a template of a multi, an int and a secret
// question, and a file that shows their answers.
func richTemplateDir(t *testing.T) string {
	tmpl := filepath.Join(t.TempDir(), "tmpl")
	if err := os.MkdirAll(tmpl, 0o755); err != nil {
		t.Fatal(err)
	}
	config := "name: demo\nversion: 1.0.0\nquestions:\n" +
		"  - name: regions\n    prompt: Which regions\n    type: multi\n    choices: [us, eu, ap]\n    default: [us]\n" +
		"  - name: replicas\n    prompt: How many replicas\n    type: int\n    min: 1\n    max: 9\n    default: 2\n" +
		"  - name: api_key\n    prompt: The API key\n    secret: true\n    env: DEMO_API_KEY\n    default: k-default-value\n"
	for name, data := range map[string]string{"template.yaml": config, "out.txt": "{{ .regions }} {{ .replicas }} {{ .api_key }}\n"} {
		if err := os.WriteFile(filepath.Join(tmpl, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return tmpl
}

// answerRicher types each step's keys once its question shows, and checks
// what was rendered, and that the terminal never showed the secret (typed,
// or its default).
func answerRicher(t *testing.T, accessible string, steps []struct{ question, keys string }, want string) {
	args := []string{"new", "svc", "--no-git", "--template", richTemplateDir(t)}
	s := startTerminalArgs(t, sized, args, "TERM=xterm-256color", "ACCESSIBLE="+accessible, "DEMO_API_KEY=")
	for _, step := range steps {
		s.waitFor(step.question)
		s.screen.forget()
		s.send(step.keys)
	}
	s.waitFor("Template applied in ./svc")
	if err := s.wait(); err != nil {
		t.Fatalf("gomicro new: %v\n%s", err, s.screen.text())
	}
	s.checkRestored()
	out, err := os.ReadFile(filepath.Join(s.dir, "svc", "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != want {
		t.Errorf("out.txt = %q, want %q", out, want)
	}
	if screen := s.screen.raw(); strings.Contains(screen, "hunter2") || strings.Contains(screen, "k-default-value") {
		t.Errorf("the terminal showed the secret:\n%s", s.screen.text())
	}
}

// TestInteractiveRicher: on a terminal a multi question is a multi-select
// (its default selected), an int an input checked as it is typed, and a
// secret an input that shows neither its default nor what is typed.
func TestInteractiveRicher(t *testing.T) {
	answerRicher(t, "", []struct{ question, keys string }{
		{"Which regions", "\x1b[B \r"}, // down to eu, select it: us and eu
		{"How many replicas", "7\r"},
		{"The API key", "hunter2\r"},
	}, "[us eu] 7 hunter2\n")
}

// TestInteractiveAccessibleRicher: line by line on a terminal, a multi
// question takes numbers, an int a number, and a secret is read with the
// terminal's echo off.
func TestInteractiveAccessibleRicher(t *testing.T) {
	answerRicher(t, "1", []struct{ question, keys string }{
		{"Which regions (1. us, 2. eu, 3. ap; any, separated by commas, or - for none) [us]:", "3,1\r"},
		{"How many replicas (a whole number, 1 to 9) [2]:", "12\r"},
		{"whole numbers from 1 to 9", "7\r"},
		{"The API key:", "hunter2\r"},
	}, "[us ap] 7 hunter2\n")
}
