package source

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// TestCappedBufferCopy: io.Copy, which os/exec uses for a command's
// output, must not read past the cap by way of a ReadFrom.
func TestCappedBufferCopy(t *testing.T) {
	b := cappedBuffer{limit: 1 << 10}
	n, err := io.Copy(&b, strings.NewReader(strings.Repeat("x", 4<<10)))
	if err == nil || !strings.Contains(err.Error(), "more than 1 KiB") {
		t.Errorf("io.Copy of 4 KiB into a 1 KiB cappedBuffer: %d bytes, error %v; want the cap's error", n, err)
	}
	if len(b.Bytes()) > 1<<10 {
		t.Errorf("cappedBuffer holds %d bytes, past its cap of 1 KiB", len(b.Bytes()))
	}
}

// lowerBounds sets the template bounds for one test.
func lowerBounds(t *testing.T, file, total int64) {
	t.Helper()
	oldFile, oldTotal := maxFileBytes, maxTemplateBytes
	maxFileBytes, maxTemplateBytes = file, total
	t.Cleanup(func() { maxFileBytes, maxTemplateBytes = oldFile, oldTotal })
}

// openErr opens src and returns the error, failing the test when there is
// none.
func openErr(t *testing.T, src string) string {
	t.Helper()
	spec, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), spec)
	if err == nil {
		t.Fatalf("Open(%s) succeeded; want a bounds error", src)
	}
	return err.Error()
}

func wantErr(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("error:\n got %s\nwant %s", got, want)
	}
}

// TestBoundsDir: a directory template is held to the bounds by its files'
// sizes, before any is read: a sparse 1.5 GiB file costs no disk and would
// take 1.5 GiB of memory if it were read.
func TestBoundsDir(t *testing.T) {
	dir := t.TempDir()
	treetest.WriteDir(t, dir, map[string]string{
		ConfigFile:     "name: x\nversion: 1.0.0\n",
		"a.txt":        strings.Repeat("a", 700),
		"sub/b.txt":    strings.Repeat("b", 700),
		".git/objects": "", // a checkout's history is not the template's
	})
	if err := os.Truncate(filepath.Join(dir, ".git", "objects"), 3<<30); err != nil {
		t.Fatal(err)
	}
	spec, err := Parse(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), spec); err != nil {
		t.Fatalf("a template within the bounds: %v", err)
	}

	big := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 3<<29); err != nil {
		t.Fatal(err)
	}
	wantErr(t, openErr(t, dir), "template "+dir+": big.bin: larger than 64 MiB, the most one template file may hold")
	if err := os.Remove(big); err != nil {
		t.Fatal(err)
	}

	lowerBounds(t, 1<<10, 1<<10)
	wantErr(t, openErr(t, dir), "template "+dir+": sub/b.txt: with it the template's files add up to more than 1 KiB, the most a template may hold")
}

// TestBoundsEmbedded: the same bounds hold for a template built in.
func TestBoundsEmbedded(t *testing.T) {
	lowerBounds(t, 1<<30, 1<<10)
	if got := openErr(t, "embedded:service"); !strings.Contains(got, "the most a template may hold") {
		t.Errorf("embedded template past the total bound: %s", got)
	}
}

// TestBoundsGit: a git template is held to the bounds as git archive
// streams it, by each file's tar header, and at a recorded revision too.
func TestBoundsGit(t *testing.T) {
	git := gitTest(t)
	dir := t.TempDir()
	git(dir, "init", "--quiet", "--initial-branch=main")
	treetest.WriteDir(t, dir, map[string]string{
		ConfigFile:  "name: x\nversion: 1.0.0\n",
		"a.txt":     strings.Repeat("a", 700),
		"sub/b.txt": strings.Repeat("b", 2000),
	})
	git(dir, "add", ".")
	git(dir, "commit", "--quiet", "-m", "one")
	head := git(dir, "rev-parse", "HEAD")
	src := dir + "@main"
	url := fileURL(dir)

	lowerBounds(t, 1<<10, 1<<20)
	wantErr(t, openErr(t, src), "template git "+url+"@main: sub/b.txt: larger than 1 KiB, the most one template file may hold")

	lowerBounds(t, 4<<10, 2<<10)
	wantErr(t, openErr(t, src), "template git "+url+"@main: sub/b.txt: with it the template's files add up to more than 2 KiB, the most a template may hold")
	spec, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenRevision(context.Background(), spec, head)
	if err == nil || !strings.HasSuffix(err.Error(), "sub/b.txt: with it the template's files add up to more than 2 KiB, the most a template may hold") {
		t.Errorf("OpenRevision past the bounds: %v", err)
	}

	lowerBounds(t, 4<<10, 4<<10)
	if _, err := Open(context.Background(), spec); err != nil {
		t.Errorf("within the bounds: %v", err)
	}
}

// TestBoundsModule: and for a Go module, read from the module cache.
func TestBoundsModule(t *testing.T) {
	testtool.Require(t, "go", "https://go.dev/doc/install")
	moduleProxy(t, "v1.0.0")
	lowerBounds(t, 20, 1<<20)
	wantErr(t, openErr(t, testModule+"//service@v1.0.0"), "template module "+testModule+"//service@v1.0.0: template.yaml: larger than 20 bytes, the most one template file may hold")
}

// TestListTreeBounds: a file past the bounds is refused by the size git
// ls-tree lists, before any blob is read.
func TestListTreeBounds(t *testing.T) {
	id := strings.Repeat("a", 40)
	listing := "100644 blob " + id + "     10\tsmall.txt\x00100644 blob " + id + " 1610612736\tbig.bin\x00"
	_, _, err := listTree([]byte(listing))
	wantErr(t, fmt.Sprint(err), "big.bin: larger than 64 MiB, the most one template file may hold")
	many := ""
	for i := range 5 {
		many += fmt.Sprintf("100644 blob %s %d\tf%d.bin\x00", id, 60<<20, i)
	}
	_, _, err = listTree([]byte(many))
	wantErr(t, fmt.Sprint(err), "f4.bin: with it the template's files add up to more than 256 MiB, the most a template may hold")
}

// A file named to move the cursor is named quoted, as gomicro names every
// path a template gives.
func TestBoundsQuoteName(t *testing.T) {
	var b budget
	err := b.add("x\x1b[2J.bin", maxFileBytes+1)
	if err == nil || !strings.HasPrefix(err.Error(), `"x\033[2J.bin": larger than`) {
		t.Fatalf("add = %v, want the name quoted", err)
	}
}
