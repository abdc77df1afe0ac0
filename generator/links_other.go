//go:build !unix

package generator

import "io/fs"

// maybeLinked reports whether the file may have other names (hard
// links): here the file system does not say, so it may.
func maybeLinked(fs.FileInfo) bool { return true }
