package generator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// MaxCombinations bounds how many answer sets Combinations enumerates: past
// it, the caller must fix some answers instead of sampling, since even
// counting the sets means walking them (a when can depend on any earlier
// answer).
const MaxCombinations = 1 << 16

// ErrTooManyCombinations is wrapped by Combinations' error when the
// template's choice and bool answers combine in more than MaxCombinations
// ways.
var ErrTooManyCombinations = errors.New("too many combinations")

// Combinations lists the answer sets that exercise every combination of the
// template's choice and bool questions, for a template author's tests.
//
// Questions are walked in order. A question fixed by set takes that value. A
// choice or bool question whose when holds varies over all its values, its
// default first; one whose when does not hold is not asked, so it takes its
// default and does not multiply the sets. Every other question takes its
// default. So the first set is the one every default gives.
//
// Each set holds the values of set and of the questions that varied; pass it
// to Resolve for the rest. The second result is how many sets there are in
// all. When max > 0 and there are more, max of them are returned: the first
// (all defaults), the last, and an even spread between, always the same ones.
//
// The error is set's Problems (as Resolve reports them), a Problem for a
// default that does not render to a valid answer on some path, an error
// wrapping ErrTooManyCombinations, or one wrapping a render limit: the
// defaults and whens of the whole walk share one time budget (t.Limits).
func (t *Template) Combinations(set map[string]string, max int) ([]map[string]string, int, error) {
	if _, err := t.Resolve(context.Background(), set, nil); err != nil {
		return nil, 0, err
	}
	c := combiner{t: t, set: set, ex: t.newQuestionRun(), answers: Answers{}}
	if err := c.walk(0); err != nil {
		return nil, 0, err
	}
	total := len(c.paths)
	picked := sampleIndexes(total, max)
	sets := make([]map[string]string, len(picked))
	for i, n := range picked {
		s := make(map[string]string, len(set)+len(c.paths[n]))
		for k, v := range set {
			s[k] = v
		}
		for _, p := range c.paths[n] {
			s[t.Questions[p.question].Name] = p.value
		}
		sets[i] = s
	}
	return sets, total, nil
}

// combiner is the state of one Combinations walk.
type combiner struct {
	t       *Template
	set     map[string]string
	ex      *questionRun
	answers Answers // typed answers of the questions before the current one
	path    []pick  // the varied values on the way to the current question
	paths   [][]pick
}

// pick is one varied question's value in one answer set.
type pick struct {
	question int
	value    string
}

func (c *combiner) walk(i int) error {
	if i == len(c.t.Questions) {
		if len(c.paths) == MaxCombinations {
			return fmt.Errorf("template %s: more than %d combinations of its choice and bool answers: fix some answers: %w", c.t.Source, MaxCombinations, ErrTooManyCombinations)
		}
		c.paths = append(c.paths, slices.Clone(c.path))
		return nil
	}
	q := &c.t.Questions[i]
	// Later questions' answers from an earlier branch must not be seen.
	defer delete(c.answers, q.Name)
	if v, ok := c.set[q.Name]; ok {
		c.answers[q.Name], _ = q.parse(v) // Resolve has checked it
		return c.walk(i + 1)
	}
	ctx := context.Background()
	def, _, err := c.ex.defaultOf(ctx, q, c.answers)
	if isLimit(err) {
		return err
	}
	if err != nil {
		return Problems{{q.Name, q.Default, "default does not render" + c.where() + ": " + err.Error()}}
	}
	varies := q.Type == TypeChoice || q.Type == TypeBool || q.Type == TypeMulti
	if varies {
		if varies, err = c.t.asks(ctx, c.ex, q, c.answers); err != nil {
			return err
		}
	}
	if !varies {
		v, rule := q.parse(def)
		if rule != "" && !q.Secret { // a secret's value, from the environment, Resolve has checked
			return Problems{{q.Name, def, rule + c.where()}}
		}
		c.answers[q.Name] = v
		return c.walk(i + 1)
	}
	for _, value := range q.values(def) {
		v, rule := q.parse(value)
		if rule != "" {
			// A choice its own validate rule refuses: no answer set can
			// hold it.
			continue
		}
		c.answers[q.Name] = v
		c.path = append(c.path, pick{i, value})
		err := c.walk(i + 1)
		c.path = c.path[:len(c.path)-1]
		if err != nil {
			return err
		}
	}
	return nil
}

// where names the answers on the way to a problem, for its message.
func (c *combiner) where() string {
	if len(c.path) == 0 {
		return ""
	}
	s := " (with"
	for _, p := range c.path {
		s += " " + c.t.Questions[p.question].Name + "=" + p.value
	}
	return s + ")"
}

// values lists what a choice or bool question can be, its default first.
func (q *Question) values(def string) []string {
	if q.Type == TypeMulti {
		return q.multiValues(def)
	}
	var all []string
	if q.Type == TypeBool {
		all = []string{"false", "true"}
		if b, err := strconv.ParseBool(def); err == nil {
			def = strconv.FormatBool(b)
		}
	} else {
		all = slices.Clone(q.Choices)
	}
	if i := slices.Index(all, def); i > 0 {
		all = slices.Insert(slices.Delete(all, i, i+1), 0, def)
	}
	return all
}

// sampleIndexes picks max of total indexes, spread evenly from the first to
// the last, or all of them when max is 0 or at least total.
func sampleIndexes(total, max int) []int {
	n := total
	if max > 0 && max < total {
		n = max
	}
	picked := make([]int, n)
	for i := range picked {
		switch {
		case n == total:
			picked[i] = i
		case n > 1:
			// Rounded i*(total-1)/(n-1): distinct, as the step is above 1.
			picked[i] = (2*i*(total-1) + n - 1) / (2 * (n - 1))
		}
	}
	return picked
}
