package generator

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aymanbagabas/go-udiff"
	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/internal/diff3"
)

// Action is what an upgrade does to one file.
type Action int

// The decision table of an upgrade, one row per action. "Base" is the file
// as gomicro generated it (its digest is in .gomicro.yml), "ours" the file
// on disk, "theirs" the file as the template renders it now.
const (
	Unchanged   Action = iota // nothing to do: ours already equals theirs
	Take                      // ours is pristine, the template changed it: write theirs
	Create                    // new in the template: write it
	Delete                    // removed by the template, pristine in ours: delete it
	KeepOurs                  // the team changed it, the template did not: keep ours
	KeepEdited                // removed by the template, but the team changed it: keep ours
	KeepDeleted               // the team deleted it: it stays deleted
	Merge                     // both changed it: a clean three-way merge
	Conflict                  // both changed it on the same lines, or both added it: markers written
	Sidecar                   // both changed it but the base is lost: theirs written to FILE.gomicro-new
)

var actionNames = [...]struct{ verb, why string }{
	Unchanged:   {"unchanged", ""},
	Take:        {"updated", ""},
	Create:      {"added", ""},
	Delete:      {"deleted", "removed by the template"},
	KeepOurs:    {"kept", "your edit; the template did not change it"},
	KeepEdited:  {"kept", "removed by the template, but edited by you"},
	KeepDeleted: {"not added", "deleted by you"},
	Merge:       {"merged", "your edits and the template's"},
	Conflict:    {"CONFLICT", "both changed the same lines: resolve the markers"},
	Sidecar:     {"CONFLICT", "edited by you, and no base to merge with: compare with the new version beside it"},
}

// String is the action as a verb: "updated", "kept", "CONFLICT".
func (a Action) String() string { return actionNames[a].verb }

// Why explains the action in a few words, or is empty.
func (a Action) Why() string { return actionNames[a].why }

// SidecarSuffix names the file an upgrade writes beside an edited file it
// cannot merge for want of a base.
const SidecarSuffix = ".gomicro-new"

// FileChange is the upgrade's decision for one path.
type FileChange struct {
	Path    string
	Action  Action
	Old     []byte      // on disk now; nil if absent
	OldMode fs.FileMode // 0 if absent
	New     []byte      // after the upgrade; nil when the file is (or stays) absent
	Mode    fs.FileMode
}

// writes reports whether the change touches the disk.
func (c FileChange) writes() bool {
	switch c.Action {
	case Take, Create, Delete, Merge, Conflict, Sidecar:
		return true
	case KeepOurs, KeepEdited:
		return c.Mode != c.OldMode
	}
	return false
}

// target is the path the change writes: the file, or its sidecar.
func (c FileChange) target() string {
	if c.Action == Sidecar {
		return c.Path + SidecarSuffix
	}
	return c.Path
}

// Plan is a computed upgrade of one project: what happens to every file,
// and the answers file to write afterwards.
type Plan struct {
	Changes     []FileChange
	Manifest    File // the new .gomicro.yml
	oldManifest []byte
}

// Conflicts lists the files written with conflict markers or sidecars.
func (p *Plan) Conflicts() []string {
	var paths []string
	for _, c := range p.Changes {
		if c.Action == Conflict || c.Action == Sidecar {
			paths = append(paths, c.target())
		}
	}
	return paths
}

// Behind reports whether applying the plan would change anything on disk.
func (p *Plan) Behind() bool {
	if !bytes.Equal(p.oldManifest, p.Manifest.Data) {
		return true
	}
	return slices.ContainsFunc(p.Changes, FileChange.writes)
}

