package fleet

import (
	"encoding/json"
	"io"
)

// JSON is the report for a program: nothing while the projects run, then
// one JSON document on stdout holding every finished project (see
// docs/json.md). Its strings are raw values, never quoted for a terminal.
type JSON struct{}

// Document is the JSON document of an upgrade command.
type Document struct {
	Status   Outcome   `json:"status"` // the worst project status
	Projects []*Report `json:"projects"`
}

// Project says nothing: the document holds it.
func (JSON) Project(*Report, io.Writer, io.Writer) {}

// End writes the document of the finished projects, halted or not.
func (JSON) End(out, _ io.Writer, done []*Report, _ int, _ bool) {
	doc := Document{Status: Current, Projects: []*Report{}}
	for _, r := range done {
		doc.Status = max(doc.Status, r.Status.public())
		doc.Projects = append(doc.Projects, r)
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false) // a path with & or < is written as it is
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		panic(err) // plain strings, slices and numbers: never happens
	}
}
