package generator

import (
	"bytes"
	"io/fs"

	"github.com/gomicro/gomicro/internal/diff3"
)

// hasOurMarkers reports whether data holds the conflict markers an upgrade
// writes: an opening "<<<<<<< ours" and a closing line naming gomicro.
func hasOurMarkers(data []byte) bool {
	return (bytes.HasPrefix(data, []byte("<<<<<<< ours")) || bytes.Contains(data, []byte("\n<<<<<<< ours"))) &&
		bytes.Contains(data, []byte("\n>>>>>>> gomicro "))
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
// table in docs/upgrade.md. Content is compared as git would
// see it: a CRLF checkout of an LF template is not an edit, and what is
// written back keeps the file's own line endings.
func decide(c *FileChange, base side, t File, inTheirs bool, label string) {
	oursExists := c.OldMode != 0
	ours := c.Old
	if isCRLFCheckout(ours, base, t, inTheirs) {
		ours, c.crlf = bytes.ReplaceAll(ours, []byte("\r\n"), []byte("\n")), true
	}
	set := func(a Action, data []byte, mode fs.FileMode) {
		c.Action, c.New, c.Mode = a, data, mode
	}
	stages := func(b *Version) {
		c.Base, c.Ours, c.Theirs = b, &Version{ours, c.OldMode}, &Version{t.Data, t.Mode}
		if !oursExists {
			c.Ours = nil
		}
	}
	var baseVersion *Version
	if base.known {
		baseVersion = &Version{base.data, base.mode}
	}
	merge := func(baseData []byte) {
		if isBinary(baseData) || isBinary(ours) || isBinary(t.Data) {
			set(Sidecar, t.Data, t.Mode)
			c.Note = "binary, changed by you and by the template: compare with the new version beside it"
			stages(baseVersion)
			return
		}
		m := diff3.Merge(baseData, ours, t.Data, diff3.Labels{Ours: "ours", Base: "base", Theirs: label})
		set(Merge, m.Data, mergeMode(c.OldMode, base.mode, t.Mode))
		if m.Conflicts > 0 {
			c.Action = Conflict
			stages(baseVersion)
		}
	}
	digest := BlobID(ours)
	switch {
	case !base.present && !oursExists:
		set(Create, t.Data, t.Mode)
	case !base.present && bytes.Equal(ours, t.Data):
		set(Unchanged, c.Old, c.OldMode) // both added it: the team's mode stands
	case !base.present:
		merge(nil) // both added it: every differing line is a conflict
	case !oursExists && !inTheirs:
		set(Unchanged, nil, 0) // gone on both sides
	case !oursExists:
		set(KeepDeleted, nil, 0)
	case !inTheirs && digest == base.digest && (base.mode == 0 || c.OldMode == base.mode):
		set(Delete, nil, 0)
	case !inTheirs:
		set(KeepEdited, c.Old, c.OldMode)
	case sameAs(ours, digest, t):
		set(Unchanged, c.Old, mergeMode(c.OldMode, base.mode, t.Mode))
	case digest == base.digest:
		set(Take, t.Data, mergeMode(c.OldMode, base.mode, t.Mode))
	case t.blobID() == base.digest:
		set(KeepOurs, c.Old, mergeMode(c.OldMode, base.mode, t.Mode))
	case !base.known:
		set(Sidecar, t.Data, t.Mode)
		stages(nil)
	default:
		merge(base.data)
	}
	if c.Action == Unchanged && c.Mode != c.OldMode {
		c.Action = Take // only the mode changes
	}
	if c.crlf && bytes.Contains(c.New, []byte("\n")) && !bytes.Equal(c.New, c.Old) && !isBinary(c.New) {
		c.New = bytes.ReplaceAll(c.New, []byte("\n"), []byte("\r\n"))
	}
}

// sameAs reports whether ours (whose blob id is digest) is theirs, which
// an upgrade may know by its digest only.
func sameAs(ours []byte, digest string, t File) bool {
	if t.known() {
		return digest == t.Digest
	}
	return bytes.Equal(ours, t.Data)
}

// isCRLFCheckout reports whether ours is an LF file as git's
// core.autocrlf=true checks it out: every line of ours ends in CRLF, while
// the template (base and theirs) uses LF, and ours is not byte for byte
// the base (a template that itself had CRLF). Binary files have no lines.
func isCRLFCheckout(ours []byte, base side, t File, inTheirs bool) bool {
	crlf := []byte("\r\n")
	switch {
	case ours == nil || !inTheirs || !isCRLF(ours) || isBinary(ours) || isBinary(t.Data):
		return false
	case bytes.Contains(t.Data, crlf) || (base.known && bytes.Contains(base.data, crlf)):
		return false
	}
	return !base.present || BlobID(ours) != base.digest
}

// mergeMode merges the execute bit three ways, as git merges modes: the
// template's change arrives when the team left the bit as generated; the
// team's own chmod always stands, and so do the team's other permission
// bits (a 0600 file stays private). Where the base mode is unknown, ours is
// kept: a guess never overrides the team.
func mergeMode(ours, base, theirs fs.FileMode) fs.FileMode {
	exec := func(m fs.FileMode) bool { return m&0o111 != 0 }
	if base == 0 || exec(ours) != exec(base) || exec(theirs) == exec(ours) {
		return ours
	}
	if exec(theirs) {
		return ours | (ours&0o444)>>2 // x wherever r
	}
	return ours &^ 0o111
}

// isBinary is git's test: a NUL byte in the first 8000 bytes.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0
}

// isCRLF reports whether every line of data ends in CRLF, as in a checkout
// with core.autocrlf=true.
func isCRLF(data []byte) bool {
	n := bytes.Count(data, []byte("\r\n"))
	return n > 0 && n == bytes.Count(data, []byte("\n"))
}
