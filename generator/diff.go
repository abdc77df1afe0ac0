package generator

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/aymanbagabas/go-udiff"
	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/internal/quote"
)

// FileDiff is one path where a project differs from the render of the
// template release it recorded (gomicro diff): Old is the template's side,
// New the project's; nil Data means the file is absent on that side.
type FileDiff struct {
	Path             string
	Old, New         []byte
	OldMode, NewMode fs.FileMode // 0o644, 0o755, or fs.ModeSymlink
}

// Added reports whether the file is the project's only; Deleted whether it
// is the template's only.
func (d FileDiff) Added() bool   { return d.Old == nil }
func (d FileDiff) Deleted() bool { return d.New == nil }

// DiffProject compares the project at dir in fsys with base, the files of
// the release old records rendered with its answers (see RecoverBase): each
// of base's files (not .gomicro.yml itself) against the project's file at
// that path, and, when paths are given, only those at or under one of them,
// plus the project's own files there (ignored, when not nil, says which of
// these git ignores: they are left out). A CRLF checkout of an LF file is
// no difference, as for upgrade. The result is sorted by path.
func DiffProject(fsys afero.Fs, dir string, old *Manifest, base map[string]File, paths []string, ignored func([]string) ([]string, error)) ([]FileDiff, error) {
	dir = cleanDir(dir)
	var diffs []FileDiff
	lk := newLooker(fsys, dir)
	for _, p := range sortedKeys(base) {
		if p == ManifestFile || !underAny(p, paths) {
			continue
		}
		d := FileDiff{Path: p, Old: base[p].Data, OldMode: baseFileMode(old, base[p])}
		if err := readSide(fsys, lk, p, &d); err != nil {
			return nil, err
		}
		if d.New != nil && d.NewMode == d.OldMode && (bytes.Equal(d.Old, d.New) || asGenerated(d.New, BlobID(d.Old))) {
			continue
		}
		diffs = append(diffs, d)
	}
	own, err := ownFiles(fsys, dir, base, paths, ignored)
	if err != nil {
		return nil, err
	}
	for _, p := range own {
		d := FileDiff{Path: p}
		if err := readSide(fsys, lk, p, &d); err != nil {
			return nil, err
		}
		diffs = append(diffs, d)
	}
	slices.SortFunc(diffs, func(a, b FileDiff) int { return strings.Compare(a.Path, b.Path) })
	return diffs, nil
}

