package templatetest

import (
	"slices"
	"strings"
	"testing"
)

func TestLastLines(t *testing.T) {
	for _, tt := range []struct {
		out  string
		n    int
		want []string
	}{
		{"", 10, nil},
		{"\n\n", 10, nil},
		{"a\r\nb\r\n", 10, []string{"a", "b"}},
		{"1\n2\n3\n4\n", 2, []string{"3", "4"}},
		{"1\n2\n3", 3, []string{"1", "2", "3"}},
		{strings.Repeat("x", 600) + "\nend", 10, []string{strings.Repeat("x", 500) + " ...", "end"}},
	} {
		if got := lastLines(tt.out, tt.n); !slices.Equal(got, tt.want) {
			t.Errorf("lastLines(%q, %d) = %q, want %q", tt.out, tt.n, got, tt.want)
		}
	}
}

func TestCheckName(t *testing.T) {
	for check, want := range map[string]string{
		"go vet ./...":                 "go vet ./...",
		"  go test ./...\n":            "go test ./...",
		"set -e\ngo build ./...\n":     "set -e ...",
		"for f in *.sh; do\n  bash -n": "for f in *.sh; do ...",
	} {
		if got := CheckName(check); got != want {
			t.Errorf("CheckName(%q) = %q, want %q", check, got, want)
		}
	}
}
