package templates_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/rules"
	"github.com/gomicro/gomicro/internal/testkit/configcheck"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// checkBuild builds the archives with the project's build (scripts/build.sh,
// or GoReleaser through configcheck.GoReleaserCheck: goreleaser check, then
// the snapshot release CI runs, twice) and checks them with
// configcheck.CheckArchives: in ./dist exactly one NAME_SHA6_OS_ARCH.tar.gz
// per target (.zip for windows, holding NAME.exe), each holding the binary
// and NAME.local.conf, root-owned and dated the commit's time, and
// NAME_SHA6_checksums.txt listing their SHA-256. With again, a second build
// of the same commit (build.sh into another ARTIFACTS_DIR, or another
// snapshot) must make the same checksums. It returns the binary built for
// this machine, if any.
func checkBuild(ctx context.Context, t *testing.T, dir string, env []string, build, binName, sha6 string, targets []string, again bool) []byte {
	var platforms []rules.Platform
	for _, target := range targets {
		goos, goarch, _ := strings.Cut(target, "/")
		platforms = append(platforms, rules.Platform{OS: goos, Arch: goarch})
	}
	if build == "goreleaser" {
		if got := configcheck.GoReleaserCheck(t, dir, again); got != sha6 {
			t.Errorf("GoReleaser built from %s, want the commit %s", got, sha6)
		}
		// GoReleaserCheck has checked the archives; read this machine's binary.
		for _, p := range platforms {
			if p.OS != runtime.GOOS || p.Arch != runtime.GOARCH {
				continue
			}
			entries, err := configcheck.ReadArchive(filepath.Join(dir, "dist", configcheck.ArchiveName(binName, sha6, p)))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.Name == configcheck.BinaryName(binName, p.OS) {
					return e.Data
				}
			}
		}
		return nil
	}

	// Either build writes to ./dist: ARTIFACTS_DIR is unset (ProjectEnv
	// drops it), and GoReleaser's dist is ./dist. The dates come from the
	// commit: ProjectEnv drops a SOURCE_DATE_EPOCH of this machine's too.
	sums := configcheck.ChecksumsName(binName, sha6)
	var want []string
	for _, p := range platforms {
		want = append(want, configcheck.ArchiveName(binName, sha6, p))
	}
	printed := strings.Fields(run(ctx, t, dir, env, "scripts/build.sh"))
	var wantPrinted []string
	for _, name := range append(slices.Clone(want), sums) {
		wantPrinted = append(wantPrinted, "dist/"+name)
	}
	if !slices.Equal(printed, wantPrinted) {
		t.Errorf("scripts/build.sh printed\n%s\nwant\n%s", strings.Join(printed, "\n"), strings.Join(wantPrinted, "\n"))
	}
	hostBinary, checksums := configcheck.CheckArchives(t, configcheck.Archives{
		Project: dir, Dir: filepath.Join(dir, "dist"),
		Name: binName, Version: sha6, Targets: platforms,
		ModTime: configcheck.CommitTime(t, dir, env),
	})
	// build.sh writes nothing else.
	if entries, _ := os.ReadDir(filepath.Join(dir, "dist")); len(entries) != len(want)+1 {
		t.Errorf("dist holds %d entries, want only the %d archives and %s", len(entries), len(want), sums)
	}

	if !again {
		return hostBinary
	}
	// The same commit again, elsewhere, the configs' modes and dates
	// disturbed: the same archives, byte for byte.
	second := t.TempDir()
	restore := configcheck.DisturbConfigs(t, dir, binName)
	run(ctx, t, dir, append(slices.Clip(env), "ARTIFACTS_DIR="+second), "scripts/build.sh")
	restore()
	if got, err := os.ReadFile(filepath.Join(second, sums)); err != nil {
		t.Errorf("second build: %v", err)
	} else if !bytes.Equal(got, checksums) {
		t.Errorf("a second build of the same commit made other archives: %s was\n%s\nand is now\n%s", sums, checksums, got)
	} else {
		configcheck.VerifyChecksums(t, second, sums)
		t.Logf("a second build made the same archives: %s", sums)
	}
	return hostBinary
}

// checkDirtyBuild builds a clone of the project in dir with main.go edited
// and not committed, as a developer does before committing: the archives
// are named SHA6-dirty (their checksums file too), the binary built for
// this machine prints SHA6-dirty for -version, as a plain go build of the
// same tree does, and scripts/upload.sh takes SHA6-dirty for the version,
// so it uploads those archives.
func checkDirtyBuild(ctx context.Context, t *testing.T, dir string, env []string, build, binName, sha6 string, host rules.Platform) {
	clone := filepath.Join(t.TempDir(), binName)
	run(ctx, t, filepath.Dir(clone), env, "git", "clone", "-q", dir, clone)
	mainGo := filepath.Join(clone, "main.go")
	src, err := os.ReadFile(mainGo)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mainGo, append(src, "\n// An edit, not committed yet.\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	want := sha6 + "-dirty"
	out := filepath.Join(clone, "dist")
	if build == "goreleaser" {
		goreleaser := testtool.Require(t, "goreleaser", configcheck.GoReleaserInstall)
		run(ctx, t, clone, env, goreleaser, "release", "--snapshot", "--clean")
	} else {
		out = t.TempDir()
		printed := run(ctx, t, clone, append(slices.Clip(env), "ARTIFACTS_DIR="+out), "scripts/build.sh")
		if !strings.Contains(printed, "/"+configcheck.ChecksumsName(binName, want)+"\n") {
			t.Errorf("scripts/build.sh with main.go edited printed\n%s\nwant the archives of %s", printed, want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, configcheck.ChecksumsName(binName, want))); err != nil {
		t.Errorf("with main.go edited, the build wrote no %s: %v", configcheck.ChecksumsName(binName, want), err)
	}
	entries, err := configcheck.ReadArchive(filepath.Join(out, configcheck.ArchiveName(binName, want, host)))
	if err != nil {
		t.Fatalf("with main.go edited: %v", err)
	}
	var binary []byte
	for _, e := range entries {
		if e.Name == configcheck.BinaryName(binName, host.OS) {
			binary = e.Data
		}
	}
	if binary == nil {
		t.Fatalf("%s holds no %s", configcheck.ArchiveName(binName, want, host), configcheck.BinaryName(binName, host.OS))
	}
	bin := filepath.Join(t.TempDir(), binName)
	testtool.WriteExecutable(t, bin, binary)
	if got := strings.TrimSpace(run(ctx, t, clone, env, bin, "-version")); got != want {
		t.Errorf("built with main.go edited, %s -version = %q, want %q as the archives are named", binName, got, want)
	}
	if got := run(ctx, t, clone, env, "bash", "-c", "source scripts/upload.sh && artifact_version"); got != want {
		t.Errorf("with main.go edited, scripts/upload.sh takes the version %q, want %q", got, want)
	}
}
