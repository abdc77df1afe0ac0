//go:build unix

package generator_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gomicro/gomicro/generator"
)

// A pipe (or device, or socket) where the template writes a file blocks the
// upgrade: it is never opened, read or replaced.
func TestUpgradeSpecialFileBlocks(t *testing.T) {
	v1 := upgTemplate(t, "1.0.0", map[string]upgFile{"a.txt": {data: "a\n"}})
	v2 := upgTemplate(t, "2.0.0", map[string]upgFile{"a.txt": {data: "a\n"}, "fifo": {data: "f\n"}})
	root := upgRootFs(t)
	upgGenerate(t, root, ".", v1, nil)
	if err := syscall.Mkfifo(filepath.Join(root.Dir(), "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	u := upgPlan(t, root, ".", v1, v2, nil)
	if c := upgChange(t, u.plan, "fifo"); c.Action != generator.Blocked {
		t.Fatalf("fifo: %v, want blocked", c.Action)
	}
	if err := u.plan.Apply(context.Background(), root, "."); err == nil {
		t.Error("Apply succeeded")
	}
	if info, err := os.Lstat(filepath.Join(root.Dir(), "fifo")); err != nil || info.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the pipe is gone: %v", err)
	}
}
