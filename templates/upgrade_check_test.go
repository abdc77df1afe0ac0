package templates_test

import (
	"fmt"
	"hash/adler32"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gomicro/gomicro/internal/testkit/configcheck"
)

// The generated upgrade job: the script both CIs run, and the GitHub
// workflow that runs it.
const (
	upgradeScript   = "scripts/gomicro-upgrade.sh"
	upgradeWorkflow = ".github/workflows/gomicro-upgrade.yml"
	// upgradeSchedule is the name of the CircleCI scheduled pipeline that
	// runs the upgrade job.
	upgradeSchedule = "gomicro upgrade"
)

// upgradeTime is when the weekly upgrade job starts: a minute and an hour
// taken from the repository's name (OWNER/NAME), so that a team's
// repositories do not all start at once.
func upgradeTime(answers map[string]string) (minute, hour uint32) {
	h := adler32.Checksum([]byte(answers["github_username"] + "/" + answers["name"]))
	return h % 60, h / 60 % 24
}

// upgradeJobProblems checks the upgrade job of the project in fsys: the
// script is there, the README says how to run it and what the CI needs, and
// the CI config runs it the way the service template promises (GitHub: on a
// weekly schedule at upgradeTime and on demand, with write access to
// contents and pull requests only and GOMICRO_UPGRADE_TOKEN else the job's
// token; CircleCI: in a workflow of its own that runs only for the
// scheduled pipeline named upgradeSchedule, with a context, while the build
// workflow runs for every other pipeline).
func upgradeJobProblems(fsys fs.FS, answers map[string]string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if _, err := fs.Stat(fsys, upgradeScript); err != nil {
		bad("no %s: %v", upgradeScript, err)
	}
	readme, _ := fs.ReadFile(fsys, "README.md")
	want := []string{"DRY_RUN=1 " + upgradeScript, "github.com/gomicro/gomicro/cmd/gomicro@" + answers["gomicro_version"] + " upgrade --commit"}
	minute, hour := upgradeTime(answers)
	if answers["ci"] == "github" {
		want = append(want, "GOMICRO_UPGRADE_TOKEN", "starts no workflow", fmt.Sprintf("%02d:%02d UTC", hour, minute))
	} else {
		want = append(want, "`"+upgradeSchedule+"`", "context `gomicro-upgrade`", fmt.Sprintf("%02d:00 UTC", hour))
	}
	for _, w := range want {
		if !strings.Contains(string(readme), w) {
			bad("README.md does not show %q", w)
		}
	}
	switch answers["ci"] {
	case "github":
		data, err := fs.ReadFile(fsys, upgradeWorkflow)
		if err != nil {
			bad("ci=github: %v", err)
			break
		}
		for _, p := range upgradeWorkflowProblems(data, minute, hour) {
			bad("%s: %s", upgradeWorkflow, p)
		}
	case "circleci":
		if _, err := fs.Stat(fsys, upgradeWorkflow); err == nil {
			bad("ci=circleci, yet %s is generated", upgradeWorkflow)
		}
		data, err := fs.ReadFile(fsys, ciConfigs["circleci"])
		if err != nil {
			bad("%v", err)
			break
		}
		for _, p := range upgradeCircleCIProblems(data) {
			bad("%s: %s", ciConfigs["circleci"], p)
		}
	}
	return problems
}

func upgradeWorkflowProblems(data []byte, minute, hour uint32) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var wf struct {
		On struct {
			Schedule []struct {
				Cron string `yaml:"cron"`
			} `yaml:"schedule"`
			Dispatch *yaml.Node `yaml:"workflow_dispatch"`
		} `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]ghJob  `yaml:"jobs"`
	}
	var raw struct {
		On map[string]any `yaml:"on"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		return []string{fmt.Sprintf("YAML: %v", err)}
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return []string{fmt.Sprintf("YAML: %v", err)}
	}
	if events := slices.Sorted(maps.Keys(raw.On)); !slices.Equal(events, []string{"schedule", "workflow_dispatch"}) {
		bad("runs on %v, want a schedule and workflow_dispatch only", events)
	}
	wantCron := fmt.Sprintf("%d %d * * 1", minute, hour)
	if len(wf.On.Schedule) != 1 || wf.On.Schedule[0].Cron != wantCron {
		bad("schedule %v, want one cron %q (weekly, at a time taken from the repository's name)", wf.On.Schedule, wantCron)
	}
	if want := map[string]string{"contents": "write", "pull-requests": "write"}; !maps.Equal(wf.Permissions, want) {
		bad("permissions %v, want exactly %v", wf.Permissions, want)
	}
	var runs []stepAt
	for _, job := range slices.Sorted(maps.Keys(wf.Jobs)) {
		j := wf.Jobs[job]
		if len(j.Permissions) != 0 {
			bad("job %s asks for permissions of its own: %v", job, j.Permissions)
		}
		for i, s := range j.Steps {
			at := stepAt{job, i, s}
			if strings.Contains(s.Run, upgradeScript) {
				runs = append(runs, at)
			}
			if s.action() == "actions/checkout" && s.With["persist-credentials"] != "false" {
				bad("job %s: checkout keeps the job's token in .git/config (persist-credentials: false: the script gives git the token)", job)
			}
			if min, ok := minActionMajors[s.action()]; ok && !strings.HasPrefix(s.Uses, s.action()+"@v") {
				bad("job %s: %s: want a major of %s (v%d or later)", job, s.Uses, s.action(), min)
			} else if ok {
				var major int
				fmt.Sscanf(strings.TrimPrefix(s.Uses, s.action()+"@v"), "%d", &major)
				if major < min {
					bad("job %s: %s runs on an old Node; want v%d or later", job, s.Uses, min)
				}
			}
		}
	}
	if len(runs) != 1 || strings.TrimSpace(runs[0].Run) != upgradeScript {
		bad("want one step that runs %s, have %d", upgradeScript, len(runs))
		return problems
	}
	if want := "${{ secrets.GOMICRO_UPGRADE_TOKEN || github.token }}"; runs[0].Env["GH_TOKEN"] != want {
		bad("job %s: GH_TOKEN is %q, want %s (the job's own token only when the secret is not set)", runs[0].job, runs[0].Env["GH_TOKEN"], want)
	}
	return problems
}

