package gitrepo

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"
)

// Stage is one side of a conflict.
type Stage struct {
	Data []byte
	Mode fs.FileMode // as File.Mode
}

// Conflict is a file the upgrade could not merge. A nil side is a file
// absent on that side: no Base is "both added", no Theirs is "the template
// removed a file the team changed".
type Conflict struct {
	Path   string // project-relative, slash-separated
	Base   *Stage // the file as the old template rendered it
	Ours   *Stage // the team's version, as it was before the upgrade
	Theirs *Stage // the new template's render
}

// MarkConflicts makes git see each path as unmerged, exactly as `git merge`
// leaves a conflict: the path's stage-0 index entry is replaced by stage 1
// (base), 2 (ours) and 3 (theirs), each stage present only when that side
// has the file. Then `git status` lists it as unmerged (UU, AA, UD, DU, ...),
// `git diff` shows the combined diff against the work tree, `git commit`
// refuses until the person resolves it, and `git add`, `git checkout
// --theirs` or `git mergetool` resolve it. The work tree file, with its
// markers, is the caller's to write.
//
// It costs two processes whatever the number of conflicts: one
// `git fast-import` writes every blob, one `git update-index --index-info`
// rewrites every entry.
func (r *Repo) MarkConflicts(cs []Conflict) error {
	if len(cs) == 0 {
		return nil
	}
	var data [][]byte
	for _, c := range cs {
		if err := checkPath(c.Path); err != nil {
			return err
		}
		if c.Ours == nil && c.Theirs == nil {
			return fmt.Errorf("gitrepo: conflict %s: neither side has the file", c.Path)
		}
		for _, s := range c.stages() {
			if s != nil {
				data = append(data, s.Data)
			}
		}
	}
	ids, err := r.writeBlobs(data)
	if err != nil {
		return err
	}
	zero := strings.Repeat("0", len(ids[0]))
	var info bytes.Buffer
	for _, c := range cs {
		path := r.topPath(c.Path)
		// Mode 0 removes every entry of the path, so stages can go in.
		fmt.Fprintf(&info, "0 %s\t%s\x00", zero, path)
		for i, s := range c.stages() {
			if s != nil {
				fmt.Fprintf(&info, "%s %s %d\t%s\x00", gitMode(s.Mode), ids[0], i+1, path)
				ids = ids[1:]
			}
		}
	}
	_, err = git(r.Top, info.Bytes(), nil, "update-index", "-z", "--index-info")
	return err
}

// stages lists the sides in stage order: 1 base, 2 ours, 3 theirs.
func (c Conflict) stages() [3]*Stage {
	return [3]*Stage{c.Base, c.Ours, c.Theirs}
}

// writeBlobs stores each content as a blob in the object store, in one
// `git fast-import` process, and returns their ids in the same order. The
// blobs are in no commit; the index entries that name them keep them from
// git gc.
func (r *Repo) writeBlobs(data [][]byte) ([]string, error) {
	var in bytes.Buffer
	in.WriteString("feature done\n")
	for i, d := range data {
		writeBlob(&in, i+1, d)
	}
	// get-mark answers on stdout, one id per line, in this order.
	for i := range data {
		fmt.Fprintf(&in, "get-mark :%d\n", i+1)
	}
	in.WriteString("done\n")
	out, err := git(r.Top, in.Bytes(), nil, fastImport...)
	if err != nil {
		return nil, err
	}
	ids := strings.Fields(string(out))
	if len(ids) != len(data) {
		return nil, fmt.Errorf("git fast-import: %d blob ids for %d blobs", len(ids), len(data))
	}
	for _, id := range ids {
		if !isObjectID(id) {
			return nil, fmt.Errorf("git fast-import: %q is not an object id", id)
		}
	}
	return ids, nil
}
