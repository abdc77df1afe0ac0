// Package target is where gomicro new puts a project: it checks the place
// before any question is asked (with every check the write makes, so that
// --dry-run and an early refusal say what the write would), plans the write
// for --dry-run, and writes the project through the confined layer,
// creating a missing project directory (and missing --output directories)
// and removing them again if the write fails.
//
// It is not part of generator, whose write goes through whatever afero.Fs
// it is given and never leaves it (a memory one in tests): everything here
// is about the real file system around the project, the directories above
// it that the project's confined root cannot reach.
package target

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/quote"
	"github.com/gomicro/gomicro/internal/rootfs"
)

// State is what new finds where the project is to go.
type State int

const (
	Missing  State = iota // new creates it
	Empty                 // an empty directory, or a symlink to one
	NonEmpty              // only with --force
)

// Inspect checks the place a new project goes, with every check the
// real run makes, so that --dry-run and the refusal before the prompts say
// what the write would say.
func Inspect(output, name string, force bool) (State, error) {
	dir := filepath.Join(output, name)
	if info, err := os.Stat(output); err == nil && !info.IsDir() || errors.Is(err, syscall.ENOTDIR) {
		return 0, fmt.Errorf("--output %s is not a directory", output)
	}
	linfo, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Missing, writable(nearestExisting(dir))
	case err != nil:
		return 0, fmt.Errorf("cannot write %s: %v", Display(dir), rootfs.Reason(err))
	}
	info := linfo
	if linfo.Mode()&fs.ModeSymlink != 0 {
		link, _ := os.Readlink(dir)
		if info, err = os.Stat(dir); err != nil {
			return 0, fmt.Errorf("%s is a symlink to %s, which does not exist (or cannot be reached): refusing to write through it", Display(dir), link)
		}
	}
	if !info.IsDir() {
		return 0, fmt.Errorf("%s already exists and is not a directory", Display(dir))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("cannot read %s: %v", Display(dir), rootfs.Reason(err))
	}
	if len(entries) > 0 {
		if !force {
			return 0, NotEmpty(dir)
		}
		return NonEmpty, writable(dir)
	}
	return Empty, writable(dir)
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

// DryRun says what Write would do, writing nothing.
func DryRun(state State, dir string, tree *generator.Tree, force bool) ([]generator.Written, error) {
	if state == Missing {
		return generator.PlanWrite(afero.NewMemMapFs(), ".", tree, generator.WriteOptions{Force: force})
	}
	root, err := rootfs.Open(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return generator.PlanWrite(root, ".", tree, generator.WriteOptions{Force: force})
}

// Write writes tree at dir through the confined layer (wrapped by through,
// when set: tests stop a write halfway with it). A missing
// project directory (and missing --output directories) is created here,
// each one recorded, and on failure removed again if still empty: new
// leaves nothing behind and removes nothing it did not create.
func Write(ctx context.Context, state State, dir string, tree *generator.Tree, force bool, through func(context.Context, afero.Fs) afero.Fs) (written []generator.Written, err error) {
	var created []string
	defer func() {
		if err != nil {
			for i := len(created) - 1; i >= 0; i-- {
				os.Remove(created[i]) // only if empty: never what appeared inside
			}
		}
	}()
	if state == Missing {
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
					return nil, fmt.Errorf("%s appeared while gomicro was working; left it alone", Display(missing[i]))
				}
				return nil, fmt.Errorf("create %s: %v", Display(missing[i]), rootfs.Reason(err))
			}
			created = append(created, missing[i])
		}
	}
	root, err := rootfs.Open(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	var fsys afero.Fs = root
	if through != nil {
		fsys = through(ctx, root)
	}
	return generator.Write(ctx, fsys, ".", tree, generator.WriteOptions{Force: force})
}

// NotEmpty is new's refusal of a directory that holds files, without
// --force. A directory that is a gomicro project already (it holds
// .gomicro.yml) is pointed to gomicro upgrade, which is what a person
// running new on it most likely wants.
func NotEmpty(dir string) error {
	if info, err := os.Lstat(filepath.Join(dir, generator.ManifestFile)); err == nil && info.Mode().IsRegular() {
		return fmt.Errorf("%s is a gomicro project already (it has %s): to move it to its template's newest release, run gomicro upgrade %s; or choose another NAME or --output", Display(dir), generator.ManifestFile, quote.Shell(Display(dir)))
	}
	return fmt.Errorf("%s already exists and is not empty; choose another NAME or --output, or pass --force to write into it", Display(dir))
}

// Display writes a relative path the way a person types it: ./oddjob.
func Display(p string) string {
	if filepath.IsAbs(p) || strings.HasPrefix(p, ".") {
		return p
	}
	return "." + string(filepath.Separator) + p
}

// NextSteps are the commands that take a new project to its first build in
// CI, as lines to paste into a shell: cd, the remote from github_username
// (when gomicro made the git repository), then the template's own
// next_steps. What a project needs beyond that is the template's to say:
// gomicro knows no template's keys.
func NextSteps(dir string, answers generator.Answers, madeRepo bool, templateSteps []string) []string {
	steps := []string{"cd " + quote.Shell(dir)}
	if owner, _ := answers["github_username"].(string); owner != "" && madeRepo {
		steps = append(steps, fmt.Sprintf("git remote add origin git@github.com:%s/%s.git", owner, filepath.Base(dir)))
	}
	steps = append(steps, templateSteps...)
	if len(steps) == 1 {
		return nil // cd alone is no news
	}
	return steps
}
