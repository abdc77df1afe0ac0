package generator_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
)

// loadYAML loads a template whose only file is README.md.
func loadYAML(t *testing.T, config string) *generator.Template {
	t.Helper()
	tmpl, err := generator.Load(fstest.MapFS{
		"template.yaml": {Data: []byte(config)},
		"README.md":     {Data: []byte("readme\n")},
	}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// label writes an answer set as key=value in question order.
func label(tmpl *generator.Template, set map[string]string) string {
	var parts []string
	for _, q := range tmpl.Questions {
		if v, ok := set[q.Name]; ok {
			parts = append(parts, q.Name+"="+v)
		}
	}
	if len(parts) != len(set) {
		parts = append(parts, fmt.Sprintf("(%d keys that are no question)", len(set)-len(parts)))
	}
	return strings.Join(parts, " ")
}

func labels(tmpl *generator.Template, sets []map[string]string) []string {
	var out []string
	for _, s := range sets {
		out = append(out, label(tmpl, s))
	}
	return out
}

const whenConfig = `name: w
version: 1.0.0
questions:
  - name: name
    default: svc
  - name: kind
    choices: [web, worker]
    default: web
  - name: metrics
    type: bool
    default: true
    when: '{{ eq .kind "web" }}'
  - name: queue
    choices: [sqs, kafka]
    default: '{{ if eq .kind "web" }}sqs{{ else }}kafka{{ end }}'
    when: '{{ ne .name "" }}'
`

func TestCombinations(t *testing.T) {
	tmpl := loadYAML(t, whenConfig)
	for _, tt := range []struct {
		name  string
		set   map[string]string
		max   int
		total int
		want  []string
	}{
		{
			// metrics is asked only for web: worker does not multiply by it.
			// Defaults come first, even when a default depends on an
			// earlier answer (queue).
			name: "all", total: 6,
			want: []string{
				"kind=web metrics=true queue=sqs",
				"kind=web metrics=true queue=kafka",
				"kind=web metrics=false queue=sqs",
				"kind=web metrics=false queue=kafka",
				"kind=worker queue=kafka",
				"kind=worker queue=sqs",
			},
		},
		{
			name: "set fixes", set: map[string]string{"kind": "worker", "name": "x"}, total: 2,
			want: []string{"name=x kind=worker queue=kafka", "name=x kind=worker queue=sqs"},
		},
		{
			// A when that does not hold: queue takes its default.
			name: "when off", set: map[string]string{"name": "", "metrics": "false"}, total: 2,
			want: []string{"name= kind=web metrics=false", "name= kind=worker metrics=false"},
		},
		{
			name: "max samples", max: 3, total: 6,
			want: []string{
				"kind=web metrics=true queue=sqs",
				"kind=web metrics=false queue=kafka",
				"kind=worker queue=sqs",
			},
		},
		{
			name: "max above total", max: 10, total: 2, set: map[string]string{"kind": "worker"},
			want: []string{"kind=worker queue=kafka", "kind=worker queue=sqs"},
		},
		{
			name: "max 1 is the defaults", max: 1, total: 6,
			want: []string{"kind=web metrics=true queue=sqs"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sets, total, err := tmpl.Combinations(tt.set, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			if got := labels(tmpl, sets); total != tt.total || !slices.Equal(got, tt.want) {
				t.Errorf("Combinations(%v, %d) = %d of %d:\n  %s\nwant %d of %d:\n  %s", tt.set, tt.max,
					len(got), total, strings.Join(got, "\n  "), len(tt.want), tt.total, strings.Join(tt.want, "\n  "))
			}
			// Every set resolves.
			for _, s := range sets {
				if _, err := tmpl.Resolve(context.Background(), s, nil); err != nil {
					t.Errorf("Resolve(%v): %v", s, err)
				}
			}
		})
	}
}

// TestCombinationsService: the embedded template's kind × ci × build ×
// image, the defaults first; a sample keeps the first and the last.
func TestCombinationsService(t *testing.T) {
	tmpl := gentest.Load(t, "service")
	sets, total, err := tmpl.Combinations(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := labels(tmpl, sets)
	if total != 16 || len(got) != 16 || got[0] != "kind=web ci=circleci build=script image=none" || got[15] != "kind=worker ci=github build=goreleaser image=ko" {
		t.Errorf("service combinations (%d): %q", total, got)
	}
	sample, total, err := tmpl.Combinations(nil, 4)
	if err != nil {
		t.Fatal(err)
	}
	// Indexes 0, 5, 10, 15 of the 16: every value of every question appears.
	want := []string{got[0], got[5], got[10], got[15]}
	if got := labels(tmpl, sample); total != 16 || !slices.Equal(got, want) {
		t.Errorf("--max 4: %d of %d %q, want %q", len(got), total, got, want)
	}
}

func TestCombinationsErrors(t *testing.T) {
	tmpl := loadYAML(t, whenConfig)
	_, _, err := tmpl.Combinations(map[string]string{"nosuch": "x", "kind": "cron"}, 0)
	var problems generator.Problems
	if !errors.As(err, &problems) || len(problems) != 2 {
		t.Errorf("unknown key and bad choice: err = %v, want two problems", err)
	}

	// A default that is no valid answer on one path only.
	bad := loadYAML(t, `name: b
version: 1.0.0
questions:
  - name: kind
    choices: [web, worker]
    default: web
  - name: port
    validate: name
    default: '{{ if eq .kind "web" }}http{{ else }}no good{{ end }}'
`)
	_, _, err = bad.Combinations(nil, 0)
	if !errors.As(err, &problems) || !strings.Contains(err.Error(), `port "no good"`) || !strings.Contains(err.Error(), "(with kind=worker)") {
		t.Errorf("bad default on one path: err = %v", err)
	}

	// 17 bools: 131072 sets, more than are walked.
	var many strings.Builder
	many.WriteString("name: m\nversion: 1.0.0\nquestions:\n")
	for i := range 17 {
		fmt.Fprintf(&many, "  - name: b%d\n    type: bool\n", i)
	}
	_, _, err = loadYAML(t, many.String()).Combinations(nil, 10)
	if !errors.Is(err, generator.ErrTooManyCombinations) {
		t.Errorf("17 bools: err = %v, want ErrTooManyCombinations", err)
	}
	// Fixing one brings it to 65536, which is walked.
	_, total, err := loadYAML(t, many.String()).Combinations(map[string]string{"b0": "true"}, 10)
	if err != nil || total != 1<<16 {
		t.Errorf("16 bools: total %d, err %v", total, err)
	}
}

func TestLoadChecks(t *testing.T) {
	tmpl := loadYAML(t, "name: c\nversion: 1.0.0\nchecks:\n  - go vet ./...\n  - bash scripts/build.sh\n")
	if want := []string{"go vet ./...", "bash scripts/build.sh"}; !slices.Equal(tmpl.Checks, want) {
		t.Errorf("Checks = %q, want %q", tmpl.Checks, want)
	}
	_, err := generator.Load(fstest.MapFS{
		"template.yaml": {Data: []byte("name: c\nversion: 1.0.0\nchecks:\n  - go vet ./...\n  - ''\n  - '  '\n")},
	}, "test")
	if err == nil || !strings.Contains(err.Error(), "checks[1]: empty command") || !strings.Contains(err.Error(), "checks[2]: empty command") {
		t.Errorf("empty checks: err = %v", err)
	}
}
