package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/semver"

	"github.com/gomicro/gomicro/internal/bytesize"
	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/lockfile"
)

// gitKind is a git repository: URL[//SUBDIR][@REF], user@host:path[//SUBDIR][@REF]
// or a local repository PATH//SUBDIR[@REF] or PATH@REF.
//
// Repositories are fetched with the git binary, so the person's credentials,
// SSH config, proxies and insteadOf rules apply, into bare mirrors in the
// user cache directory (see mirror), and trees are read from the mirror with
// git ls-tree and git cat-file (see mirror.tree): never a working clone, so
// no checkout, hook or filter runs.
type gitKind struct{}

// gitSchemes are the URL schemes read as git repositories. Any other scheme
// is an error rather than a guess.
var gitSchemes = map[string]bool{"https": true, "http": true, "ssh": true, "git": true, "file": true}

var urlScheme = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`) })

// parse reads s as a git source in one of its three forms: a URL, scp-like
// user@host:path, or a local repository at a ref.
func (gitKind) parse(s string) (Spec, bool, error) {
	if m := urlScheme().FindStringSubmatch(s); m != nil {
		return parseGitURL(s, m)
	}
	if spec, ok, err := parseLocalSubdir(s); ok || err != nil {
		return spec, ok, err
	}
	if _, err := os.Lstat(s); err == nil {
		return Spec{}, false, nil // an existing path is the directory kind's
	}

	// scp-like user@host:path: an @ before the first colon, and no slash
	// before it (so ./a@b:c stays a path), as git reads it.
	colon := strings.IndexByte(s, ':')
	at := strings.IndexByte(s, '@')
	sep := strings.IndexAny(s, `/\`)
	if colon > 0 && at >= 0 && at < colon && (sep < 0 || colon < sep) {
		return parseSCPLike(s, colon, at)
	}
	return parseLocalRepo(s)
}

// parseGitURL reads SCHEME://HOST/PATH[//SUBDIR][@REF]; m is urlScheme's
// match.
func parseGitURL(s string, m []string) (Spec, bool, error) {
	scheme := strings.ToLower(m[1])
	if !gitSchemes[scheme] {
		return Spec{}, false, fmt.Errorf("unsupported URL scheme %q (git sources use https, http, ssh, git or file)", m[1])
	}
	rest := s[len(m[0]):]
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return Spec{}, false, errors.New("no repository path after the host")
	}
	authority := rest[:slash]
	if authority == "" && scheme != "file" {
		return Spec{}, false, errors.New("no host in the URL")
	}
	if strings.HasPrefix(authority, "-") {
		return Spec{}, false, errors.New("the host starts with -") // ssh would take it for an option
	}
	repo, subdir, ref, err := splitGitPath(rest[slash:])
	if err != nil {
		return Spec{}, false, err
	}
	if repo == "" || repo == "/" {
		return Spec{}, false, errors.New("no repository path after the host")
	}
	return Spec{Location: m[0] + authority + repo, Subdir: subdir, Ref: ref}, true, nil
}

// parseSCPLike reads user@host:path[//SUBDIR][@REF], the first colon at
// colon and the first @ at at.
func parseSCPLike(s string, colon, at int) (Spec, bool, error) {
	userHost := s[:colon]
	if at == 0 {
		return Spec{}, false, fmt.Errorf("no user before @ in %q", userHost)
	}
	if at == len(userHost)-1 {
		return Spec{}, false, fmt.Errorf("no host after @ in %q", userHost)
	}
	if strings.HasPrefix(userHost, "-") || userHost[at+1] == '-' {
		return Spec{}, false, fmt.Errorf("%q: a user or host starts with -", userHost) // ssh would take it for an option
	}
	repo, subdir, ref, err := splitGitPath(s[colon+1:])
	if err != nil {
		return Spec{}, false, err
	}
	if repo == "" {
		return Spec{}, false, fmt.Errorf("no repository path after %q", userHost+":")
	}
	return Spec{Location: userHost + ":" + repo, Subdir: subdir, Ref: ref}, true, nil
}

// parseLocalSubdir reads PATH//SUBDIR, without @REF, where PATH holds a git
// repository: that repository, at its newest release as for a URL. The
// //SUBDIR says git, as it does after a URL or a module path: the same text
// with @v1.0.0 is read from the repository's commits, and without it must
// not be read as whatever the work tree holds. A PATH that holds no
// repository is left to the other kinds (a directory reads // as /).
func parseLocalSubdir(s string) (Spec, bool, error) {
	i := strings.Index(s, "//")
	if i <= 0 || strings.Contains(s[i:], "@") || !looksLikeRepo(s[:i]) {
		return Spec{}, false, nil // with @REF: parseLocalRepo's
	}
	local, subdir, err := splitSubdir(s)
	if err != nil {
		return Spec{}, false, err
	}
	abs, err := filepath.Abs(local)
	if err != nil {
		return Spec{}, false, err
	}
	return Spec{Location: fileURL(abs), Subdir: subdir}, true, nil
}

// parseLocalRepo reads PATH[//SUBDIR]@REF: a local repository at a ref.
// Anything else is not a git source (false, nil), unless it is written as
// a path and is malformed.
func parseLocalRepo(s string) (Spec, bool, error) {
	// A local repository needs @REF (or //SUBDIR, parseLocalSubdir's):
	// without either the path is a directory, read as it is on disk.
	if !strings.Contains(s, "@") {
		return Spec{}, false, nil
	}
	rest, ref, _, err := splitRef(s)
	if err != nil {
		if isPathLike(s) {
			return Spec{}, false, err
		}
		return Spec{}, false, nil
	}
	if rest == "" {
		return Spec{}, false, fmt.Errorf("no repository, module or directory before %q", "@"+ref)
	}
	local, subdir, err := splitSubdir(rest)
	if err != nil {
		if isPathLike(rest) {
			return Spec{}, false, err
		}
		return Spec{}, false, nil
	}
	// A path written as one (./x, ../x, /x) is meant as a repository; a bare
	// relative name only when a repository is there, so that a module path
	// such as example.com/x@v1 is not taken for a directory.
	if !isPathLike(local) && !looksLikeRepo(local) {
		return Spec{}, false, nil
	}
	if !isDir(local) {
		return Spec{}, false, fmt.Errorf("no such directory %q (PATH@REF names a local git repository)", local)
	}
	if err := checkGitRef(ref); err != nil {
		return Spec{}, false, err
	}
	abs, err := filepath.Abs(local)
	if err != nil {
		return Spec{}, false, err
	}
	return Spec{Location: fileURL(abs), Subdir: subdir, Ref: ref}, true, nil
}

// splitGitPath splits the path part of a git address, after any user@host,
// into the repository path, SUBDIR and REF.
func splitGitPath(p string) (repo, subdir, ref string, err error) {
	rest, ref, _, err := splitRef(p)
	if err != nil {
		return "", "", "", err
	}
	if ref != "" {
		if err := checkGitRef(ref); err != nil {
			return "", "", "", err
		}
	}
	repo, subdir, err = splitSubdir(rest)
	if err != nil {
		return "", "", "", err
	}
	return repo, subdir, ref, nil
}

// looksLikeRepo reports whether dir holds a git repository: a work tree
// (.git, a directory or a worktree's file) or a bare repository.
func looksLikeRepo(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
		return true
	}
	return isDir(filepath.Join(dir, "objects")) && isDir(filepath.Join(dir, "refs"))
}

// checkGitRef accepts what could name a tag, branch or commit: git's
// check-ref-format rules, and never a leading "-" (which a git command would
// take for an option).
func checkGitRef(ref string) error {
	bad := func(why string) error { return fmt.Errorf("REF %q: %s", ref, why) }
	switch {
	case strings.HasPrefix(ref, "-"):
		return bad("starts with -")
	case strings.HasPrefix(ref, "/"), strings.HasSuffix(ref, "/"), strings.Contains(ref, "//"):
		return bad("empty path element")
	case strings.Contains(ref, ".."), strings.Contains(ref, "@{"), ref == "@":
		return bad(`holds "..", "@{" or is "@"`)
	case strings.HasSuffix(ref, ".") || strings.HasSuffix(ref, ".lock"):
		return bad(`ends with "." or ".lock"`)
	}
	for _, c := range ref {
		if c <= ' ' || c == 0x7f || strings.ContainsRune("~^:?*[\\", c) {
			return bad(fmt.Sprintf("holds %q, which no git ref can", c))
		}
	}
	for _, elem := range strings.Split(ref, "/") {
		if strings.HasPrefix(elem, ".") {
			return bad(`a path element starts with "."`)
		}
	}
	return nil
}

func (gitKind) format(s Spec) string {
	return joinSource(s.Location, s.Subdir, s.Ref)
}

func (gitKind) open(ctx context.Context, s Spec) (Tree, error) {
	if s.Ref != "" {
		if err := checkGitRef(s.Ref); err != nil {
			return Tree{}, err
		}
	}
	m, err := lockMirror(ctx, s.Location)
	if err != nil {
		return Tree{}, err
	}
	defer m.unlock()
	// A full commit id names the same tree forever: read it without the
	// network when the mirror has it. Every other ref can move.
	if !isFullID(s.Ref) || !m.has(ctx, s.Ref) {
		if err := m.update(ctx); err != nil {
			return Tree{}, err
		}
	}
	commit, err := m.resolve(ctx, s.Ref)
	if err != nil {
		return Tree{}, err
	}
	m.unlock() // a commit, once there, is read without the lock (see mirror)
	fsys, err := m.tree(ctx, commit, s.Subdir)
	if err != nil {
		return Tree{}, err
	}
	return Tree{FS: fsys, Revision: commit}, nil
}

func (gitKind) openRevision(ctx context.Context, s Spec, revision string) (fs.FS, error) {
	if !isFullID(revision) {
		return nil, errors.New("a git revision is a full commit id (40 or 64 hex digits)")
	}
	revision = strings.ToLower(revision)
	if offline(ctx) && !cached(s.Location) {
		return nil, ErrNotCached // and no cache directory or lock made for it
	}
	// A commit, once in the mirror, stays there (gc is off, and a fetch
	// only adds objects): it is read without a lock, and whether the
	// mirror has it is asked only when the read finds no tree.
	if m, err := mirrorOf(s.Location); err == nil && m.exists() {
		fsys, err := m.tree(ctx, revision, s.Subdir)
		if !errors.As(err, new(*noTree)) || m.has(ctx, revision) {
			return fsys, err
		}
	}
	if offline(ctx) {
		return nil, ErrNotCached
	}

	m, err := lockMirror(ctx, s.Location)
	if err != nil {
		return nil, err
	}
	defer m.unlock()
	if !m.has(ctx, revision) { // another process may have fetched it meanwhile
		if err := m.update(ctx); err != nil {
			return nil, err
		}
		if !m.has(ctx, revision) {
			return nil, fmt.Errorf("no commit %s in the repository (was its history rewritten?)", revision)
		}
	}
	m.unlock()
	return m.tree(ctx, revision, s.Subdir)
}

var fullID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$`) })

