package generator

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aymanbagabas/go-udiff"
	"github.com/spf13/afero"
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
	KeepLink                  // a symlink of the team's is there or on the way: never written through
	Merge                     // both changed it: a clean three-way merge
	Conflict                  // both changed it on the same lines, or both added it: markers written
	Sidecar                   // both changed it and no merge is possible (no base, binary): theirs written to FILE.gomicro-new
	Blocked                   // applying it would destroy something of the team's: nothing is upgraded
	Skipped                   // the team's (once: or skip:, see owned.go), changed by the template: left as it is
	Move                      // the template moved it (From): written at Path with the team's edits, From removed
)

var actionNames = [...]struct{ verb, why string }{
	Unchanged:   {"unchanged", ""},
	Take:        {"updated", ""},
	Create:      {"added", ""},
	Delete:      {"deleted", "removed by the template"},
	KeepOurs:    {"kept", "your edit; the template did not change it"},
	KeepEdited:  {"kept", "removed by the template, but edited by you"},
	KeepDeleted: {"not added", "deleted by you"},
	KeepLink:    {"kept", "a symlink: yours to manage, never written through"},
	Merge:       {"merged", "your edits and the template's"},
	Conflict:    {"CONFLICT", "both changed the same lines: resolve the markers"},
	Sidecar:     {"CONFLICT", "edited by you, and no base to merge with: compare with the new version beside it"},
	Blocked:     {"CONFLICT", ""},
	Skipped:     {"skipped", ""},
	Move:        {"moved", ""},
}

// String is the action as a verb: "updated", "kept", "CONFLICT".
func (a Action) String() string { return actionNames[a].verb }

// Why explains the action in a few words, or is empty.
func (a Action) Why() string { return actionNames[a].why }

// SidecarSuffix names the file an upgrade writes beside an edited file it
// cannot merge for want of a base.
const SidecarSuffix = ".gomicro-new"

// Version is one side of a file in a conflict.
type Version struct {
	Data []byte
	Mode fs.FileMode
}

// FileChange is the upgrade's decision for one path.
type FileChange struct {
	Path    string
	Action  Action
	Note    string      // why, when it says more than Action.Why
	Old     []byte      // on disk now; nil if absent
	OldMode fs.FileMode // 0 if absent
	New     []byte      // after the upgrade; nil when the file is (or stays) absent
	Mode    fs.FileMode

	// For Conflict and Sidecar: the three versions, as git's index holds
	// them (line endings normalised), for stages 1 to 3. Nil where absent.
	Base, Ours, Theirs *Version

	crlf          bool // ours is a CRLF checkout of an LF template
	sidecarExists bool // the sidecar already holds New
	clearDir      bool // an empty directory (or one the plan empties) is where New goes

	// From is where the file was before the template moved it to Path
	// (Move, and a Conflict or Sidecar of a moved file; see rename.go).
	// Where FromMode is not 0 the team's file is there, and an apply
	// removes it (Old is then nil); 0: the team deleted it.
	From     string
	FromData []byte
	FromMode fs.FileMode
}

// Why is the note, or the action's own explanation.
func (c FileChange) Why() string {
	if c.Note != "" {
		return c.Note
	}
	return c.Action.Why()
}

