package prompt

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/generator"
)

// accessible is the prompter ACCESSIBLE=1 gets, reading in and writing out.
func accessible(in io.Reader, out io.Writer) generator.Prompter {
	return Lines(Streams{In: in, Out: out})
}

// watchedReader records what had been written when it was first read.
type watchedReader struct {
	r         io.Reader
	out       *bytes.Buffer
	firstRead *string
}

func (w watchedReader) Read(b []byte) (int, error) {
	if *w.firstRead == "" {
		*w.firstRead = w.out.String() + "\x00" // read at least once
	}
	return w.r.Read(b)
}

func TestAccessibleAsksBeforeReading(t *testing.T) {
	var out bytes.Buffer
	var before string
	p := accessible(watchedReader{strings.NewReader("acme\n"), &out, &before}, &out)
	defer Close(p)
	q := generator.Question{Name: "github_username", Prompt: "GitHub owner", Help: "the account that hosts it"}
	got, err := p.Ask(q, "launchdarkly", func(string) error { return nil })
	if err != nil || got != "acme" {
		t.Fatalf("Ask = %q, %v; want acme", got, err)
	}
	want := "GitHub owner (the account that hosts it) [launchdarkly]:"
	if !strings.Contains(before, want) {
		t.Errorf("before the first read the output was %q; want the whole question, %q", before, want)
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Errorf("output holds escape sequences: %q", out.String())
	}
}

// TestAccessibleReadsOneLine: each question takes its line and no more, so a
// pipe's next lines are there for the next questions, and for whatever reads
// stdin after gomicro's questions.
func TestAccessibleReadsOneLine(t *testing.T) {
	in := strings.NewReader("acme\r\nrest\nmore\n")
	p := accessible(in, io.Discard)
	defer Close(p)
	got, err := p.Ask(generator.Question{Name: "a", Prompt: "A"}, "", func(string) error { return nil })
	if err != nil || got != "acme" {
		t.Fatalf("Ask = %q, %v; want acme", got, err)
	}
	if rest, _ := io.ReadAll(in); string(rest) != "rest\nmore\n" {
		t.Errorf("after one question the input left is %q; want %q", rest, "rest\nmore\n")
	}
}

// TestAccessibleLongLine: a line of maxAnswerLine bytes is an answer, and
// the next line is the next question's (cmd/gomicro's test of the same
// name has a longer line refused).
func TestAccessibleLongLine(t *testing.T) {
	// A line of the bound is an answer, and the next line is the next one's.
	in := strings.NewReader(strings.Repeat("b", maxAnswerLine) + "\nnext\n")
	p := accessible(in, io.Discard)
	defer Close(p)
	accept := func(string) error { return nil }
	got, err := p.Ask(generator.Question{Name: "a", Prompt: "A"}, "", accept)
	if err != nil || len(got) != maxAnswerLine {
		t.Errorf("a line of %d bytes: %d bytes, %.200v", maxAnswerLine, len(got), err)
	}
	if got, err := p.Ask(generator.Question{Name: "b", Prompt: "B"}, "", accept); got != "next" || err != nil {
		t.Errorf("the line after: %.200q, %.200v; want next", got, err)
	}
}
