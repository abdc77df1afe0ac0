package userconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrusts(t *testing.T) {
	s := Settings{Trusted: []string{"https://github.com/acme/", "file:///srv/tpl.git"}}
	for src, want := range map[string]bool{
		"https://github.com/acme/templates.git": true,  // under a prefix
		"https://github.com/acmeco/x.git":       false, // a prefix ends at its "/"
		"file:///srv/tpl.git":                   true,  // the one source named
		"file:///srv/tpl.git2":                  false,
		"https://example.com/acme/x.git":        false,
	} {
		if got := s.Trusts(src); got != want {
			t.Errorf("Trusts(%q) = %v, want %v", src, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	good := "defaults:\n  github_username: '0123'\ntrusted:\n  - https://github.com/acme/\n"
	s, err := Parse("c.yaml", []byte(good))
	if err != nil || s.Defaults["github_username"] != "0123" || len(s.Trusted) != 1 {
		t.Fatalf("Parse(good) = %+v, %v", s, err)
	}
	for data, want := range map[string]string{
		"colour: red\n":                    "c.yaml: line 1: field colour not found",
		"defaults:\n  owner: [a, b]\n":     "c.yaml: defaults.owner: want one value",
		"trusted:\n  - ''\n":               "c.yaml: trusted: an empty entry would trust every source",
		"defaults: {a: 1}\ndefaults: {}\n": "c.yaml:",
	} {
		if _, err := Parse("c.yaml", []byte(data)); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error starting %q", data, err, want)
		}
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	if s, err := Read(filepath.Join(dir, "absent.yaml")); err != nil || s.Defaults != nil {
		t.Errorf("Read(absent) = %+v, %v; want no settings", s, err)
	}
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Read(a directory) = %v, want not a regular file", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, maxSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(big); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("Read(1 MiB + 1) = %v, want larger than 1 MiB", err)
	}
}
