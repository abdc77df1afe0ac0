// Package source finds template trees by the value of --template: an
// embedded template, a directory, a git repository or a Go module. It parses
// that one syntax into a Spec, opens the newest (or the named) release of the
// source, and opens exactly a recorded revision again, which is how
// gomicro upgrade renders the base of its three-way merge.
//
// Each kind of source is one file (embedded.go, dir.go, git.go, module.go)
// implementing the small kind interface below, plus its line in kinds.
// Remote sources are fetched with the person's own tools, the git binary and
// the go command, so their credentials, SSH config, proxies, GOPROXY,
// GOPRIVATE and GOSUMDB apply as they expect.
//
// Every kind is held to the same bounds, kept here: the size of a
// template's files together and of one file (checked by Open and
// OpenRevision, and by git's tar reader before it reads a file). Every
// fetch has a stall deadline and says what it fetches (fetch.go).
package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gomicro/gomicro/internal/bytesize"
	"github.com/gomicro/gomicro/internal/quote"
)

// Kind names a kind of template source.
type Kind string

// The kinds of template source.
const (
	Embedded Kind = "embedded" // built into gomicro (templates.Lookup)
	Dir      Kind = "dir"      // a directory on disk, read as it is
	Git      Kind = "git"      // a git repository, at a tag, branch or commit
	Module   Kind = "module"   // a Go module, at a version
)

// ConfigFile is the file that marks the root of a template tree (the
// generator's ConfigFile; repeated here so that this package does not depend
// on the generator).
const ConfigFile = "template.yaml"

// Spec is a parsed template source.
type Spec struct {
	Kind Kind
	// Location is the embedded template's name, the absolute directory, the
	// git URL (a local repository becomes a file:// URL, so the Spec's
	// String parses back to the same Spec from any directory) or the module
	// path.
	Location string
	// Subdir is the slash-separated directory inside the repository or
	// module that holds template.yaml; "" for its root.
	Subdir string
	// Ref is the REF or VERSION as typed (a tag, branch, commit, module
	// version or module query); "" for the newest release.
	Ref string
}

// Tree is an opened template tree.
type Tree struct {
	FS fs.FS // rooted at the directory that holds template.yaml
	// Revision is the immutable revision the source resolved to: the full
	// commit id of a git source, the module version of a module source.
	// It is "" for embedded templates (found again by their version) and
	// directories (which have no history of their own).
	Revision string
}

// The bounds every template is held to, whatever its kind: a template is
// data from someone else, and gomicro reads each of its files whole into
// memory. Variables, so that a test can lower them instead of writing
// gigabytes.
var (
	maxTemplateBytes int64 = 256 << 20 // all files of one template together
	maxFileBytes     int64 = 64 << 20  // one file
)

// budget adds up a template's file sizes against the bounds.
type budget struct{ total int64 }

// tooLarge is the error of a file that breaks a bound.
type tooLarge struct{ msg string }

func (e *tooLarge) Error() string { return e.msg }

// add counts a file of size bytes at name, or says which bound it breaks.
func (b *budget) add(name string, size int64) error {
	if size > maxFileBytes {
		return &tooLarge{fmt.Sprintf("%s: larger than %s, the most one template file may hold", quote.Name(name), bytesize.String(maxFileBytes))}
	}
	b.total += size
	if b.total > maxTemplateBytes {
		return &tooLarge{fmt.Sprintf("%s: with it the template's files add up to more than %s, the most a template may hold", quote.Name(name), bytesize.String(maxTemplateBytes))}
	}
	return nil
}

// checkBounds holds every regular file of fsys (outside .git, .hg and
// .svn, which the generator never reads) to the bounds, by the sizes the
// tree reports, before anything reads one. What cannot be listed is left
// for the generator to report.
func checkBounds(fsys fs.FS) error {
	var b budget
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if p != "." && isVCSName(d.Name()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		return b.add(p, info.Size())
	})
}

// isVCSName reports a version-control directory's name (the generator's
// rule: a template tree never includes them).
func isVCSName(name string) bool {
	return name == ".git" || name == ".hg" || name == ".svn"
}

// ErrNoRevision is returned by OpenRevision for a source that has no
// revisions to go back to (a directory).
var ErrNoRevision = errors.New("a directory template has no revisions to open")

