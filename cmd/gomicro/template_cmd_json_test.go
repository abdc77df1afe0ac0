package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/templatetest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// template test --json prints one document and nothing else on stdout,
// with the exit status of the lines: a template whose checks pass in every
// combination, then one whose second check fails for kind=worker.
func TestTemplateTestJSON(t *testing.T) {
	testtool.Require(t, "bash", "apt-get install -y bash")
	testtool.Require(t, "git", "apt-get install -y git")
	t.Setenv("TMPDIR", t.TempDir())
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	rep, status := templateTestJSON(t, "checks:\n  - test -f kind.txt\n  - echo ok\n")
	if status != 0 || rep.Status != templatetest.StatusPassed || rep.Passed != 2 || rep.Failed != 0 || rep.Total != 2 {
		t.Fatalf("exit %d, report %+v; want 0, passed 2 of 2", status, rep)
	}
	for _, c := range rep.Combinations {
		if c.Status != templatetest.StatusPassed || len(c.Checks) != 2 || c.Checks[1].Status != templatetest.StatusPassed {
			t.Errorf("combination %+v, want every check passed", c)
		}
	}

	rep, status = templateTestJSON(t, "checks:\n  - test -f kind.txt\n  - 'grep -q web kind.txt || { seq 1 12; exit 3; }'\n  - true\n")
	if status != 1 || rep.Status != templatetest.StatusFailed || rep.Passed != 1 || rep.Failed != 1 {
		t.Fatalf("exit %d, report %+v; want 1, 1 passed and 1 failed", status, rep)
	}
	if rep.Template != "demo" || rep.Version != "1.2.0" || len(rep.Combinations) != 2 {
		t.Fatalf("report %+v, want demo 1.2.0 with 2 combinations", rep)
	}
	web, worker := rep.Combinations[0], rep.Combinations[1]
	if web.Label != "kind=web" || web.Answers["kind"] != "web" || web.Status != templatetest.StatusPassed {
		t.Errorf("first combination %+v, want kind=web passed", web)
	}
	if worker.Answers["kind"] != "worker" || worker.Status != templatetest.StatusFailed || worker.Step != templatetest.StepCheck {
		t.Errorf("second combination %+v, want kind=worker failed in a check", worker)
	}
	want := []templatetest.CheckReport{
		{Command: "test -f kind.txt", Status: "passed"},
		{Command: "grep -q web kind.txt || { seq 1 12; exit 3; }", Status: "failed", Output: "3\n4\n5\n6\n7\n8\n9\n10\n11\n12"},
		{Command: "true", Status: "skipped"},
	}
	if len(worker.Checks) != len(want) {
		t.Fatalf("checks %+v, want %+v", worker.Checks, want)
	}
	for i := range want {
		if worker.Checks[i] != want[i] {
			t.Errorf("check %d: %+v, want %+v", i, worker.Checks[i], want[i])
		}
	}
}

// templateTestJSON runs template test --json on a template of two kinds
// with checks, and decodes what it printed.
func templateTestJSON(t *testing.T, checks string) (templatetest.Report, int) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"template.yaml": "name: demo\nversion: 1.2.0\nquestions:\n  - name: kind\n    choices: [web, worker]\n    default: web\n" + checks,
		"kind.txt":      "{{ .kind }}\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	status := run([]string{"template", "test", dir, "--json"}, IO{In: strings.NewReader(""), Out: &stdout, Err: &stderr})
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
	var rep templatetest.Report
	dec := json.NewDecoder(&stdout)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if dec.More() {
		t.Errorf("more than one JSON document on stdout")
	}
	return rep, status
}
