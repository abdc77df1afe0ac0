package templates_test

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/gomicro/gomicro/internal/testkit/configcheck"
	"github.com/gomicro/gomicro/internal/testkit/registrytest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// The ko .ci/run installs, and the generated scripts/image.sh pins.
const (
	koVersion = "0.19.1"
	koInstall = "go install github.com/google/ko@v" + koVersion
)

// imageScript is the file image=ko generates.
const imageScript = "scripts/image.sh"

// imageLabels are the OCI labels scripts/image.sh sets.
const (
	labelSource   = "org.opencontainers.image.source"
	labelRevision = "org.opencontainers.image.revision"
	labelVersion  = "org.opencontainers.image.version"
)

// linuxPlatforms are the image platforms of targets: the Linux ones, 32-bit
// ARM as ARMv7 (the build's GOARM).
func linuxPlatforms(targets []string) []v1.Platform {
	var out []v1.Platform
	for _, target := range targets {
		goos, goarch, _ := strings.Cut(target, "/")
		if goos != "linux" {
			continue
		}
		p := v1.Platform{OS: goos, Architecture: goarch}
		if goarch == "arm" {
			p.Variant = "v7"
		}
		out = append(out, p)
	}
	return out
}

// checkImageSkip checks that scripts/image.sh refuses to run without
// KO_DOCKER_REPO and, with --if-configured, skips with a notice: what CI
// does before a team has chosen a registry. It needs neither ko nor a
// registry.
func checkImageSkip(ctx context.Context, t *testing.T, dir string, env []string) {
	env = append(slices.Clip(env), "KO_DOCKER_REPO=")
	out := run(ctx, t, dir, env, "bash", imageScript, "--if-configured")
	if !strings.HasPrefix(out, "image skipped: KO_DOCKER_REPO is not set") {
		t.Errorf("%s --if-configured without KO_DOCKER_REPO printed %q, want a notice", imageScript, out)
	}
	cmd := exec.CommandContext(ctx, "bash", imageScript)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "set KO_DOCKER_REPO") {
		t.Errorf("%s without KO_DOCKER_REPO: %v, %q; want a failure that names KO_DOCKER_REPO", imageScript, err, out)
	}
}

// checkImage publishes the project's image with scripts/image.sh, as CI
// does, to a real registry (docker-registry on 127.0.0.1), built with ko
// on a base image the test pushes there first (KO_DEFAULTBASEIMAGE: the
// test never pulls the default base from the internet), the commit tagged
// v0.1.0. Then it reads the image back with go-containerregistry: one
// index, tagged with the commit's short SHA and with the git tag, holding
// exactly one image per Linux target; each with the OCI labels source,
// revision (the commit) and version (the short SHA), a non-root user; and
// the binary of this machine's image, extracted and run, prints the short
// SHA for -version. With build=goreleaser, `goreleaser release` of the tag
// then publishes it too, through kos (checkGoReleaserImage).
func checkImage(ctx context.Context, t *testing.T, dir string, env []string, binName, owner, sha6 string, targets []string) {
	ko := testtool.Require(t, "ko", koInstall)
	reg := registrytest.Start(t)
	platforms := linuxPlatforms(targets)
	if len(platforms) == 0 {
		t.Fatalf("no Linux target in %v: nothing to build an image of", targets)
	}
	base := reg.Host + "/base:nonroot"
	if err := registrytest.PushBase(ctx, base, platforms); err != nil {
		t.Fatalf("pushing the base image %s: %v", base, err)
	}
	repo := reg.Host + "/" + binName
	const release = "v0.1.0"
	run(ctx, t, dir, env, "git", "-c", "tag.gpgSign=false", "tag", release)
	rev := strings.TrimSpace(run(ctx, t, dir, env, "git", "rev-parse", "HEAD"))
	env = append(slices.Clip(env),
		"PATH="+filepath.Dir(ko)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KO_DOCKER_REPO="+repo, "KO_DEFAULTBASEIMAGE="+base,
		"DOCKER_CONFIG="+t.TempDir(), // no one's registry logins
		"CIRCLE_TAG=", "GITHUB_REF_TYPE=", "REGISTRY_USERNAME=", "REGISTRY_PASSWORD=",
	)
	printed := strings.Fields(run(ctx, t, dir, env, imageScript))

	labels := map[string]string{
		labelSource:   "https://github.com/" + owner + "/" + binName,
		labelRevision: rev,
		labelVersion:  sha6,
	}
	digest := checkPushed(ctx, t, dir, env, repo, binName, []string{sha6, release}, platforms, labels, sha6)
	if want := []string{repo + "@" + digest, repo + ":" + sha6, repo + ":" + release}; !slices.Equal(printed, want) {
		t.Errorf("%s printed\n%s\nwant\n%s", imageScript, strings.Join(printed, "\n"), strings.Join(want, "\n"))
	}

	if set := projectAnswers(t, os.DirFS(dir)); set["build"] == "goreleaser" {
		checkGoReleaserImage(ctx, t, dir, env, reg.Host, base, binName, owner, rev, release, platforms)
	}
}

