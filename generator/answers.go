package generator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/gomicro/gomicro/internal/rules"
)

// Answers maps question keys to their values: a string, or a bool for
// questions of type bool. Answers are data, never template source: an answer
// holding "{{" is written as it is.
type Answers map[string]any

// Prompter asks a person one question. def is the default already rendered
// with the earlier answers; check validates a candidate answer ("" means the
// default), so an interactive prompter can ask again instead of failing.
type Prompter interface {
	Ask(q Question, def string, check func(string) error) (string, error)
}

// Problem is one invalid answer: its key, the value given and the rule broken.
type Problem struct {
	Key, Value, Rule string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s %q: %s", p.Key, p.Value, p.Rule)
}

// Problems is every invalid answer of one resolve, in question order.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Resolve answers every question in order: a value from set wins, then the
// prompter (when not nil and the question's when-condition holds), then the
// default. It validates each answer and returns all problems together.
//
// It runs within ctx and t.Limits: the defaults and when-conditions it
// executes share one time and output budget (time spent in the prompter is
// not counted). A limit or ctx ends it with an error wrapping
// ErrRenderTimeout, ErrOutputLimit or ctx's error, not Problems.
func (t *Template) Resolve(ctx context.Context, set map[string]string, p Prompter) (Answers, error) {
	return t.resolveContext(ctx, nil, set, p)
}

// resolve is Resolve with earlier answers (from a project's answers file) that
// take the place of defaults and are not asked again.
func (t *Template) resolve(recorded Answers, set map[string]string, p Prompter) (Answers, error) {
	return t.resolveContext(context.Background(), orEmpty(recorded), set, p)
}

func (t *Template) resolveContext(ctx context.Context, recorded Answers, set map[string]string, p Prompter) (Answers, error) {
	ex := t.newQuestionRun()
	upgrade := recorded != nil // secrets come from the environment, never the prompter
	problems := t.unknownSet(set)
	answers := Answers{}
	for _, q := range t.Questions {
		var value string
		from := fromAnswer // where value came from, for the message when it is not valid
		given, isSet := set[q.Name]
		old, isRecorded := recorded[q.Name]
		isRecorded = isRecorded && !q.Secret // never written; one written by hand is not read
		switch {
		case isSet:
			value = given
		case isRecorded:
			value = AnswerText(old)
		default:
			def, fromUser, err := ex.defaultOf(ctx, &q, answers)
			if isLimit(err) {
				return nil, err
			}
			if err != nil {
				if len(problems) == 0 {
					problems = append(problems, Problem{q.Name, q.Default, "default does not render: " + err.Error()})
				}
				// Otherwise it names an earlier answer that failed, which is
				// reported already.
				continue
			}
			from = fromDefault
			if fromUser {
				from = fromUserDefault
			}
			value = def
			if q.Secret && (p == nil || upgrade) {
				value, from = t.secretFromEnv(&q, def, from)
				break
			}
			asked, err := t.prompt(ctx, ex, p, &q, def, answers)
			if err != nil {
				return nil, err
			}
			if asked != "" {
				value, from = asked, fromAnswer
			}
		}
		v, rule := q.check(value, from)
		if rule != "" {
			problems = append(problems, Problem{q.Name, q.shown(value), rule})
			continue
		}
		answers[q.Name] = v
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return answers, nil
}

// unknownSet reports each key of set that names no question.
func (t *Template) unknownSet(set map[string]string) Problems {
	var problems Problems
	for _, key := range sortedKeys(set) {
		if _, ok := t.Question(key); !ok {
			rule := "no such question in template " + t.Name
			if near := rules.Nearest(key, t.questionNames()); near != "" {
				rule += "; did you mean " + near + "?"
			}
			problems = append(problems, Problem{key, set[key], rule + " (it asks " + strings.Join(t.questionNames(), ", ") + ")"})
		}
	}
	return problems
}

// prompt asks p the question q, offering def, when there is a prompter
// and q's when-condition holds; it returns "" when nothing was asked or
// the person took the default.
func (t *Template) prompt(ctx context.Context, ex *questionRun, p Prompter, q *Question, def string, answers Answers) (string, error) {
	if p == nil {
		return "", nil
	}
	asks, err := t.asks(ctx, ex, q, answers)
	if err != nil || !asks {
		return "", err
	}
	check := func(v string) error {
		if v == "" {
			v = def
		}
		if _, rule := q.parse(v); rule != "" {
			return errors.New(rule)
		}
		return nil
	}
	return p.Ask(*q, def, check)
}

// check is parse, with the rule an invalid value breaks saying how to fix
// it where the value came from a default.
func (q Question) check(value string, from int) (any, string) {
	if from == fromUnsetSecret {
		return nil, "set the environment variable " + q.Env + ": a secret is never recorded, and upgrade and --non-interactive take it from there"
	}
	v, rule := q.parse(value)
	switch {
	case rule == "":
	case from == fromDefault && value == "":
		// The template leaves this answer to the user and nothing here
		// knows it (see Machine): name the way to give it.
		rule = "no default here: answer it with --set " + q.Name + "=VALUE, or give a default in gomicro's config file"
	case from == fromUserDefault:
		rule += " (the default in gomicro's config file)"
	}
	return v, rule
}

// asks reports whether the question's when-condition holds for the answers
// so far. A condition that cannot be evaluated (it names a question that
// failed) counts as false; the failed question is reported anyway. Only a
// limit or ctx is an error.
func (t *Template) asks(ctx context.Context, ex *questionRun, q *Question, answers Answers) (bool, error) {
	if q.whenTmpl == nil {
		return true, nil
	}
	out, err := ex.exec(ctx, "when", q, q.whenTmpl, answers)
	if isLimit(err) {
		return false, err
	}
	return err == nil && strings.TrimSpace(out) == "true", nil
}

// questionRun executes the defaults and when-conditions of one resolve. The
// prompter runs between executions on the caller's goroutine, so unlike a
// render each execution is watched on its own, against what is left of one
// time budget.
type questionRun struct {
	t    *Template
	lim  Limits
	r    *run
	used time.Duration
}

func (t *Template) newQuestionRun() *questionRun {
	lim := t.Limits.withDefaults()
	return &questionRun{t: t, lim: lim, r: newRun(lim)}
}

// defaultOf is q's default with the answers so far: the user's own
// (Template.UserDefaults) when they gave one, else the template's, executed;
// fromUser says which.
func (ex *questionRun) defaultOf(ctx context.Context, q *Question, answers Answers) (def string, fromUser bool, err error) {
	if d, ok := ex.t.UserDefaults[q.Name]; ok {
		return d, true, nil
	}
	def, err = ex.exec(ctx, "default", q, q.defaultTmpl, answers)
	return def, false, err
}

func (ex *questionRun) exec(ctx context.Context, field string, q *Question, tmpl *template.Template, answers Answers) (string, error) {
	what := fmt.Sprintf("template %s: question %q: %s", ex.t.Source, q.Name, field)
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", what, ctx.Err())
	}
	exec := func() (string, error) {
		out, err := ex.r.execString(tmpl, answers)
		if errors.Is(err, ErrOutputLimit) {
			err = fmt.Errorf("%s: %w", what, err)
		}
		return out, err
	}
	if plainText(tmpl) {
		// Most defaults are plain text, which cannot run long: no
		// goroutine for them.
		return exec()
	}
	start := time.Now()
	defer func() { ex.used += time.Since(start) }()
	// A spent budget still gets a moment, so the error names the timeout.
	return wait(ctx, ex.r, max(ex.lim.Timeout-ex.used, time.Nanosecond), what, exec)
}

