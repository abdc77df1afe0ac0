package quote

import "testing"

func TestShell(t *testing.T) {
	for in, want := range map[string]string{
		"svc":           "svc",
		"./out/svc-1.2": "./out/svc-1.2",
		"":              "''",
		"my svc":        "'my svc'",
		"it's":          `'it'\''s'`,
		"$HOME/x":       "'$HOME/x'",
		"a@b:c,d+e%f_g": "a@b:c,d+e%f_g",
	} {
		if got := Shell(in); got != want {
			t.Errorf("Shell(%q) = %s, want %s", in, got, want)
		}
	}
}
