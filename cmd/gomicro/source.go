package main

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/term"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/templates/source"
)

const (
	defaultTemplate = "service"
	embeddedPrefix  = source.EmbeddedPrefix
)

// loadTemplate finds a template by the --template value (see
// templates/source: an embedded name, a directory, a git URL or a Go
// module, each with an optional //SUBDIR and @REF) and loads it, recording
// the source as typed (in its canonical form) and the exact revision it
// resolved to.
func loadTemplate(src string) (*generator.Template, error) {
	return loadTemplateContext(context.Background(), src)
}

func loadTemplateContext(ctx context.Context, src string) (*generator.Template, error) {
	if src == "" {
		src = embeddedPrefix + defaultTemplate
	}
	spec, err := source.Parse(src)
	if err != nil {
		return nil, err
	}
	return openTemplate(withFetchNotice(ctx), spec, spec.String())
}

// openTemplate loads spec's tree (its Ref, or its newest release) and
// records recordAs as the template's source.
func openTemplate(ctx context.Context, spec source.Spec, recordAs string) (*generator.Template, error) {
	tree, err := source.Open(ctx, spec)
	if err != nil {
		return nil, err
	}
	tmpl, err := generator.Load(tree.FS, recordAs)
	if err != nil {
		return nil, err
	}
	tmpl.Revision = tree.Revision
	tmpl.Machine = localMachine{}
	if tmpl.UserDefaults, err = userDefaults(); err != nil {
		return nil, err
	}
	return tmpl, nil
}

// revisionBase is the base source "the template at the revision the
// project recorded": a git commit, a module version, or for an embedded
// template its version in gomicro's history. Directories have none.
func revisionBase(ctx context.Context, old *generator.Manifest) (generator.BaseSource, bool) {
	spec, err := source.Parse(old.Source)
	if err != nil {
		return generator.BaseSource{}, false
	}
	revision, name := old.Revision, ""
	switch spec.Kind {
	case source.Embedded:
		revision = old.Version
		name = fmt.Sprintf("%s %s from gomicro's template history", quote(spec.Location), quote(old.Version))
	case source.Git, source.Module:
		if revision == "" {
			return generator.BaseSource{}, false
		}
		name = fmt.Sprintf("%s %s at %s", quote(old.Template), quote(old.Version), quote(shortRevision(revision)))
	default:
		return generator.BaseSource{}, false
	}
	return generator.RenderedBase(name, func() (*generator.Template, error) {
		fsys, err := source.OpenRevision(withFetchNotice(ctx), spec, revision)
		if err != nil {
			return nil, err
		}
		return generator.Load(fsys, old.Source)
	}, old), true
}

// withFetchNotice has a fetch that takes more than a couple of seconds
// say what it fetches, on stderr when that is a terminal, so that a slow
// or stalled server is not a silent wait (the source layer gives up on a
// stall after GOMICRO_FETCH_TIMEOUT).
func withFetchNotice(ctx context.Context) context.Context {
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return ctx
	}
	return source.WithProgress(ctx, func(line string) {
		fmt.Fprintf(os.Stderr, "gomicro: %s\n", line)
	})
}

func shortRevision(r string) string {
	if len(r) >= 40 {
		return r[:12]
	}
	return r
}
