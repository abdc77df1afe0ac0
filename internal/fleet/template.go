package fleet

import (
	"context"
	"fmt"
	"io/fs"
	"sync"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/quote"
	"github.com/gomicro/gomicro/templates/source"
)

// Opener opens templates for the person running gomicro: every template it
// loads asks their machine (Machine) and takes their own default answers
// (UserDefaults), and a fetch that takes a while says what it fetches
// through Progress.
type Opener struct {
	Machine      generator.Machine
	UserDefaults func() (map[string]string, error) // nil: none
	// Environ looks up the variables secret questions name (see
	// generator.Template.Environ); nil: none is set.
	Environ func(key string) (string, bool)
	// Progress, when not nil, hears a line from a fetch that takes more
	// than a couple of seconds, so that a slow or stalled server is not a
	// silent wait (the source layer gives up on a stall after
	// GOMICRO_FETCH_TIMEOUT).
	Progress func(line string)
}

// Load finds a template by a --template value (see templates/source: an
// embedded name, a directory, a git URL or a Go module, each with an
// optional //SUBDIR and @REF) and loads it, recording the source as typed
// (in its canonical form) without its @REF, and the exact revision it
// resolved to.
//
// The @REF fixes only this render: an upgrade follows the source's newest
// release and finds this one again by the recorded revision (a commit, a
// module version), so a ref in .gomicro.yml would only be stale beside a
// later version.
func (o Opener) Load(ctx context.Context, src string) (*generator.Template, error) {
	spec, err := source.Parse(src)
	if err != nil {
		return nil, err
	}
	return o.Open(ctx, spec, spec.Latest().String())
}

// Open loads spec's tree (its Ref, or its newest release) and records
// recordAs as the template's source. A slow fetch says so through Progress,
// whichever way the source was named (--template, or the source a project
// recorded).
func (o Opener) Open(ctx context.Context, spec source.Spec, recordAs string) (*generator.Template, error) {
	return o.open(ctx, spec, recordAs, revision{})
}

// open is Open of the release a project moves to, loaded against the
// tree the project was generated from (base, when it has one) so that the
// files the release did not change are parsed only if rendered (see
// generator.LoadAgainst).
func (o Opener) open(ctx context.Context, spec source.Spec, recordAs string, base revision) (*generator.Template, error) {
	if base.tree != nil {
		// Both trees at once: two reads from git (or zips) take about as
		// long as one on two cores. A git release takes the blobs the
		// base holds from it, and reads only what it changed.
		go base.tree()
		ctx = source.WithBase(ctx, base.tree)
	}
	tree, err := source.Open(o.withProgress(ctx), spec)
	if err != nil {
		return nil, err
	}
	tmpl, err := o.loadAgainst(tree.FS, recordAs, base)
	if err != nil {
		return nil, err
	}
	tmpl.Revision = tree.Revision
	tmpl.Machine = o.Machine
	tmpl.Environ = o.Environ
	if o.UserDefaults != nil {
		if tmpl.UserDefaults, err = o.UserDefaults(); err != nil {
			return nil, err
		}
	}
	return tmpl, nil
}

// loadAgainst loads fsys against base's tree when there is one that opens.
func (o Opener) loadAgainst(fsys fs.FS, recordAs string, base revision) (*generator.Template, error) {
	if base.tree != nil {
		if baseFS, err := base.tree(); err == nil {
			return generator.LoadAgainst(fsys, recordAs, baseFS)
		}
	}
	return generator.Load(fsys, recordAs)
}

func (o Opener) withProgress(ctx context.Context) context.Context {
	if o.Progress == nil {
		return ctx
	}
	return source.WithProgress(ctx, o.Progress)
}

// upgradeTemplate is the template an upgrade moves to: flag (--template)
// as given (its @REF, or its newest release), or else the newest release
// of the source the project recorded; the @REF given to new fixed only the
// first render. Following the recorded source records it without the ref
// that projects made by earlier gomicros hold.
func (o Opener) upgradeTemplate(ctx context.Context, flag string, old *generator.Manifest, base revision) (*generator.Template, error) {
	if flag != "" {
		spec, err := source.Parse(flag)
		if err != nil {
			return nil, err
		}
		return o.open(ctx, spec, spec.Latest().String(), base)
	}
	spec, err := source.Parse(old.Source)
	if err == nil {
		var tmpl *generator.Template
		if tmpl, err = o.open(ctx, spec.Latest(), spec.Latest().String(), base); err == nil {
			return tmpl, nil
		}
	}
	return nil, fmt.Errorf("%w (the project's template; pass --template to use another)", err)
}

// cache loads each template (or tree) once per command: the projects of a
// fleet made from one source share one load (and one fetch).
type cache[T any] struct {
	mu sync.Mutex
	m  map[string]*cached[T]
}

type cached[T any] struct {
	mu   sync.Mutex // held while loading
	done bool
	v    T
	err  error
}

func (c *cache[T]) entry(key string) *cached[T] {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*cached[T]{}
	}
	e := c.m[key]
	if e == nil {
		e = &cached[T]{}
		c.m[key] = e
	}
	return e
}

