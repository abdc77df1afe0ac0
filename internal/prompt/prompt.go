// Package prompt asks a template's questions of a person: line by line
// (huh's accessible mode, for screen readers and piped answers) or as huh
// forms on a terminal. It implements generator.Prompter over the streams it
// is given; which prompter a command uses, and whether it may prompt at
// all, is the command's choice.
package prompt

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

// Streams are what a prompter reads from and writes to, and how it fits
// the command's own signal handling.
type Streams struct {
	In  io.Reader
	Out io.Writer
	// Ready, when set, is called before a prompter is made: the command
	// catches its stop signals by the time a question is asked, to end with
	// a word of why (and, for a form, the terminal restored).
	Ready func()
	// Interrupted is the error Ask returns for Ctrl-C at a form (a key in
	// raw mode, not a signal); ErrInterrupted when nil.
	Interrupted error
}

// ErrInterrupted is Ctrl-C at a form, unless Streams.Interrupted says
// otherwise.
var ErrInterrupted = errors.New("interrupted")

func (s Streams) ready() {
	if s.Ready != nil {
		s.Ready()
	}
}

// Lines asks line by line, in plain text for screen readers and logs: no
// colour escapes.
func Lines(s Streams) generator.Prompter {
	s.ready()
	plain := &colorprofile.Writer{Forward: s.Out, Profile: colorprofile.NoTTY}
	return &linePrompter{in: newLineInput(s.In), out: plain}
}

// Forms shows each question as a huh form on the terminal s.In and s.Out
// are. Close gives the terminal back.
func Forms(s Streams) generator.Prompter {
	s.ready()
	interrupted := s.Interrupted
	if interrupted == nil {
		interrupted = ErrInterrupted
	}
	return &formPrompter{in: newTerminalInput(s.In), out: s.Out, interrupted: interrupted}
}

// Close ends a prompting session (a terminal in raw mode is restored).
func Close(p generator.Prompter) {
	if c, ok := p.(io.Closer); ok {
		c.Close()
	}
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
	in          *terminalInput
	out         io.Writer
	interrupted error
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
	var selected []string
	field = richField(q, def, check, &value, &selected)
	switch {
	case field != nil:
	case q.Type == generator.TypeBool:
		yes, _ = strconv.ParseBool(def)
		field = huh.NewConfirm().Title(q.Prompt).Description(q.Help).Value(&yes)
	case q.Type == generator.TypeChoice:
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
		return "", p.interrupted
	}
	if err != nil {
		return "", err
	}
	if q.Type == generator.TypeBool {
		value = strconv.FormatBool(yes)
	}
	// The form clears itself; leave the answer on screen, as giter8 does.
	value, shown := richAnswer(q, value, selected)
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
			shown := value
			if q.Secret {
				shown = generator.SecretShown
			}
			rejected = &generator.Problem{Key: q.Name, Value: shown, Rule: err.Error()}
			return errors.New(rejected.String())
		}
		rejected = nil
		return nil
	}
	var value string
	input := huh.NewInput().Title(linePrompt(q, def)).Value(&value).Validate(validate)
	form := huh.NewForm(huh.NewGroup(input)).WithAccessible(true).
		WithInput(p.in).WithOutput(p.out)
	if fd, ok := terminalFd(p.in); ok && q.Secret {
		input.EchoMode(huh.EchoModePassword)
		form = form.WithInput(secretInput{p.in, fd})
		restore, err := echoOff(int(fd))
		if err != nil {
			return "", err
		}
		guard := guardRaw(restore)
		defer guard.close()
		defer restore()
	}

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
	prompt += linePromptRicher(q)
	if def != "" && !q.Secret {
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
	case generator.TypeMulti:
		return normalizeMulti(q, v)
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
