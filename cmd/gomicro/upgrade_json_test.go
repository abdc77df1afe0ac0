package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/gittest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// upgradeDoc is the JSON document of upgrade --json as the contract of
// issue 17 spells it, decoded with no field left over.
type upgradeDoc struct {
	Status   string           `json:"status"`
	Projects []upgradeProject `json:"projects"`
}

type upgradeProject struct {
	Path           string `json:"path"`
	Template       string `json:"template"`
	Source         string `json:"source"`
	Version        string `json:"version"`
	Revision       string `json:"revision"`
	Newest         string `json:"newest"`
	NewestRevision string `json:"newest_revision"`
	Status         string `json:"status"`
	Answers        []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"answers"`
	Files    []upgradeFile `json:"files"`
	Branch   string        `json:"branch"`
	Commit   string        `json:"commit"`
	Proposed string        `json:"proposed"`
	Error    string        `json:"error"`
}

type upgradeFile struct {
	Path   string `json:"path"`
	Action string `json:"action"`
	Why    string `json:"why"`
}

// upgradeJSON runs gomicro args (which hold --json) in this process and
// decodes its stdout, which must be one JSON document and nothing else,
// every key of the contract present (answers and files as [] when empty),
// error only with refused or failed, nothing of --commit.
func upgradeJSON(t *testing.T, args ...string) (int, upgradeDoc, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	status := run(args, IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	dec := json.NewDecoder(bytes.NewReader(out.Bytes()))
	dec.DisallowUnknownFields()
	var doc upgradeDoc
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is no upgrade document: %v\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	if rest := bytes.TrimSpace(out.Bytes()[dec.InputOffset():]); len(rest) > 0 {
		t.Fatalf("stdout holds more than the document:\n%s", out.String())
	}
	var raw struct{ Projects []map[string]json.RawMessage }
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for i, p := range raw.Projects {
		for _, key := range []string{"path", "template", "source", "version", "revision", "newest", "newest_revision", "status", "answers", "files"} {
			if _, ok := p[key]; !ok {
				t.Errorf("project %d has no %q: %s", i, key, out.String())
			}
		}
		for _, key := range []string{"answers", "files"} {
			if !bytes.HasPrefix(p[key], []byte("[")) {
				t.Errorf("project %d: %q is %s, want a list", i, key, p[key])
			}
		}
		for _, key := range []string{"branch", "commit", "proposed"} {
			if _, ok := p[key]; ok {
				t.Errorf("project %d has %q without --commit", i, key)
			}
		}
		failed := doc.Projects[i].Status == "refused" || doc.Projects[i].Status == "failed"
		if _, ok := p["error"]; ok != failed {
			t.Errorf("project %d (%s): error present %v", i, doc.Projects[i].Status, ok)
		}
	}
	return status, doc, errOut.String()
}

// makeProject runs gomicro new name in dir from template tpl, with more
// flags, failing the test if it fails.
func makeProject(t *testing.T, dir, name, tpl string, flags ...string) string {
	t.Helper()
	args := append([]string{"new", name, "--non-interactive", "--output", dir, "--template", tpl}, flags...)
	if status, _, stderr := gomicroIn(t, args...); status != 0 {
		t.Fatalf("new %s: exit %d\n%s", name, status, stderr)
	}
	return filepath.Join(dir, name)
}

// Every status upgrade --json can give, one project each, in one command:
// the projects in the order given, the document's status the worst, the
// exit status as without --json, nothing on stderr.
func TestUpgradeJSONStatuses(t *testing.T) {
	gittest.Isolate(t)
	dir := t.TempDir()
	v1, v2 := fleetTemplates(t, dir)
	cur := makeProject(t, dir, "cur", v2)
	clean := makeProject(t, dir, "clean", v1)
	clash := makeProject(t, dir, "clash", v1)
	treetest.WriteDir(t, clash, map[string]string{"shared.txt": "one\ntwo\nthree (team)\n"})
	gitIn(t, clash, "commit", "-qam", "team edit")
	// unres holds the markers of an earlier upgrade, committed.
	unres := makeProject(t, dir, "unres", v1)
	treetest.WriteDir(t, unres, map[string]string{"shared.txt": "one\ntwo\nthree (team)\n"})
	gitIn(t, unres, "commit", "-qam", "team edit")
	if status, _, stderr := gomicroIn(t, "upgrade", unres, "--template", v2); status != 1 {
		t.Fatalf("upgrade unres: exit %d\n%s", status, stderr)
	}
	gitIn(t, unres, "add", "-A")
	gitIn(t, unres, "commit", "-qm", "markers and all")
	dirty := makeProject(t, dir, "dirty", v1)
	treetest.WriteDir(t, dirty, map[string]string{"name.txt": "uncommitted\n"})
	blocked := makeProject(t, dir, "blocked", v1, "--no-git")
	// blocked: no base to merge the team's edit with, and the sidecar's
	// name is taken.
	treetest.WriteDir(t, blocked, map[string]string{"shared.txt": "one\ntwo\nthree (team)\n", "shared.txt.gomicro-new": "the team's notes\n"})
	broken := filepath.Join(dir, "broken")
	if err := os.Mkdir(broken, 0o755); err != nil {
		t.Fatal(err)
	}

	status, doc, stderr := upgradeJSON(t, "upgrade", "--json", "--template", v2, cur, clean, clash, unres, dirty, blocked, broken)
	if status != 1 || stderr != "" {
		t.Errorf("exit status %d, want 1; stderr:\n%s", status, stderr)
	}
	if doc.Status != "failed" {
		t.Errorf("document status %q, want failed", doc.Status)
	}
	want := []struct {
		path, status string
		files        []upgradeFile
		error        string
	}{
		{cur, "current", nil, ""},
		{clean, "upgraded", []upgradeFile{{"shared.txt", "updated", ""}}, ""},
		{clash, "conflicts", []upgradeFile{{"shared.txt", "conflict", "both changed the same lines: resolve the markers"}}, ""},
		{unres, "unresolved", []upgradeFile{{"shared.txt", "conflict", "an earlier upgrade's conflict markers: resolve them and commit"}}, ""},
		{dirty, "refused", nil, "uncommitted changes ( M name.txt); commit or stash them first, or pass --force"},
		{blocked, "refused", []upgradeFile{{"shared.txt", "conflict", "shared.txt.gomicro-new exists with other content, which is yours now: merge it into shared.txt and remove it, then upgrade again"}}, "1 path in the way; nothing changed"},
		{broken, "failed", nil, "no .gomicro.yml: not a project generated by gomicro"},
	}
	if len(doc.Projects) != len(want) {
		t.Fatalf("%d projects, want %d: %+v", len(doc.Projects), len(want), doc.Projects)
	}
	for i, w := range want {
		p := doc.Projects[i]
		if p.Path != w.path || p.Status != w.status || p.Error != w.error || !slices.Equal(p.Files, w.files) && len(p.Files)+len(w.files) > 0 {
			t.Errorf("project %d:\n got %s %s %+v %q\nwant %s %s %+v %q", i, p.Path, p.Status, p.Files, p.Error, w.path, w.status, w.files, w.error)
		}
		if w.status == "failed" {
			continue
		}
		newest := "2.0.0"
		if p.Path == dirty {
			newest = "" // refused before the template was opened
		}
		m := readManifest(t, w.path)
		if p.Template != "demo" || p.Newest != newest || w.status != "upgraded" && w.status != "conflicts" && (p.Source != m.Source || p.Version != m.Version || p.Revision != m.Revision) {
			t.Errorf("%s: template %q source %q version %q revision %q newest %q; .gomicro.yml: %q %q %q", p.Path, p.Template, p.Source, p.Version, p.Revision, p.Newest, m.Source, m.Version, m.Revision)
		}
	}
	if p := doc.Projects[1]; p.Version != "1.0.0" || p.Source != v1 {
		t.Errorf("clean: recorded %q %q, want %q 1.0.0 (as before the upgrade)", p.Source, p.Version, v1)
	}
}

// --check --json and --dry-run --json: behind, with the files and the
// answers that would change; stdout holds the document alone (no diff).
func TestUpgradeJSONCheckDryRun(t *testing.T) {
	gittest.Isolate(t)
	dir := t.TempDir()
	_, v2 := fleetTemplates(t, dir)
	p := makeProject(t, dir, "svc", v2)
	before := treetest.SnapshotDir(t, p)
	for _, mode := range []string{"--check", "--dry-run"} {
		status, doc, stderr := upgradeJSON(t, "upgrade", p, mode, "--json", "--set", "name=renamed")
		if status != 1 || stderr != "" {
			t.Errorf("%s: exit status %d, want 1; stderr:\n%s", mode, status, stderr)
		}
		if len(doc.Projects) != 1 {
			t.Fatalf("%s: %+v", mode, doc)
		}
		got := doc.Projects[0]
		if doc.Status != "behind" || got.Status != "behind" || got.Version != "2.0.0" || got.Newest != "2.0.0" ||
			len(got.Answers) != 1 || got.Answers[0].Name != "name" || got.Answers[0].Value != "renamed" ||
			!slices.Equal(got.Files, []upgradeFile{{"name.txt", "updated", ""}}) {
			t.Errorf("%s: %+v", mode, doc)
		}
	}
	treetest.Equal(t, "after --check and --dry-run", treetest.SnapshotDir(t, p), before)
}

// Issue 17, part 5: upgrade --check --json over a directory of clones
// gives each project's template, recorded and newest version, and status;
// one that cannot be checked (its template is gone, or it is no project)
// is an entry with its error, not the end of the run. The exit status is
// --check's: 2, one could not be checked. And the jq line of docs/json.md
// makes it a table.
func TestUpgradeCheckJSONFleet(t *testing.T) {
	gittest.Isolate(t)
	dir := t.TempDir()
	clones := filepath.Join(dir, "clones")
	tpl := func(name, version string) string {
		path := filepath.Join(dir, name)
		treetest.WriteDir(t, path, map[string]string{
			"template.yaml": "name: " + name + "\nversion: " + version + "\nquestions:\n  - name: name\n    default: x\n",
			"a.txt":         version + "\n",
		})
		return path
	}
	makeProject(t, clones, "svc-a", tpl("api", "1.0.0"))
	tpl("api", "1.1.0") // released since svc-a was made
	makeProject(t, clones, "svc-b", tpl("worker", "2.0.0"))
	makeProject(t, clones, "svc-c", tpl("gone", "1.0.0"))
	if err := os.RemoveAll(filepath.Join(dir, "gone")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(clones, "notes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if doc := readFile(t, filepath.Join("..", "..", "docs", "json.md")); !strings.Contains(doc, "jq -r '"+jqTable+"'") {
		t.Errorf("docs/json.md does not give the jq line %q", jqTable)
	}
	t.Chdir(clones)
	args := []string{"upgrade", "--check", "--json", "notes/", "svc-a/", "svc-b/", "svc-c/"}
	status, doc, stderr := upgradeJSON(t, args...)
	if status != 2 || stderr != "" {
		t.Errorf("exit status %d, want 2; stderr:\n%s", status, stderr)
	}
	var got []string
	for _, p := range doc.Projects {
		got = append(got, strings.Join([]string{p.Path, p.Template, p.Version, p.Newest, p.Status}, " "))
	}
	want := []string{"notes/    failed", "svc-a/ api 1.0.0 1.1.0 behind", "svc-b/ worker 2.0.0 2.0.0 current", "svc-c/ gone 1.0.0  failed"}
	if doc.Status != "failed" || !slices.Equal(got, want) {
		t.Errorf("status %s, projects:\n%s\nwant:\n%s", doc.Status, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if e := doc.Projects[3].Error; !strings.Contains(e, "the project's template; pass --template to use another") {
		t.Errorf("svc-c's error: %q", e)
	}

	jq, ok := testtool.Find("jq")
	if !ok {
		t.Skip("jq not on PATH: the jq line of docs/json.md is not tried")
	}
	var out bytes.Buffer
	run(args, IO{In: strings.NewReader(""), Out: &out, Err: &out})
	cmd := exec.Command(jq, "-r", jqTable)
	cmd.Stdin = &out
	table, err := cmd.Output()
	if err != nil {
		t.Fatalf("jq: %v", err)
	}
	wantTable := "notes/\t\t\t\tfailed\nsvc-a/\tapi\t1.0.0\t1.1.0\tbehind\nsvc-b/\tworker\t2.0.0\t2.0.0\tcurrent\nsvc-c/\tgone\t1.0.0\t\tfailed\n"
	if string(table) != wantTable {
		t.Errorf("jq table:\n%s\nwant:\n%s", table, wantTable)
	}
}

// jqTable is the jq program docs/json.md gives.
const jqTable = `.projects[] | [.path, .template, .version, .newest, .status] | @tsv`
