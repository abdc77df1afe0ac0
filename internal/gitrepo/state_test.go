package gitrepo

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/treetest"
)

// TestInProgress stops each git operation half-way, as a person's work
// tree can be when gomicro runs, and asks InProgress to name it.
func TestInProgress(t *testing.T) {
	setup(t)
	// history: first (f.txt=one), second (f.txt=two) on main; side
	// (f.txt=side) branches from first.
	history := func(t *testing.T) string {
		top := newRepo(t, map[string]string{"f.txt": "one\n"})
		run(t, top, "branch", "-M", "main")
		run(t, top, "branch", "side")
		treetest.WriteDir(t, top, map[string]string{"f.txt": "two\n"})
		run(t, top, "commit", "-qam", "second")
		run(t, top, "checkout", "-q", "side")
		treetest.WriteDir(t, top, map[string]string{"f.txt": "side\n"})
		run(t, top, "commit", "-qam", "side")
		run(t, top, "checkout", "-q", "main")
		return top
	}
	for _, tt := range []struct {
		name   string
		stop   func(t *testing.T, top string)
		want   string
		marker string
	}{
		{"none", func(*testing.T, string) {}, "", ""},
		{"rebase -i stopped at edit", func(t *testing.T, top string) {
			t.Setenv("GIT_SEQUENCE_EDITOR", "sed -i -e s/^pick/edit/")
			run(t, top, "rebase", "-q", "-i", "HEAD~1")
		}, "a rebase", "rebase-merge"},
		{"rebase stopped at a conflict", func(t *testing.T, top string) {
			runFails(t, top, "rebase", "-q", "side")
		}, "a rebase", "rebase-merge"},
		{"rebase --apply stopped at a conflict", func(t *testing.T, top string) {
			runFails(t, top, "rebase", "-q", "--apply", "side")
		}, "a rebase", "rebase-apply"},
		{"am stopped at a conflict", func(t *testing.T, top string) {
			patch := run(t, top, "format-patch", "--stdout", "main~1..side")
			cmd := exec.Command("git", "am", "-q")
			cmd.Dir, cmd.Stdin = top, strings.NewReader(patch)
			if out, err := cmd.CombinedOutput(); err == nil {
				t.Fatalf("git am succeeded, want a conflict:\n%s", out)
			}
		}, "git am", "rebase-apply/applying"},
		{"merge stopped at a conflict", func(t *testing.T, top string) {
			runFails(t, top, "merge", "-q", "side")
		}, "a merge", "MERGE_HEAD"},
		{"cherry-pick stopped at a conflict", func(t *testing.T, top string) {
			runFails(t, top, "cherry-pick", "side")
		}, "a cherry-pick", "CHERRY_PICK_HEAD"},
		{"revert stopped at a conflict", func(t *testing.T, top string) {
			treetest.WriteDir(t, top, map[string]string{"f.txt": "three\n"})
			run(t, top, "commit", "-qam", "third")
			runFails(t, top, "revert", "--no-edit", "HEAD~1")
		}, "a revert", "REVERT_HEAD"},
		{"bisect", func(t *testing.T, top string) {
			run(t, top, "bisect", "start")
		}, "a bisect", "BISECT_LOG"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			top := history(t)
			tt.stop(t, top)
			op, err := find(t, top).InProgress()
			switch {
			case err != nil:
				t.Fatalf("InProgress() error %v", err)
			case tt.want == "" && op != nil:
				t.Fatalf("InProgress() = %+v; want nil", op)
			case tt.want != "" && (op == nil || op.Name != tt.want || op.Marker != tt.marker):
				t.Fatalf("InProgress() = %+v; want %s (%s)", op, tt.want, tt.marker)
			}
		})
	}
}

// TestInProgressLinkedWorktree: a linked worktree keeps its own markers;
// a rebase stopped in one is not the other's.
func TestInProgressLinkedWorktree(t *testing.T) {
	setup(t)
	top := newRepo(t, map[string]string{"f.txt": "one\n"})
	treetest.WriteDir(t, top, map[string]string{"f.txt": "two\n"})
	run(t, top, "commit", "-qam", "second")
	linked := filepath.Join(t.TempDir(), "linked")
	run(t, top, "worktree", "add", "-q", "--detach", linked)
	t.Setenv("GIT_SEQUENCE_EDITOR", "sed -i -e s/^pick/edit/")
	run(t, linked, "rebase", "-q", "-i", "HEAD~1")
	if op, err := find(t, linked).InProgress(); err != nil || op == nil || op.Marker != "rebase-merge" {
		t.Errorf("linked worktree: InProgress() = %+v, %v; want a rebase", op, err)
	}
	if op, err := find(t, top).InProgress(); err != nil || op != nil {
		t.Errorf("main worktree: InProgress() = %+v, %v; want nil", op, err)
	}
}

