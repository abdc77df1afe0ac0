package propose

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestMessage writes the message of upgrades, re-renders, conflicts and
// names that try to break out of their line.
func TestMessage(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    Summary
		want string
	}{{
		name: "an upgrade",
		s: Summary{Template: "service", From: "2.0.0", To: "2.1.0", Files: []File{
			{".gomicro.yml", "updated"}, {"main.go", "merged"}, {"ci.yml", "added"}, {"old.sh", "removed"},
		}},
		want: "gomicro: upgrade service 2.0.0 -> 2.1.0\n\n" +
			"updated  .gomicro.yml\n" +
			"merged   main.go\n" +
			"added    ci.yml\n" +
			"removed  old.sh\n",
	}, {
		name: "answers changed",
		s: Summary{Template: "service", From: "2.1.0", To: "2.1.0", Answers: []string{"ci=github", "s3_bucket=b"},
			Files: []File{{".circleci/config.yml", "removed"}, {".github/workflows/ci.yml", "added"}}},
		want: "gomicro: re-render service 2.1.0 with ci=github, s3_bucket=b\n\n" +
			"removed  .circleci/config.yml\n" +
			"added    .github/workflows/ci.yml\n",
	}, {
		name: "no files",
		s:    Summary{Template: "service", From: "1.0.0", To: "1.0.0"},
		want: "gomicro: re-render service 1.0.0\n",
	}, {
		name: "conflicts",
		s: Summary{Template: "service", From: "2.0.0", To: "2.1.0", Files: []File{
			{"main.go", "conflict"}, {"Makefile", "kept"}, {"go.mod", "conflict"},
		}},
		want: "gomicro: upgrade service 2.0.0 -> 2.1.0\n\n" +
			"conflict  main.go\n" +
			"kept      Makefile\n" +
			"conflict  go.mod\n" +
			"\n" + resolve,
	}, {
		name: "a long subject is cut",
		s:    Summary{Template: "service", From: "2.1.0", To: "2.1.0", Answers: []string{"description=" + strings.Repeat("word ", 20)}},
		want: "gomicro: re-render service 2.1.0 with description=word word word word...\n",
	}, {
		name: "nothing breaks the subject line",
		s: Summary{Template: "svc\n\nSigned-off-by: x\x1b[31m", From: "1\r0", To: "2\u202e0", Files: []File{
			{"a\nb", "added"}, {"odd \"name\"", "added"}, {"plain name", "added"},
		}},
		want: "gomicro: upgrade svc  Signed-off-by: x[31m 1 0 -> 20\n\n" +
			"added  \"a\\nb\"\n" +
			"added  \"odd \\\"name\\\"\"\n" +
			"added  plain name\n",
	}} {
		t.Run(tt.name, func(t *testing.T) {
			got := Message(tt.s)
			if got != tt.want {
				t.Errorf("Message:\n%s\nwant:\n%s", got, tt.want)
			}
			subject, _, _ := strings.Cut(got, "\n")
			if n := utf8.RuneCountInString(subject); n > maxSubject {
				t.Errorf("subject of %d characters: %q", n, subject)
			}
		})
	}
}

// TestMessageSubjectLength cuts subjects at every length around the
// limit, in bytes and in characters.
func TestMessageSubjectLength(t *testing.T) {
	for n := 50; n < 90; n++ {
		for _, c := range []string{"x", "é", "界"} {
			s := Summary{Template: strings.Repeat(c, n), From: "1.0.0", To: "2.0.0"}
			subject, _, _ := strings.Cut(Message(s), "\n")
			full := "gomicro: upgrade " + s.Template + " 1.0.0 -> 2.0.0"
			switch chars := utf8.RuneCountInString(full); {
			case chars <= maxSubject && subject != full:
				t.Errorf("%d × %q: subject %q, want %q uncut", n, c, subject, full)
			case chars > maxSubject && (utf8.RuneCountInString(subject) > maxSubject || !strings.HasSuffix(subject, "...")):
				t.Errorf("%d × %q: subject %q, want at most %d characters ending in ...", n, c, subject, maxSubject)
			case !utf8.ValidString(subject):
				t.Errorf("%d × %q: subject %q is not UTF-8", n, c, subject)
			}
		}
	}
}
