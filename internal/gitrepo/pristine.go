package gitrepo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"
)

// File is one file of a project as gomicro rendered it.
type File struct {
	Path string      // project-relative, slash-separated
	Data []byte      // the content (a symlink's target when Mode says symlink)
	Mode fs.FileMode // 0o644, 0o755, ...: any execute bit makes it executable for git
	// ID is the content's blob id where the caller knows it ("" where
	// not): a file the parent record holds with that id is not written
	// again. With Data nil it names content the repository must hold
	// already (a file an upgrade did not render).
	ID string
}

// byID reports whether f names its content by blob id only.
func (f File) byID() bool { return f.Data == nil && f.ID != "" }

// MissingBlobsError is RecordPristine's answer when a file named by ID
// has no blob in the repository: the caller gives its content instead.
type MissingBlobsError struct{ Paths []string }

func (e *MissingBlobsError) Error() string {
	return fmt.Sprintf("gitrepo: %d pristine files (%s first) have no blob in the repository", len(e.Paths), e.Paths[0])
}

// The refs gomicro owns. A project's pristine render lives under
// pristinePrefix; legacyRef is where an older gomicro kept every project's
// render, and legacyKeep is where that ref moves to (see RecordPristine).
const (
	pristinePrefix = "refs/gomicro/pristine/"
	legacyRef      = "refs/gomicro/pristine"
	legacyKeep     = "refs/gomicro/legacy-pristine"
)

// maxRefName bounds the escaped name of a project's ref. A loose ref is a
// file named like it (plus ".lock" while it is written), and file names
// stop at 255 bytes; escaping can triple a name (every non-ASCII byte
// becomes three), so a long prefix is named by its hash instead.
const maxRefName = 200

// PristineRef is the ref that holds the project's pristine render:
// refs/gomicro/pristine/<the prefix, escaped>.
//
// Each project in a repository gets its own ref, so one project's upgrade
// never moves another's base out of reach. The whole prefix becomes ONE ref
// component, its slashes escaped too: a project nested in another
// ("svc" and "svc/inner") would otherwise need "…/svc" to be both a ref and
// a directory of refs, which git cannot store. Every byte outside
// [A-Za-z0-9_-] is percent-encoded ("." is "%2E", "/" is "%2F"), so the name
// passes `git check-ref-format` (no dot, no ".lock", no "@{", nothing git
// forbids) and no two prefixes share a ref. A name longer than maxRefName
// becomes "%sha256-" and the prefix's SHA-256: escaping only ever writes
// "%" before two upper-case hex digits, so that form is never an escaped
// prefix.
func (r *Repo) PristineRef() string {
	return pristineRefFor(r.Prefix)
}

func pristineRefFor(prefix string) string {
	name := escapeRefName(prefix)
	if len(name) > maxRefName {
		sum := sha256.Sum256([]byte(prefix))
		name = "%sha256-" + hex.EncodeToString(sum[:])
	}
	return pristinePrefix + name
}

