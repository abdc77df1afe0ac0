package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/prompt"
)

// accessible is the prompter ACCESSIBLE=1 gets, reading in and writing out.
func accessible(in io.Reader, out io.Writer) generator.Prompter {
	return newPrompter(IO{In: in, Out: out, Err: io.Discard, Accessible: true}, false)
}

// resolveAccessible answers the default template's questions (name given)
// from input, as `gomicro new svc` does with ACCESSIBLE=1.
func resolveAccessible(t *testing.T, input string) (generator.Answers, string, error) {
	t.Helper()
	tmpl, err := loadTemplate("")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	p := accessible(strings.NewReader(input), &out)
	answers, err := tmpl.Resolve(context.Background(), map[string]string{"name": "svc"}, p)
	prompt.Close(p)
	return answers, out.String(), err
}

func TestAccessibleAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, input string
		want        map[string]any
	}{
		{"fewer lines than questions", "acme\n\n\n2\n", map[string]any{
			"github_username": "acme", "s3_bucket": "acme-artifacts", "module": "github.com/acme/svc",
			"kind": "worker", "ci": "circleci", "build": "script", "platforms": "linux,amd64 linux,arm64 darwin,arm64", "s3_region": "us-east-1",
		}},
		{"no input at all", "", map[string]any{"github_username": "acme", "kind": "web"}},
		{"last line without a newline", "acme\nbucket", map[string]any{"github_username": "acme", "s3_bucket": "bucket"}},
		{"a choice by name", "\n\n\nworker\ngithub\n", map[string]any{"kind": "worker", "ci": "github"}},
		{"rejected, then answered", "\nBad_Bucket\ngood-bucket\n", map[string]any{"s3_bucket": "good-bucket"}},
		{"rejected, then the default", "\nBad_Bucket\n\n", map[string]any{"s3_bucket": "acme-artifacts"}},
		{"a choice rejected, then answered", "\n\n\n7\n2\n", map[string]any{"kind": "worker"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answers, out, err := resolveAccessible(t, tc.input)
			if err != nil {
				t.Fatalf("%v\noutput:\n%s", err, out)
			}
			for k, v := range tc.want {
				if answers[k] != v {
					t.Errorf("%s = %v; want %v", k, answers[k], v)
				}
			}
		})
	}
}

// TestAccessibleRejectedThenEOF: the end of input after a rejected answer is
// the script's mistake, not a wish for the default.
func TestAccessibleRejectedThenEOF(t *testing.T) {
	for _, tc := range []struct{ name, input, want string }{
		{"bucket", "\nBad_Bucket\n", `s3_bucket "Bad_Bucket": bucket names use only lowercase letters, digits, dots and hyphens (and the input ended there)`},
		{"bucket without a newline", "\nBad_Bucket", `s3_bucket "Bad_Bucket": bucket names use only lowercase letters, digits, dots and hyphens (and the input ended there)`},
		{"choice", "\n\n\n7\n", `kind "7": choose one of web, worker (and the input ended there)`},
		{"twice rejected", "\nBad_Bucket\nAlso_Bad\n", `s3_bucket "Also_Bad": bucket names`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, out, err := resolveAccessible(t, tc.input)
			var problems generator.Problems
			if !errors.As(err, &problems) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v; want problems starting %q\noutput:\n%s", err, tc.want, out)
			}
		})
	}
}

// TestAccessibleShowsRejection: the person hears why the answer was refused,
// then the question again.
func TestAccessibleShowsRejection(t *testing.T) {
	_, out, err := resolveAccessible(t, "\nBad_Bucket\ngood-bucket\n")
	if err != nil {
		t.Fatal(err)
	}
	rule := `s3_bucket "Bad_Bucket": bucket names use only lowercase`
	i := strings.Index(out, rule)
	if i < 0 || !strings.Contains(out[i:], "S3 bucket for build artifacts") {
		t.Errorf("want %q, then the question again; output:\n%s", rule, out)
	}
}

// TestAccessibleLongLine: an answer line is read whole or not at all. huh's
// Scanner gave up on a line over 64 KiB: the question took its default and
// the rest of the line became the next question's answer (issue 15.9). Now a
// line over maxAnswerLine is one error naming the question and the bound.
func TestAccessibleLongLine(t *testing.T) {
	long := strings.Repeat("a", 100<<10)
	for _, tc := range []struct{ name, input string }{
		{"first question", long + "\nbucket\n"},
		{"second question", "acme\n" + long + "\n"},
		{"without a newline", long},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answers, out, err := resolveAccessible(t, tc.input)
			q := "github_username"
			if strings.HasPrefix(tc.input, "acme\n") {
				q = "s3_bucket"
			}
			want := q + ": the answer is longer than 16384 bytes, the most gomicro reads for one answer"
			if err == nil || err.Error() != want {
				t.Fatalf("error %.200v (answers %.200v); want %q", err, answers, want)
			}
			if strings.Contains(out, "aaaa") {
				t.Errorf("the output echoes the long line: %.200q", out)
			}
		})
	}
}