// writes reports whether the change touches the disk.
func (c FileChange) writes() bool {
	switch c.Action {
	case Take, Create, Delete, Merge, Conflict, Move:
		return true
	case Sidecar:
		return !c.sidecarExists
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
	Changes  []FileChange
	Manifest File // the new .gomicro.yml
	// Unresolved lists what the last upgrade left to resolve and still is:
	// files holding its conflict markers, sidecars still present.
	Unresolved  []string
	oldManifest []byte
	sameAnswers bool   // the manifest differs only by a list an older gomicro did not write
	manifestLF  []byte // the old manifest with a CRLF checkout's line endings undone
	// committed are the files git holds as they are on disk (see
	// UpgradeRequest.Committed): the planner knows them without looking,
	// and Apply rewrites them in place.
	committed map[string]Committed
}

// Written lists, in plan order, the paths relative to the project that an
// apply of p writes or removes: changed files, sidecars, and the answers
// file last. A commit of the upgrade holds exactly these.
func (p *Plan) Written() []string {
	var paths []string
	for _, c := range p.Changes {
		if c.writes() {
			paths = append(paths, c.moved()...)
			paths = append(paths, c.target())
		}
	}
	return append(paths, ManifestFile)
}

// Conflicts lists the files written with conflict markers or sidecars, and
// the paths that block the upgrade.
func (p *Plan) Conflicts() []string {
	var paths []string
	for _, c := range p.Changes {
		if c.Action == Conflict || c.Action == Sidecar || c.Action == Blocked {
			paths = append(paths, c.target())
		}
	}
	return paths
}

// Blocked lists the changes that cannot be applied without destroying
// something of the team's; while there are any, Apply refuses.
func (p *Plan) Blocked() []FileChange {
	var blocked []FileChange
	for _, c := range p.Changes {
		if c.Action == Blocked {
			blocked = append(blocked, c)
		}
	}
	return blocked
}

// Behind reports whether applying the plan would change anything on disk.
func (p *Plan) Behind() bool {
	if !bytes.Equal(p.manifestLF, bytes.ReplaceAll(p.Manifest.Data, []byte("\r\n"), []byte("\n"))) && !p.sameAnswers {
		return true
	}
	return slices.ContainsFunc(p.Changes, FileChange.writes)
}

// IgnoredNote explains the sidecar of a conflict on a file the project's
// version control ignores.
const IgnoredNote = "git ignores it (a secret?): yours is left alone and kept out of git; merge what you need from the new version beside it by hand"

// planUpgrade decides, file by file, how the template's new render (theirs)
// comes into the project at dir (ours). old is the project's answers file;
// base holds the files as generated whose content could be recovered (Mode
// 0 where the mode is unknown). A base file whose digest is not old's is
// ignored: then, as for a file missing from base, only the digest tells
// whether the team changed it. label names theirs in conflict markers, e.g.
// "gomicro 1.1.0". It only reads. ignored, when not nil, names the paths the
// project's version control ignores: a conflict on a file of the team's
// there would put its content (perhaps a secret) into git's object store
// and index as a stage, so it becomes a sidecar instead, with no stages,
// and the team's file is not touched.
//
// It works in steps: the new answers file; a decision for every path
// (decidePath); ignored files' conflicts as sidecars (keepIgnored); what is in
// the way of a decision (inTheWay); and the sidecars, new and left over
// (sidecars).
func planUpgrade(ours afero.Fs, dir string, old *Manifest, base map[string]File, theirs *Tree, label string, ignored func([]string) ([]string, error), committed map[string]Committed) (*Plan, error) {
	sv, err := startSurvey(ours, dir, old, theirs, committed)
	if err != nil {
		return nil, err
	}
	return sv.plan(base, label, ignored)
}

// survey is the first half of planUpgrade, which only reads the project:
// what is on disk at each path the plan must examine, and its content. It
// runs beside the base's recovery, which it does not need; plan waits for
// it.
type survey struct {
	pl     *planner
	theirs *Tree
	paths  []string
	looked []looked // by paths' index
	done   chan struct{}
}

// looked is what the survey found at one path: skip, when git vouches
// for the file and the release did not change it.
type looked struct {
	skip bool
	disk onDisk
	data []byte
	err  error
}

// startSurvey starts reading the project for planUpgrade.
func startSurvey(ours afero.Fs, dir string, old *Manifest, theirs *Tree, committed map[string]Committed) (*survey, error) {
	dir = cleanDir(dir)
	plan, err := newPlan(old, theirs)
	if err != nil {
		return nil, err
	}
	plan.committed = committed
	sv := &survey{
		pl:     &planner{ours: ours, dir: dir, old: old, lk: newLooker(ours, dir), plan: plan, found: map[string]onDisk{}},
		theirs: theirs,
		paths:  upgradePaths(old, theirs),
		done:   make(chan struct{}),
	}
	sv.looked = make([]looked, len(sv.paths))
	go func() {
		defer close(sv.done)
		for i, p := range sv.paths {
			if sv.looked[i] = sv.pl.look(p, theirs); sv.looked[i].err != nil {
				return // decidePath reports it, in order
			}
		}
	}()
	return sv, nil
}

// plan waits for the survey and decides every path with base.
func (sv *survey) plan(base map[string]File, label string, ignored func([]string) ([]string, error)) (*Plan, error) {
	<-sv.done
	pl, plan, theirs := sv.pl, sv.pl.plan, sv.theirs
	for i, p := range sv.paths {
		if err := pl.decidePath(p, sv.looked[i], base, theirs, label); err != nil {
			return nil, err
		}
	}
	if err := pl.moves(base, theirs, label, ignored); err != nil {
		return nil, err
	}
	if ignored != nil {
		if err := keepIgnored(plan, theirs, ignored); err != nil {
			return nil, err
		}
	}
	pl.inTheWay()
	if err := pl.sidecars(); err != nil {
		return nil, err
	}
	slices.Sort(plan.Unresolved)
	return plan, nil
}

// newPlan starts the plan with the answers file theirs renders, keeping
// the keys of old's that gomicro does not own, in old's line endings.
func newPlan(old *Manifest, theirs *Tree) (*Plan, error) {
	manifest, ok := theirs.File(ManifestFile)
	if !ok {
		return nil, errors.New("rendered tree has no " + ManifestFile)
	}
	data, err := old.keepUnknown(manifest.Data)
	if err != nil {
		return nil, err
	}
	manifest.Data = data
	plan := &Plan{Manifest: manifest, oldManifest: old.raw, manifestLF: old.raw}
	if isCRLF(old.raw) {
		// A CRLF checkout of .gomicro.yml is not a change either: compare
		// as git does, and write it back in its own line endings.
		plan.manifestLF = bytes.ReplaceAll(old.raw, []byte("\r\n"), []byte("\n"))
		plan.Manifest.Data = bytes.ReplaceAll(manifest.Data, []byte("\n"), []byte("\r\n"))
	}
	if old.Executable == nil {
		// Written before gomicro recorded modes: recording them now is no
		// reason to call the project behind.
		withoutModes, _, _ := bytes.Cut(manifest.Data, []byte("\nexecutable:"))
		plan.sameAnswers = bytes.Equal(plan.manifestLF, append(withoutModes, '\n'))
	}
	return plan, nil
}

// upgradePaths is every path an upgrade decides, sorted: those old records
// and those theirs renders, the answers file aside.
func upgradePaths(old *Manifest, theirs *Tree) []string {
	paths := map[string]bool{}
	for p := range old.Files {
		paths[p] = true
	}
	for _, f := range theirs.Files {
		if f.Path != ManifestFile {
			paths[f.Path] = true
		}
	}
	return sortedKeys(paths)
}

// planner is the state of one planUpgrade: the project it reads and what
// it found there.
type planner struct {
	ours afero.Fs
	dir  string
	old  *Manifest
	lk   *looker
	plan *Plan
	// found is what look found at each path decided.
	found map[string]onDisk
	// blocking indexes the changes whose path, or a parent of it, is not
	// what the decision assumed: inTheWay looks at them again.
	blocking []int
}

// look is the survey of p: what is on disk there and, for a file, its
// content. It reads nothing where git vouches for the file (committed as
// generated) and the release did not change it.
func (pl *planner) look(p string, theirs *Tree) looked {
	if why := unsafeProjectPath(p); why != "" {
		return looked{err: fmt.Errorf("%s: file %q %s", ManifestFile, p, why)}
	}
	if k, ok := pl.plan.committed[p]; ok && k.ID == pl.old.Files[p] {
		if t, ok := theirs.File(p); ok && t.known() {
			return looked{skip: true, disk: onDisk{kind: onDiskFile, mode: k.Mode}}
		}
	}
	disk, err := pl.lk.look(p)
	if err != nil || disk.kind != onDiskFile {
		return looked{disk: disk, err: err}
	}
	data, err := afero.ReadFile(pl.ours, join(pl.dir, p))
	return looked{disk: disk, data: data, err: err}
}

// decidePath adds the change for p to the plan: what the survey found on
// disk there (lk), and the decision table (decide in merge.go) for its
// three sides.
func (pl *planner) decidePath(p string, lk looked, base map[string]File, theirs *Tree, label string) error {
	if lk.err != nil {
		return lk.err
	}
	c := FileChange{Path: p}
	disk := lk.disk
	pl.found[p] = disk
	if lk.skip {
		// As generated, and the release did not change it: nothing to
		// do, nothing to read or examine (git knows the file).
		c.Action, c.OldMode, c.Mode = Unchanged, disk.mode, disk.mode
		pl.plan.Changes = append(pl.plan.Changes, c)
		return nil
	}
	switch disk.kind {
	case onDiskLink:
		c.Action = KeepLink
		pl.plan.Changes = append(pl.plan.Changes, c)
		return nil
	case onDiskFile:
		c.Old = lk.data
		c.OldMode = disk.mode
		if digest, recorded := pl.old.Files[p]; recorded && hasOurMarkers(c.Old) && !asGenerated(c.Old, digest) {
			// A file exactly as gomicro wrote it is never a
			// conflict, whatever it quotes (an UPGRADING.md that
			// explains the markers).
			pl.plan.Unresolved = append(pl.plan.Unresolved, p)
		}
	case onDiskDir, onDiskUnderFile, onDiskOther:
		pl.blocking = append(pl.blocking, len(pl.plan.Changes))
	}
	t, inTheirs := theirs.File(p)
	if inTheirs && t.Data == nil && !t.known() {
		t.Data = []byte{} // an empty file is a file: New == nil means absent
	}
	decide(&c, baseSide(pl.old, base, p), t, inTheirs, label)
	pl.plan.Changes = append(pl.plan.Changes, c)
	return nil
}

// baseSide is p as generated: present if old records it, with its content
// where base holds the file old's digest names.
func baseSide(old *Manifest, base map[string]File, p string) side {
	var b side
	if digest, ok := old.Files[p]; ok {
		b.present, b.digest, b.mode = true, digest, old.BaseMode(p)
		if f, ok := base[p]; ok && BlobID(f.Data) == digest {
			b.data, b.known = f.Data, true
			if b.mode == 0 {
				b.mode = f.Mode
			}
		}
	}
	return b
}

// inTheWay blocks each change that writes where the team has a directory,
// a file on the way or a device, unless the plan itself clears the way.
func (pl *planner) inTheWay() {
	byPath := make(map[string]*FileChange, len(pl.plan.Changes))
	for i := range pl.plan.Changes {
		byPath[pl.plan.Changes[i].Path] = &pl.plan.Changes[i]
	}
	for _, i := range pl.blocking {
		c := &pl.plan.Changes[i]
		if !c.writes() {
			continue
		}
		disk := pl.found[c.Path]
		if disk.kind == onDiskOther {
			block(c, fmt.Sprintf("%s is not a regular file (a device, socket or pipe): move it aside and upgrade again", c.Path))
			continue
		}
		if disk.kind == onDiskDir {
			// The template now has a file where the team has a directory:
			// fine only if the upgrade empties it.
			if kept := keptInside(pl.ours, pl.dir, c.Path, byPath); kept != "" {
				block(c, fmt.Sprintf("the template now has a file here, and your directory %s holds %s: move it aside and upgrade again", c.Path, kept))
			} else {
				c.clearDir = true
			}
			continue
		}
		// A parent is a file: fine only if the upgrade deletes it first.
		if parent := byPath[disk.file]; parent == nil || parent.Action != Delete {
			block(c, fmt.Sprintf("the template now has a directory %s, and your file %s is in the way: move it aside and upgrade again", disk.file, disk.file))
		}
	}
}

// sidecars checks the FILE.gomicro-new of every change: a sidecar the plan
// writes must find its place free or already holding the new version, and
// one a past upgrade left beside a file is still unresolved.
func (pl *planner) sidecars() error {
	for i := range pl.plan.Changes {
		c := &pl.plan.Changes[i]
		if c.Action != Sidecar {
			pl.leftSidecar(c)
			continue
		}
		if err := pl.placeSidecar(c); err != nil {
			return err
		}
	}
	return nil
}

// leftSidecar notes a sidecar left beside c's file, unless the template
// generated it.
func (pl *planner) leftSidecar(c *FileChange) {
	if disk := pl.found[c.Path]; disk.kind == onDiskFile && pl.lk.mayExist(c.Path+SidecarSuffix) {
		if existing, err := pl.lk.look(c.Path + SidecarSuffix); err == nil && existing.kind != onDiskAbsent &&
			!generatedFile(pl.ours, pl.dir, pl.old, c.Path+SidecarSuffix, existing) {
			pl.plan.Unresolved = append(pl.plan.Unresolved, c.Path+SidecarSuffix)
		}
	}
}

// placeSidecar blocks c, a Sidecar, when something other than its new
// version is where the sidecar goes.
func (pl *planner) placeSidecar(c *FileChange) error {
	side, err := pl.lk.look(c.target())
	if err != nil {
		return err
	}
	switch side.kind {
	case onDiskAbsent:
	case onDiskFile:
		data, err := afero.ReadFile(pl.ours, join(pl.dir, c.target()))
		if err != nil {
			return err
		}
		if !bytes.Equal(data, c.New) {
			block(c, fmt.Sprintf("%s exists with other content, which is yours now: merge it into %s and remove it, then upgrade again", c.target(), c.Path))
			return nil
		}
		c.sidecarExists = true
		pl.plan.Unresolved = append(pl.plan.Unresolved, c.target())
	default:
		block(c, fmt.Sprintf("%s is in the way of the new version: remove it, then upgrade again", c.target()))
	}
	return nil
}

// keepIgnored turns each conflict on an ignored file of the team's into a
// sidecar without index stages (see planUpgrade). One question to git for
// the whole plan; when it cannot answer, the upgrade fails rather than
// risk staging a secret.
func keepIgnored(plan *Plan, theirs *Tree, ignored func([]string) ([]string, error)) error {
	var paths []string
	for _, c := range plan.Changes {
		if c.OldMode != 0 && (c.Action == Conflict || c.Action == Sidecar) {
			paths = append(paths, c.Path)
		}
	}
	if len(paths) == 0 {
		return nil
	}
	matched, err := ignored(paths)
	if err != nil {
		return fmt.Errorf("cannot tell which files git ignores, so conflicts could stage one of them: %w", err)
	}
	for i := range plan.Changes {
		c := &plan.Changes[i]
		if !slices.Contains(matched, c.Path) || !slices.Contains(paths, c.Path) {
			continue
		}
		t, _ := theirs.File(c.Path)
		c.Action, c.New, c.Mode, c.Note = Sidecar, t.Data, t.Mode, IgnoredNote
		if c.New == nil {
			c.New = []byte{}
		}
		c.Base, c.Ours, c.Theirs = nil, nil, nil
	}
	return nil
}

// asGenerated reports whether data is a file exactly as gomicro generated
// it: its blob id is the one recorded, as written or as a CRLF checkout.
func asGenerated(data []byte, digest string) bool {
	if BlobID(data) == digest {
		return true
	}
	return isCRLF(data) && BlobID(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))) == digest
}

