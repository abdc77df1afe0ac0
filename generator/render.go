package generator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// File is one file of a rendered project.
type File struct {
	Path string // slash-separated, relative to the project root
	Data []byte
	Mode fs.FileMode // 0o644 or 0o755
	// Digest, set only with Data nil, is the blob id of a file an upgrade
	// knows without rendering it: unchanged since the base (see
	// deferred.go).
	Digest string
}

// blobID is the file's blob id, rendered or known.
func (f File) blobID() string {
	if f.Data == nil && f.Digest != "" {
		return f.Digest
	}
	return BlobID(f.Data)
}

// known reports whether the file is known by its digest only.
func (f File) known() bool { return f.Data == nil && f.Digest != "" }

// Tree is a rendered project: its files sorted by path, the answers file
// (.gomicro.yml) among them.
type Tree struct {
	Files []File
	// Moved is the template's declared moves (template.yaml's moved:).
	Moved map[string]string
}

// File returns the file at p.
func (t *Tree) File(p string) (File, bool) {
	i, ok := slices.BinarySearchFunc(t.Files, p, func(f File, p string) int { return strings.Compare(f.Path, p) })
	if !ok {
		return File{}, false
	}
	return t.Files[i], true
}

// Render executes every file of the template with the answers. It is
// pure: the same template and answers give the same bytes, which golden files
// and upgrade's base render rely on.
//
// The render runs within t.Limits: past Limits.Timeout it returns an error
// wrapping ErrRenderTimeout, once its files hold more than Limits.MaxOutput
// bytes (or a function is asked to build a larger value) one wrapping
// ErrOutputLimit, and when ctx is done one wrapping ctx's error. The whole
// render runs on one goroutine, which a timeout or a cancelled ctx abandons.
func Render(ctx context.Context, t *Template, answers Answers) (*Tree, error) {
	return t.renderWithin(ctx, answers, renderOpts{})
}

// renderWithin is Render narrowed as opts says (see deferred.go): every
// render, whole or in part, runs within ctx and t.Limits the same way.
func (t *Template) renderWithin(ctx context.Context, answers Answers, opts renderOpts) (*Tree, error) {
	what := "template " + t.Source + ": render"
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, ctx.Err())
	}
	lim := t.Limits.withDefaults()
	r := newRun(lim)
	return wait(ctx, r, lim.Timeout, what, func() (*Tree, error) { return t.render(r, answers, opts) })
}

