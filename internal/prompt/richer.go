package prompt

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"charm.land/huh/v2"
	"golang.org/x/term"

	"github.com/gomicro/gomicro/generator"
)

// The richer questions (generator/questions.go) as a person meets them: a
// multi-select and a hidden input on a terminal; a comma list, a number
// and a hidden line in line mode.

// richField is the form field for a multi, int or secret question, or nil
// for the others. value is the answer's text; selected a multi's choices.
func richField(q generator.Question, def string, check func(string) error, value *string, selected *[]string) huh.Field {
	switch {
	case q.Type == generator.TypeMulti:
		*selected = strings.Split(def, ",")
		return huh.NewMultiSelect[string]().Title(q.Prompt).Description(q.Help).
			Options(huh.NewOptions(q.Choices...)...).Value(selected)
	case q.Secret:
		// No default on screen, and the input hidden: a secret is never shown.
		*value = ""
		return huh.NewInput().Title(q.Prompt).Description(q.Help).
			EchoMode(huh.EchoModePassword).Value(value).Validate(check)
	}
	return nil
}

// richAnswer is the text a rich field's answer gives the generator: a
// multi's choices with commas (generator.NoneAnswer for none, as an empty
// answer takes the default), and what the form leaves on screen.
func richAnswer(q generator.Question, value string, selected []string) (answer, shown string) {
	switch {
	case q.Type == generator.TypeMulti:
		if len(selected) == 0 {
			return generator.NoneAnswer, "none"
		}
		return strings.Join(selected, ","), strings.Join(selected, ", ")
	case q.Secret:
		return value, generator.SecretShown
	}
	return value, value
}

// linePromptRicher is what linePrompt adds for the richer questions: the
// numbered choices and how to list them, an int's bounds.
func linePromptRicher(q generator.Question) string {
	switch q.Type {
	case generator.TypeMulti:
		return " (" + numbered(q.Choices) + "; any, separated by commas, or " + generator.NoneAnswer + " for none)"
	case generator.TypeInt:
		switch {
		case q.Min != nil && q.Max != nil:
			return fmt.Sprintf(" (a whole number, %d to %d)", *q.Min, *q.Max)
		case q.Min != nil:
			return fmt.Sprintf(" (a whole number, at least %d)", *q.Min)
		case q.Max != nil:
			return fmt.Sprintf(" (a whole number, at most %d)", *q.Max)
		}
		return " (a whole number)"
	}
	return ""
}

// normalizeMulti lets a line name a multi question's choices by number.
func normalizeMulti(q generator.Question, v string) string {
	items := strings.Split(v, ",")
	for i, item := range items {
		item = strings.TrimSpace(item)
		if n, err := strconv.Atoi(item); err == nil && n >= 1 && n <= len(q.Choices) && !slices.Contains(q.Choices, item) {
			item = q.Choices[n-1]
		}
		items[i] = item
	}
	return strings.Join(items, ",")
}

// secretInput is the line input with the terminal it reads, for huh to
// read a secret with the echo off (huh asks for the Fd). Only a secret
// on a terminal gets it: a pipe has no echo to turn off.
type secretInput struct {
	*lineInput
	fd uintptr
}

func (s secretInput) Fd() uintptr { return s.fd }

// terminalFd is the descriptor of in when it is a terminal.
func terminalFd(in *lineInput) (uintptr, bool) {
	f, ok := in.in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	return f.Fd(), true
}
