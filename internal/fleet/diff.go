package fleet

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/quote"
	"github.com/gomicro/gomicro/internal/rootfs"
	"github.com/gomicro/gomicro/templates/source"
)

// Diffed is how a project differs from the release it recorded
// (gomicro diff).
type Diffed struct {
	Old      *generator.Manifest
	BaseFrom string // where the release's files came from
	Files    []generator.FileDiff
}

// Diff compares the project at dir with the pristine render of the
// release its .gomicro.yml records, with the recorded answers: exactly
// the base an upgrade would merge from (RecordedBase). paths, relative to
// the project, limit it (see generator.DiffProject). It only reads.
func (o Opener) Diff(ctx context.Context, dir string, paths []string) (*Diffed, error) {
	root, err := rootfs.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot open the project: %v", rootfs.Reason(err))
	}
	defer root.Close()
	old, err := readManifest(root)
	if err != nil {
		return nil, err
	}
	repo, err := gitrepo.Find(dir)
	if err != nil {
		repo = nil // a git that cannot read the repository: the template's history alone
	}
	base, from, err := o.RecordedBase(ctx, repo, old)
	if err != nil {
		return nil, err
	}
	var ignored func([]string) ([]string, error)
	if repo != nil {
		ignored = repo.Ignored
	}
	files, err := generator.DiffProject(root, ".", old, base, paths, ignored)
	if err != nil {
		return nil, err
	}
	return &Diffed{Old: old, BaseFrom: from, Files: files}, nil
}

// RecordedBase is the release old records rendered with its recorded
// answers, file by file from upgrade's own base sources (baseSources): the
// template at the recorded revision (gomicro's history for an embedded
// template, the commit or module version, from the cache when it is
// there), a directory template while its version is the recorded one,
// and the project's git history and refs/gomicro/pristine by blob id. It
// fails unless every recorded file is found.
func (o Opener) RecordedBase(ctx context.Context, repo *gitrepo.Repo, old *generator.Manifest) (map[string]generator.File, string, error) {
	var current *generator.Template
	if spec, err := source.Parse(old.Source); err == nil && spec.Kind == source.Dir {
		current, _ = o.Open(ctx, spec, old.Source) // not there: the other sources may still have it
	}
	base, from := generator.RecoverBase(old, o.baseSources(repo, old, current, o.revision(ctx, old)))
	if missing := len(old.Files) - len(base); missing > 0 {
		var lost []string
		for p := range old.Files {
			if _, ok := base[p]; !ok {
				lost = append(lost, p)
			}
		}
		slices.Sort(lost)
		for i := range lost {
			lost[i] = quote.Name(lost[i])
		}
		if len(lost) > 3 {
			lost = append(lost[:3], "...")
		}
		return nil, "", fmt.Errorf("cannot render %s %s as the project recorded it: %d of %d files not found (%s)",
			quote.Name(old.Template), quote.Name(old.Version), missing, len(old.Files), strings.Join(lost, ", "))
	}
	return base, from, nil
}

// DiffPaths cleans the PATH arguments of gomicro diff, given relative to
// the project: each must lie inside it.
func DiffPaths(args []string) ([]string, error) {
	paths := make([]string, len(args))
	for i, a := range args {
		p := path.Clean(filepath.ToSlash(a))
		if a == "" || path.IsAbs(p) || filepath.IsAbs(a) || p == ".." || strings.HasPrefix(p, "../") {
			return nil, fmt.Errorf("PATH %s: a path inside the project, relative to its top", quote.Name(a))
		}
		paths[i] = p
	}
	return paths, nil
}