// checkGoReleaserImage publishes the image with `goreleaser release` of
// the tag release, through the kos section of .goreleaser.yaml, to the
// registry at host, and reads it back as checkImage does: tagged with the
// short SHA and the tag, its version label and its binary's -version the
// tag without its v, as GoReleaser's .Version. One change is made to the
// config, in a copy outside the project (which stays clean, as a release
// needs): its base_image, which GoReleaser takes from the config alone (no
// KO_DEFAULTBASEIMAGE), is the local base, so that nothing is pulled from
// the internet. DOCKER_HOST names no daemon: kos pushes to the registry.
func checkGoReleaserImage(ctx context.Context, t *testing.T, dir string, env []string, host, base, binName, owner, rev, release string, platforms []v1.Platform) {
	goreleaser := testtool.Require(t, "goreleaser", configcheck.GoReleaserInstall)
	data, err := os.ReadFile(filepath.Join(dir, configcheck.GoReleaserConfig))
	if err != nil {
		t.Fatal(err)
	}
	const defaultBase = "base_image: cgr.dev/chainguard/static\n"
	if !strings.Contains(string(data), defaultBase) {
		t.Fatalf("%s has no %q", configcheck.GoReleaserConfig, defaultBase)
	}
	config := filepath.Join(t.TempDir(), "goreleaser.yaml")
	if err := os.WriteFile(config, []byte(strings.Replace(string(data), defaultBase, "base_image: "+base+"\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := host + "/" + binName + "-goreleaser"
	env = append(slices.Clip(env), "KO_DOCKER_REPO="+repo, "DOCKER_HOST=unix://"+filepath.Join(t.TempDir(), "no-docker.sock"))
	run(ctx, t, dir, env, goreleaser, "release", "--clean", "--config", config)
	version := strings.TrimPrefix(release, "v")
	sha6 := rev[:6]
	checkPushed(ctx, t, dir, env, repo, binName, []string{sha6, release}, platforms, map[string]string{
		labelSource:   "https://github.com/" + owner + "/" + binName,
		labelRevision: rev,
		labelVersion:  version,
	}, version)
	if status := run(ctx, t, dir, env, "git", "status", "--porcelain"); status != "" {
		t.Errorf("goreleaser release left the project dirty:\n%s", status)
	}
}

// checkPushed reads back the image under repo with go-containerregistry:
// every one of tags names the same index, which holds exactly one image
// per platform, each with labels and a non-root user; the binary of this
// machine's image, extracted and run, prints version for -version. It
// returns the index's digest.
func checkPushed(ctx context.Context, t *testing.T, dir string, env []string, repo, binName string, tags []string, platforms []v1.Platform, labels map[string]string, version string) string {
	t.Helper()
	ref, err := name.ParseReference(repo + ":" + tags[0])
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(ref, remote.WithContext(ctx))
	if err != nil {
		t.Fatalf("reading back %s: %v", ref, err)
	}
	digest, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags[1:] {
		if tagRef, err := name.ParseReference(repo + ":" + tag); err != nil {
			t.Fatal(err)
		} else if d, err := remote.Head(tagRef, remote.WithContext(ctx)); err != nil {
			t.Errorf("%s: %v", tagRef, err)
		} else if d.Digest != digest {
			t.Errorf("%s is %s, want the same index as %s, %s", tagRef, d.Digest, ref, digest)
		}
	}
	manifest, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var hostImage v1.Image
	for _, m := range manifest.Manifests {
		if m.Platform == nil {
			t.Errorf("index entry %s has no platform", m.Digest)
			continue
		}
		p := *m.Platform
		got = append(got, p.String())
		img, err := idx.Image(m.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.OS != p.OS || cf.Architecture != p.Architecture {
			t.Errorf("%s: the image's config says %s/%s", p, cf.OS, cf.Architecture)
		}
		for k, v := range labels {
			if cf.Config.Labels[k] != v {
				t.Errorf("%s: label %s = %q, want %q", p, k, cf.Config.Labels[k], v)
			}
		}
		if u := cf.Config.User; u == "" || u == "0" || u == "root" || strings.HasPrefix(u, "0:") || strings.HasPrefix(u, "root:") {
			t.Errorf("%s: the image runs as user %q, want a non-root one", p, u)
		}
		if p.OS == runtime.GOOS && p.Architecture == runtime.GOARCH {
			hostImage = img
		}
	}
	var wantPlatforms []string
	for _, p := range platforms {
		wantPlatforms = append(wantPlatforms, p.String())
	}
	slices.Sort(got)
	slices.Sort(wantPlatforms)
	if !slices.Equal(got, wantPlatforms) {
		t.Errorf("the image's platforms are %v, want the Linux targets %v", got, wantPlatforms)
	}
	if hostImage == nil {
		t.Logf("no image for this machine (%s/%s): its binary is not run", runtime.GOOS, runtime.GOARCH)
		return digest.String()
	}
	data := imageEntrypoint(t, hostImage)
	bin := filepath.Join(t.TempDir(), binName)
	testtool.WriteExecutable(t, bin, data)
	if v := strings.TrimSpace(run(ctx, t, dir, env, bin, "-version")); v != version {
		t.Errorf("the image's %s -version = %q, want %q", binName, v, version)
	}
	t.Logf("%s@%s %v: tags %v, platforms, labels and non-root user checked, its %s/%s binary prints %s", repo, digest, got, tags, runtime.GOOS, runtime.GOARCH, version)
	return digest.String()
}

// imageEntrypoint returns the file the image's entrypoint runs, read from
// its flattened file system.
func imageEntrypoint(t *testing.T, img v1.Image) []byte {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if len(cf.Config.Entrypoint) == 0 {
		t.Fatal("the image has no entrypoint")
	}
	entry := strings.TrimPrefix(path.Clean(cf.Config.Entrypoint[0]), "/")
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimPrefix(path.Clean(h.Name), "/") != entry {
			continue
		}
		if h.Typeflag != tar.TypeReg {
			t.Fatalf("the entrypoint %s is not a regular file (type %q)", entry, h.Typeflag)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	t.Fatalf("the entrypoint /%s is not in the image", entry)
	return nil
}

// imageProblems checks the image=ko parts of a project against its answers:
// scripts/image.sh exactly when image=ko, pinned to the ko .ci/run installs,
// its platforms the Linux targets; README.md shows it; and the CI config
// runs it once, as the upload (never for a pull request) after the tests:
// GitHub in a job of its own that may write packages, pushing to
// the repository variable KO_DOCKER_REPO else ghcr.io/OWNER/NAME; CircleCI
// with --if-configured (no KO_DOCKER_REPO: a notice). With image=none,
// nothing of it.
func imageProblems(fsys fs.FS, data []byte, answers map[string]string) []string {
	var problems []string
	ko := answers["image"] == "ko"
	script, err := fs.ReadFile(fsys, imageScript)
	if exists := err == nil; exists != ko {
		return []string{fmt.Sprintf("image=%s: %s exists: %v", answers["image"], imageScript, exists)}
	}
	readme, _ := fs.ReadFile(fsys, "README.md")
	if strings.Contains(string(readme), imageScript) != ko {
		problems = append(problems, fmt.Sprintf("image=%s: README.md shows %s: %v", answers["image"], imageScript, !ko))
	}
	var runs []string // the CI commands that run the script
	var gh ghWorkflow
	var ghRuns []stepAt
	switch answers["ci"] {
	case "github":
		if err := yaml.Unmarshal(data, &gh); err != nil {
			return append(problems, fmt.Sprintf("YAML: %v", err))
		}
		for _, job := range slices.Sorted(maps.Keys(gh.Jobs)) {
			for i, s := range gh.Jobs[job].Steps {
				if strings.Contains(s.Run, imageScript) {
					ghRuns = append(ghRuns, stepAt{job, i, s})
					runs = append(runs, s.Run)
				}
			}
		}
	case "circleci":
		steps, err := configcheck.CircleCISteps(data)
		if err != nil {
			return append(problems, err.Error())
		}
		for _, s := range steps {
			if c := command(s); strings.Contains(c, imageScript) {
				runs = append(runs, c)
			}
		}
	}
	if !ko {
		if len(runs) != 0 {
			problems = append(problems, fmt.Sprintf("image=none, yet the CI config runs %s", imageScript))
		}
		return problems
	}
	if !strings.Contains(string(script), "KO_VERSION=v"+koVersion+"\n") {
		problems = append(problems, fmt.Sprintf("%s does not pin ko v%s (KO_VERSION), the one .ci/run installs", imageScript, koVersion))
	}
	if len(runs) != 1 {
		return append(problems, fmt.Sprintf("%d CI steps run %s, want 1", len(runs), imageScript))
	}
	owner, name := strings.ToLower(answers["github_username"]), strings.ToLower(answers["name"])
	switch answers["ci"] {
	case "github":
		s := ghRuns[0]
		job := gh.Jobs[s.job]
		if strings.TrimSpace(s.Run) != imageScript {
			problems = append(problems, fmt.Sprintf("job %s runs %q, want %s", s.job, strings.TrimSpace(s.Run), imageScript))
		}
		if expr(job.If) != ghUploadIf || s.If != "" {
			problems = append(problems, fmt.Sprintf("job %s: the image must be published as the upload is, only on pushes to the default branch and of tags (if: %s), never for a pull request; has if: %q", s.job, ghUploadIf, job.If))
		}
		if job.Permissions["packages"] != "write" || job.Permissions["contents"] != "read" || len(job.Permissions) != 2 {
			problems = append(problems, fmt.Sprintf("job %s: permissions %v, want contents: read and packages: write", s.job, job.Permissions))
		}
		if !slices.ContainsFunc(job.needs(), func(n string) bool {
			return slices.ContainsFunc(gh.Jobs[n].Steps, func(st ghStep) bool { return hasLine(st.Run, "go test -race ./...", false) })
		}) {
			problems = append(problems, fmt.Sprintf("job %s does not wait for the tests (needs: %v)", s.job, job.needs()))
		}
		if want := fmt.Sprintf("vars.KO_DOCKER_REPO || 'ghcr.io/%s/%s'", owner, name); expr(s.Env["KO_DOCKER_REPO"]) != want {
			problems = append(problems, fmt.Sprintf("job %s: KO_DOCKER_REPO is %q, want ${{ %s }}", s.job, s.Env["KO_DOCKER_REPO"], want))
		}
		if !strings.Contains(s.Env["REGISTRY_PASSWORD"], "secrets.GITHUB_TOKEN") {
			problems = append(problems, fmt.Sprintf("job %s: the push to ghcr.io does not log in with the job's token (REGISTRY_PASSWORD: %q)", s.job, s.Env["REGISTRY_PASSWORD"]))
		}
	case "circleci":
		c := runs[0]
		if !hasLine(c, imageScript+" --if-configured", false) {
			problems = append(problems, fmt.Sprintf("CircleCI runs %q, want %s --if-configured", c, imageScript))
		}
		if !hasLine(c, "if [[ -n ${CIRCLE_PR_NUMBER:-} ]]; then", false) {
			problems = append(problems, "CircleCI publishes the image for pull requests from forks too (no if [[ -n ${CIRCLE_PR_NUMBER:-} ]] guard)")
		}
	}
	return problems
}

// imagePlatformProblems checks that scripts/image.sh builds for exactly the
// Linux targets of the platforms answer.
func imagePlatformProblems(fsys fs.FS, targets []string) []string {
	script, err := fs.ReadFile(fsys, imageScript)
	if err != nil {
		return []string{err.Error()}
	}
	_, rest, ok := strings.Cut(string(script), "\nPLATFORMS=(\n")
	list, _, ok2 := strings.Cut(rest, "\n)\n")
	if !ok || !ok2 {
		return []string{imageScript + ": no PLATFORMS=( ... ) list"}
	}
	got := strings.Fields(list)
	var want []string
	for _, p := range linuxPlatforms(targets) {
		want = append(want, p.String())
	}
	if !slices.Equal(got, want) {
		return []string{fmt.Sprintf("%s builds for %v, want the Linux targets %v", imageScript, got, want)}
	}
	return nil
}