// baseFileMode is the mode a file was generated with: the manifest's word,
// else the rendered base's.
func baseFileMode(old *Manifest, f File) fs.FileMode {
	if m := old.BaseMode(f.Path); m != 0 {
		return m
	}
	if f.Mode&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

// readSide fills in the project's side of d: a regular file's content and
// mode, a symlink's target (as git diffs one); anything else is absent.
func readSide(fsys afero.Fs, lk *looker, p string, d *FileDiff) error {
	disk, err := lk.look(p)
	if err != nil {
		return err
	}
	name := join(lk.dir, p)
	switch disk.kind {
	case onDiskFile:
		if d.New, err = afero.ReadFile(fsys, name); err != nil {
			return err
		}
		d.NewMode = 0o644
		if disk.mode&0o111 != 0 {
			d.NewMode = 0o755
		}
	case onDiskLink:
		if r, ok := fsys.(afero.LinkReader); ok {
			target, err := r.ReadlinkIfPossible(name)
			if err == nil {
				d.New, d.NewMode = []byte(target), fs.ModeSymlink
			}
		}
	}
	return nil
}

// underAny reports whether p is one of paths or lies under one; no paths
// means every path.
func underAny(p string, paths []string) bool {
	if len(paths) == 0 {
		return true
	}
	for _, q := range paths {
		if q == "." || p == q || strings.HasPrefix(p, q+"/") {
			return true
		}
	}
	return false
}

// ownFiles lists the project's files under paths that base does not have,
// outside version-control directories and what ignored says git ignores;
// none without paths (a service's own code is not a difference from its
// template unless asked for by path).
func ownFiles(fsys afero.Fs, dir string, base map[string]File, paths []string, ignored func([]string) ([]string, error)) ([]string, error) {
	var own []string
	for _, q := range paths {
		err := afero.Walk(fsys, join(dir, q), func(name string, info fs.FileInfo, err error) error {
			rel := name
			if dir != "." {
				rel = strings.TrimPrefix(name, dir+"/")
			}
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return nil
			case err != nil:
				return err
			case info.IsDir() && isVCSName(path.Base(name)):
				return fs.SkipDir
			case info.IsDir() || rel == ManifestFile:
				return nil
			}
			if _, inBase := base[rel]; !inBase && underAny(rel, paths) && !slices.Contains(own, rel) {
				own = append(own, rel)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if ignored == nil || len(own) == 0 {
		return own, nil
	}
	skip, err := ignored(own)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(own, func(p string) bool { return slices.Contains(skip, p) }), nil
}

// UnifiedDiff is diffs as `git diff` prints them (a/ the template's
// render, b/ the project), names quoted as git quotes paths: `git apply
// -R` takes the project back to the template's files.
func UnifiedDiff(diffs []FileDiff) string {
	var b strings.Builder
	for _, d := range diffs {
		a, bb := quote.Name("a/"+d.Path), quote.Name("b/"+d.Path)
		fmt.Fprintf(&b, "diff --git %s %s\n", a, bb)
		switch {
		case d.Added():
			fmt.Fprintf(&b, "new file mode %s\n", gitModeOf(d.NewMode))
			a = "/dev/null"
		case d.Deleted():
			fmt.Fprintf(&b, "deleted file mode %s\n", gitModeOf(d.OldMode))
			bb = "/dev/null"
		case d.OldMode != d.NewMode:
			fmt.Fprintf(&b, "old mode %s\nnew mode %s\n", gitModeOf(d.OldMode), gitModeOf(d.NewMode))
		}
		if bytes.Equal(d.Old, d.New) && d.Old != nil {
			continue // the mode alone
		}
		if isBinary(d.Old) || isBinary(d.New) {
			fmt.Fprintf(&b, "Binary files %s and %s differ\n", a, bb)
			continue
		}
		b.WriteString(udiff.Unified(a, bb, string(d.Old), string(d.New)))
	}
	return b.String()
}

// gitModeOf is the mode git prints for m.
func gitModeOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "120000"
	case m&0o111 != 0:
		return "100755"
	}
	return "100644"
}

// DiffStat is diffs as `git diff --stat` summarises them: a line per file
// with its count of changed lines and a bar of + and -, then the totals.
func DiffStat(diffs []FileDiff) string {
	type row struct {
		name, count, bar string
	}
	rows := make([]row, len(diffs))
	adds, dels := make([]int, len(diffs)), make([]int, len(diffs))
	most, files, plus, minus := 0, 0, 0, 0
	for i, d := range diffs {
		rows[i].name = quote.Name(d.Path)
		if isBinary(d.Old) || isBinary(d.New) {
			rows[i].count = fmt.Sprintf("Bin %d -> %d bytes", len(d.Old), len(d.New))
			continue
		}
		adds[i], dels[i] = changedLines(d)
		most = max(most, adds[i]+dels[i])
		plus, minus = plus+adds[i], minus+dels[i]
	}
	const width = 50 // the widest bar
	nameWidth, countWidth := 0, len(fmt.Sprint(most))
	for i := range rows {
		files++
		nameWidth = max(nameWidth, len(rows[i].name))
		if rows[i].count != "" {
			continue
		}
		a, m := adds[i], dels[i]
		if most > width {
			a, m = scaled(a, most, width), scaled(m, most, width)
		}
		rows[i].count = fmt.Sprintf("%*d", countWidth, adds[i]+dels[i])
		rows[i].bar = " " + strings.Repeat("+", a) + strings.Repeat("-", m)
		if a+m == 0 {
			rows[i].bar = ""
		}
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, " %-*s | %s%s\n", nameWidth, r.name, r.count, r.bar)
	}
	fmt.Fprintf(&b, " %d %s changed", files, plural(files, "file", "files"))
	if plus > 0 || minus == 0 {
		fmt.Fprintf(&b, ", %d %s(+)", plus, plural(plus, "insertion", "insertions"))
	}
	if minus > 0 || plus == 0 {
		fmt.Fprintf(&b, ", %d %s(-)", minus, plural(minus, "deletion", "deletions"))
	}
	b.WriteString("\n")
	return b.String()
}

// changedLines counts the lines the project adds to and removes from the
// template's file.
func changedLines(d FileDiff) (adds, dels int) {
	if bytes.Equal(d.Old, d.New) {
		return 0, 0
	}
	text := udiff.Unified("a", "b", string(d.Old), string(d.New))
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "+++ ") || strings.HasPrefix(line, "--- "):
		case strings.HasPrefix(line, "+"):
			adds++
		case strings.HasPrefix(line, "-"):
			dels++
		}
	}
	return adds, dels
}

// scaled is n of most on a bar width wide, at least 1 when n is not 0.
func scaled(n, most, width int) int {
	if n == 0 {
		return 0
	}
	return max(1, n*width/most)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