// kind is one kind of template source. Adding a kind is one file that
// implements it, plus its entry in kinds.
type kind interface {
	// parse claims s when it is written in this kind's syntax. ok false
	// leaves s to the next kind; an error means s is this kind's but wrong,
	// and names the part that is.
	parse(s string) (spec Spec, ok bool, err error)
	// format writes spec back in the syntax parse reads.
	format(spec Spec) string
	// open opens spec.Ref, or the newest release when it is "".
	open(ctx context.Context, spec Spec) (Tree, error)
	// openRevision opens exactly revision, a Tree.Revision (or, for an
	// embedded template, its version) that open returned before.
	openRevision(ctx context.Context, spec Spec, revision string) (fs.FS, error)
}

// kinds in the order Parse tries them. The order settles the overlaps of the
// syntax: "embedded:" first; a URL scheme is always git, and so is a local
// repository with //SUBDIR; a string naming an existing directory is that
// directory (before user@host:path, local repositories with @REF and module
// paths); a bare word that is not a directory is an embedded template name.
var kinds = []struct {
	name Kind
	impl kind
}{
	{Embedded, embeddedKind{}},
	{Git, gitKind{}},
	{Dir, dirKind{}},
	{Module, moduleKind{}},
}

func lookup(k Kind) (kind, error) {
	for _, e := range kinds {
		if e.name == k {
			return e.impl, nil
		}
	}
	return nil, fmt.Errorf("unknown kind of template source %q", string(k))
}

// Parse reads a --template value: NAME or embedded:NAME, a directory,
// URL[//SUBDIR][@REF] or a local git repository PATH//SUBDIR[@REF] or
// PATH@REF, or MODULE[//SUBDIR][@VERSION]. A relative directory or local
// repository is made absolute against the working directory.
func Parse(s string) (Spec, error) {
	if s == "" {
		return Spec{}, errors.New("template source: empty")
	}
	for _, k := range kinds {
		spec, ok, err := k.impl.parse(s)
		if err != nil {
			return Spec{}, fmt.Errorf("template %s: %w", quoteSource(s), err)
		}
		if ok {
			spec.Kind = k.name
			return spec, nil
		}
	}
	return Spec{}, fmt.Errorf("template %s: not a directory, git repository (URL, user@host:path, PATH//SUBDIR or PATH@REF), Go module (a path whose first element has a dot) nor an embedded template (embedded: %s)", quoteSource(s), embeddedNames())
}

// quoteSource quotes s for an error message when it would not read as one
// word.
func quoteSource(s string) string {
	for _, c := range s {
		if c <= ' ' || c == '"' || c == 0x7f {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}

// String is the canonical form of the source, with @Ref when it is set: what
// a project's .gomicro.yml records, and what Parse reads back to s.
func (s Spec) String() string {
	k, err := lookup(s.Kind)
	if err != nil {
		return joinSource(s.Location, s.Subdir, s.Ref)
	}
	return k.format(s)
}

// Latest is the same source without its Ref: what an upgrade follows to the
// newest release.
func (s Spec) Latest() Spec {
	s.Ref = ""
	return s
}

// describe names the source in error messages: git and module sources say
// their kind ("template git https://…: …"); the others need not.
func (s Spec) describe() string {
	if s.Kind == Git || s.Kind == Module {
		return string(s.Kind) + " " + s.String()
	}
	return s.String()
}

// Open opens the tree of s at s.Ref, or at its newest release when Ref is ""
// (the highest semver tag, else the default branch, of a git repository;
// the go command's latest of a module). Git mirrors are refreshed and the go
// command asked unless s.Ref names an exact revision already cached. Every
// error is one line that starts with "template " and the source.
func Open(ctx context.Context, s Spec) (Tree, error) {
	k, err := lookup(s.Kind)
	if err != nil {
		return Tree{}, err
	}
	ctx, err = withFetching(ctx, s)
	if err != nil {
		return Tree{}, err
	}
	t, err := k.open(ctx, s)
	if err == nil {
		err = checkBounds(t.FS)
	}
	if err != nil {
		return Tree{}, fmt.Errorf("template %s: %w", s.describe(), err)
	}
	return t, nil
}

// OpenRevision opens exactly revision of s (s.Ref is ignored): a full commit
// id of a git source, a module version, an embedded template's version. It
// reads the git mirror or the module cache without any network access when
// the revision is there, and fetches it otherwise. A directory has no
// revisions: the error wraps ErrNoRevision.
func OpenRevision(ctx context.Context, s Spec, revision string) (fs.FS, error) {
	k, err := lookup(s.Kind)
	if err != nil {
		return nil, err
	}
	ctx, err = withFetching(ctx, s)
	if err != nil {
		return nil, err
	}
	fsys, err := k.openRevision(ctx, s, revision)
	if err == nil {
		err = checkBounds(fsys)
	}
	if err != nil {
		return nil, fmt.Errorf("template %s at %s: %w", s.describe(), revision, err)
	}
	return fsys, nil
}

// ErrNotCached is the error of OpenCachedRevision for a revision that only
// a fetch would bring.
var ErrNotCached = errors.New("not in the local cache")

// OpenCachedRevision is OpenRevision without the network: a revision that
// is not in the git mirror or the module cache already is ErrNotCached.
// It lets a caller read a tree before it knows it will need it (an
// upgrade reads its base while git checks the work tree) without a fetch
// that the person did not ask for yet.
func OpenCachedRevision(ctx context.Context, s Spec, revision string) (fs.FS, error) {
	return OpenRevision(context.WithValue(ctx, offlineKey{}, true), s, revision)
}

type offlineKey struct{}

// offline reports whether ctx forbids a fetch (see OpenCachedRevision).
func offline(ctx context.Context) bool {
	v, _ := ctx.Value(offlineKey{}).(bool)
	return v
}

// joinSource writes LOCATION[//SUBDIR][@REF].
func joinSource(location, subdir, ref string) string {
	s := location
	if subdir != "" {
		s += "//" + subdir
	}
	if ref != "" {
		s += "@" + ref
	}
	return s
}

// splitRef splits s at its last "@" into what comes before and REF. The last
// "@", because a URL's user@ and an scp-like address's user@ come before it;
// callers pass only the part after any user@host.
func splitRef(s string) (rest, ref string, hasRef bool, err error) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return s, "", false, nil
	}
	rest, ref = s[:i], s[i+1:]
	if ref == "" {
		return "", "", false, errors.New(`empty REF after "@"`)
	}
	return rest, ref, true, nil
}

