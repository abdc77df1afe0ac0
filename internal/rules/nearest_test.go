package rules

import "testing"

func TestNearest(t *testing.T) {
	names := []string{"name", "github_username", "s3_bucket", "module", "kind", "ci", "s3_region"}
	for _, c := range []struct{ word, want string }{
		{"knd", "kind"},
		{"kidn", "kind"},
		{"nmae", "name"},
		{"github_user", "github_username"},
		{"s3_buckets", "s3_bucket"},
		{"s3", "s3_bucket"}, // a prefix: the first name it begins
		{"c", ""},           // one edit from too much to mean anything
		{"region", ""},      // four edits from s3_region
		{"zzzzzz", ""},
		{"", ""},
	} {
		if got := Nearest(c.word, names); got != c.want {
			t.Errorf("Nearest(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}