// render is the body of Render, on the render's own goroutine, narrowed
// as opts says (see deferred.go).
func (t *Template) render(r *run, answers Answers, opts renderOpts) (*Tree, error) {
	tree := &Tree{Files: make([]File, 0, len(t.files)+1), Moved: t.Moved}
	var problems []error
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf("template %s: "+format, append([]any{t.Source}, args...)...))
	}
	off, err := t.excluded(r, answers)
	if err != nil {
		return nil, err
	}
	for i := range t.files {
		sf := &t.files[i]
		if off(sf.src) {
			continue
		}
		r.where.Store(&sf.src)
		p, err := sf.renderPath(r, answers)
		switch {
		case err != nil:
			bad("%w", err)
		case p == "":
			// A segment rendered empty: a conditional file that is off.
		case opts.only != nil && !opts.only(p):
		case sf.body == nil && !sf.deferred:
			tree.Files = append(tree.Files, File{Path: p, Data: sf.raw, Mode: fileMode(sf.mode, sf.raw)})
		default:
			if f, ok := opts.unchanged(sf, p); ok {
				tree.Files = append(tree.Files, f)
				break
			}
			body, err := t.bodyOf(sf)
			if err != nil {
				bad("%s", err)
				break
			}
			data, err := r.exec(body, answers, len(sf.raw)+len(sf.raw)/8)
			if err != nil {
				bad("render %s: %w", sf.src, err)
				break
			}
			tree.Files = append(tree.Files, File{Path: p, Data: data, Mode: fileMode(sf.mode, data)})
		}
		if r.spent() && len(problems) > 0 {
			// Every file after this one would fail the same way: the
			// budget is one render's, not one file's.
			return nil, problems[len(problems)-1]
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	slices.SortFunc(tree.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	for i := 1; i < len(tree.Files); i++ {
		prev, cur := tree.Files[i-1].Path, tree.Files[i].Path
		if cur == prev {
			return nil, fmt.Errorf("template %s: two files render to %s", t.Source, cur)
		}
	}
	dirs := map[string]bool{}
	for _, f := range tree.Files {
		for d := path.Dir(f.Path); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for _, f := range tree.Files {
		if dirs[f.Path] {
			return nil, fmt.Errorf("template %s: %s renders as both a file and a directory", t.Source, f.Path)
		}
	}
	for _, f := range tree.Files {
		for _, seg := range strings.Split(f.Path, "/") {
			if reservedName(seg) != "" {
				return nil, fmt.Errorf("template %s: a file renders to %s, which gomicro writes itself", t.Source, f.Path)
			}
		}
	}
	if opts.only != nil {
		return tree, nil // a part of the render, which no answers file describes
	}
	manifest, err := newManifest(t, answers, tree).marshal()
	if err != nil {
		return nil, err
	}
	tree.Files = append(tree.Files, File{Path: ManifestFile, Data: manifest, Mode: 0o644})
	slices.SortFunc(tree.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return tree, nil
}

// excluded evaluates the template's conditions for these answers and
// returns whether a source path is left out by one of them.
func (t *Template) excluded(r *run, answers Answers) (func(src string) bool, error) {
	var off []string
	for i := range t.conditions {
		c := &t.conditions[i]
		r.where.Store(&c.label)
		out, err := r.execString(c.expr, answers)
		if err != nil {
			return nil, fmt.Errorf("template %s: condition for %s: %w", t.Source, c.path, err)
		}
		if strings.TrimSpace(out) != "true" {
			off = append(off, c.path)
		}
	}
	return func(src string) bool {
		for _, p := range off {
			if src == p || strings.HasPrefix(src, p+"/") {
				return true
			}
		}
		return false
	}, nil
}

// renderPath renders the file's name one segment at a time, so that an answer
// cannot add segments of its own. It returns "" when a segment renders empty.
// A segment must stay one name: ".", "..", a slash or backslash (a separator
// on Windows) or a NUL would let an answer move the file, or break the write.
func (sf *sourceFile) renderPath(r *run, answers Answers) (string, error) {
	segs := make([]string, len(sf.segments))
	for i, st := range sf.segments {
		s, err := sf.names[i], error(nil)
		if st != nil {
			s, err = r.execString(st, answers)
		} else {
			err = r.text(s)
		}
		if err != nil {
			return "", fmt.Errorf("render name of %s: %w", sf.src, err)
		}
		if s == "" {
			return "", nil
		}
		if s == "." || s == ".." || strings.ContainsAny(s, "/\\\x00") {
			return "", fmt.Errorf("%s renders to a path outside the project root (segment %q)", sf.src, s)
		}
		if isVCSName(s) {
			return "", fmt.Errorf("%s renders into a version-control directory (segment %q), which gomicro never writes", sf.src, s)
		}
		segs[i] = s
	}
	return path.Join(segs...), nil
}

// fileMode keeps execute bits from the template tree. embed.FS reports every
// file as 0444, so a script that starts with #! is executable too.
func fileMode(src fs.FileMode, data []byte) fs.FileMode {
	if src&0o111 != 0 || bytes.HasPrefix(data, []byte("#!")) {
		return 0o755
	}
	return 0o644
}

// RenderNextSteps renders the template's next_steps with the answers,
// within t.Limits, leaving out the lines that render empty.
func (t *Template) RenderNextSteps(ctx context.Context, answers Answers) ([]string, error) {
	lim := t.Limits.withDefaults()
	r := newRun(lim)
	what := fmt.Sprintf("template %s: next_steps", t.Source)
	if len(t.nextSteps) == 0 {
		return nil, nil
	}
	return wait(ctx, r, lim.Timeout, what, func() ([]string, error) {
		steps := []string{} // not nil: the template has next steps, if none for these answers
		for i, step := range t.nextSteps {
			out, err := r.execString(step, answers)
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", what, i, err)
			}
			if line := strings.TrimSpace(out); line != "" {
				steps = append(steps, line)
			}
		}
		return steps, nil
	})
}
