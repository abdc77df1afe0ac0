package generator

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// yamlFiles is the files: block as yaml.v3 writes it: the reference
// writePlainFiles must match.
func yamlFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(struct {
		Files map[string]string `yaml:"files"`
	}{files}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestWritePlainFilesAsYAML holds writePlainFiles to yaml.v3's bytes:
// every map it writes, it writes as yaml does, and it leaves to yaml what
// yaml would quote.
func TestWritePlainFilesAsYAML(t *testing.T) {
	id := BlobID([]byte("x")) // 587be6b4c3f93f93c489c0111bba5596147a26cb
	odd := []string{
		// Words, numbers and dates yaml reads as other types.
		"y", "Y", "yes", "No", "ON", "off", "true", "False", "null", "NULL", "~",
		".inf", ".NaN", ".5", ".5e3", "-.inf", "+1", "-1", "12", "0x1F", "0o17", "0b101", "1e5", "1_000",
		"2001-12-14", "12:30", "<<",
		// What yaml quotes or writes otherwise for its bytes.
		"a b", "a:b", "a #b", "#x", "é/x", "'q'", "\"q\"", "a\nb", "", "-", "-x", "?x", "!x", "&x", "*x",
		strings.Repeat("k", 128), strings.Repeat("k", 129), strings.Repeat("d/", 64) + "x",
		// Plain ones of every first byte.
		"yaml/x", "nope", "true.txt", "on/off", ".gitignore", ".github/ci.yml", ".5/x", "1/x", "-x/y", "0x1F/z",
		"2001-12-14/x", "README.md", "_x", "Z", "f2", "f10", "f010", "f0010", "a01", "a1", "a001b", "007", "7",
	}
	ids := []string{id, strings.Repeat("1", 40), "1e" + strings.Repeat("0", 38), "0b" + strings.Repeat("1", 38),
		strings.Repeat("b", 40), strings.Repeat("e", 39) + "1", strings.ToUpper(id), id[:39] + "g", "c" + strings.Repeat("0", 39)}
	check := func(t *testing.T, files map[string]string) {
		t.Helper()
		want := yamlFiles(t, files)
		var buf bytes.Buffer
		buf.WriteString("before\n")
		wrote := writePlainFiles(&buf, files)
		switch got, _ := strings.CutPrefix(buf.String(), "before\n"); {
		case wrote && got != want:
			t.Fatalf("writePlainFiles(%q) wrote\n%s\nyaml writes\n%s", files, got, want)
		case !wrote && got != "":
			t.Fatalf("writePlainFiles(%q) left it to yaml, but wrote\n%s", files, got)
		}
	}
	for _, k := range odd {
		for _, v := range ids {
			check(t, map[string]string{k: v, "main.go": id})
		}
	}
	// Random trees of paths built of digit runs and letters: the order.
	r := rand.New(rand.NewPCG(1, 2))
	seg := func() string {
		var b strings.Builder
		for range 1 + r.IntN(4) {
			switch r.IntN(4) {
			case 0:
				fmt.Fprintf(&b, "%d", r.IntN(120))
			case 1:
				b.WriteString(strings.Repeat("0", r.IntN(3)) + fmt.Sprint(r.IntN(12)))
			case 2:
				b.WriteString([]string{"a", "B", "f", "z", "_", ".", "-"}[r.IntN(7)])
			default:
				b.WriteString([]string{"main", "go", "Dir", "x", "README"}[r.IntN(5)])
			}
		}
		return b.String()
	}
	plain := 0
	for range 3000 {
		files := map[string]string{}
		for range 1 + r.IntN(25) {
			p := seg()
			for range r.IntN(3) {
				p += "/" + seg()
			}
			files[p] = id
			if r.IntN(50) == 0 {
				files[odd[r.IntN(len(odd))]] = ids[r.IntN(len(ids))]
			}
		}
		check(t, files)
		if writePlainFiles(new(bytes.Buffer), files) {
			plain++
		}
	}
	if plain < 2000 {
		t.Errorf("only %d of 3000 random trees written by hand: the check compares too little", plain)
	}
	// A project's own paths are written plain.
	golden := map[string]string{".circleci/config.yml": id, ".gitignore": id, "README.md": id, "go.mod": id, "main.go": id, "billing.local.conf": id, "scripts/build.sh": id}
	if !writePlainFiles(new(bytes.Buffer), golden) {
		t.Errorf("a service's paths are not written plain")
	}
	check(t, golden)
}

func BenchmarkManifestMarshal(b *testing.B) {
	m := &Manifest{Format: manifestFormat, Template: "scale", Source: "file:///t", Version: "1.0.0", Files: map[string]string{}, Executable: []string{}}
	for i := range 5000 {
		m.Files[fmt.Sprintf("d%d/f%d.txt", i%50, i)] = BlobID(fmt.Append(nil, i))
	}
	for b.Loop() {
		if _, err := m.marshal(); err != nil {
			b.Fatal(err)
		}
	}
}
