package generator_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/gomicro/gomicro/generator"
)

func TestReadAnswersFile(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       map[string]string
		manifest   bool
		err        string
	}{
		{"plain", "owner: 0123\nkind: worker\n", map[string]string{"owner": "0123", "kind": "worker"}, false, ""},
		{"empty", "", map[string]string{}, false, ""},
		{"manifest", "format: 1\ntemplate: t\nanswers:\n  name: other\n  owner: acme\nfiles: {}\n", map[string]string{"name": "other", "owner": "acme"}, true, ""},
		{"list", "- a\n", nil, false, "line 1: want a map of question to answer, as in github_username: acme"},
		{"nested", "owner:\n  x: y\n", nil, false, "line 1: owner: want one value, as in owner: text"},
		{"twice", "owner: a\nowner: b\n", nil, false, "line 2: owner is answered twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, manifest, err := generator.ReadAnswersFile([]byte(tc.data))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || manifest != tc.manifest || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, %v, %v; want %v, %v", got, manifest, err, tc.want, tc.manifest)
			}
		})
	}
}

// Another project's answers come without its name and without the answers
// that were its defaults, so that those are this project's defaults again.
func TestForAnotherProject(t *testing.T) {
	tmpl := mustLoad(t, tree(minimal+`questions:
  - name: name
    default: oddjob
  - name: owner
    default: nobody
  - name: module
    default: example.com/{{ .owner }}/{{ .name }}
  - name: bucket
    default: "{{ .owner }}-artifacts"
`, nil))
	recorded := map[string]string{"name": "first", "owner": "acme", "module": "example.com/acme/first",
		"bucket": "shared", "colour": "blue"}
	got, err := tmpl.ForAnotherProject(context.Background(), recorded)
	want := map[string]string{"owner": "acme", "bucket": "shared", "colour": "blue"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ForAnotherProject = %v, %v; want %v", got, err, want)
	}
}
