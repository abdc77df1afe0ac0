package templatetest

import (
	"context"
	"os"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// Run reports every combination, in order, with where it failed, the
// failing check and its last lines, and leaves no temporary directory.
func TestRunReports(t *testing.T) {
	testtool.Require(t, "bash", "apt-get install -y bash")
	testtool.Require(t, "git", "apt-get install -y git")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	tmpl, err := generator.Load(fstest.MapFS{
		"template.yaml": {Data: []byte("name: flags\nversion: 1.0.0\n" +
			"questions:\n  - name: pass\n    type: bool\n    default: true\n" +
			"checks:\n  - test -f flag\n  - 'echo checking; test \"$(cat flag)\" = true'\n")},
		"flag": {Data: []byte("{{ .pass }}")},
	}, "flags")
	if err != nil {
		t.Fatal(err)
	}
	sets, total, err := tmpl.Combinations(nil, 0)
	if err != nil || total != 2 {
		t.Fatalf("Combinations: %d sets, %v", total, err)
	}
	var got []Result
	rn := &Runner{Template: tmpl, Jobs: 2}
	if err := rn.Run(context.Background(), sets, func(r Result) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d results, want 2", len(got))
	}
	if r := got[0]; !r.Passed() || r.Answers["pass"] != "true" {
		t.Errorf("first result %+v, want pass=true passed", r)
	}
	r := got[1]
	if r.Passed() || r.Failed != StepCheck || r.Answers["pass"] != "false" || r.Err == nil {
		t.Errorf("second result %+v, want pass=false failed in a check", r)
	}
	if want := "echo checking; test \"$(cat flag)\" = true"; r.Check != want {
		t.Errorf("failing check %q, want %q", r.Check, want)
	}
	if !slices.Equal(r.Output, []string{"checking"}) {
		t.Errorf("last lines %q, want [checking]", r.Output)
	}
	if r.Kept != "" {
		t.Errorf("kept in %s without Keep", r.Kept)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Errorf("temporary directories left in $TMPDIR: %v", entries)
	}
}

// Once the context is done, nothing more is reported and nothing is left.
func TestRunStopped(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	tmpl, err := generator.Load(fstest.MapFS{
		"template.yaml": {Data: []byte("name: plain\nversion: 1.0.0\n")},
		"README.md":     {Data: []byte("plain\n")},
	}, "plain")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rn := &Runner{Template: tmpl, Jobs: 1}
	err = rn.Run(ctx, []map[string]string{{}}, func(r Result) { t.Errorf("reported %+v after the context was done", r) })
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Errorf("temporary directories left in $TMPDIR: %v", entries)
	}
}
