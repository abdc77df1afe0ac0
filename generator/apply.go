package generator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"github.com/spf13/afero"
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
	type step struct {
		target, staged string
		old            []byte // the content replaced or deleted; nil if none
		oldMode        fs.FileMode
		remove         bool
		clearDir       bool
	}
	var steps []step
	changes := append(slices.Clone(p.Changes), FileChange{Path: ManifestFile, Action: Take, New: p.Manifest.Data, Mode: 0o644, Old: p.oldManifest, OldMode: 0o644})
	for _, c := range changes {
		if !c.writes() {
			continue
		}
		s := step{target: join(dir, c.target()), old: c.Old, oldMode: c.OldMode, remove: c.Action == Delete, clearDir: c.clearDir}
		if c.Action == Sidecar {
			s.old, s.oldMode = nil, 0
		}
		steps = append(steps, s)
	}
	staging, err := afero.TempDir(fsys, dir, ".gomicro-staging-")
	if err != nil {
		return fmt.Errorf("upgrade: create a staging directory in %s: %w", dir, unwrapPath(err))
	}
	defer fsys.RemoveAll(staging) // gomicro's own, whatever is left in it
	k := 0
	for i, c := range changes {
		if !c.writes() {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !steps[k].remove {
			steps[k].staged = path.Join(staging, fmt.Sprint(i))
			if err := writeNew(fsys, steps[k].staged, c.New, c.Mode); err != nil {
				return err
			}
		}
		k++
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
	for _, s := range steps {
		if !s.remove {
			continue
		}
		if err := fsys.Remove(s.target); err != nil {
			return fmt.Errorf("upgrade: delete %s: %w", s.target, unwrapPath(err))
		}
		undo.steps = append(undo.steps, undoStep{name: s.target, old: s.old, oldMode: s.oldMode, deleted: true})
		undo.removeEmptyParents(fsys, dir, s.target)
	}
	for _, s := range steps {
		if s.remove {
			continue
		}
		if err := undo.mkdirAll(fsys, path.Dir(s.target)); err != nil {
			return fmt.Errorf("upgrade: %w", err)
		}
		if s.clearDir {
			if err := undo.removeEmptyTree(fsys, s.target); err != nil {
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
			return fmt.Errorf("upgrade %s: %w", s.target, unwrapPath(err))
		}
		undo.steps = append(undo.steps, undoStep{name: s.target, old: s.old, oldMode: s.oldMode})
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
