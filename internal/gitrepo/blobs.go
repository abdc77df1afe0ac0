package gitrepo

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Blobs reads files by git blob id from the repository's object store, all
// in one `git cat-file --batch` process: ids maps a path to a blob id, the
// result maps the same path to the blob's content. Ids git does not have,
// ids of something other than a blob, and strings that are not object ids
// at all are left out: the caller is looking for a base and does without.
func (r *Repo) Blobs(ids map[string]string) (map[string][]byte, error) {
	want := uniqueIDs(ids)
	blobs := map[string][]byte{}
	if len(want) == 0 {
		return blobs, nil
	}
	var in strings.Builder
	for _, id := range want {
		in.WriteString(id + "\n")
	}
	out, err := git(r.dir, []byte(in.String()), nil, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	byID, err := parseBatch(out, want)
	if err != nil {
		return nil, err
	}
	for path, id := range ids {
		if data, ok := byID[strings.ToLower(id)]; ok {
			blobs[path] = data
		}
	}
	return blobs, nil
}

// uniqueIDs returns the well-formed ids, lowercased, sorted and without
// repeats. Only full hex ids go to git: cat-file --batch reads each line as
// a revision expression, and "HEAD:secret" is not what a manifest means.
func uniqueIDs(ids map[string]string) []string {
	var want []string
	for _, id := range ids {
		if isObjectID(id) {
			want = append(want, strings.ToLower(id))
		}
	}
	slices.Sort(want)
	return slices.Compact(want)
}

// isObjectID reports whether id is a full SHA-1 or SHA-256 object id.
func isObjectID(id string) bool {
	if len(id) != 40 && len(id) != 64 {
		return false
	}
	for _, c := range id {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// parseBatch reads cat-file --batch answers, one per requested id in order:
// "<oid> <type> <size>\n<content>\n", or "<id> missing\n" (also
// "ambiguous"). It keeps the blobs' contents by requested id.
func parseBatch(out []byte, want []string) (map[string][]byte, error) {
	byID := map[string][]byte{}
	for _, id := range want {
		header, rest, ok := bytes.Cut(out, []byte("\n"))
		if !ok {
			return nil, fmt.Errorf("git cat-file: answer for %s cut short", id)
		}
		out = rest
		fields := strings.Fields(string(header))
		if len(fields) == 2 {
			continue // missing or ambiguous: no content follows
		}
		if len(fields) != 3 {
			return nil, fmt.Errorf("git cat-file: unexpected answer %q for %s", header, id)
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil || size < 0 || size+1 > len(out) {
			return nil, fmt.Errorf("git cat-file: unexpected answer %q for %s", header, id)
		}
		// Content of every type follows; only blobs are files.
		if fields[1] == "blob" {
			byID[id] = out[:size:size]
		}
		out = out[size+1:]
	}
	return byID, nil
}

// haveBlobs checks that every file named by ID only has its blob in the
// repository (one git cat-file --batch-check), and says which do not. A
// blob of had, a tree of the repository's, is there.
func (r *Repo) haveBlobs(files []File, had map[string]treeEntry) error {
	byID := map[string][]string{}
	for _, f := range files {
		if !f.byID() {
			continue
		}
		if e, ok := had[f.Path]; ok && e.id == strings.ToLower(f.ID) {
			continue
		}
		if !isObjectID(f.ID) {
			return fmt.Errorf("gitrepo: %q is not a blob id", f.ID)
		}
		id := strings.ToLower(f.ID)
		byID[id] = append(byID[id], f.Path)
	}
	if len(byID) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(byID))
	out, err := git(r.dir, []byte(strings.Join(ids, "\n")+"\n"), nil, "cat-file", "--batch-check=%(objectname) %(objecttype)")
	if err != nil {
		return err
	}
	var missing []string
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	for i, id := range ids {
		if i >= len(lines) || lines[i] != id+" blob" {
			missing = append(missing, byID[id]...)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return &MissingBlobsError{Paths: missing}
	}
	return nil
}
