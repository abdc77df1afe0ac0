package templatetest

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
)

// checkMarker is the environment variable that marks the processes of one
// check, for reapCheck to find those that left its process group.
const checkMarker = "GOMICRO_CHECK"

// checkCount numbers the checks of this process.
var checkCount atomic.Int64

// maxTail is how much of a check's output is read back for its last lines.
const maxTail = 64 << 10

// runCheck runs one check with bash -c in project and returns the tail of
// its output (stdout and stderr together). The output goes to a file in
// logDir rather than a pipe, so a process the check leaves behind cannot
// hold gomicro up; runGroup stops such processes when the check ends. Stdin
// is empty: a check never waits for a person.
func runCheck(ctx context.Context, project, logDir, script string, extraEnv []string) (string, error) {
	log, err := os.CreateTemp(logDir, "check-*.log")
	if err != nil {
		return "", err
	}
	defer os.Remove(log.Name())
	defer log.Close()
	env, err := checkEnv(filepath.Join(logDir, "scratch"), extraEnv)
	if err != nil {
		return "", err
	}
	token := strconv.FormatInt(checkCount.Add(1), 10)
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = project
	cmd.Env = append(env, checkMarker+"="+token)
	cmd.Stdout = log
	cmd.Stderr = log
	runErr := runGroup(cmd)
	reapCheck(token) // what it left behind, however it detached
	size, err := log.Seek(0, io.SeekEnd)
	if err != nil {
		return "", errors.Join(runErr, err)
	}
	tail := make([]byte, min(size, maxTail))
	if _, err := log.ReadAt(tail, size-int64(len(tail))); err != nil {
		return "", errors.Join(runErr, err)
	}
	return string(tail), runErr
}

// tailLines is how many of a failing check's last output lines are kept.
const tailLines = 10

// maxLine is how much of one output line is kept.
const maxLine = 500

// lastLines returns the last n lines of out, each cut at maxLine bytes.
func lastLines(out string, n int) []string {
	out = strings.TrimRight(out, "\r\n")
	if out == "" {
		return nil
	}
	lines := strings.Split(out, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		l = strings.TrimRight(l, "\r")
		if len(l) > maxLine {
			l = strings.ToValidUTF8(l[:maxLine], "") + " ..."
		}
		lines[i] = l
	}
	return lines
}

// CheckName is a check as a report names it: its first line.
func CheckName(check string) string {
	check = strings.TrimSpace(check)
	if first, _, multi := strings.Cut(check, "\n"); multi {
		return strings.TrimSpace(first) + " ..."
	}
	return check
}