func escapeRefName(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// RecordPristine stores files as one commit on r.PristineRef(), in one
// `git fast-import` process. Its parent is the ref's previous commit, so the
// renders of earlier upgrades stay reachable too; the tree holds exactly
// files, at their project-relative paths (the ref is private, nobody checks
// it out). The next upgrade finds its base in it by the blob ids the
// manifest records, and git gc keeps the blobs because the ref holds them.
//
// An older gomicro kept every project's render on the single ref
// refs/gomicro/pristine, which git cannot keep beside
// refs/gomicro/pristine/<x> (a ref cannot be both a file and a directory).
// When that ref exists it is first moved to refs/gomicro/legacy-pristine, in
// one ref transaction so it is never lost: other projects in the repository
// may still have their base there.
//
// It returns the commit the ref pointed to before ("" for none), for
// ResetPristine.
func (r *Repo) RecordPristine(files []File, message string) (was string, err error) {
	return r.RecordPristineOn(nil, files, message)
}

// RecordPristineOn is RecordPristine on the record as tip found it (nil:
// as it is now), for a caller that read the tip earlier, beside other
// work, and held the project's lock since (see lockfile.Project).
func (r *Repo) RecordPristineOn(tip *PristineTip, files []File, message string) (was string, err error) {
	for _, f := range files {
		if err := checkPath(f.Path); err != nil {
			return "", err
		}
	}
	if tip == nil {
		if tip, err = r.ReadPristineTip(); err != nil {
			return "", err
		}
	}
	if err := r.haveBlobs(files, tip.had); err != nil {
		return "", err
	}
	refs := tip.refs
	if refs[legacyRef] != "" {
		// Another project of the repository may have moved it since tip
		// was read: the lock is the project's, not the repository's.
		if refs, err = r.gomicroRefs(); err != nil {
			return "", err
		}
	}
	if err := r.moveLegacy(refs); err != nil {
		return "", err
	}
	stream := pristineStream(r.PristineRef(), tip.parent, files, tip.had, message, time.Now())
	// No --force: the new commit descends from the old tip, and should
	// another process have moved the ref meanwhile, failing beats dropping
	// what it stored.
	_, err = git(r.Top, stream, nil, fastImport...)
	return tip.parent, err
}

// PristineTip is the pristine record as it stood when read: the refs
// under refs/gomicro/, the tip of the project's own, and its tree.
type PristineTip struct {
	refs   map[string]string
	parent string               // the project's ref's commit, "" for none
	had    map[string]treeEntry // the parent's tree: a commit of the changes only
}

// ReadPristineTip reads the pristine record as it stands.
func (r *Repo) ReadPristineTip() (*PristineTip, error) {
	refs, err := r.gomicroRefs()
	if err != nil {
		return nil, err
	}
	tip := &PristineTip{refs: refs, parent: refs[r.PristineRef()]}
	if tip.parent != "" {
		tip.had, _ = r.treeEntries(tip.parent) // unreadable: the whole tree again
	}
	return tip, nil
}

// HasGomicroRefs is Repo.HasGomicroRefs as the tip found it.
func (t *PristineTip) HasGomicroRefs() bool { return len(t.refs) > 0 }

// BlobID is the blob id of the file at p (project-relative) in the
// record, "" when it holds none; ok is false when its tree could not be
// read.
func (t *PristineTip) BlobID(p string) (id string, ok bool) {
	if t.parent != "" && t.had == nil {
		return "", false
	}
	return t.had[p].id, true
}

// ResetPristine puts r.PristineRef() back to was, the commit
// RecordPristine returned ("" deletes the ref): for a record made beside a
// write that then failed. It does not compare the ref's tip first: the
// caller holds the project's lock (see lockfile.Project), and nothing but
// gomicro writes under refs/gomicro/.
func (r *Repo) ResetPristine(was string) error {
	args := []string{"update-ref", "-m", "gomicro: the upgrade was rolled back", r.PristineRef(), was}
	if was == "" {
		args = []string{"update-ref", "-d", r.PristineRef()}
	}
	_, err := git(r.Top, nil, nil, args...)
	return err
}

// fastImport runs git fast-import, its objects kept as one pack whatever
// their number: below fastimport.unpackLimit (100 by default) git writes
// each as a loose object, a file apiece, which took a small upgrade's
// record from 6-12 ms to 23-31 ms (the 50-file bench, under load). Its
// objects are compressed at zlib's fastest level, git's own choice for
// loose objects (core.looseCompression): the default level took a quarter
// of the record's CPU (1000 files, 112 changed: 13-20 ms, at level 1
// 12-16 ms), for a private ref that only gomicro reads.
var fastImport = []string{"-c", "fastimport.unpackLimit=0", "-c", "pack.compression=1", "fast-import", "--quiet"}

// PristineFile is the file at p (project-relative) in the pristine
// record, or false when there is none.
func (r *Repo) PristineFile(p string) ([]byte, bool) {
	if checkPath(p) != nil {
		return nil, false
	}
	out, err := git(r.Top, nil, nil, "cat-file", "blob", r.PristineRef()+":"+p)
	return out, err == nil
}

// HasGomicroRefs reports whether the repository holds any ref under
// refs/gomicro/, where upgrades keep their renders. A plain `git clone`
// fetches none of them.
func (r *Repo) HasGomicroRefs() (bool, error) {
	refs, err := r.gomicroRefs()
	return len(refs) > 0, err
}

// gomicroRefs maps each ref under refs/gomicro/ to its object id.
func (r *Repo) gomicroRefs() (map[string]string, error) {
	out, err := git(r.Top, nil, nil, "for-each-ref", "--format=%(objectname) %(refname)", "refs/gomicro/")
	if err != nil {
		return nil, err
	}
	refs := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if id, name, ok := strings.Cut(line, " "); ok {
			refs[name] = id
		}
	}
	return refs, nil
}

// moveLegacy moves refs/gomicro/pristine to refs/gomicro/legacy-pristine,
// deleting the old name and writing the new one in one transaction. When
// legacy-pristine already exists (an older gomicro wrote the legacy ref
// again after a migration), the two are joined by a merge commit that keeps
// both reachable.
func (r *Repo) moveLegacy(refs map[string]string) error {
	legacy := refs[legacyRef]
	if legacy == "" {
		return nil
	}
	keep, target := refs[legacyKeep], legacy
	if keep != "" && keep != legacy {
		merged, err := r.mergeCommit(keep, legacy)
		if err != nil {
			return err
		}
		target = merged
	}
	var tx strings.Builder
	if keep == "" {
		fmt.Fprintf(&tx, "create %s %s\n", legacyKeep, target)
	} else {
		fmt.Fprintf(&tx, "update %s %s %s\n", legacyKeep, target, keep)
	}
	fmt.Fprintf(&tx, "delete %s %s\n", legacyRef, legacy)
	_, err := git(r.Top, []byte(tx.String()), nil, "update-ref", "--stdin")
	return err
}

