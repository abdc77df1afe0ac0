package fleet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/rootfs"
)

// A .gomicro.yml past the bound is refused with one line before it is
// read (a sparse file: no disk is spent on it).
func TestReadManifestBounded(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, generator.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	root, err := rootfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	_, err = readManifest(root)
	if err == nil || err.Error() != ".gomicro.yml is larger than 16 MiB, the most gomicro reads as its answers file" {
		t.Fatalf("readManifest(1 GiB) = %v", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("more than one line: %q", err)
	}
}