// TestIgnored asks git, with each of its three kinds of ignore rule, which
// of a project's files it ignores; a tracked file is never ignored.
func TestIgnored(t *testing.T) {
	setup(t)
	top := newRepo(t, map[string]string{
		"svc/.gitignore": ".env\n", "svc/tracked.conf": "tracked\n", "svc/app.txt": "app\n",
	})
	excludes := filepath.Join(t.TempDir(), "ignore")
	treetest.WriteDir(t, filepath.Dir(excludes), map[string]string{"ignore": "*.conf\n"})
	t.Setenv("GIT_CONFIG_PARAMETERS", "'core.excludesFile'='"+excludes+"'")
	treetest.WriteDir(t, top, map[string]string{
		".git/info/exclude": "local/\n",
		"svc/.env":          "S3_SECRET=x\n", "svc/a.conf": "x\n", "svc/local/k": "x\n", "svc/new.txt": "x\n",
	})
	r := find(t, filepath.Join(top, "svc"))
	got, err := r.Ignored([]string{".env", "a.conf", "tracked.conf", "local/k", "new.txt", "app.txt", ":x"})
	if want := []string{".env", "a.conf", "local/k"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("Ignored = %q, %v; want %q", got, err, want)
	}
	if got, err := r.Ignored(nil); err != nil || got != nil {
		t.Errorf("Ignored(nil) = %q, %v", got, err)
	}
	if _, err := r.Ignored([]string{"../x"}); err == nil {
		t.Error("Ignored(../x): no error")
	}
}

// TestIndex lists what a sparse checkout leaves out, below the project
// only, relative to it; and the files whose work-tree copy git checks,
// with their blob ids and modes (not those skip-worktree or
// assume-unchanged).
func TestIndex(t *testing.T) {
	setup(t)
	top := newRepo(t, map[string]string{
		"svc/app.txt": "a\n", "svc/scripts/build.sh": "b\n", "svc/docs/x.md": "x\n", "svc/run.sh": "r\n",
		"svc/trusted.txt": "t\n", "other/scripts/y": "y\n",
	})
	run(t, top, "update-index", "--chmod=+x", "svc/run.sh")
	run(t, top, "commit", "-q", "-m", "x")
	run(t, top, "update-index", "--assume-unchanged", "svc/trusted.txt")
	run(t, top, "sparse-checkout", "set", "--cone", "svc/docs")
	index, err := find(t, filepath.Join(top, "svc")).Index()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"scripts/build.sh"}; !slices.Equal(index.SkipWorktree, want) {
		t.Errorf("SkipWorktree = %q; want %q", index.SkipWorktree, want)
	}
	want := map[string]IndexEntry{
		"app.txt":   {blobID([]byte("a\n")), 0o644},
		"docs/x.md": {blobID([]byte("x\n")), 0o644},
		"run.sh":    {blobID([]byte("r\n")), 0o755},
	}
	if !maps.Equal(index.Files, want) {
		t.Errorf("Files = %v; want %v", index.Files, want)
	}
	run(t, top, "sparse-checkout", "disable")
	if index, err := find(t, filepath.Join(top, "svc")).Index(); err != nil || len(index.SkipWorktree) != 0 {
		t.Errorf("after disable: SkipWorktree = %q, %v; want none", index.SkipWorktree, err)
	}
}

// TestInProgressOddTop: Find asks git for the top and the git directory at
// once; a top whose name ends in spaces or holds a newline still gives both
// right, and InProgress still sees a merge stopped there.
func TestInProgressOddTop(t *testing.T) {
	setup(t)
	for _, name := range []string{"ends in spaces  ", "two\nlines", "three\nlines\n"} {
		t.Run(strings.ReplaceAll(name, "\n", `\n`), func(t *testing.T) {
			top, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			top = filepath.Join(top, name)
			treetest.WriteDir(t, top, map[string]string{"f.txt": "one\n"})
			run(t, top, "init", "-q")
			run(t, top, "add", "-A")
			run(t, top, "commit", "-qm", "first")
			r := find(t, top)
			if r.Top != top || r.Prefix != "." {
				t.Fatalf("Find = {Top: %q, Prefix: %q}, want {Top: %q, Prefix: .}", r.Top, r.Prefix, top)
			}
			if op, err := r.InProgress(); err != nil || op != nil {
				t.Fatalf("InProgress() = %+v, %v; want nil", op, err)
			}
			if err := os.WriteFile(filepath.Join(top, ".git", "MERGE_HEAD"), []byte(strings.Repeat("0", 40)+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if op, err := r.InProgress(); err != nil || op == nil || op.Marker != "MERGE_HEAD" {
				t.Errorf("InProgress() = %+v, %v; want a merge", op, err)
			}
		})
	}
}