// PlanUpgrade decides, file by file, how the template's new render (theirs)
// comes into the project at dir (ours). old is the project's answers file;
// base holds the files as generated whose content
// could be recovered (Mode 0 where the mode is unknown). A base file whose
// digest is not old's is ignored: then, as for a file missing from base,
// only the digest tells whether the team changed it. label names theirs in
// conflict markers, e.g. "gomicro 1.1.0".
func PlanUpgrade(ours afero.Fs, dir string, old *Manifest, base map[string]File, theirs *Tree, label string) (*Plan, error) {
	manifest, ok := theirs.File(ManifestFile)
	if !ok {
		return nil, errors.New("rendered tree has no " + ManifestFile)
	}
	plan := &Plan{Manifest: manifest, oldManifest: old.raw}
	paths := map[string]bool{}
	for p := range old.Files {
		paths[p] = true
	}
	for _, f := range theirs.Files {
		if f.Path != ManifestFile {
			paths[f.Path] = true
		}
	}
	for _, p := range sortedKeys(paths) {
		if p == ManifestFile || !filepath.IsLocal(filepath.FromSlash(p)) || path.Clean(p) != p {
			return nil, fmt.Errorf("%s: file %q is outside the project", ManifestFile, p)
		}
		c := FileChange{Path: p}
		name := filepath.Join(dir, filepath.FromSlash(p))
		info, err := ours.Stat(name)
		switch {
		case err == nil && info.IsDir():
			return nil, fmt.Errorf("%s is a directory; the template has a file there", name)
		case err == nil:
			if c.Old, err = afero.ReadFile(ours, name); err != nil {
				return nil, err
			}
			c.OldMode = fileMode(info.Mode().Perm(), nil)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
		t, inTheirs := theirs.File(p)
		b := side{present: false}
		if digest, ok := old.Files[p]; ok {
			b = side{present: true, digest: digest}
			if f, ok := base[p]; ok && BlobID(f.Data) == digest {
				b.data, b.mode, b.known = f.Data, f.Mode, true
			}
		}
		decide(&c, b, t, inTheirs, label)
		plan.Changes = append(plan.Changes, c)
	}
	return plan, nil
}

// side is what is known of the base version of one file.
type side struct {
	present bool   // the file was generated
	digest  string // its blob id as generated
	known   bool   // its content was recovered
	data    []byte
	mode    fs.FileMode // 0 when unknown
}

// decide fills in the change's action and new content from the decision
// table of DESIGN.md's Upgrade section.
func decide(c *FileChange, base side, t File, inTheirs bool, label string) {
	oursExists := c.OldMode != 0
	set := func(a Action, data []byte, mode fs.FileMode) {
		c.Action, c.New, c.Mode = a, data, mode
	}
	merge := func(baseData []byte) {
		m := diff3.Merge(baseData, c.Old, t.Data, diff3.Labels{Ours: "ours", Base: "base", Theirs: label})
		set(Merge, m.Data, teamMode(c.OldMode, base.mode, t.Mode))
		if m.Conflicts > 0 {
			c.Action = Conflict
		}
	}
	switch {
	case !base.present && !oursExists:
		set(Create, t.Data, t.Mode)
	case !base.present && bytes.Equal(c.Old, t.Data):
		set(Unchanged, c.Old, c.OldMode) // both added it: the team's mode stands
	case !base.present:
		merge(nil) // both added it: every differing line is a conflict
	case !oursExists:
		set(KeepDeleted, nil, 0)
	case !inTheirs && BlobID(c.Old) == base.digest:
		set(Delete, nil, 0)
	case !inTheirs:
		set(KeepEdited, c.Old, c.OldMode)
	case bytes.Equal(c.Old, t.Data):
		set(Unchanged, c.Old, teamMode(c.OldMode, base.mode, t.Mode))
	case BlobID(c.Old) == base.digest:
		set(Take, t.Data, teamMode(c.OldMode, base.mode, t.Mode))
	case BlobID(t.Data) == base.digest:
		set(KeepOurs, c.Old, teamMode(c.OldMode, base.mode, t.Mode))
	case !base.known:
		set(Sidecar, t.Data, t.Mode)
	default:
		merge(base.data)
	}
	if c.Action == Unchanged && c.Mode != c.OldMode {
		c.Action = Take // only the execute bit changes
	}
}

// teamMode follows the template's execute bit unless the team changed it
// from the base. Where the base mode is unknown, ours is kept: a guess never
// overrides the team.
func teamMode(ours, base, theirs fs.FileMode) fs.FileMode {
	if base == 0 || ours != base {
		return ours
	}
	return theirs
}

// Diff is the unified diff of every change the plan would write, for
// --dry-run.
func (p *Plan) Diff() string {
	var b strings.Builder
	for _, c := range p.Changes {
		if !c.writes() {
			continue
		}
		old := string(c.Old)
		from, to := "a/"+c.Path, "b/"+c.target()
		if c.Action == Sidecar {
			old = ""
		}
		if c.Mode != c.OldMode && c.OldMode != 0 && c.New != nil {
			fmt.Fprintf(&b, "mode %s: %o -> %o\n", c.Path, c.OldMode, c.Mode)
		}
		if c.Old == nil || c.Action == Sidecar {
			from = "/dev/null"
		}
		if c.New == nil {
			to = "/dev/null"
		}
		b.WriteString(udiff.Unified(from, to, old, string(c.New)))
	}
	b.WriteString(udiff.Unified("a/"+ManifestFile, "b/"+ManifestFile, string(p.oldManifest), string(p.Manifest.Data)))
	return b.String()
}

// Apply carries out the plan in dir and writes the new answers file. Every
// new content is first written to a temporary file beside its target; only
// when all are written are they renamed into place, and a failure then puts
// back what was already replaced, so an error leaves the project as it was.
func (p *Plan) Apply(fsys afero.Fs, dir string) (err error) {
	type step struct {
		target, tmp string
		old         []byte // nil: the target did not exist
		oldMode     fs.FileMode
		remove      bool
	}
	var steps []step
	defer func() {
		for _, s := range steps {
			if s.tmp != "" {
				fsys.Remove(s.tmp)
			}
		}
	}()
	changes := append(slices.Clone(p.Changes), FileChange{Path: ManifestFile, Action: Take, New: p.Manifest.Data, Mode: 0o644, Old: p.oldManifest, OldMode: 0o644})
	for _, c := range changes {
		if !c.writes() {
			continue
		}
		s := step{target: filepath.Join(dir, filepath.FromSlash(c.target())), old: c.Old, oldMode: c.OldMode}
		if c.Action == Sidecar {
			s.old, s.oldMode = nil, 0
		}
		if c.New == nil {
			s.remove = true
		} else {
			s.tmp = filepath.Join(filepath.Dir(s.target), ".gomicro-tmp-"+filepath.Base(s.target))
			if err := writeFile(fsys, s.tmp, File{Data: c.New, Mode: c.Mode}); err != nil {
				fsys.Remove(s.tmp)
				return err
			}
		}
		steps = append(steps, s)
	}
	for i, s := range steps {
		if s.remove {
			err = fsys.Remove(s.target)
		} else {
			if err = fsys.Rename(s.tmp, s.target); err == nil {
				steps[i].tmp = ""
			}
		}
		if err != nil {
			for _, done := range steps[:i] {
				restore(fsys, done.target, done.old, done.oldMode)
			}
			return fmt.Errorf("upgrade %s: %w (every file put back as it was)", s.target, unwrapPath(err))
		}
	}
	for _, s := range steps {
		if s.remove {
			removeEmptyParents(fsys, dir, s.target)
		}
	}
	return nil
}

// removeEmptyParents removes the directories a deleted file leaves empty,
// up to the project root, as git does.
func removeEmptyParents(fsys afero.Fs, root, name string) {
	for d := filepath.Dir(name); d != root && strings.HasPrefix(d, root); d = filepath.Dir(d) {
		if empty, err := afero.IsEmpty(fsys, d); err != nil || !empty || fsys.Remove(d) != nil {
			return
		}
	}
}

func restore(fsys afero.Fs, name string, data []byte, mode fs.FileMode) {
	if mode == 0 {
		fsys.Remove(name)
		return
	}
	writeFile(fsys, name, File{Data: data, Mode: mode})
}

// ResolveUpgrade answers the questions for an upgrade: the project's recorded
// answers stand, --set values change them, and only questions new since then
// go to the prompter (nil: they take their defaults).
func (t *Template) ResolveUpgrade(recorded Answers, set map[string]string, p Prompter) (Answers, error) {
	return t.resolve(recorded, set, p)
}

// BaseFiles renders the template version a project was generated from with
// its recorded answers: the base of upgrade's three-way merge.
func BaseFiles(t *Template, recorded Answers) (map[string]File, error) {
	answers, err := t.resolve(recorded, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("recorded answers no longer valid for %s %s: %w", t.Name, t.Version, err)
	}
	tree, err := Render(t, answers)
	if err != nil {
		return nil, err
	}
	files := make(map[string]File, len(tree.Files))
	for _, f := range tree.Files {
		files[f.Path] = f
	}
	return files, nil
}
