// Package bytesize writes a byte count the way a person sets a limit: in
// MiB or KiB when it is a whole number of them, else in bytes.
package bytesize

import "fmt"

// String is n as "64 MiB", "16 KiB" or "1000 bytes".
func String(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