// generatedFile reports whether the file at p, found as disk, is one the
// template generated and nobody changed since: then it is the template's
// own file, not an upgrade's leftover (a template made before gomicro
// reserved FILE.gomicro-new could ship one).
func generatedFile(ours afero.Fs, dir string, old *Manifest, p string, disk onDisk) bool {
	digest, recorded := old.Files[p]
	if !recorded || disk.kind != onDiskFile {
		return false
	}
	data, err := afero.ReadFile(ours, join(dir, p))
	return err == nil && asGenerated(data, digest)
}

func block(c *FileChange, why string) {
	c.Action, c.Note, c.New, c.Mode = Blocked, why, nil, 0
}

// keptInside names something in directory p that the upgrade would not
// remove, or returns "" when every file in it is one the plan deletes.
func keptInside(fsys afero.Fs, dir, p string, byPath map[string]*FileChange) string {
	kept := ""
	afero.Walk(fsys, join(dir, p), func(name string, info fs.FileInfo, err error) error {
		if err != nil || kept != "" {
			kept = name
			return filepath.SkipAll
		}
		if info.IsDir() {
			return nil
		}
		rel := strings.TrimPrefix(name, join(dir, "")+"/")
		if dir == "." {
			rel = name
		}
		if c := byPath[rel]; c == nil || c.Action != Delete {
			kept = rel
			return filepath.SkipAll
		}
		return nil
	})
	return kept
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
		if c.movesFrom() {
			old, from = c.diffFrom(&b)
		}
		if c.Action == Sidecar {
			old = ""
		}
		if c.Mode != c.OldMode && c.OldMode != 0 && c.New != nil && c.Action != Sidecar {
			fmt.Fprintf(&b, "mode %s: %o -> %o\n", c.Path, c.OldMode, c.Mode)
		}
		if (c.Old == nil && !c.movesFrom()) || c.Action == Sidecar {
			from = "/dev/null"
		}
		if c.New == nil {
			to = "/dev/null"
		}
		b.WriteString(udiff.Unified(from, to, old, string(c.New)))
	}
	if !p.sameAnswers {
		b.WriteString(udiff.Unified("a/"+ManifestFile, "b/"+ManifestFile, string(p.oldManifest), string(p.Manifest.Data)))
	}
	return b.String()
}
