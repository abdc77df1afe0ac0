package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/gittest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// A team's template, released twice. v1.1.0 changes the last line of
// README.md; an untagged commit after it (work in progress) changes the
// first, and must never be picked.
var teamReleases = []struct {
	tag    string
	readme string
}{
	{"v1.0.0", "# {{ .name }}\n\nline two\nline three\nreleased 1.0\n"},
	{"v1.1.0", "# {{ .name }}\n\nline two\nline three\nreleased 1.1\n"},
	{"", "# {{ .name }} (work in progress)\n\nline two\nline three\nreleased 1.1\n"},
}

func teamFiles(version, readme string) map[string]string {
	return map[string]string{
		"service/template.yaml":    "name: team\nversion: " + version + "\nquestions:\n  - name: name\n    default: svc\n",
		"service/README.md":        readme,
		"service/scripts/build.sh": "#!/bin/sh\necho build\n",
	}
}

func gomicroIn(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	status := run(args, IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return status, out.String(), errOut.String()
}

// teamStory is the two-release story every team template source must
// tell: new at v1.0.0, the team edits README.md, v1.1.0 is released (and
// a later commit is not), upgrade merges both changes with no git history
// in the project: the base comes from the recorded revision. The source is
// recorded without the @v1.0.0 that fixed only the first render: the
// revision and version say which release the project is at.
func teamStory(t *testing.T, srcAtV1 string, wantRevision *regexp.Regexp) {
	t.Helper()
	out := t.TempDir()
	if status, stdout, stderr := gomicroIn(t, "new", "svc", "--output", out, "--template", srcAtV1, "--non-interactive", "--no-git"); status != 0 {
		t.Fatalf("new: exit %d\n%s%s", status, stdout, stderr)
	}
	project := filepath.Join(out, "svc")
	manifest := readManifest(t, project)
	src := strings.TrimSuffix(srcAtV1, "@v1.0.0")
	if manifest.Source != src || !wantRevision.MatchString(manifest.Revision) || manifest.Version != "1.0.0" {
		t.Fatalf(".gomicro.yml: source %q revision %q version %s, want source %q", manifest.Source, manifest.Revision, manifest.Version, src)
	}
	teamEarlierProject(t, project, srcAtV1)
	if info, err := os.Stat(filepath.Join(project, "scripts", "build.sh")); err != nil || info.Mode()&0o100 == 0 {
		t.Errorf("scripts/build.sh is not executable: %v", err)
	}
	readme := filepath.Join(project, "README.md")
	edited := strings.Replace(readFile(t, readme), "line two", "line two, edited by the team", 1)
	if err := os.WriteFile(readme, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}

	status, stdout, stderr := gomicroIn(t, "upgrade", project)
	if status != 0 {
		t.Fatalf("upgrade: exit %d\n%s%s", status, stdout, stderr)
	}
	for _, want := range []string{"base: team 1.0.0 at ", "merged    README.md", "upgraded team 1.0.0 -> 1.1.0"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("upgrade output lacks %q:\n%s", want, stdout)
		}
	}
	got := readFile(t, readme)
	if want := "# svc\n\nline two, edited by the team\nline three\nreleased 1.1\n"; got != want {
		t.Errorf("README.md after the upgrade:\n%s\nwant:\n%s", got, want)
	}
	upgraded := readManifest(t, project)
	if upgraded.Version != "1.1.0" || upgraded.Revision == manifest.Revision || upgraded.Source != src {
		t.Errorf("after the upgrade: source %q revision %q version %s", upgraded.Source, upgraded.Revision, upgraded.Version)
	}
	if status, stdout, stderr := gomicroIn(t, "upgrade", "--check", project); status != 0 {
		t.Errorf("--check after the upgrade: exit %d\n%s%s", status, stdout, stderr)
	}
}

