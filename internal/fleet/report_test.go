package fleet

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/quote"
)

// The document's status is the worst project's as JSON ranks it (a
// blocked project is refused); the text's total counts a blocked project
// with the conflicts and refused and failed ones as failed, as before the
// split.
func TestRenderersRank(t *testing.T) {
	for _, tt := range []struct {
		outcomes []Outcome
		doc      string
		total    string
	}{
		{nil, "current", "2 projects: 0 failed"},
		{[]Outcome{Current, Upgraded}, "upgraded", "2 projects: 1 current, 1 upgraded, 0 failed"},
		{[]Outcome{Blocked, Unresolved}, "refused", "2 projects: 1 with conflicts, 1 failed"},
		{[]Outcome{Conflicts, Blocked}, "refused", "2 projects: 2 with conflicts, 0 failed"},
		{[]Outcome{Failed, Refused}, "failed", "2 projects: 2 failed"},
	} {
		var done []*Report
		for _, o := range tt.outcomes {
			done = append(done, &Report{Path: "p", Status: o, Answers: []Answer{}, Files: []File{}, Error: "e"})
		}
		var out bytes.Buffer
		JSON{}.End(&out, &out, done, 2, true)
		var doc struct {
			Status   string
			Projects []struct{ Status string }
		}
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatalf("%v: %v\n%s", tt.outcomes, err, out.String())
		}
		if doc.Status != tt.doc || len(doc.Projects) != len(tt.outcomes) {
			t.Errorf("%v: document %s", tt.outcomes, out.String())
		}
		out.Reset()
		Text{}.End(&out, &out, done, 2, true)
		if lines := bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")); string(lines[len(lines)-1]) != tt.total {
			t.Errorf("%v: total %q, want %q", tt.outcomes, lines[len(lines)-1], tt.total)
		}
	}
}

// A file the new render lacks because answers changed says so, quoted for
// the text and raw in JSON; a sidecar's why names the file beside it.
func TestReportFiles(t *testing.T) {
	r := &Report{Template: "service", Version: "1.0.0", Newest: "2.0.0", Answers: []Answer{{"ci", "git\x1bhub"}}}
	files := r.files([]generator.FileChange{
		{Path: "a", Action: generator.Unchanged},
		{Path: "circle.yml", Action: generator.Delete},
		{Path: "edited.yml", Action: generator.KeepEdited},
		{Path: "bin.dat", Action: generator.Sidecar},
	}, true)
	want := []struct{ action, json, text string }{
		{"removed", "not in service 2.0.0 with ci=git\x1bhub", `not in service 2.0.0 with ci="git\033hub"`},
		{"kept", "not in service 2.0.0 with ci=git\x1bhub, but you edited it", `not in service 2.0.0 with ci="git\033hub", but you edited it`},
		{"conflict", generator.Sidecar.Why() + " (new version: bin.dat.gomicro-new)", generator.Sidecar.Why()},
	}
	if len(files) != len(want) {
		t.Fatalf("files: %+v", files)
	}
	for i, w := range want {
		f := files[i]
		if f.Action != w.action || f.Why != w.json || r.why(f, quote.Name) != w.text {
			t.Errorf("%s: %s %q, text %q; want %s %q, text %q", f.Path, f.Action, f.Why, r.why(f, quote.Name), w.action, w.json, w.text)
		}
	}
}
