package templatetest

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// On Linux a check's processes cannot escape by detaching. template test
// makes gomicro the child subreaper (PR_SET_CHILD_SUBREAPER): a process
// whose parent dies, however it left its process group and session
// (setsid, a double fork), becomes gomicro's child instead of init's.
// Every check runs with its own checkMarker in its environment, which its
// processes inherit; when the check ends, gomicro kills and reaps each of
// its children that carries that check's marker, until none is left, and
// when template test ends, every child it still has.

// startReaping makes gomicro the subreaper of what its checks start.
func startReaping() error {
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// reapCheck kills and reaps every process that the check marked token left
// behind (token "": every child gomicro has, once no check runs).
func reapCheck(token string) {
	want := []byte(checkMarker + "=" + token + "\x00")
	for {
		found := false
		for _, pid := range children() {
			if token != "" && !bytes.Contains(environ(pid), want) {
				continue
			}
			found = true
			_ = syscall.Kill(pid, syscall.SIGKILL)
			var status syscall.WaitStatus
			for {
				_, err := syscall.Wait4(pid, &status, 0, nil)
				if !errors.Is(err, syscall.EINTR) {
					break
				}
			}
		}
		// A process killed above may have had children of its own: they
		// are gomicro's now. Look again until nothing of the check is left.
		if !found {
			return
		}
	}
}

// children are gomicro's child processes, found in /proc by their parent.
func children() []int {
	self := os.Getpid()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold anything, so parse
		// after its last ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(self) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// environ is process pid's environment, NUL-separated and NUL-terminated
// (nil for a zombie, which has none: it is reaped by the final sweep).
func environ(pid int) []byte {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil || len(data) == 0 {
		return nil
	}
	if data[len(data)-1] != 0 {
		data = append(data, 0)
	}
	return data
}
