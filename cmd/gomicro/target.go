package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/rootfs"
)

// targetState is what new finds where the project is to go.
type targetState int

const (
	targetMissing  targetState = iota // new creates it
	targetEmpty                       // an empty directory, or a symlink to one
	targetNonEmpty                    // only with --force
)

// inspectTarget checks the place a new project goes, with every check the
// real run makes, so that --dry-run and the refusal before the prompts say
// what the write would say.
func inspectTarget(output, name string, force bool) (targetState, error) {
	dir := filepath.Join(output, name)
	if info, err := os.Stat(output); err == nil && !info.IsDir() || errors.Is(err, syscall.ENOTDIR) {
		return 0, fmt.Errorf("--output %s is not a directory", output)
	}
	linfo, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return targetMissing, writable(nearestExisting(dir))
	case err != nil:
		return 0, fmt.Errorf("cannot write %s: %v", displayPath(dir), unwrapPathErr(err))
	}
	info := linfo
	if linfo.Mode()&fs.ModeSymlink != 0 {
		link, _ := os.Readlink(dir)
		if info, err = os.Stat(dir); err != nil {
			return 0, fmt.Errorf("%s is a symlink to %s, which does not exist (or cannot be reached): refusing to write through it", displayPath(dir), link)
		}
	}
	if !info.IsDir() {
		return 0, fmt.Errorf("%s already exists and is not a directory", displayPath(dir))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("cannot read %s: %v", displayPath(dir), unwrapPathErr(err))
	}
	if len(entries) > 0 {
		if !force {
			return 0, notEmpty(dir)
		}
		return targetNonEmpty, writable(dir)
	}
	return targetEmpty, writable(dir)
}

// nearestExisting is the closest ancestor of dir that exists: where a
// missing project directory (and any missing --output) will be created.
func nearestExisting(dir string) string {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == filepath.Dir(d) {
			return d
		}
	}
}

// dryRunWrite says what writeProject would do, writing nothing.
func dryRunWrite(state targetState, dir string, tree *generator.Tree, force bool) ([]generator.Written, error) {
	if state == targetMissing {
		return generator.PlanWrite(afero.NewMemMapFs(), ".", tree, generator.WriteOptions{Force: force})
	}
	root, err := rootfs.Open(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return generator.PlanWrite(root, ".", tree, generator.WriteOptions{Force: force})
}

// writeProject writes tree at dir through the confined layer. A missing
// project directory (and missing --output directories) is created here,
// each one recorded, and on failure removed again if still empty: new
// leaves nothing behind and removes nothing it did not create.
func writeProject(ctx context.Context, state targetState, dir string, tree *generator.Tree, force bool) (written []generator.Written, err error) {
	var created []string
	defer func() {
		if err != nil {
			for i := len(created) - 1; i >= 0; i-- {
				os.Remove(created[i]) // only if empty: never what appeared inside
			}
		}
	}()
	if state == targetMissing {
		var missing []string
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Lstat(d); err == nil || d == filepath.Dir(d) {
				break
			}
			missing = append(missing, d)
		}
		for i := len(missing) - 1; i >= 0; i-- {
			if err := os.Mkdir(missing[i], 0o755); err != nil {
				if errors.Is(err, fs.ErrExist) {
					return nil, fmt.Errorf("%s appeared while gomicro was working; left it alone", displayPath(missing[i]))
				}
				return nil, fmt.Errorf("create %s: %v", displayPath(missing[i]), unwrapPathErr(err))
			}
			created = append(created, missing[i])
		}
	}
	root, err := rootfs.Open(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return generator.Write(ctx, projectFs(ctx, root), ".", tree, generator.WriteOptions{Force: force})
}

// projectFs is the file system new and upgrade write a project through:
// the confined root. Tests that stop gomicro mid-write wrap it (TestMain).
var projectFs = func(_ context.Context, root afero.Fs) afero.Fs { return root }

// renderLimits are the generator's limits, with the time bound from
// GOMICRO_RENDER_TIMEOUT when set (for a template that is slow on purpose).
func renderLimits() (generator.Limits, error) {
	limits := generator.DefaultLimits
	if v := os.Getenv("GOMICRO_RENDER_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return limits, usagef("GOMICRO_RENDER_TIMEOUT %q: expected a positive duration such as 30s", v)
		}
		limits.Timeout = d
	}
	return limits, nil
}

// renderError adds what a person can do about a limit.
func renderError(err error) error {
	if errors.Is(err, generator.ErrRenderTimeout) {
		return fmt.Errorf("%w (a loop that never ends? GOMICRO_RENDER_TIMEOUT=30s allows longer)", err)
	}
	return err
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