func upgradeCircleCIProblems(data []byte) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var doc struct {
		Workflows map[string]struct {
			When any   `yaml:"when"`
			Jobs []any `yaml:"jobs"`
		} `yaml:"workflows"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return []string{fmt.Sprintf("YAML: %v", err)}
	}
	steps, err := configcheck.CircleCISteps(data)
	if err != nil {
		return []string{err.Error()}
	}
	var jobs []string // the jobs that run the script
	for _, s := range steps {
		if c := command(s); strings.Contains(c, upgradeScript) {
			jobs = append(jobs, strings.TrimPrefix(s.Job, "jobs/"))
			if !hasLine(c, upgradeScript, false) {
				bad("%s: does not run %s as a command of its own", s.Where, upgradeScript)
			}
		}
	}
	if len(jobs) != 1 {
		bad("%d jobs run %s, want 1", len(jobs), upgradeScript)
		return problems
	}
	job := jobs[0]
	var found int
	for _, name := range slices.Sorted(maps.Keys(doc.Workflows)) {
		wf := doc.Workflows[name]
		var names []string
		var context any
		for _, entry := range wf.Jobs {
			switch e := entry.(type) {
			case string:
				names = append(names, e)
			case map[string]any:
				for k, v := range e {
					names = append(names, k)
					if args, ok := v.(map[string]any); ok && k == job {
						context = args["context"]
					}
				}
			}
		}
		conds := conditions(wf.When, "")
		if !slices.Contains(names, job) {
			if !slices.Contains(conds, "not "+onSchedule) {
				bad("workflow %s runs for the %q schedule too (its when: %v), want it not to", name, upgradeSchedule, conds)
			}
			continue
		}
		found++
		if len(names) != 1 {
			bad("workflow %s runs %v, want the upgrade job %s alone", name, names, job)
		}
		if want := []string{onScheduled, onSchedule}; !slices.Equal(slices.Sorted(slices.Values(conds)), slices.Sorted(slices.Values(want))) {
			bad("workflow %s: when %v, want it to run only for the scheduled pipeline %q: all of %v", name, conds, upgradeSchedule, want)
		}
		if context == nil {
			bad("workflow %s: job %s has no context (where GH_TOKEN comes from)", name, job)
		}
	}
	if found != 1 {
		bad("%d workflows run job %s, want 1", found, job)
	}
	return problems
}

// The conditions of CircleCI's logic statements (when:) that the upgrade
// workflows use, as conditions writes them.
const (
	onScheduled = "equal scheduled_pipeline << pipeline.trigger_source >>"
	onSchedule  = "equal " + upgradeSchedule + " << pipeline.schedule.name >>"
)

// conditions flattens a CircleCI logic statement into its leaves, each
// "equal A B" (or the value itself), prefixed with the operators above it
// other than and ("not ", "or "): and is the only way several leaves
// all hold.
func conditions(when any, prefix string) []string {
	switch w := when.(type) {
	case nil:
		return nil
	case map[string]any:
		var out []string
		for _, op := range slices.Sorted(maps.Keys(w)) {
			switch op {
			case "and":
				out = append(out, conditions(w[op], prefix)...)
			case "not", "or":
				out = append(out, conditions(w[op], prefix+op+" ")...)
			default:
				args, _ := w[op].([]any)
				leaf := op
				for _, a := range args {
					leaf += " " + fmt.Sprint(a)
				}
				out = append(out, prefix+leaf)
			}
		}
		return out
	case []any:
		var out []string
		for _, x := range w {
			out = append(out, conditions(x, prefix)...)
		}
		return out
	default:
		return []string{prefix + fmt.Sprint(w)}
	}
}
