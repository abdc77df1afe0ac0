package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/gomicro/gomicro/generator"
)

// newPrompter picks how questions reach a person: not at all
// (--non-interactive), line by line (ACCESSIBLE, or a terminal that cannot
// show forms), as terminal forms, or, with no terminal, a refusal that names
// --non-interactive instead of hanging.
func newPrompter(stdio IO, nonInteractive bool) generator.Prompter {
	switch {
	case nonInteractive:
		return nil
	case stdio.Accessible || stdio.Terminal && !drawsForms(stdio.Out):
		// A question is asked only once a signal is caught, to end gomicro
		// with a word of why (and, for a form, the terminal restored).
		stdio.interrupts.ready()
		// Plain text for screen readers and logs: no colour escapes.
		plain := &colorprofile.Writer{Forward: stdio.Out, Profile: colorprofile.NoTTY}
		return &linePrompter{in: newLineInput(stdio.In), out: plain}
	case stdio.Terminal:
		stdio.interrupts.ready()
		return &formPrompter{in: newTerminalInput(stdio.In), out: stdio.Out}
	default:
		return noTerminal{why: notTerminal(stdio)}
	}
}

// closePrompter ends a prompting session (a terminal in raw mode is restored).
func closePrompter(p generator.Prompter) {
	if c, ok := p.(io.Closer); ok {
		c.Close()
	}
}

// noTerminal refuses every question: gomicro prompts only when both stdin
// and stdout are terminals (gomicro new x | cat has a terminal to read
// from, but the form would be drawn into the pipe).
type noTerminal struct{ why string }

func (p noTerminal) Ask(q generator.Question, _ string, _ func(string) error) (string, error) {
	return "", usagef("%s needs an answer and %s: pass --non-interactive to take defaults and --set values, or set ACCESSIBLE=1 to answer line by line", q.Name, p.why)
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

// title is the question as giter8 showed it: the prompt, then the default.
func title(q generator.Question, def string) string {
	if def == "" {
		return q.Prompt
	}
	return fmt.Sprintf("%s [%s]", q.Prompt, def)
}

// formPrompter shows each question as a huh form on the terminal.
type formPrompter struct {
	in  *terminalInput
	out io.Writer
}

// Close gives the terminal back as it was.
func (p *formPrompter) Close() error {
	p.in.unraw()
	return nil
}

func (p *formPrompter) Ask(q generator.Question, def string, check func(string) error) (string, error) {
	var field huh.Field
	value := def
	var yes bool
	switch q.Type {
	case generator.TypeBool:
		yes, _ = strconv.ParseBool(def)
		field = huh.NewConfirm().Title(q.Prompt).Description(q.Help).Value(&yes)
	case generator.TypeChoice:
		field = huh.NewSelect[string]().Title(q.Prompt).Description(q.Help).
			Options(huh.NewOptions(q.Choices...)...).Value(&value)
	default:
		value = ""
		field = huh.NewInput().Title(title(q, def)).Description(q.Help).
			Placeholder(def).Value(&value).Validate(check)
	}
	if err := p.in.raw(); err != nil {
		return "", err
	}
	defer func() {
		// A panic ends gomicro without a Close (huh panics on a nil
		// model when its program fails): give the terminal back first.
		if r := recover(); r != nil {
			p.in.unraw()
			panic(r)
		}
	}()
	input := p.in.reader()
	// bubbletea's own signal handler would take SIGTERM for a wish to quit,
	// the form then returning as if answered, and SIGINT for Ctrl-C; signals
	// are for rawGuard and run instead.
	err := huh.NewForm(huh.NewGroup(field)).
		WithProgramOptions(tea.WithoutSignalHandler()).
		WithInput(input).WithOutput(p.out).WithShowHelp(false).
		Run()
	input.stop()
	if errors.Is(err, huh.ErrUserAborted) {
		return "", errInterrupted
	}
	if err != nil {
		return "", err
	}
	if q.Type == generator.TypeBool {
		value = strconv.FormatBool(yes)
	}
	// The form clears itself; leave the answer on screen, as giter8 does.
	shown := value
	if shown == "" {
		shown = def
	}
	fmt.Fprintf(p.out, "%s: %s\n", q.Prompt, shown)
	return value, nil
}

// linePrompter asks in huh's accessible mode, for screen readers and piped
// answers: the whole question in plain text (prompt, help, default), then one
// line read from stdin (see lineInput). An empty line takes the default, and
// so does the end of input, unless it comes after a rejected answer: the
// script that piped the answers is wrong, and gomicro says so rather than
// quietly writing a default in place of the value it was given.
type linePrompter struct {
	in  *lineInput
	out io.Writer
}

func (p *linePrompter) Ask(q generator.Question, def string, check func(string) error) (string, error) {
	var rejected *generator.Problem // the last answer, while it stands rejected
	validate := func(line string) error {
		if p.in.err() != nil {
			return nil // a broken input: no answer to judge (or to echo)
		}
		value := normalize(q, strings.TrimSpace(line))
		if err := check(value); err != nil {
			rejected = &generator.Problem{Key: q.Name, Value: value, Rule: err.Error()}
			return errors.New(rejected.String())
		}
		rejected = nil
		return nil
	}
	var value string
	input := huh.NewInput().Title(linePrompt(q, def)).Value(&value).Validate(validate)
	form := huh.NewForm(huh.NewGroup(input)).WithAccessible(true).
		WithInput(p.in).WithOutput(p.out)

	err := form.Run()
	switch {
	case err != nil:
		return "", err
	case errors.Is(p.in.err(), errLineTooLong):
		return "", fmt.Errorf("%s: %w", q.Name, p.in.err())
	case p.in.err() != nil:
		return "", p.in.err()
	case rejected != nil: // huh's prompt ends this way only when the input does
		rejected.Rule += " (and the input ended there)"
		return "", generator.Problems{*rejected}
	}
	return normalize(q, strings.TrimSpace(value)), nil
}

// linePrompt is the whole question on one line, as a screen reader reads it
// before the answer is typed: the prompt, the help, the choices, the default.
// It is all the title, since huh's accessible mode prints no description.
func linePrompt(q generator.Question, def string) string {
	prompt := q.Prompt
	if q.Help != "" {
		prompt += " (" + q.Help + ")"
	}
	switch q.Type {
	case generator.TypeBool:
		prompt += " (y/n)"
	case generator.TypeChoice:
		prompt += " (" + numbered(q.Choices) + ")"
	}
	if def != "" {
		prompt += " [" + def + "]"
	}
	return prompt + ":"
}

// normalize lets a line answer a bool with y/n and a choice with its number.
func normalize(q generator.Question, v string) string {
	switch q.Type {
	case generator.TypeBool:
		switch strings.ToLower(v) {
		case "y", "yes":
			return "true"
		case "n", "no":
			return "false"
		}
	case generator.TypeChoice:
		if i, err := strconv.Atoi(v); err == nil && i >= 1 && i <= len(q.Choices) {
			return q.Choices[i-1]
		}
	}
	return v
}

func numbered(choices []string) string {
	parts := make([]string, len(choices))
	for i, c := range choices {
		parts[i] = fmt.Sprintf("%d. %s", i+1, c)
	}
	return strings.Join(parts, ", ")
}