// teamEarlierProject is project as a gomicro that recorded the first
// render's @REF in the source left it: a copy whose source is srcAtV1.
// Upgrade and --check still read it, by its revision and version, and the
// upgrade records the source without the ref.
func teamEarlierProject(t *testing.T, project, srcAtV1 string) {
	t.Helper()
	earlier := filepath.Join(t.TempDir(), "svc")
	if err := os.CopyFS(earlier, os.DirFS(project)); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(earlier, generator.ManifestFile)
	data := readFile(t, name)
	withRef := strings.Replace(data, "\nsource: "+strings.TrimSuffix(srcAtV1, "@v1.0.0")+"\n", "\nsource: "+srcAtV1+"\n", 1)
	if withRef == data {
		t.Fatalf("no source line to give a ref in:\n%s", data)
	}
	if err := os.WriteFile(name, []byte(withRef), 0o644); err != nil {
		t.Fatal(err)
	}
	if status, stdout, stderr := gomicroIn(t, "upgrade", "--check", earlier); status != 1 {
		t.Errorf("--check on an earlier project at v1.0.0: exit %d, want 1 (behind)\n%s%s", status, stdout, stderr)
	}
	status, stdout, stderr := gomicroIn(t, "upgrade", earlier)
	if status != 0 || !strings.Contains(stdout, "base: team 1.0.0 at ") || !strings.Contains(stdout, "upgraded team 1.0.0 -> 1.1.0") {
		t.Errorf("upgrade of an earlier project: exit %d\n%s%s", status, stdout, stderr)
	}
	if m := readManifest(t, earlier); m.Version != "1.1.0" || m.Source != strings.TrimSuffix(srcAtV1, "@v1.0.0") {
		t.Errorf("earlier project after the upgrade: version %s, source %s; want 1.1.0 and the source without its ref", m.Version, m.Source)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func readManifest(t *testing.T, project string) *generator.Manifest {
	t.Helper()
	m, err := generator.ReadManifest([]byte(readFile(t, filepath.Join(project, generator.ManifestFile))))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// isolate keeps the test's caches and git configuration its own.
func isolate(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	gittest.Isolate(t)
}

func TestTeamTemplateFromGit(t *testing.T) {
	git := testtool.Require(t, "git", "apt-get install git")
	isolate(t)
	repo := t.TempDir()
	runGit := func(args ...string) {
		t.Helper()
		cmd := exec.Command(git, args...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	runGit("init", "-q", "-b", "main")
	for _, r := range teamReleases {
		version := strings.TrimPrefix(r.tag, "v")
		if version == "" {
			version = "1.2.0-dev"
		}
		treetest.WriteDir(t, repo, teamFiles(version, r.readme))
		os.Chmod(filepath.Join(repo, "service", "scripts", "build.sh"), 0o755)
		runGit("add", "-A")
		runGit("commit", "-q", "-m", "release "+version)
		if r.tag != "" {
			runGit("tag", r.tag)
		}
	}
	commit := regexp.MustCompile(`^[0-9a-f]{40}$`)
	t.Run("file URL", func(t *testing.T) {
		teamStory(t, "file://"+filepath.ToSlash(repo)+"//service@v1.0.0", commit)
	})
	t.Run("local path with a ref", func(t *testing.T) {
		// Recorded in its canonical form, a file:// URL, so that the
		// recorded source never reads back as a plain directory.
		out := t.TempDir()
		if status, stdout, stderr := gomicroIn(t, "new", "svc", "--output", out, "--template", repo+"//service@v1.0.0", "--non-interactive", "--no-git"); status != 0 {
			t.Fatalf("new from %s//service@v1.0.0: exit %d\n%s%s", repo, status, stdout, stderr)
		}
		if m := readManifest(t, filepath.Join(out, "svc")); m.Source != "file://"+filepath.ToSlash(repo)+"//service" || !commit.MatchString(m.Revision) || m.Version != "1.0.0" {
			t.Errorf("recorded source %q revision %q", m.Source, m.Revision)
		}
	})
	t.Run("local path with SUBDIR and no ref", func(t *testing.T) {
		// //SUBDIR says git, as after a URL: the highest tag, not the
		// work tree (which holds the untagged work in progress).
		out := t.TempDir()
		if status, stdout, stderr := gomicroIn(t, "new", "svc", "--output", out, "--template", repo+"//service", "--non-interactive", "--no-git"); status != 0 {
			t.Fatalf("new from %s//service: exit %d\n%s%s", repo, status, stdout, stderr)
		}
		project := filepath.Join(out, "svc")
		m := readManifest(t, project)
		if m.Source != "file://"+filepath.ToSlash(repo)+"//service" || !commit.MatchString(m.Revision) || m.Version != "1.1.0" {
			t.Errorf("recorded source %q revision %q version %s, want the git source at v1.1.0", m.Source, m.Revision, m.Version)
		}
		if got := readFile(t, filepath.Join(project, "README.md")); strings.Contains(got, "work in progress") {
			t.Errorf("README.md is the work tree's, not v1.1.0's:\n%s", got)
		}
	})
	t.Run("unknown ref", func(t *testing.T) {
		status, _, stderr := gomicroIn(t, "new", "svc", "--output", t.TempDir(), "--template", repo+"//service@v9", "--non-interactive", "--no-git")
		if status != 1 || !strings.Contains(stderr, `"v9"`) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("exit %d, want 1 and one line naming v9:\n%s", status, stderr)
		}
	})
}

func TestTeamTemplateFromGoModule(t *testing.T) {
	testtool.Require(t, "go", "https://go.dev/doc/install")
	isolate(t)
	const path = "example.com/acme/templates"
	proxy := t.TempDir()
	at := filepath.Join(proxy, filepath.FromSlash(path), "@v")
	gomod := "module " + path + "\n\ngo 1.22\n"
	var list []string
	for _, r := range teamReleases {
		if r.tag == "" {
			continue // a module has no untagged commits to pick
		}
		src := t.TempDir()
		treetest.WriteDir(t, src, teamFiles(strings.TrimPrefix(r.tag, "v"), r.readme))
		treetest.WriteDir(t, src, map[string]string{"go.mod": gomod})
		treetest.WriteDir(t, at, map[string]string{r.tag + ".mod": gomod, r.tag + ".info": `{"Version":"` + r.tag + `"}`})
		zf, err := os.Create(filepath.Join(at, r.tag+".zip"))
		if err != nil {
			t.Fatal(err)
		}
		if err := zip.CreateFromDir(zf, module.Version{Path: path, Version: r.tag}, src); err != nil {
			t.Fatal(err)
		}
		zf.Close()
		list = append(list, r.tag)
	}
	treetest.WriteDir(t, at, map[string]string{"list": strings.Join(list, "\n") + "\n"})
	for k, v := range map[string]string{
		"GOPROXY": "file://" + filepath.ToSlash(proxy), "GOSUMDB": "off", "GOPRIVATE": "", "GONOPROXY": "",
		"GOFLAGS": "-modcacherw", "GOMODCACHE": t.TempDir(), "GOTOOLCHAIN": "local", "GOWORK": "off",
	} {
		t.Setenv(k, v)
	}
	teamStory(t, path+"//service@v1.0.0", regexp.MustCompile(`^v1\.0\.0$`))
}
