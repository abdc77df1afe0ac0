package templatetest

import (
	"math"
	"strings"

	"github.com/gomicro/gomicro/generator"
)

// The statuses of a report, a combination and a check.
const (
	StatusPassed    = "passed"
	StatusFailed    = "failed"
	StatusUntrusted = "untrusted" // the checks may not run: nothing was tested
	StatusStopped   = "stopped"   // a signal stopped the test
	StatusSkipped   = "skipped"   // a check not run: an earlier step failed
)

// Report is a whole template test, as one document (template test --json).
type Report struct {
	Template string `json:"template"`
	Version  string `json:"version"`
	Status   string `json:"status"`          // passed, failed, untrusted or stopped
	Error    string `json:"error,omitempty"` // why, when untrusted
	// Total is the number of combinations the template has: more than
	// were tested when a maximum was given.
	Total        int           `json:"total"`
	Passed       int           `json:"passed"`
	Failed       int           `json:"failed"`
	Combinations []Combination `json:"combinations"`

	checks []string
}

// Combination is one answer set's test.
type Combination struct {
	Label   string            `json:"label"` // kind=web ci=github (see Label)
	Answers map[string]string `json:"answers"`
	Status  string            `json:"status"` // passed or failed
	Seconds float64           `json:"seconds"`
	Step    Step              `json:"step,omitempty"`  // where it failed
	Error   string            `json:"error,omitempty"` // why, when it failed before its checks
	Checks  []CheckReport     `json:"checks"`
	Kept    string            `json:"kept,omitempty"` // where its project was kept
}

// CheckReport is one check of a combination.
type CheckReport struct {
	Command string `json:"command"`
	Status  string `json:"status"`           // passed, failed or skipped
	Output  string `json:"output,omitempty"` // its last lines, when it failed
}

// NewReport starts the report of a test of tmpl, whose combinations number
// total: passed, until a combination fails.
func NewReport(tmpl *generator.Template, total int) *Report {
	return &Report{
		Template: tmpl.Name, Version: tmpl.Version, Status: StatusPassed,
		Total: total, Combinations: []Combination{}, checks: tmpl.Checks,
	}
}

// Add records one combination's result.
func (rep *Report) Add(r Result) {
	c := Combination{
		Label: r.Label, Answers: r.Answers, Status: StatusPassed, Step: r.Failed, Kept: r.Kept,
		Seconds: math.Round(r.Elapsed.Seconds()*1000) / 1000,
		Checks:  make([]CheckReport, len(rep.checks)),
	}
	for i, check := range rep.checks {
		c.Checks[i] = CheckReport{Command: check, Status: StatusPassed}
		if i >= r.Ran {
			c.Checks[i].Status = StatusSkipped
		}
	}
	if r.Passed() {
		rep.Passed++
	} else {
		rep.Failed++
		rep.Status = StatusFailed
		c.Status = StatusFailed
		_, lines := r.Failure()
		if r.Failed == StepCheck && r.Ran > 0 {
			c.Checks[r.Ran-1].Status = StatusFailed
			c.Checks[r.Ran-1].Output = strings.Join(lines, "\n")
		} else {
			c.Error = strings.Join(lines, "\n")
		}
	}
	rep.Combinations = append(rep.Combinations, c)
}
