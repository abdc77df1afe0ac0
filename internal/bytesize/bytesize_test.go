package bytesize

import "testing"

func TestString(t *testing.T) {
	for n, want := range map[int64]string{
		64 << 20: "64 MiB", 16 << 10: "16 KiB", 1<<20 + 1: "1048577 bytes", 1000: "1000 bytes", 0: "0 bytes",
	} {
		if got := String(n); got != want {
			t.Errorf("String(%d) = %q, want %q", n, got, want)
		}
	}
}
