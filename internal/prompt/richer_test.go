package prompt

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gomicro/gomicro/generator"
)

const richConfig = `name: t
version: 1.0.0
questions:
  - name: regions
    prompt: Regions
    type: multi
    choices: [us, eu, ap]
    default: [us]
  - name: replicas
    prompt: Replicas
    type: int
    min: 1
    max: 9
    default: 2
  - name: api_key
    prompt: API key
    secret: true
    env: DEMO_API_KEY
    default: k-default
    validate:
      pattern: '^k-'
      message: starts with k-
`

// TestAccessibleRicher: line by line, a multi question takes a comma list
// of choices or their numbers, an int a number within its bounds (a bad
// one is explained and asked again), and a secret never shows its default
// or a rejected value.
func TestAccessibleRicher(t *testing.T) {
	tmpl, err := generator.Load(fstest.MapFS{"template.yaml": {Data: []byte(richConfig)}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, in string
		regions  []string
		replicas int
		key      string
	}{
		{"defaults", "\n\n\n", []string{"us"}, 2, "k-default"},
		{"names and numbers", "ap, 2\n12\n7\nhunter2\nk-typed\n", []string{"eu", "ap"}, 7, "k-typed"},
		{"none", "-\n1\nk-1\n", []string{}, 1, "k-1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p := accessible(strings.NewReader(tt.in), &out)
			defer Close(p)
			answers, err := tmpl.Resolve(context.Background(), nil, p)
			if err != nil {
				t.Fatalf("Resolve: %v\n%s", err, out.String())
			}
			if got := answers["regions"].([]string); !slices.Equal(got, tt.regions) || answers["replicas"] != tt.replicas || answers["api_key"] != tt.key {
				t.Errorf("answers = %#v, want %q %d %q", answers, tt.regions, tt.replicas, tt.key)
			}
			for _, want := range []string{
				"Regions (1. us, 2. eu, 3. ap; any, separated by commas, or - for none) [us]:",
				"Replicas (a whole number, 1 to 9) [2]:",
				"API key:",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			if strings.Contains(out.String(), "k-default") || strings.Contains(out.String(), "hunter2") {
				t.Errorf("output shows a secret:\n%s", out.String())
			}
			if tt.name == "names and numbers" {
				for _, want := range []string{`replicas "12": answers to replicas are whole numbers from 1 to 9`, `api_key "(secret)": starts with k-`} {
					if !strings.Contains(out.String(), want) {
						t.Errorf("output lacks %q:\n%s", want, out.String())
					}
				}
			}
		})
	}
}
