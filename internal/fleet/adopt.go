package fleet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/lockfile"
	"github.com/gomicro/gomicro/internal/quote"
	"github.com/gomicro/gomicro/internal/rootfs"
)

// AdoptRequest is what gomicro adopt is given.
type AdoptRequest struct {
	Dir      string
	Template *generator.Template // --template SRC[@REF], loaded
	Set      map[string]string   // --answers and --set; name defaults to the directory's name
	Prompter generator.Prompter
	// Critical, when not nil, starts the critical section the write runs
	// in (a signal then cancels ctx and the write rolls back) and returns
	// its end.
	Critical func() (leave func())
	// WriteFs, when not nil, wraps the project's confined root for the
	// write (tests stop gomicro mid-write with it).
	WriteFs func(ctx context.Context, root afero.Fs) afero.Fs
}

// Adopted is a repository gomicro has taken on.
type Adopted struct {
	Template *generator.Template
	Differ   int // the template's files the project does not have as rendered
	Files    int // the template's files
	InGit    bool
}

// Adopt links an existing repository that gomicro did not make (or whose
// .gomicro.yml was lost) to a template release, as cruft's link does: it
// renders the release with the answers and writes only .gomicro.yml, which
// records that render's files as the project's base. Every other file
// stays as it is, so the next upgrade takes each difference from the
// render for the team's edit: a file the project changed keeps its
// change, and a file of the template's that the project lacks counts as
// deleted by the team and is not added (gomicro diff shows it; `git apply
// -R` of its diff brings it in). In git the render is kept under
// refs/gomicro/pristine, as after an upgrade, so a directory template's
// base is there too; nothing is committed.
func Adopt(ctx context.Context, req AdoptRequest) (*Adopted, error) {
	release, err := lockfile.Project(ctx, req.Dir, lockfile.Wait)
	if err != nil {
		return nil, err
	}
	defer release()
	root, err := rootfs.Open(req.Dir)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %v", quote.Name(req.Dir), rootfs.Reason(err))
	}
	defer root.Close()
	if _, _, err := root.LstatIfPossible(generator.ManifestFile); !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s already has %s: it is linked to its template; use gomicro upgrade", quote.Name(req.Dir), generator.ManifestFile)
	}
	tmpl := req.Template
	tree, err := adoptRender(ctx, req)
	if err != nil {
		return nil, err
	}
	manifest, _ := tree.File(generator.ManifestFile)
	old, err := generator.ReadManifest(manifest.Data)
	if err != nil {
		return nil, err
	}
	diffs, err := generator.DiffProject(root, ".", old, filesOf(tree), nil, nil)
	if err != nil {
		return nil, err
	}
	if req.Critical != nil {
		defer req.Critical()()
	}
	only := &generator.Tree{Files: []generator.File{manifest}}
	var fsys afero.Fs = root
	if req.WriteFs != nil {
		fsys = req.WriteFs(ctx, root)
	}
	if _, err := generator.Write(ctx, fsys, ".", only, generator.WriteOptions{Force: true}); err != nil {
		return nil, err
	}
	a := &Adopted{Template: tmpl, Differ: len(diffs), Files: len(old.Files)}
	if repo, err := gitrepo.Find(req.Dir); err == nil && repo != nil {
		label := fmt.Sprintf("gomicro %s@%s as rendered (adopt)", tmpl.Name, tmpl.Version)
		if _, err := repo.RecordPristine(gitFiles(tree), label); err != nil {
			_ = root.Remove(generator.ManifestFile)
			return nil, fmt.Errorf("cannot keep the render in git (refs/gomicro/pristine): %s", gitrepo.Message(err))
		}
		a.InGit = true
	}
	return a, nil
}

// adoptRender renders the template with the answers given; the name
// question defaults to the directory's own name.
func adoptRender(ctx context.Context, req AdoptRequest) (*generator.Tree, error) {
	tmpl := req.Template
	set := maps.Clone(req.Set)
	if set == nil {
		set = map[string]string{}
	}
	if _, asks := tmpl.Question("name"); asks && set["name"] == "" {
		abs, err := filepath.Abs(req.Dir)
		if err != nil {
			return nil, err
		}
		set["name"] = filepath.Base(abs)
	}
	answers, err := tmpl.Resolve(ctx, set, req.Prompter)
	if err != nil {
		return nil, err
	}
	tree, err := generator.Render(ctx, tmpl, answers)
	return tree, RenderError(err)
}

// filesOf maps a tree's files by path.
func filesOf(tree *generator.Tree) map[string]generator.File {
	files := make(map[string]generator.File, len(tree.Files))
	for _, f := range tree.Files {
		files[f.Path] = f
	}
	return files
}

// Summary is what adopt says: what it wrote and what to do next.
func (a *Adopted) Summary(dir string) []string {
	lines := []string{fmt.Sprintf("Adopted %s as %s %s: wrote %s; %d of the template's %d files differ from the project (gomicro diff shows how)",
		quote.Name(dir), quote.Name(a.Template.Name), quote.Name(a.Template.Version), generator.ManifestFile, a.Differ, a.Files)}
	if a.InGit {
		lines = append(lines, "Nothing is committed: review (gomicro diff), then commit "+generator.ManifestFile)
	}
	return lines
}