// gomicroIdentity is the author and committer of the commits gomicro
// writes on its private refs: they are bookkeeping, not anyone's work, and
// need no identity configured.
var gomicroIdentity = []string{
	"GIT_AUTHOR_NAME=gomicro", "GIT_AUTHOR_EMAIL=gomicro@localhost",
	"GIT_COMMITTER_NAME=gomicro", "GIT_COMMITTER_EMAIL=gomicro@localhost",
}

// mergeCommit writes a commit with first's tree and the parents first and
// second, and returns its id.
func (r *Repo) mergeCommit(first, second string) (string, error) {
	out, err := git(r.Top, nil, gomicroIdentity, "commit-tree", first+"^{tree}",
		"-p", first, "-p", second, "-m", "gomicro: keep the pristine files of an older gomicro")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// pristineStream is the fast-import input that commits files on ref, with
// parent (when not "") as the parent commit. With had, the parent's tree,
// it writes only what differs from it, as a commit of an upgrade's few
// changes should cost; without, the whole tree. "feature done" makes a
// stream cut short an error rather than a commit of part of the files.
func pristineStream(ref, parent string, files []File, had map[string]treeEntry, message string, now time.Time) []byte {
	var in bytes.Buffer
	in.WriteString("feature done\n")
	changed := make([]bool, len(files))
	for i, f := range files {
		e, ok := had[f.Path]
		changed[i] = !ok || e.mode != gitMode(f.Mode) || f.ID == "" || e.id != strings.ToLower(f.ID)
		if changed[i] && !f.byID() {
			writeBlob(&in, i+1, f.Data)
		}
	}
	fmt.Fprintf(&in, "commit %s\ncommitter gomicro <gomicro@localhost> %d +0000\ndata %d\n%s\n",
		ref, now.Unix(), len(message), message)
	if parent != "" {
		fmt.Fprintf(&in, "from %s\n", parent)
	}
	if had == nil {
		// The parent's tree would otherwise carry over files the template dropped.
		in.WriteString("deleteall\n")
	} else {
		keep := make(map[string]bool, len(files))
		for _, f := range files {
			keep[f.Path] = true
		}
		for _, p := range slices.Sorted(maps.Keys(had)) {
			if !keep[p] {
				fmt.Fprintf(&in, "D %s\n", quoteC(p))
			}
		}
	}
	for i, f := range files {
		if !changed[i] {
			continue
		}
		blob := fmt.Sprintf(":%d", i+1)
		if f.byID() {
			blob = f.ID
		}
		fmt.Fprintf(&in, "M %s %s %s\n", gitMode(f.Mode), blob, quoteC(f.Path))
	}
	in.WriteString("done\n")
	return in.Bytes()
}

// treeEntry is one blob of a tree: its mode and id.
type treeEntry struct{ mode, id string }

// treeEntries lists the blobs of a commit's tree by path (git ls-tree -r).
func (r *Repo) treeEntries(commit string) (map[string]treeEntry, error) {
	out, err := git(r.Top, nil, nil, "ls-tree", "-r", "-z", "--full-tree", commit)
	if err != nil {
		return nil, err
	}
	entries := map[string]treeEntry{}
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		meta, p, ok := strings.Cut(line, "\t")
		fields := strings.Fields(meta)
		if !ok || len(fields) != 3 {
			continue
		}
		if fields[1] == "blob" {
			entries[p] = treeEntry{mode: fields[0], id: fields[2]}
		}
	}
	return entries, nil
}

// writeBlob writes one fast-import blob command with the given mark.
func writeBlob(in *bytes.Buffer, mark int, data []byte) {
	fmt.Fprintf(in, "blob\nmark :%d\ndata %d\n", mark, len(data))
	in.Write(data)
	in.WriteString("\n")
}

// gitMode is the mode git records for a file mode: a symlink, an
// executable, or a plain file.
func gitMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "120000"
	case m&0o111 != 0:
		return "100755"
	}
	return "100644"
}

// quoteC writes a path as a C-style quoted string, the form fast-import
// reads whatever the path holds (spaces, quotes, newlines, a leading quote).
// Bytes of 0x80 and above pass through: git takes them literally.
func quoteC(p string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(p) {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// checkPath refuses a path git could not store as given: absolute, with
// empty, "." or ".." elements, or with a NUL byte.
func checkPath(p string) error {
	if !fs.ValidPath(p) || p == "." || strings.ContainsRune(p, 0) {
		return fmt.Errorf("gitrepo: invalid project path %q", p)
	}
	return nil
}
