//go:build linux || darwin || freebsd || netbsd || openbsd

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInteractiveRicher: on a terminal a multi question is a multi-select
// (its default selected), an int an input checked as it is typed, and a
// secret an input that shows neither its default nor what is typed.
func TestInteractiveRicher(t *testing.T) {
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
	s := startTerminalArgs(t, sized, []string{"new", "svc", "--no-git", "--template", tmpl}, "TERM=xterm-256color", "ACCESSIBLE=", "DEMO_API_KEY=")
	steps := []struct{ question, keys string }{
		{"Which regions", "\x1b[B \r"}, // down to eu, select it: us and eu
		{"How many replicas", "7\r"},
		{"The API key", "hunter2\r"},
	}
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
	if got, want := string(out), "[us eu] 7 hunter2\n"; got != want {
		t.Errorf("out.txt = %q, want %q", got, want)
	}
	if screen := s.screen.raw(); strings.Contains(screen, "hunter2") || strings.Contains(screen, "k-default-value") {
		t.Errorf("the terminal showed the secret:\n%s", s.screen.text())
	}
}
