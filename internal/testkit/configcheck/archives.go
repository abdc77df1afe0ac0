package configcheck

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomicro/gomicro/internal/rules"
)

// ArchiveName is the archive scripts/build.sh and .goreleaser.yaml make for
// one target: NAME_VERSION_OS_ARCH.tar.gz, or .zip for windows.
func ArchiveName(name, version string, p rules.Platform) string {
	ext := ".tar.gz"
	if p.OS == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("%s_%s_%s_%s%s", name, version, p.OS, p.Arch, ext)
}

// ChecksumsName is the checksums file beside the archives, named as
// GoReleaser names it: NAME_VERSION_checksums.txt.
func ChecksumsName(name, version string) string {
	return name + "_" + version + "_checksums.txt"
}

// UploadContentType is the Content-Type scripts/upload.sh stores an
// artifact with: a .tar.gz or .zip archive's, else (the checksums file)
// plain UTF-8 text.
func UploadContentType(name string) string {
	switch {
	case strings.HasSuffix(name, ".tar.gz"):
		return "application/gzip"
	case strings.HasSuffix(name, ".zip"):
		return "application/zip"
	}
	return "text/plain; charset=utf-8"
}

// BinaryName is the service's binary inside the archive for goos.
func BinaryName(name, goos string) string {
	if goos == "windows" {
		return name + ".exe"
	}
	return name
}

// Entry is one file of an archive, as the archive records it.
type Entry struct {
	Name     string
	Mode     fs.FileMode // permission bits
	UID, GID int         // -1 in a zip, which records none
	ModTime  time.Time
	Data     []byte
}

// ReadArchive returns the entries of a .tar.gz or a .zip in archive order;
// anything that is not a regular file at the archive root is an error.
func ReadArchive(file string) ([]Entry, error) {
	if strings.HasSuffix(file, ".zip") {
		return readZip(file)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	var entries []Entry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return entries, nil
		}
		if err != nil {
			return nil, err
		}
		name := strings.TrimPrefix(path.Clean(h.Name), "./")
		if h.Typeflag != tar.TypeReg || strings.Contains(name, "/") {
			return nil, fmt.Errorf("%s: %s is not a regular file at the archive root", filepath.Base(file), h.Name)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		entries = append(entries, Entry{name, fs.FileMode(h.Mode).Perm(), h.Uid, h.Gid, h.ModTime, data})
	}
}

func readZip(file string) ([]Entry, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var entries []Entry
	for _, f := range zr.File {
		if !f.Mode().IsRegular() || strings.Contains(f.Name, "/") {
			return nil, fmt.Errorf("%s: %s is not a regular file at the archive root", filepath.Base(file), f.Name)
		}
		r, err := f.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", filepath.Base(file), f.Name, err)
		}
		entries = append(entries, Entry{f.Name, f.Mode().Perm(), -1, -1, f.Modified, data})
	}
	return entries, nil
}

// Archives is what a build must have made, for CheckArchives.
type Archives struct {
	Project       string           // the project: the configs come from its root
	Dir           string           // where the archives are
	Name, Version string           // the service's name and the version in the file names
	Targets       []rules.Platform // one archive each
	ModTime       time.Time        // every entry's date: the commit's
	// BinaryLast: the configs in name order, then the binary, as GoReleaser
	// adds them; otherwise every entry in name order, as scripts/build.sh.
	BinaryLast bool
}

// CheckArchives checks the archives a build made and their checksums file:
// Dir holds exactly one archive per target (a .zip for windows), and
// NAME_VERSION_checksums.txt lists exactly those, in GoReleaser's format and
// order ("<sha256>  <file>" a line, sorted by name), with their true SHA-256
// (what sha256sum -c checks). Each archive holds the binary (NAME.exe for
// windows) and every NAME.*.conf of the project root, byte for byte, at its
// root and in a fixed order, each entry owned by uid and gid 0 (a tar's),
// dated ModTime (a zip's MS-DOS date is kept to 2 seconds), mode 0755 for
// the binary and 0644 for the configs. It returns the binary for this
// machine (nil when no target is this machine) and the checksums file.
func CheckArchives(t testing.TB, want Archives) (hostBinary, checksums []byte) {
	t.Helper()
	confNames, confData := projectConfs(t, want)
	checksums = checkArchiveList(t, want)
	for _, p := range want.Targets {
		if bin, ok := checkArchive(t, want, p, confNames, confData); ok {
			hostBinary = bin
		}
	}
	return hostBinary, checksums
}

// projectConfs are the project's NAME.*.conf files, by name, and their
// bytes.
func projectConfs(t testing.TB, want Archives) (names []string, data map[string][]byte) {
	t.Helper()
	confs, _ := filepath.Glob(filepath.Join(want.Project, want.Name+".*.conf"))
	data = map[string][]byte{}
	for _, c := range confs {
		b, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, filepath.Base(c))
		data[filepath.Base(c)] = b
	}
	slices.Sort(names)
	return names, data
}

