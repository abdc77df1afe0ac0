package fleet

import (
	"context"
	"fmt"
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
	tree, err := source.Open(o.withProgress(ctx), spec)
	if err != nil {
		return nil, err
	}
	tmpl, err := generator.Load(tree.FS, recordAs)
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
func (o Opener) upgradeTemplate(ctx context.Context, flag string, old *generator.Manifest) (*generator.Template, error) {
	if flag != "" {
		return o.Load(ctx, flag)
	}
	spec, err := source.Parse(old.Source)
	if err == nil {
		var tmpl *generator.Template
		if tmpl, err = o.Open(ctx, spec.Latest(), spec.Latest().String()); err == nil {
			return tmpl, nil
		}
	}
	return nil, fmt.Errorf("%w (the project's template; pass --template to use another)", err)
}

// templateCache loads each template once per command: the projects of a
// fleet made from one source share one load (and one fetch).
type templateCache struct {
	mu sync.Mutex
	m  map[string]*cachedTemplate
}

type cachedTemplate struct {
	once sync.Once
	tmpl *generator.Template
	err  error
}

func (c *templateCache) get(key string, load func() (*generator.Template, error)) (*generator.Template, error) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*cachedTemplate{}
	}
	e := c.m[key]
	if e == nil {
		e = &cachedTemplate{}
		c.m[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.tmpl, e.err = load() })
	return e.tmpl, e.err
}

// template is the template a project moves to (see upgradeTemplate),
// loaded once per command for every project that names the same source.
func (u *Upgrader) template(ctx context.Context, old *generator.Manifest) (*generator.Template, error) {
	key := "recorded\x00" + old.Source
	if u.Template != "" {
		key = "flag\x00" + u.Template
	}
	return u.templates.get(key, func() (*generator.Template, error) {
		tmpl, err := u.Opener.upgradeTemplate(ctx, u.Template, old)
		if err == nil {
			tmpl.Limits = u.Limits
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
func (o Opener) baseSources(ctx context.Context, repo *gitrepo.Repo, old *generator.Manifest, current *generator.Template) []generator.BaseSource {
	var sources []generator.BaseSource
	if at, ok := o.revisionBase(ctx, old); ok {
		sources = append(sources, at)
	}
	if current != nil && current.Version == old.Version && current.Revision == old.Revision {
		sources = append(sources, generator.RenderedBase(fmt.Sprintf("%s %s as it renders today", quote.Name(current.Name), quote.Name(current.Version)), func() (*generator.Template, error) {
			return current, nil
		}, old))
	}
	if repo != nil {
		sources = append(sources, generator.BaseSource{Name: "pristine files from the project's git history", Files: func() (map[string]generator.File, error) {
			blobs, err := repo.Blobs(old.Files)
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

// revisionBase is the base source "the template at the revision the
// project recorded": a git commit, a module version, or for an embedded
// template its version in gomicro's history. Directories have none.
func (o Opener) revisionBase(ctx context.Context, old *generator.Manifest) (generator.BaseSource, bool) {
	spec, err := source.Parse(old.Source)
	if err != nil {
		return generator.BaseSource{}, false
	}
	revision, name := old.Revision, ""
	switch spec.Kind {
	case source.Embedded:
		revision = old.Version
		name = fmt.Sprintf("%s %s from gomicro's template history", quote.Name(spec.Location), quote.Name(old.Version))
	case source.Git, source.Module:
		if revision == "" {
			return generator.BaseSource{}, false
		}
		name = fmt.Sprintf("%s %s at %s", quote.Name(old.Template), quote.Name(old.Version), quote.Name(shortRevision(revision)))
	default:
		return generator.BaseSource{}, false
	}
	return generator.RenderedBase(name, func() (*generator.Template, error) {
		fsys, err := source.OpenRevision(o.withProgress(ctx), spec, revision)
		if err != nil {
			return nil, err
		}
		t, err := generator.Load(fsys, old.Source)
		if err == nil {
			t.Environ = o.Environ // a secret of the base comes from where theirs does
		}
		return t, err
	}, old), true
}

func shortRevision(r string) string {
	if len(r) >= 40 {
		return r[:12]
	}
	return r
}
