package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"charm.land/huh/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/gomicro/gomicro/generator"
)

// newPrompter picks how questions reach a person: not at all
// (--non-interactive), line by line (ACCESSIBLE), as terminal forms, or, with
// no terminal, a refusal that names --non-interactive instead of hanging.
func newPrompter(stdio IO, nonInteractive bool) generator.Prompter {
	switch {
	case nonInteractive:
		return nil
	case stdio.Accessible:
		// Plain text for screen readers and logs: no colour escapes.
		plain := &colorprofile.Writer{Forward: stdio.Out, Profile: colorprofile.NoTTY}
		return &linePrompter{in: stdio.In, out: plain}
	case stdio.Terminal:
		return &formPrompter{in: newTerminalInput(stdio.In), out: stdio.Out}
	default:
		return noTerminal{}
	}
}

// closePrompter ends a prompting session (a terminal in raw mode is restored).
func closePrompter(p generator.Prompter) {
	if c, ok := p.(io.Closer); ok {
		c.Close()
	}
}

type noTerminal struct{}

func (noTerminal) Ask(q generator.Question, _ string, _ func(string) error) (string, error) {
	return "", usagef("%s needs an answer and stdin is not a terminal: pass --non-interactive to take defaults and --set values, or set ACCESSIBLE=1 to answer line by line", q.Name)
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
	input := p.in.reader()
	err := huh.NewForm(huh.NewGroup(field)).WithInput(input).WithOutput(p.out).WithShowHelp(false).Run()
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

// linePrompter asks in huh's accessible mode: a plain line out, a plain line
// in. huh reads ahead from whatever reader it is given, so each question gets
// exactly one line, read here byte by byte; the rest of the input stays for
// the next question. An empty line, or the end of input, takes the default.
type linePrompter struct {
	in  io.Reader
	out io.Writer
	eof bool
}

func (p *linePrompter) Ask(q generator.Question, def string, check func(string) error) (string, error) {
	prompt := title(q, def)
	switch q.Type {
	case generator.TypeBool:
		prompt = fmt.Sprintf("%s (y/n) [%s]", q.Prompt, def)
	case generator.TypeChoice:
		prompt = fmt.Sprintf("%s (%s) [%s]", q.Prompt, numbered(q.Choices), def)
	}
	for {
		line, err := p.readLine()
		if err != nil {
			return "", err
		}
		var value string
		input := huh.NewInput().Title(prompt + ":").Value(&value)
		form := huh.NewForm(huh.NewGroup(input)).WithAccessible(true).
			WithInput(strings.NewReader(line + "\n")).WithOutput(p.out)
		if err := form.Run(); err != nil {
			return "", err
		}
		value = normalize(q, strings.TrimSpace(value))
		if err := check(value); err != nil {
			if p.eof {
				return "", fmt.Errorf("%s %q: %v", q.Name, value, err)
			}
			fmt.Fprintf(p.out, "%s %q: %v\n", q.Name, value, err)
			continue
		}
		return value, nil
	}
}

func (p *linePrompter) readLine() (string, error) {
	if p.eof {
		return "", nil
	}
	var line []byte
	b := make([]byte, 1)
	for {
		n, err := p.in.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				return strings.TrimSuffix(string(line), "\r"), nil
			}
			line = append(line, b[0])
		}
		if errors.Is(err, io.EOF) {
			p.eof = true
			return string(line), nil
		}
		if err != nil {
			return "", err
		}
	}
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
