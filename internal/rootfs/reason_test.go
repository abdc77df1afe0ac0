package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestReason(t *testing.T) {
	_, err := os.Open(filepath.Join(t.TempDir(), "missing"))
	if got := Reason(err); got.Error() != "no such file or directory" && got.Error() != "The system cannot find the file specified." {
		t.Errorf("Reason(%v) = %q", err, got)
	}
	if wrapped := fmt.Errorf("write x: %w", err); !errors.Is(Reason(wrapped), fs.ErrNotExist) {
		t.Errorf("Reason(%v) = %v, want one that is fs.ErrNotExist", wrapped, Reason(wrapped))
	}
	plain := errors.New("plain")
	if got := Reason(plain); got != plain {
		t.Errorf("Reason(plain) = %v, want it unchanged", got)
	}
}
