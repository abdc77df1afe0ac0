package generator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"slices"
	"text/template"

	"go.yaml.in/yaml/v3"

	"github.com/gomicro/gomicro/internal/quote"
)

// An upgrade costs about what git's merge of the same trees costs: git
// reads only the files that differ between the trees, and an upgrade
// renders only the files the release changed. A file of the new release
// that is byte for byte the one the project was generated from, rendered
// with the same answers, renders as it did then: its blob id is the one
// .gomicro.yml records, and neither its parse nor its render is needed
// (the decision table needs only that id: the template did not change
// it). Likewise the base is needed only for the files the release
// changed or removed.
//
// So a template an upgrade moves to is loaded against the tree its
// project was generated from (LoadAgainst): the bodies of the unchanged
// files stay unparsed (deferred) until something renders them, and the
// upgrade's render gives them by digest (File.Digest) where the answers
// are the ones the recorded files were rendered with: the recorded ones,
// as the pristine record (the last render, in git) has them too, and no
// secret among the questions (a secret is never recorded). The base is
// loaded with every body deferred (LoadDeferred) and renders only the
// files asked for. A define or block anywhere makes the load a full one:
// a deferred body is parsed alone, and would not see it.

// renderOpts narrows a render to what an upgrade needs.
type renderOpts struct {
	// same gives, for a project path, the blob id and mode the project
	// recorded; set only when the render's answers are the recorded
	// ones, so that a deferred file renders as recorded.
	same func(p string) (digest string, mode fs.FileMode, ok bool)
	// only, when set, renders only the paths it accepts, and no answers
	// file.
	only func(p string) bool
}

// unchanged is the file sf renders at p without rendering it: a deferred
// file whose digest the project recorded, when opts.same is set.
func (opts renderOpts) unchanged(sf *sourceFile, p string) (File, bool) {
	if !sf.deferred || opts.same == nil {
		return File{}, false
	}
	digest, mode, ok := opts.same(p)
	if !ok {
		return File{}, false
	}
	return File{Path: p, Mode: mode, Digest: digest}, true
}

// bodyOf is the parsed body of sf, parsing a deferred body the first time
// it is rendered, with the checks Load makes of every body. It is parsed
// alone: a tree with a define anywhere is never deferred (t.defines).
func (t *Template) bodyOf(sf *sourceFile) (*template.Template, error) {
	if !sf.deferred {
		return sf.body, nil
	}
	t.late.Lock()
	defer t.late.Unlock()
	if sf.body != nil {
		return sf.body, nil
	}
	ld := &loading{calls: map[string]bool{}}
	var body *template.Template
	tree, err := ld.parse(sf.src, string(sf.raw), func(b *template.Template) { body = b })
	if err != nil {
		return nil, err
	}
	if problems := t.undefinedRefs(quote.Name(sf.src), tree); len(problems) > 0 {
		return nil, errors.New(problems[0])
	}
	ld.adopt(t) // a namespace of its own: see LoadAgainst for why that is enough
	sf.body = body
	return body, nil
}

// LoadDeferred is Load for a tree that is rendered only in part (an
// upgrade's base): every body is parsed when first rendered, unless a
// file defines a template another could call.
func LoadDeferred(fsys fs.FS, source string) (*Template, error) {
	t, err := load(fsys, source, func(string, []byte, fs.FileMode) bool { return true })
	if err != nil || !t.defines {
		return t, err
	}
	return Load(fsys, source)
}

// LoadAgainst is Load of the release an upgrade moves to, whose files the
// same as in base (the tree the project was generated from) are deferred:
// parsed only if rendered. Where the two trees' template.yaml differ in
// what shapes a render (questions, verbatim, conditions, exclude), or a
// file of either defines a template another could call, nothing is
// deferred.
func LoadAgainst(fsys fs.FS, source string, base fs.FS) (*Template, error) {
	same, err := sameSource(fsys, base)
	if err != nil || same == nil {
		return Load(fsys, source)
	}
	t, err := load(fsys, source, same)
	if err != nil || !t.defines {
		return t, err
	}
	// A file defines a template, which a deferred file could call: none
	// stays deferred.
	return Load(fsys, source)
}

// renderShape is what of template.yaml shapes a render besides the files.
type renderShape struct {
	Questions  any `yaml:"questions"`
	Verbatim   any `yaml:"verbatim"`
	Conditions any `yaml:"conditions"`
	Exclude    any `yaml:"exclude"`
}

// definesRE finds a define or block action, which makes a template
// another file can call.
var definesRE = regexp.MustCompile(`\{\{-?\s*(define|block)\b`)

// defines reports whether raw holds a define or block action; most files
// hold neither word, and are not given to the regexp.
func defines(raw []byte) bool {
	return (bytes.Contains(raw, []byte("define")) || bytes.Contains(raw, []byte("block"))) && definesRE.Match(raw)
}

// sameSource returns whether a file of theirs is the same as base's, or
// nil when no file of theirs renders as base's would (see LoadAgainst).
func sameSource(theirs, base fs.FS) (func(src string, raw []byte, mode fs.FileMode) bool, error) {
	var shapes [2]renderShape
	for i, fsys := range []fs.FS{theirs, base} {
		data, err := fs.ReadFile(fsys, ConfigFile)
		if err != nil {
			return nil, err
		}
		if err := yaml.Unmarshal(data, &shapes[i]); err != nil {
			return nil, err
		}
	}
	if !reflect.DeepEqual(shapes[0], shapes[1]) {
		return nil, nil
	}
	files := map[string]baseFile{}
	definesAny := false
	err := fs.WalkDir(base, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if skip, err := skipVCS(d); skip || !d.Type().IsRegular() || p == ConfigFile {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		raw, err := fs.ReadFile(base, p)
		if err != nil {
			return err
		}
		definesAny = definesAny || defines(raw)
		files[p] = baseFile{sha256.Sum256(raw), info.Mode().Perm()} // the digest: the tree is not held twice
		return nil
	})
	if err != nil || definesAny {
		return nil, err
	}
	return func(src string, raw []byte, mode fs.FileMode) bool {
		b, ok := files[src]
		return ok && b.mode == mode && b.sum == sha256.Sum256(raw)
	}, nil
}

type baseFile struct {
	sum  [sha256.Size]byte
	mode fs.FileMode
}

// Render fills in the content of the files of u.Theirs known by digest
// only, among paths (nil: all of them), rendering them with t, the
// template u moved to: for a pristine record where the repository lacks
// their blobs.
func (u *Upgraded) Render(ctx context.Context, t *Template, paths []string) error {
	want := map[string]bool{}
	for _, f := range u.Theirs.Files {
		if f.known() && (paths == nil || slices.Contains(paths, f.Path)) {
			want[f.Path] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	tree, err := t.renderWithin(ctx, u.Answers, renderOpts{only: func(p string) bool { return want[p] }})
	if err != nil {
		return err
	}
	for i, f := range u.Theirs.Files {
		if !want[f.Path] {
			continue
		}
		g, ok := tree.File(f.Path)
		if !ok || BlobID(g.Data) != f.Digest {
			return fmt.Errorf("template %s: %s renders otherwise than the project recorded", t.Source, quote.Name(f.Path))
		}
		u.Theirs.Files[i] = g
	}
	return nil
}

// Size is the bytes of the tree's files, template.yaml aside.
func (t *Template) Size() int64 {
	var n int64
	for i := range t.files {
		n += int64(len(t.files[i].raw))
	}
	return n
}
