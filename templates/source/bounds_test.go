package source

import (
	"io"
	"strings"
	"testing"
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