func isFullID(s string) bool { return fullID().MatchString(s) }

var shortID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-fA-F]{4,64}$`) })

// mirror is the bare mirror of one repository in the cache:
// os.UserCacheDir()/gomicro/git/<first 32 hex digits of sha256(URL)>, with
// <that>.lock beside it.
//
// Concurrent gomicro processes coordinate through the lock file: an
// exclusive lock (flock, LockFileEx on Windows) to clone or fetch. A
// revision the mirror holds is read with no lock at all (see below). The
// lock is released when the process ends, however it ends, so a killed
// gomicro never leaves a stale lock. A first clone goes into a temporary
// directory renamed into place once complete, so the mirror directory
// either does not exist or is a whole repository.
//
// gc.auto is 0 and maintenance.auto false in the mirror: git then never
// prunes unreachable objects, so a revision a project recorded stays
// readable after the template repository force-pushes or deletes its
// branch. For the same reason a commit found in the mirror is read
// without the lock: a fetch beside the read only adds objects (and an
// upgrade reads the release's tree while it reads its base's). A tree is
// read byte for byte (git cat-file applies no attribute), whatever
// .gitattributes the template carries for the projects it makes;
// info/attributes also unsets every attribute that would change a file
// on its way out of git (export-subst, export-ignore, eol and text
// conversion, filters, ident), as mirrors made when git archive read
// the trees have it.
type mirror struct {
	url     string
	root    string // the cache directory of all mirrors
	dir     string
	release func()
	fetched bool // update ran: the remote was just asked
}

// mirrorAttributes is written to info/attributes of every mirror; see mirror.
const mirrorAttributes = "* -export-subst -export-ignore -text -eol -crlf -filter -ident -working-tree-encoding\n"

func gitCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for git mirrors: %w", err)
	}
	return filepath.Join(dir, "gomicro", "git"), nil
}

// mirrorDir is where the mirror of url is, or would be, in root.
func mirrorDir(root, url string) string {
	sum := sha256.Sum256([]byte(url))
	return filepath.Join(root, hex.EncodeToString(sum[:16]))
}

// cached reports whether the cache holds a mirror of url, without
// creating anything.
func cached(url string) bool {
	root, err := gitCacheDir()
	return err == nil && isDir(mirrorDir(root, url))
}

// lockMirror takes url's mirror's lock, to clone or fetch it.
func lockMirror(ctx context.Context, url string) (*mirror, error) {
	m, err := mirrorOf(url)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(m.root, 0o755); err != nil {
		return nil, err
	}
	if m.release, err = lockfile.Lock(ctx, m.dir+".lock"); err != nil {
		return nil, err
	}
	return m, nil
}

// mirrorOf is url's mirror, not locked, perhaps not there yet.
func mirrorOf(url string) (*mirror, error) {
	root, err := gitCacheDir()
	if err != nil {
		return nil, err
	}
	return &mirror{url: url, root: root, dir: mirrorDir(root, url)}, nil
}

// unlock releases the mirror's lock; once, however often it is called.
func (m *mirror) unlock() {
	if m.release != nil {
		m.release()
		m.release = nil
	}
}

func (m *mirror) exists() bool { return isDir(m.dir) }

// has reports whether the mirror holds commit id.
func (m *mirror) has(ctx context.Context, id string) bool {
	if !m.exists() {
		return false
	}
	_, ok, err := m.peel(ctx, id)
	return ok && err == nil
}

// update brings the mirror up to date with the remote: a first clone, or a
// fetch that also prunes what the remote deleted. Needs the exclusive lock.
func (m *mirror) update(ctx context.Context) error {
	m.fetched = true
	if m.exists() {
		_, err := m.git(ctx, "fetch", "--prune", "--quiet", "origin")
		return err
	}
	// Only this process holds the exclusive lock: what an interrupted clone
	// left behind is garbage.
	stale, _ := filepath.Glob(m.dir + ".tmp-*")
	for _, s := range stale {
		os.RemoveAll(s)
	}
	tmp, err := os.MkdirTemp(m.root, filepath.Base(m.dir)+".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if _, err := runGit(ctx, m.root, "clone", "--mirror", "--quiet", "--", m.url, tmp); err != nil {
		return err
	}
	for _, kv := range [][2]string{{"gc.auto", "0"}, {"maintenance.auto", "false"}} {
		if _, err := runGit(ctx, m.root, "--git-dir="+tmp, "config", kv[0], kv[1]); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(tmp, "info"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "info", "attributes"), []byte(mirrorAttributes), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, m.dir)
}

// resolve turns ref into a full commit id: "" is the highest semver tag,
// else the default branch; otherwise a full commit id, a tag, a branch, a
// full ref name or an abbreviated commit id, in that order.
func (m *mirror) resolve(ctx context.Context, ref string) (string, error) {
	tags, commits, err := m.tags(ctx)
	if err != nil {
		return "", err
	}
	if ref == "" {
		if tag := newestTag(tags); tag != "" {
			if id := commits[tag]; id != "" {
				return id, nil
			}
			id, ok, err := m.peel(ctx, "refs/tags/"+tag)
			if err != nil {
				return "", err
			}
			if !ok {
				return "", fmt.Errorf("tag %s does not point to a commit", tag)
			}
			return id, nil
		}
		return m.defaultBranch(ctx)
	}
	candidates := []string{"refs/tags/" + ref, "refs/heads/" + ref}
	if isFullID(ref) {
		candidates = []string{strings.ToLower(ref)}
	} else if strings.HasPrefix(ref, "refs/") {
		candidates = append(candidates, ref)
	}
	for _, c := range candidates {
		if id := commits[strings.TrimPrefix(c, "refs/tags/")]; id != "" && strings.HasPrefix(c, "refs/tags/") {
			return id, nil
		}
		id, ok, err := m.peel(ctx, c)
		if err != nil {
			return "", err
		}
		if ok {
			return id, nil
		}
	}
	if shortID().MatchString(ref) && !isFullID(ref) {
		// Without --quiet git says why an abbreviation fails, such as
		// "short object ID … is ambiguous".
		out, err := m.git(ctx, "rev-parse", "--verify", strings.ToLower(ref)+"^{commit}")
		if err == nil {
			return strings.TrimSpace(string(out)), nil
		}
		var gerr *gitrepo.Error
		if errors.As(err, &gerr) && strings.Contains(gerr.Msg, "ambiguous") {
			return "", fmt.Errorf("commit %q: %s", ref, gerr.Msg)
		}
		if ctx.Err() != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("no tag, branch or commit %q (%s)", ref, describeTags(tags))
}

// peel resolves name to a commit id; ok is false when the mirror has no
// such commit.
func (m *mirror) peel(ctx context.Context, name string) (id string, ok bool, err error) {
	out, err := m.git(ctx, "rev-parse", "--verify", "--quiet", name+"^{commit}")
	if err != nil {
		var gerr *gitrepo.Error
		var exit *exec.ExitError
		if ctx.Err() == nil && errors.As(err, &gerr) && errors.As(err, &exit) && exit.ExitCode() == 1 {
			return "", false, nil // --quiet: not there, nothing said
		}
		return "", false, err
	}
	return strings.TrimSpace(string(out)), true, nil
}

// tags lists the mirror's tags, and the commit of each that points to one
// directly or through one annotated tag: the others (a tag of a tag, of a
// tree) are left to peel.
func (m *mirror) tags(ctx context.Context) (names []string, commits map[string]string, err error) {
	out, err := m.git(ctx, "for-each-ref", "--format=%(refname:strip=2) %(objecttype) %(objectname) %(*objecttype) %(*objectname)", "refs/tags")
	if err != nil {
		return nil, nil, err
	}
	commits = map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case len(f) == 3 && f[1] == "commit":
			commits[f[0]] = f[2]
		case len(f) == 5 && f[1] == "tag" && f[3] == "commit":
			commits[f[0]] = f[4]
		}
		names = append(names, f[0])
	}
	return names, commits, nil
}

// defaultBranch is the commit of the remote's HEAD. A clone set the
// mirror's HEAD to it; after a fetch the remote is asked again, since a
// fetch does not follow a renamed default branch (and prunes the old one).
func (m *mirror) defaultBranch(ctx context.Context) (string, error) {
	if m.fetched {
		out, err := m.git(ctx, "ls-remote", "--symref", "origin", "HEAD")
		if err != nil {
			return "", err
		}
		for _, line := range strings.Split(string(out), "\n") {
			target, ok := strings.CutPrefix(line, "ref: ")
			if !ok {
				continue
			}
			target, _, _ = strings.Cut(target, "\t")
			if strings.HasPrefix(target, "refs/heads/") {
				if _, err := m.git(ctx, "symbolic-ref", "HEAD", target); err != nil {
					return "", err
				}
			}
			break
		}
	}
	id, ok, err := m.peel(ctx, "HEAD")
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errors.New("no semver tag, and the default branch has no commits")
	}
	return id, nil
}

func (m *mirror) git(ctx context.Context, args ...string) ([]byte, error) {
	return runGit(ctx, m.root, append([]string{"--git-dir=" + m.dir}, args...)...)
}

// newestTag is the tag of highest semver precedence (v1.2.3 or 1.2.3, all
// three numbers): the highest release, else the highest pre-release, else "".
func newestTag(tags []string) string {
	best, bestPre := "", ""
	for _, t := range tags {
		v, ok := tagVersion(t)
		if !ok {
			continue
		}
		p := &best
		if semver.Prerelease(v) != "" {
			p = &bestPre
		}
		if *p == "" {
			*p = t
			continue
		}
		cur, _ := tagVersion(*p)
		// Equal precedence (v1.0.0, 1.0.0, v1.0.0+build): the smallest name,
		// so that the choice never depends on the order git lists them.
		if c := semver.Compare(v, cur); c > 0 || c == 0 && t < *p {
			*p = t
		}
	}
	if best != "" {
		return best
	}
	return bestPre
}

// tagVersion reads a tag as a full semantic version.
func tagVersion(tag string) (string, bool) {
	v := tag
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	if !semver.IsValid(v) {
		return "", false
	}
	core, _, _ := strings.Cut(v, "+")
	return v, semver.Canonical(v) == core // v1 and v1.2 are not versions of a release
}

// describeTags lists the tags for an error message: semver ones in order of
// precedence, then the others; at most the 10 highest.
func describeTags(tags []string) string {
	if len(tags) == 0 {
		return "the repository has no tags"
	}
	sorted := slices.Clone(tags)
	slices.SortStableFunc(sorted, func(a, b string) int {
		va, aok := tagVersion(a)
		vb, bok := tagVersion(b)
		switch {
		case aok && bok:
			if c := semver.Compare(va, vb); c != 0 {
				return c
			}
		case aok:
			return 1
		case bok:
			return -1
		}
		return strings.Compare(a, b)
	})
	const most = 10
	if len(sorted) > most {
		return fmt.Sprintf("the %d highest of %d tags: %s", most, len(sorted), strings.Join(sorted[len(sorted)-most:], ", "))
	}
	return "tags: " + strings.Join(sorted, ", ")
}

// maxGitOutput bounds what one git command may write to gomicro: the tar
// of a template tree, or a list of tags.
const maxGitOutput = 256 << 20

// cappedBuffer collects a command's output up to limit bytes and fails the
// write that would go past it. It holds its bytes.Buffer in a field rather
// than embedding it: an embedded Buffer's ReadFrom, which io.Copy (and so
// os/exec) prefers to Write, would read everything past the cap.
type cappedBuffer struct {
	limit int64
	buf   bytes.Buffer
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if int64(b.buf.Len())+int64(len(p)) > b.limit {
		return 0, fmt.Errorf("git wrote more than %s", bytesize.String(b.limit))
	}
	return b.buf.Write(p)
}

func (b *cappedBuffer) Bytes() []byte { return b.buf.Bytes() }

// runGit runs git in dir and returns its standard output, at most
// maxGitOutput bytes; a failure is a *gitrepo.Error carrying git's own
// message. Cancelling ctx kills git.
func runGit(ctx context.Context, dir string, args ...string) ([]byte, error) {
	out := cappedBuffer{limit: maxGitOutput}
	err := runGitTo(ctx, &out, dir, args...)
	return out.Bytes(), err
}

// runGitTo runs git in dir, through gitrepo's runner, with its standard
// output going to stdout. A command that talks to a remote (clone, fetch,
// ls-remote) runs under the fetch's stall watchdog (see fetching) and
// curl's low-speed limit; either stopping it is reported as a stall.
func runGitTo(ctx context.Context, stdout io.Writer, dir string, args ...string) error {
	return runGitWith(ctx, nil, stdout, dir, args...)
}

// runGitWith is runGitTo with stdin as git's standard input.
func runGitWith(ctx context.Context, stdin io.Reader, stdout io.Writer, dir string, args ...string) error {
	sub := gitrepo.Subcommand(args)
	network := sub == "clone" || sub == "fetch" || sub == "ls-remote"
	if network && offline(ctx) {
		return ErrNotCached
	}
	f := fetchingOf(ctx)
	if network {
		args = fetchArgs(args, sub, f.timeout)
	}
	stalled := false
	_, err := gitrepo.Run(ctx, gitrepo.Command{
		Dir:    dir,
		Args:   args,
		Stdin:  stdin,
		Stdout: stdout,
		Exec: func(cmd *exec.Cmd) error {
			// git may leave a child (ssh, a credential helper) holding the
			// pipes after it is killed; do not wait for it forever.
			cmd.WaitDelay = 5 * time.Second
			if !network {
				return cmd.Run()
			}
			var err error
			stalled, err = f.run(cmd, nil)
			return err
		},
	})
	var e *gitrepo.Error
	if !errors.As(err, &e) {
		return err
	}
	switch {
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		// gitrepo.Run named the context.
	case errors.Is(err, exec.ErrNotFound):
		e.Msg += "; git template sources need it"
	case stalled || network && bytes.Contains(e.Stderr, []byte("Operation too slow")):
		// The watchdog, or curl's own low-speed limit (http.lowSpeedTime).
		e.Msg = f.stallError()
	}
	return e
}

// fetchArgs adds to the arguments of a git command that talks to a remote
// what bounds a stalled transfer: for http(s), curl's low-speed limit (less
// than a byte a second for the timeout, in whole seconds); and for clone and
// fetch, --progress, so that a transfer that moves says so on stderr, which
// the watchdog watches whatever the transport (ssh, file, git).
func fetchArgs(args []string, sub string, timeout time.Duration) []string {
	secs := int64((timeout + time.Second - 1) / time.Second)
	out := []string{"-c", "http.lowSpeedLimit=1", "-c", fmt.Sprintf("http.lowSpeedTime=%d", max(secs, 1))}
	for i, a := range args {
		out = append(out, a)
		if a == sub && gitrepo.Subcommand(args[:i+1]) == sub {
			if sub == "clone" || sub == "fetch" {
				out = append(out, "--progress")
			}
			return append(out, args[i+1:]...)
		}
	}
	return out
}
