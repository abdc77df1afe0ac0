// Package lockfile holds gomicro's locks between processes: a file locked
// with flock (LockFileEx on Windows), which the kernel releases when the
// process ends however it ends, so a gomicro that was killed never leaves a
// lock that blocks the next one. Template mirrors (templates/source) and
// projects (Project) use it.
package lockfile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gomicro/gomicro/internal/gitrepo"
)

// A lock taken by someone else is tried again after firstRetry, then after
// twice as long each time, up to lastRetry. The first wait is short: most
// waits are on another goroutine of the same gomicro (the projects of a
// fleet share their template's mirror), done within a millisecond or two.
// A first wait of 5 ms made an upgrade's fetch start 15 to 20 ms late,
// when the lookup of its base still took the mirror's lock.
const (
	firstRetry = time.Millisecond
	lastRetry  = 200 * time.Millisecond
)

// Wait is how long Project waits for another gomicro to finish with the
// project before it gives up.
const Wait = 2 * time.Second

// BusyError says that another gomicro holds the project's lock.
type BusyError struct {
	PID int // the holder's process id; 0 when unknown
}

func (e *BusyError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("another gomicro is working on this project (pid %d)", e.PID)
	}
	return "another gomicro is working on this project"
}

// Project takes the lock that makes one gomicro at a time write the project
// in dir (which need not exist yet: new locks its target before creating
// it). When another process holds it, Project waits up to wait, then
// returns a *BusyError naming that process. The holder's pid is written into
// the lock file for that message; the file itself means nothing once its
// lock is released, so a dead holder's file never blocks.
func Project(ctx context.Context, dir string, wait time.Duration) (release func(), err error) {
	path, inGit, err := projectPath(dir)
	if err != nil {
		return nil, err
	}
	if path == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		if !inGit {
			// No usable cache directory (HOME unset or read-only): a project
			// outside git is then written unlocked rather than not at all.
			return func() {}, nil
		}
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	release, err = Lock(wctx, path)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, &BusyError{PID: holder(path)}
		}
		return nil, err
	}
	// Advisory only: the lock is on the open file, not its bytes (Windows
	// locks the bytes: the pid is then not written, and not named).
	_ = os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	return release, nil
}

// holder is the pid the lock file at path names, 0 if none.
func holder(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// ProjectPath is where the lock of the project in dir lives: never in the
// project's tree, so that it is not rendered over, merged, listed as an
// uncommitted change or committed.
//
//   - In a git work tree: gomicro.lock in the repository's git directory,
//     beside git's own index.lock (a linked work tree's own git directory).
//     One lock per repository: its projects share an index and refs, which
//     is also why upgrade takes them one after another.
//   - Elsewhere: the user's cache directory, gomicro/locks/<first 32 hex
//     digits of sha256 of the project's absolute path, symlinks resolved>.lock,
//     so that every spelling of one directory meets at one lock ("" when
//     there is no cache directory).
func ProjectPath(dir string) (string, error) {
	path, _, err := projectPath(dir)
	return path, err
}

func projectPath(dir string) (path string, inGit bool, err error) {
	abs, err := physical(dir)
	if err != nil {
		return "", false, err
	}
	if top, ok := gitrepo.Top(abs); ok {
		if gitDir, ok := gitDir(top); ok {
			return filepath.Join(gitDir, "gomicro.lock"), true, nil
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", false, nil // Project goes unlocked; see there
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(cache, "gomicro", "locks", hex.EncodeToString(sum[:16])+".lock"), false, nil
}

// physical is dir made absolute with the symlinks of its longest existing
// prefix resolved (dir itself may not exist yet).
func physical(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	rest := ""
	for d := abs; ; d = filepath.Dir(d) {
		if real, err := filepath.EvalSymlinks(d); err == nil {
			return filepath.Join(real, rest), nil
		}
		if filepath.Dir(d) == d {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(d), rest)
	}
}

// gitDir is the git directory of a work tree whose top is d: d/.git, or
// where a .git file ("gitdir: PATH", a linked work tree or submodule)
// points.
func gitDir(d string) (string, bool) {
	dotGit := filepath.Join(d, ".git")
	info, err := os.Stat(dotGit)
	switch {
	case err != nil:
		return "", false
	case info.IsDir():
		return dotGit, true
	}
	data, err := os.ReadFile(dotGit)
	if err != nil {
		return "", false
	}
	target, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
	if !ok {
		return "", false
	}
	target = strings.TrimSpace(target)
	if !filepath.IsAbs(target) {
		target = filepath.Join(d, target)
	}
	if info, err := os.Stat(target); err != nil || !info.IsDir() {
		return "", false
	}
	return target, true
}
