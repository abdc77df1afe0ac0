//go:build unix

package generator

import (
	"io/fs"
	"syscall"
)

// maybeLinked reports whether the file has other names (hard links).
func maybeLinked(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && st.Nlink > 1
}
