package templates_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/configcheck"
)

// checkBuild builds the archives with the project's build (scripts/build.sh,
// or GoReleaser through configcheck.GoReleaserCheck: goreleaser check, then
// the snapshot release CI runs) and checks them: exactly one
// NAME_SHA6_OS_ARCH.tar.gz per target in ./dist, each holding the binary and
// NAME.local.conf. It returns the binary built for this machine, if any.
func checkBuild(ctx context.Context, t *testing.T, dir string, env []string, build, binName, sha6 string, targets []string) []byte {
	// Either build writes to ./dist: CIRCLE_ARTIFACTS is unset (ProjectEnv
	// drops it), and GoReleaser's dist is ./dist.
	var want []string
	for _, target := range targets {
		goos, goarch, _ := strings.Cut(target, "/")
		want = append(want, fmt.Sprintf("%s_%s_%s_%s.tar.gz", binName, sha6, goos, goarch))
	}
	if build == "goreleaser" {
		if got := configcheck.GoReleaserCheck(t, dir); got != sha6 {
			t.Errorf("GoReleaser built from %s, want the commit %s", got, sha6)
		}
	} else {
		printed := strings.Fields(run(ctx, t, dir, env, "scripts/build.sh"))
		var wantPrinted []string
		for _, name := range want {
			wantPrinted = append(wantPrinted, "dist/"+name)
		}
		if !slices.Equal(printed, wantPrinted) {
			t.Errorf("scripts/build.sh printed\n%s\nwant\n%s", strings.Join(printed, "\n"), strings.Join(wantPrinted, "\n"))
		}
	}
	got, err := fs.Glob(os.DirFS(filepath.Join(dir, "dist")), "*.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("dist holds the archives\n%s\nwant exactly\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if build == "script" {
		// build.sh writes nothing else; GoReleaser adds its builds and metadata.
		if entries, _ := os.ReadDir(filepath.Join(dir, "dist")); len(entries) != len(want) {
			t.Errorf("dist holds %d entries, want only the %d archives", len(entries), len(want))
		}
	}

	wantFiles := []string{binName, binName + ".local.conf"}
	slices.Sort(wantFiles)
	var hostBinary []byte
	host := runtime.GOOS + "/" + runtime.GOARCH
	for i, name := range want {
		files := readArchive(t, filepath.Join(dir, "dist", name))
		var names []string
		for n := range files {
			names = append(names, n)
		}
		slices.Sort(names)
		if !slices.Equal(names, wantFiles) {
			t.Errorf("%s holds %v, want %v", name, names, wantFiles)
		}
		if targets[i] == host {
			hostBinary = files[binName]
		}
	}
	return hostBinary
}

// readArchive returns the regular files of a .tar.gz by name, and fails the
// test for anything that is not a regular file at the archive root.
func readArchive(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h.Typeflag != tar.TypeReg || strings.Contains(h.Name, "/") {
			t.Errorf("%s: entry %q (type %c) is not a file at the archive root", filepath.Base(path), h.Name, h.Typeflag)
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		files[h.Name] = data
	}
	return files
}
