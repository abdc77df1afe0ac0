package generator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/internal/rootfs"
)

// Apply carries out the plan in dir and writes the new answers file. It
// works in two halves. First every new content is written into a staging
// directory in the project; a failure or a cancelled ctx then leaves the
// project as it was. Then, without looking at ctx again (it takes
// milliseconds), deletions come first and renames out of staging after, so
// a file may become a directory and back; a failure in this half puts back
// everything already done. Apply never removes what the plan did not
// decide to, nor a directory that still holds anything.
func (p *Plan) Apply(ctx context.Context, fsys afero.Fs, dir string) (err error) {
	dir = cleanDir(dir)
	if blocked := p.Blocked(); len(blocked) > 0 {
		return fmt.Errorf("upgrade blocked at %s: %s", blocked[0].Path, blocked[0].Note)
	}
	steps := p.applySteps(dir)
	staging, err := afero.TempDir(fsys, dir, ".gomicro-staging-")
	if err != nil {
		return fmt.Errorf("upgrade: create a staging directory in %s: %w", dir, rootfs.Reason(err))
	}
	defer fsys.RemoveAll(staging) // gomicro's own, whatever is left in it
	if err := stage(ctx, fsys, staging, steps); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var undo undoLog
	defer func() {
		if err != nil {
			undo.rollback(fsys)
			err = fmt.Errorf("%w (every file put back as it was)", err)
		}
	}()
	if err := undo.deleteAll(fsys, dir, steps); err != nil {
		return err
	}
	return undo.renameAll(fsys, steps)
}

// applyStep is one file Apply writes or deletes.
type applyStep struct {
	target, staged string
	n              int         // the change's place in the plan, which names its staged file
	new            []byte      // the content to write
	mode           fs.FileMode // and its mode
	old            []byte      // the content replaced or deleted; nil if none
	oldMode        fs.FileMode
	remove         bool
	clearDir       bool
}

// applySteps lists, in the plan's order, every change that writes, the new
// answers file last.
func (p *Plan) applySteps(dir string) []applyStep {
	var steps []applyStep
	changes := append(slices.Clone(p.Changes), FileChange{Path: ManifestFile, Action: Take, New: p.Manifest.Data, Mode: 0o644, Old: p.oldManifest, OldMode: 0o644})
	for i, c := range changes {
		if !c.writes() {
			continue
		}
		s := applyStep{target: join(dir, c.target()), n: i, new: c.New, mode: c.Mode, old: c.Old, oldMode: c.OldMode, remove: c.Action == Delete, clearDir: c.clearDir}
		if c.Action == Sidecar {
			s.old, s.oldMode = nil, 0
		}
		steps = append(steps, moveSteps(dir, c, len(changes)+i)...)
		steps = append(steps, s)
	}
	return steps
}

// stage writes the new content of every step into staging, and names it
// in the step; it stops when ctx is done.
func stage(ctx context.Context, fsys afero.Fs, staging string, steps []applyStep) error {
	for k := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if steps[k].remove {
			continue
		}
		steps[k].staged = path.Join(staging, fmt.Sprint(steps[k].n))
		if err := writeNew(fsys, steps[k].staged, steps[k].new, steps[k].mode); err != nil {
			return err
		}
	}
	return nil
}

// deleteAll removes the files the steps delete, and the directories that
// leaves empty, recording each.
func (u *undoLog) deleteAll(fsys afero.Fs, dir string, steps []applyStep) error {
	for _, s := range steps {
		if !s.remove {
			continue
		}
		if err := fsys.Remove(s.target); err != nil {
			return fmt.Errorf("upgrade: delete %s: %w", s.target, rootfs.Reason(err))
		}
		u.steps = append(u.steps, undoStep{name: s.target, old: s.old, oldMode: s.oldMode, deleted: true})
		u.removeEmptyParents(fsys, dir, s.target)
	}
	return nil
}

// renameAll moves every staged file to its target, recording each.
func (u *undoLog) renameAll(fsys afero.Fs, steps []applyStep) error {
	for _, s := range steps {
		if s.remove {
			continue
		}
		if err := u.mkdirAll(fsys, path.Dir(s.target)); err != nil {
			return fmt.Errorf("upgrade: %w", err)
		}
		if s.clearDir {
			if err := u.removeEmptyTree(fsys, s.target); err != nil {
				return fmt.Errorf("upgrade: %w", err)
			}
		}
		if s.oldMode == 0 {
			// Nothing was there when the plan was made: something that
			// appeared meanwhile is not gomicro's to replace.
			if _, err := lstat(fsys, s.target); !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("upgrade: %s appeared while upgrading; left it alone", s.target)
			}
		}
		if err := fsys.Rename(s.staged, s.target); err != nil {
			return fmt.Errorf("upgrade %s: %w", s.target, rootfs.Reason(err))
		}
		u.steps = append(u.steps, undoStep{name: s.target, old: s.old, oldMode: s.oldMode})
	}
	return nil
}

// writeNew writes a file that must not exist yet, with exactly mode.
func writeNew(fsys afero.Fs, name string, data []byte, mode fs.FileMode) error {
	var u undoLog
	err := u.create(fsys, name, data, mode)
	if err != nil {
		u.rollback(fsys)
	}
	return err
}