// splitSubdir splits s at its first "//" into the location and SUBDIR, and
// checks SUBDIR.
func splitSubdir(s string) (location, subdir string, err error) {
	i := strings.Index(s, "//")
	if i < 0 {
		return s, "", nil
	}
	location, subdir = s[:i], s[i+2:]
	if subdir == "" {
		return "", "", errors.New(`empty SUBDIR after "//"`)
	}
	if err := checkSubdir(subdir); err != nil {
		return "", "", err
	}
	return location, subdir, nil
}

// checkSubdir accepts a slash-separated relative path that stays inside the
// repository or module: no "..", ".", empty elements or backslashes.
func checkSubdir(subdir string) error {
	if !fs.ValidPath(subdir) || subdir == "." || strings.Contains(subdir, `\`) {
		return fmt.Errorf("SUBDIR %q: not a slash-separated path inside the repository or module (no leading or trailing /, no . or .. elements)", subdir)
	}
	return nil
}

// checkTemplateRoot reports a tree that has no template.yaml at its root,
// naming where it looked.
func checkTemplateRoot(fsys fs.FS, where string) error {
	info, err := fs.Stat(fsys, ConfigFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no %s in %s", ConfigFile, where)
		}
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s in %s is not a regular file", ConfigFile, where)
	}
	return nil
}

// subdirWhere names SUBDIR, or the root, in an error message.
func subdirWhere(subdir, root string) string {
	if subdir == "" {
		return root
	}
	return fmt.Sprintf("%q", subdir)
}

// isPathLike reports whether s is written as a file path rather than a name
// or address: absolute, or starting with . or .. as a path element.
func isPathLike(s string) bool {
	if filepath.IsAbs(s) || strings.HasPrefix(s, "/") {
		return true
	}
	first := s
	if i := strings.IndexAny(s, `/\`); i >= 0 {
		first = s[:i]
	} else if strings.ContainsRune(s, '@') {
		first, _, _ = strings.Cut(s, "@")
	}
	return first == "." || first == ".."
}

// isDir reports whether p names an existing directory (following symlinks).
func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

// fileURL is the file:// URL of the absolute path p.
func fileURL(p string) string {
	slash := filepath.ToSlash(p)
	if !strings.HasPrefix(slash, "/") {
		slash = "/" + slash // C:/x -> /C:/x
	}
	return "file://" + path.Clean(slash)
}
