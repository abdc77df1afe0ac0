package templatetest

import (
	"errors"
	"testing"
	"time"

	"github.com/gomicro/gomicro/generator"
)

// A combination that fails before its checks says why in error, and every
// check is skipped; one that passes has every check passed.
func TestReportAdd(t *testing.T) {
	tmpl := &generator.Template{Name: "t", Version: "1.0.0", Checks: []string{"a", "b"}}
	rep := NewReport(tmpl, 5)
	rep.Add(Result{Answers: map[string]string{"k": "x"}, Label: "k=x", Ran: 2, Elapsed: 1500 * time.Millisecond})
	rep.Add(Result{Answers: map[string]string{"k": "y"}, Failed: StepRender, Err: errors.New("render a: boom\nsecond line")})
	if rep.Status != StatusFailed || rep.Passed != 1 || rep.Failed != 1 || rep.Total != 5 {
		t.Fatalf("report %+v, want failed, 1 passed, 1 failed of 5", rep)
	}
	ok, bad := rep.Combinations[0], rep.Combinations[1]
	if ok.Status != StatusPassed || ok.Seconds != 1.5 || ok.Checks[0].Status != StatusPassed || ok.Checks[1].Status != StatusPassed {
		t.Errorf("passed combination %+v", ok)
	}
	if bad.Status != StatusFailed || bad.Step != StepRender || bad.Error != "render a: boom\nsecond line" {
		t.Errorf("failed combination %+v", bad)
	}
	for _, c := range bad.Checks {
		if c.Status != StatusSkipped || c.Output != "" {
			t.Errorf("check %+v of a combination that failed to render, want skipped", c)
		}
	}
}
