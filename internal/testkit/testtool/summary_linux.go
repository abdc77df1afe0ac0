package testtool

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"syscall"
	"testing"
)

// summaryWriter is where Report writes: the go command's own stderr when
// go test holds this binary's output back, else os.Stderr.
//
// go test ./... shows a passing package's output only with -v: the test
// binary's stdout and stderr both go into a buffer that is dropped when the
// package passes. A summary meant for the person who ran it goes instead to
// the stderr of the go command that started this binary, opened anew
// through /proc (for append, so a log file is not written over). Where the
// output is shown anyway (-v, or go test in a package directory with no
// package arguments, which streams it), or the parent is not the go
// command, os.Stderr is right.
//
// /proc is read with syscalls, not through package os: go test records the
// files a test opens and re-runs it when they change, and the parent's
// /proc entries change with every run.
func summaryWriter() (io.Writer, func()) {
	stay := func() {}
	if testing.Verbose() {
		return os.Stderr, stay
	}
	parent := "/proc/" + strconv.Itoa(os.Getppid())
	if comm, ok := readProc(parent + "/comm"); !ok || string(bytes.TrimSpace(comm)) != "go" {
		return os.Stderr, stay
	}
	var ours, theirs syscall.Stat_t
	if syscall.Fstat(1, &ours) == nil && syscall.Stat(parent+"/fd/1", &theirs) == nil &&
		ours.Dev == theirs.Dev && ours.Ino == theirs.Ino {
		return os.Stderr, stay // streamed: our stdout is go's
	}
	fd, err := syscall.Open(parent+"/fd/2", syscall.O_WRONLY|syscall.O_APPEND|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return os.Stderr, stay
	}
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT == syscall.S_IFREG && !appends(parent+"/fdinfo/2") {
		// A file the go command writes at its own offset (go test >log
		// 2>&1): a line appended here would be written over.
		syscall.Close(fd)
		return os.Stderr, stay
	}
	f := os.NewFile(uintptr(fd), "go test's stderr")
	return f, func() { f.Close() }
}

// appends reports whether the /proc fdinfo at path says O_APPEND.
func appends(fdinfo string) bool {
	info, ok := readProc(fdinfo)
	if !ok {
		return false
	}
	for line := range bytes.Lines(info) {
		if v, ok := bytes.CutPrefix(line, []byte("flags:")); ok {
			flags, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 8, 64)
			return err == nil && flags&syscall.O_APPEND != 0
		}
	}
	return false
}

// readProc reads a small file under /proc without package os.
func readProc(path string) ([]byte, bool) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, false
	}
	defer syscall.Close(fd)
	buf := make([]byte, 256)
	n, err := syscall.Read(fd, buf)
	if err != nil || n < 0 {
		return nil, false
	}
	return buf[:n], true
}