// checkArchiveList checks that Dir holds exactly one archive per target and
// a checksums file listing exactly those, and returns that file.
func checkArchiveList(t testing.TB, want Archives) (checksums []byte) {
	t.Helper()
	var names []string
	for _, p := range want.Targets {
		names = append(names, ArchiveName(want.Name, want.Version, p))
	}
	slices.Sort(names)
	var got []string
	for _, pattern := range []string{"*.tar.gz", "*.zip", "*.tgz"} {
		m, _ := filepath.Glob(filepath.Join(want.Dir, pattern))
		for _, f := range m {
			got = append(got, filepath.Base(f))
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, names) {
		t.Errorf("%s holds the archives\n  %s\nwant exactly\n  %s", want.Dir, strings.Join(got, "\n  "), strings.Join(names, "\n  "))
	}

	sumsName := ChecksumsName(want.Name, want.Version)
	checksums, err := os.ReadFile(filepath.Join(want.Dir, sumsName))
	if err != nil {
		t.Errorf("no checksums file: %v", err)
	} else if listed := VerifyChecksums(t, want.Dir, sumsName); !slices.Equal(listed, names) {
		t.Errorf("%s lists\n  %s\nwant exactly the archives, by name\n  %s", sumsName, strings.Join(listed, "\n  "), strings.Join(names, "\n  "))
	}
	return checksums
}

// checkArchive checks target p's archive: its entries, their order, bytes,
// modes, owners and dates. When p is this machine it returns the binary,
// and true.
func checkArchive(t testing.TB, want Archives, p rules.Platform, confNames []string, confData map[string][]byte) (hostBinary []byte, isHost bool) {
	t.Helper()
	archive := ArchiveName(want.Name, want.Version, p)
	entries, err := ReadArchive(filepath.Join(want.Dir, archive))
	if err != nil {
		t.Errorf("archive for %s: %v", p, err)
		return nil, false
	}
	bin := BinaryName(want.Name, p.OS)
	order := slices.Sorted(slices.Values(append([]string{bin}, confNames...)))
	if want.BinaryLast {
		order = append(slices.Clone(confNames), bin)
	}
	var gotOrder []string
	for _, e := range entries {
		gotOrder = append(gotOrder, e.Name)
	}
	if !slices.Equal(gotOrder, order) {
		t.Errorf("%s holds %v, want %v in that order (the binary and the %s.*.conf files, at the root)", archive, gotOrder, order, want.Name)
		return nil, false
	}
	for _, e := range entries {
		wantMode := fs.FileMode(0o644)
		if e.Name == bin {
			wantMode = 0o755
			if p.OS == runtime.GOOS && p.Arch == runtime.GOARCH {
				hostBinary, isHost = e.Data, true
			}
		} else if !bytes.Equal(e.Data, confData[e.Name]) {
			t.Errorf("%s: %s differs from the project's", archive, e.Name)
		}
		checkEntry(t, want, archive, e, wantMode)
	}
	return hostBinary, isHost
}

// checkEntry checks an archive entry's mode, owner and date.
func checkEntry(t testing.TB, want Archives, archive string, e Entry, wantMode fs.FileMode) {
	t.Helper()
	if e.Mode != wantMode {
		t.Errorf("%s: %s has mode %v, want %v", archive, e.Name, e.Mode, wantMode)
	}
	if e.UID != -1 && (e.UID != 0 || e.GID != 0) {
		t.Errorf("%s: %s is owned by %d:%d, want 0:0", archive, e.Name, e.UID, e.GID)
	}
	// A zip's MS-DOS date has 2-second steps (Info-ZIP rounds up, Go
	// down); GoReleaser's zips also hold the exact time.
	diff := e.ModTime.Sub(want.ModTime).Abs()
	if diff != 0 && (e.UID != -1 || diff > time.Second) {
		t.Errorf("%s: %s is dated %v, want the commit's time %v", archive, e.Name, e.ModTime.UTC(), want.ModTime.UTC())
	}
}

// VerifyChecksums checks the checksums file sums in dir as sha256sum -c
// would, and more strictly: every line is "<64 hex digits>  <file name>",
// the names sorted, each file's SHA-256 what the line says. It returns the
// names listed.
func VerifyChecksums(t testing.TB, dir, sums string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, sums))
	if err != nil {
		t.Error(err)
		return nil
	}
	defer f.Close()
	var names []string
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		sum, name, ok := strings.Cut(s.Text(), "  ")
		if b, err := hex.DecodeString(sum); !ok || err != nil || len(b) != sha256.Size || strings.ContainsAny(name, "/\\") {
			t.Errorf("%s:%d: %q is not \"<sha256 in hex>  <file name>\"", sums, n, s.Text())
			continue
		}
		names = append(names, name)
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s:%d: %v", sums, n, err)
			continue
		}
		if actual := sha256.Sum256(data); hex.EncodeToString(actual[:]) != sum {
			t.Errorf("%s:%d: %s has SHA-256 %x, the file says %s", sums, n, name, actual, sum)
		}
	}
	if err := s.Err(); err != nil {
		t.Error(err)
	}
	if !slices.IsSorted(names) {
		t.Errorf("%s does not list its files sorted by name: %v", sums, names)
	}
	return names
}

// DisturbConfigs gives the project's NAME.*.conf files another mode (0600)
// and another date (an hour from now), which git does not see and a
// reproducible build must not either; restore puts their modes back.
func DisturbConfigs(t testing.TB, dir, name string) (restore func()) {
	t.Helper()
	confs, _ := filepath.Glob(filepath.Join(dir, name+".*.conf"))
	modes := map[string]fs.FileMode{}
	later := time.Now().Add(time.Hour)
	for _, c := range confs {
		info, err := os.Stat(c)
		if err != nil {
			t.Fatal(err)
		}
		modes[c] = info.Mode().Perm()
		if err := os.Chmod(c, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(c, later, later); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		for c, mode := range modes {
			if err := os.Chmod(c, mode); err != nil {
				t.Error(err)
			}
		}
	}
}
