package main

import (
	"slices"
	"strings"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/prompt"
)

// newPrompter picks how questions reach a person: not at all
// (--non-interactive), line by line (ACCESSIBLE, or a terminal that cannot
// show forms), as terminal forms, or, with no terminal, a refusal that names
// --non-interactive instead of hanging.
func newPrompter(stdio IO, nonInteractive bool) generator.Prompter {
	// A question is asked only once a signal is caught, to end gomicro
	// with a word of why (and, for a form, the terminal restored).
	streams := prompt.Streams{In: stdio.In, Out: stdio.Out, Ready: stdio.interrupts.ready, Interrupted: errInterrupted}
	switch {
	case nonInteractive:
		return nil
	case stdio.Accessible || stdio.Terminal && !prompt.DrawsForms(stdio.Out):
		return prompt.Lines(streams)
	case stdio.Terminal:
		return prompt.Forms(streams)
	default:
		return noTerminal{why: notTerminal(stdio)}
	}
}

// noTerminal refuses every question: gomicro prompts only when both stdin
// and stdout are terminals (gomicro new x | cat has a terminal to read
// from, but the form would be drawn into the pipe). Its refusal says what
// to pass instead, so that taking the advice works the first time.
type noTerminal struct {
	why string
	// needsName: new without NAME, which --non-interactive alone refuses.
	needsName bool
	// unanswered are the questions that the defaults do not answer (new
	// works them out before asking): each needs a --set.
	unanswered []string
}

func (p noTerminal) Ask(q generator.Question, def string, check func(string) error) (string, error) {
	pass := "--non-interactive"
	if p.needsName {
		pass = "NAME and --non-interactive"
	}
	keys := p.unanswered
	if check != nil && check(def) != nil && !slices.Contains(keys, q.Name) {
		keys = append([]string{q.Name}, keys...)
	}
	switch {
	case len(keys) == 1 && keys[0] == q.Name:
		return "", usagef("%s needs an answer, has no default here, and %s: pass %s with %s, or set ACCESSIBLE=1 to answer line by line", quote(q.Name), p.why, pass, setFlags(keys))
	case len(keys) > 0:
		// Taking the defaults would fail on these: name their --set.
		return "", usagef("%s needs an answer and %s, and the defaults do not answer %s: pass %s with %s, or set ACCESSIBLE=1 to answer line by line", quote(q.Name), p.why, quoteAll(keys), pass, setFlags(keys))
	}
	return "", usagef("%s needs an answer and %s: pass %s to take defaults and --set values, or set ACCESSIBLE=1 to answer line by line", quote(q.Name), p.why, pass)
}

// setFlags is "--set KEY=VALUE" for each of keys, quoted.
func setFlags(keys []string) string {
	flags := make([]string, len(keys))
	for i, k := range keys {
		flags[i] = "--set " + quote(k) + "=VALUE"
	}
	return strings.Join(flags, " ")
}

// notTerminal says which of stdin and stdout is not a terminal.
func notTerminal(stdio IO) string {
	switch {
	case stdio.InTerminal && !stdio.OutTerminal:
		return "stdout is not a terminal"
	case !stdio.InTerminal && stdio.OutTerminal:
		return "stdin is not a terminal"
	}
	return "stdin and stdout are not terminals"
}