// Where an answer came from, so a problem with it can say how to fix it.
const (
	fromAnswer      = iota // --set, a recorded answer, or typed at a prompt
	fromUserDefault        // Template.UserDefaults
	fromDefault            // the template's default
	fromUnsetSecret        // a secret whose variable is unset, without a default
)

// isLimit reports whether err ends the resolve rather than being a problem
// with one answer.
func isLimit(err error) bool {
	return err != nil && (errors.Is(err, ErrRenderTimeout) || errors.Is(err, ErrOutputLimit) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// parse converts a raw answer to its typed value, or returns the rule it breaks.
func (q Question) parse(raw string) (any, string) {
	if !utf8.ValidString(raw) {
		// Checked first: .gomicro.yml records answers as YAML text, which
		// cannot hold other bytes, and nothing may be written before the
		// answer is refused.
		return nil, "answers must be UTF-8 text"
	}
	if v, rule, ok := q.parseRicher(raw); ok {
		return v, rule
	}
	switch q.Type {
	case TypeBool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, "answers to " + q.Name + " are true or false"
		}
		return b, ""
	case TypeChoice:
		if !slices.Contains(q.Choices, raw) {
			return nil, "choose one of " + strings.Join(q.Choices, ", ")
		}
	}
	if q.Validate != "" {
		rule, _ := rules.Lookup(q.Validate)
		if err := rule(raw); err != nil {
			return nil, err.Error()
		}
	}
	if rule := q.checkPattern(raw); rule != "" {
		return nil, rule
	}
	return raw, ""
}

func (t *Template) questionNames() []string {
	names := make([]string, len(t.Questions))
	for i, q := range t.Questions {
		names[i] = q.Name
	}
	return names
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Unanswered are the keys of the questions that neither set nor their
// defaults answer validly: those a resolve without a prompter (new
// --non-interactive) refuses for want of a --set. A key set gives is not
// one of them, however wrong its value.
func (t *Template) Unanswered(ctx context.Context, set map[string]string) []string {
	var problems Problems
	if _, err := t.Resolve(ctx, set, nil); !errors.As(err, &problems) {
		return nil
	}
	var keys []string
	for _, p := range problems {
		if _, given := set[p.Key]; !given {
			keys = append(keys, p.Key)
		}
	}
	return keys
}
