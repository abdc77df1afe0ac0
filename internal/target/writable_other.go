//go:build !unix

package target

// writable cannot be asked ahead of the write here; the write itself
// reports a directory it cannot write in.
func writable(string) error { return nil }
