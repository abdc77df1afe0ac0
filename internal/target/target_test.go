package target

import (
	"slices"
	"testing"

	"github.com/gomicro/gomicro/generator"
)

func TestNextSteps(t *testing.T) {
	owner := generator.Answers{"github_username": "acme"}
	for _, tt := range []struct {
		name     string
		dir      string
		answers  generator.Answers
		madeRepo bool
		template []string
		want     []string
	}{
		{"cd alone is no news", "svc", owner, false, nil, nil},
		{"the remote, once a repository was made", "out/svc", owner, true, nil,
			[]string{"cd out/svc", "git remote add origin git@github.com:acme/svc.git"}},
		{"no owner, no remote", "svc", generator.Answers{}, true, []string{"make"}, []string{"cd svc", "make"}},
		{"the template's own, after", "my svc", owner, true, []string{"go test ./..."},
			[]string{"cd 'my svc'", "git remote add origin git@github.com:acme/my svc.git", "go test ./..."}},
	} {
		if got := NextSteps(tt.dir, tt.answers, tt.madeRepo, tt.template); !slices.Equal(got, tt.want) {
			t.Errorf("%s: NextSteps = %q, want %q", tt.name, got, tt.want)
		}
	}
}
