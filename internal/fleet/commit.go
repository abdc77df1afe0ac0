package fleet

import (
	"context"
	"errors"
	"path"

	"github.com/gomicro/gomicro/internal/gitrepo"
	"github.com/gomicro/gomicro/internal/propose"
)

// startCommit is the commit an upgrade with --commit starts from: HEAD's,
// read once the work tree is known clean and the project locked. Without
// --commit it is "".
func (u *Upgrader) startCommit(ctx context.Context, repo *gitrepo.Repo) (string, error) {
	if u.Branch == "" || !u.writes() {
		return "", nil
	}
	if repo == nil {
		return "", errors.New("--commit needs a git repository, and the project is in none")
	}
	head, err := repo.Head()
	if err != nil {
		return "", err
	}
	if head == "" {
		return "", errors.New("--commit needs a commit to start from, and HEAD has none (git commit first)")
	}
	// What would stop the commit stops the upgrade, before it writes.
	if err := propose.Ready(ctx, propose.Request{Repo: repo, Branch: u.Branch, Start: head}); err != nil {
		return "", err
	}
	return head, nil
}

// commit puts what the apply wrote on the --commit branch, one commit on
// top of the start, and records the branch and commit in the report.
// Conflict markers and sidecars are committed as they are, so that a pull
// request shows them.
func (r *Report) commit(ctx context.Context, p *Project, branch string) error {
	written := p.Plan.Written()
	paths := make([]string, len(written))
	for i, w := range written {
		paths[i] = path.Join(p.repo.Prefix, w)
	}
	res, err := propose.Commit(ctx, propose.Request{
		Repo: p.repo, Branch: branch, Start: p.start, Paths: paths, Message: propose.Message(r.summary()),
	})
	if err != nil {
		return err
	}
	r.Branch, r.Commit, r.Proposed = res.Branch, res.Commit, "new"
	if res.Already {
		r.Proposed = "already"
	}
	return nil
}

// summary is the report as the commit message tells it.
func (r *Report) summary() propose.Summary {
	s := propose.Summary{Template: r.Template, From: r.Version, To: r.Newest}
	for _, a := range r.Answers {
		s.Answers = append(s.Answers, a.Name+"="+a.Value)
	}
	for _, f := range r.Files {
		s.Files = append(s.Files, propose.File{Path: f.Path, Action: f.Action})
	}
	return s
}