// get is the value of key, loaded by load the first time. A load that
// fails because its caller stopped waiting (stopped) is not kept: the
// next get loads again.
func (c *cache[T]) get(key string, load func() (T, error)) (T, error) {
	e := c.entry(key)
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.done {
		v, err := load()
		if s, ok := err.(stopped); ok {
			return v, s.error
		}
		e.v, e.err, e.done = v, err, true
	}
	return e.v, e.err
}

// stopped is the error of a load its caller stopped (see get).
type stopped struct{ error }

// prefetch loads key with try, ahead of a get, and keeps what it loads
// only if try succeeds: a get after a failed try loads the usual way. A
// get meanwhile waits for try rather than load the same again.
func (c *cache[T]) prefetch(key string, try func() (T, error)) {
	e := c.entry(key)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done {
		return
	}
	if v, err := try(); err == nil {
		e.v, e.done = v, true
	}
}

// template is the template a project moves to (see upgradeTemplate),
// loaded once per command for every project that names the same source.
func (u *Upgrader) template(ctx context.Context, old *generator.Manifest, base revision) (*generator.Template, error) {
	key := "recorded\x00" + old.Source
	if u.Template != "" {
		key = "flag\x00" + u.Template
	}
	key += "\x00against\x00" + base.key
	return u.templates.get(key, func() (*generator.Template, error) {
		tmpl, err := u.Opener.upgradeTemplate(ctx, u.Template, old, base)
		if err != nil && ctx.Err() != nil {
			// A project refused while its release was fetched (or an
			// interrupt): another project may still want the release.
			return nil, stopped{err}
		}
		if err == nil {
			tmpl.Limits = u.Limits
			fitMemory(tmpl)
		}
		return tmpl, err
	})
}

// baseSources are the places the files a project was generated with may
// be found, in the order they are asked: the template at the revision the
// project recorded (gomicro's history for an embedded template, the commit
// or module version for git and module templates), the template itself
// when its version has not moved (only answers change), then the project's
// git history by blob id. current may be nil (gomicro diff loads none).
func (o Opener) baseSources(repo *gitrepo.Repo, old *generator.Manifest, current *generator.Template, rev revision) []generator.BaseSource {
	var sources []generator.BaseSource
	if rev.tree != nil {
		sources = append(sources, o.revisionBase(old, rev))
	}
	if current != nil && current.Version == old.Version && current.Revision == old.Revision {
		sources = append(sources, generator.RenderedBase(fmt.Sprintf("%s %s as it renders today", quote.Name(current.Name), quote.Name(current.Version)), func() (*generator.Template, error) {
			return current, nil
		}, old))
	}
	if repo != nil {
		sources = append(sources, generator.BaseSource{Name: "pristine files from the project's git history", Files: func(need func(string) bool) (map[string]generator.File, error) {
			ids := make(map[string]string, len(old.Files))
			for p, id := range old.Files {
				if need(p) {
					ids[p] = id
				}
			}
			blobs, err := repo.Blobs(ids)
			if err != nil {
				return nil, err
			}
			files := make(map[string]generator.File, len(blobs))
			for p, data := range blobs {
				files[p] = generator.File{Path: p, Data: data}
			}
			return files, nil
		}})
	}
	return sources
}

// revision is the template tree at the revision a project recorded: a
// git commit, a module version, or for an embedded template its version
// in gomicro's history. Directories have none (tree is nil).
type revision struct {
	name string // for the report: "service 1.0.0 from gomicro's template history"
	key  string // the same for the same tree
	tree func() (fs.FS, error)
	// cached opens the tree only if that needs no fetch
	// (source.OpenCachedRevision).
	cached func() (fs.FS, error)
}

// revision finds the tree at the revision old records, opened when first
// asked for.
func (o Opener) revision(ctx context.Context, old *generator.Manifest) revision {
	spec, err := source.Parse(old.Source)
	if err != nil {
		return revision{}
	}
	rev, name := old.Revision, ""
	switch spec.Kind {
	case source.Embedded:
		rev = old.Version
		name = fmt.Sprintf("%s %s from gomicro's template history", quote.Name(spec.Location), quote.Name(old.Version))
	case source.Git, source.Module:
		if rev == "" {
			return revision{}
		}
		name = fmt.Sprintf("%s %s at %s", quote.Name(old.Template), quote.Name(old.Version), quote.Name(shortRevision(rev)))
	default:
		return revision{}
	}
	open := sync.OnceValues(func() (fs.FS, error) {
		return source.OpenRevision(o.withProgress(ctx), spec, rev)
	})
	cached := func() (fs.FS, error) { return source.OpenCachedRevision(ctx, spec, rev) }
	return revision{name: name, key: old.Source + "\x00" + rev, tree: open, cached: cached}
}

// revisionBase is the base source "the template at the revision the
// project recorded", which renders only the files asked for.
func (o Opener) revisionBase(old *generator.Manifest, rev revision) generator.BaseSource {
	return generator.RenderedBase(rev.name, func() (*generator.Template, error) {
		fsys, err := rev.tree()
		if err != nil {
			return nil, err
		}
		t, err := generator.LoadDeferred(fsys, old.Source)
		if err == nil {
			t.Environ = o.Environ // a secret of the base comes from where theirs does
		}
		return t, err
	}, old)
}

func shortRevision(r string) string {
	if len(r) >= 40 {
		return r[:12]
	}
	return r
}
