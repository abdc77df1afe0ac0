package propose

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// upgrade is what a test's "upgrade" does to the work tree.
type upgrade struct {
	write  map[string]string // files written, mode 0o644
	exec   []string          // files then made executable
	remove []string          // files removed
}

// apply does u in top.
func (u upgrade) apply(t *testing.T, top string) {
	t.Helper()
	for _, p := range u.remove {
		if err := os.Remove(filepath.Join(top, p)); err != nil {
			t.Fatal(err)
		}
	}
	write(t, top, u.write)
	for _, p := range u.exec {
		if err := os.Chmod(filepath.Join(top, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// baseWith is base's tree ("MODE content" by path) with changes: a path
// mapped to "" is gone.
func baseWith(changes map[string]string) map[string]string {
	files := map[string]string{}
	for p, data := range base {
		files[p] = "100644 " + data
	}
	for p, entry := range changes {
		if entry == "" {
			delete(files, p)
		} else {
			files[p] = entry
		}
	}
	return files
}

// markers is a file as an upgrade with a conflict leaves it.
const markers = "package main\n<<<<<<< ours\nfunc a() {}\n||||||| base\n=======\nfunc b() {}\n>>>>>>> theirs\n"

// TestCommit applies an upgrade to a repository in the states a person's
// can be in, and checks the commit and the work tree Commit leaves.
func TestCommit(t *testing.T) {
	setup(t)
	for _, tt := range []struct {
		name       string
		before     func(t *testing.T, top, start string) // runs before the upgrade
		dir        string                                // the project, below the top
		up         upgrade
		paths      []string
		want       map[string]string // the commit's tree, see baseWith
		wantStatus string            // git status --porcelain afterwards
	}{{
		name: "files updated, added and removed",
		up: upgrade{
			write:  map[string]string{".gomicro.yml": "version: 2.0.0\n", "main.go": "package main // 2\n", "cmd/tool/main.go": "package main\n"},
			remove: []string{"old.txt"},
		},
		paths: []string{".gomicro.yml", "main.go", "cmd/tool/main.go", "old.txt"},
		want: baseWith(map[string]string{
			".gomicro.yml": "100644 version: 2.0.0\n", "main.go": "100644 package main // 2\n",
			"cmd/tool/main.go": "100644 package main\n", "old.txt": "",
		}),
	}, {
		name:  "executable bits kept",
		up:    upgrade{write: map[string]string{"tools/gen.sh": "#!/bin/sh\necho gen\n"}, exec: []string{"run.sh", "tools/gen.sh"}},
		paths: []string{"run.sh", "tools/gen.sh"},
		want: baseWith(map[string]string{
			"run.sh": "100755 #!/bin/sh\n", "tools/gen.sh": "100755 #!/bin/sh\necho gen\n",
		}),
	}, {
		name: "conflict markers and an ignored sidecar committed as they are",
		before: func(t *testing.T, top, _ string) {
			write(t, top, map[string]string{".git/info/exclude": "*.gomicro-new\n"})
		},
		up: upgrade{write: map[string]string{
			"main.go": markers, "old.txt.gomicro-new": "new\n", ".gomicro.yml": "version: 2.0.0\n",
		}},
		paths: []string{"main.go", "old.txt.gomicro-new", ".gomicro.yml"},
		want: baseWith(map[string]string{
			"main.go": "100644 " + markers, "old.txt.gomicro-new": "100644 new\n", ".gomicro.yml": "100644 version: 2.0.0\n",
		}),
	}, {
		name: "only the paths go in, not what is staged",
		before: func(t *testing.T, top, _ string) {
			write(t, top, map[string]string{"old.txt": "edited\n"})
			run(t, top, "add", "old.txt")
		},
		up:         upgrade{write: map[string]string{"main.go": "package main // 2\n", "notes.txt": "mine\n"}},
		paths:      []string{"main.go"},
		want:       baseWith(map[string]string{"main.go": "100644 package main // 2\n"}),
		wantStatus: " M old.txt\n?? notes.txt",
	}, {
		name: "from a detached HEAD",
		before: func(t *testing.T, top, start string) {
			run(t, top, "checkout", "-q", "--detach", start)
		},
		up:    upgrade{write: map[string]string{"main.go": "package main // 2\n"}},
		paths: []string{"main.go"},
		want:  baseWith(map[string]string{"main.go": "100644 package main // 2\n"}),
	}, {
		name: "conflict stages in the person's index",
		before: func(t *testing.T, top, _ string) {
			stageConflict(t, top, "main.go")
		},
		up:    upgrade{write: map[string]string{"main.go": markers, ".gomicro.yml": "version: 2.0.0\n"}},
		paths: []string{"main.go", ".gomicro.yml"},
		want: baseWith(map[string]string{
			"main.go": "100644 " + markers, ".gomicro.yml": "100644 version: 2.0.0\n",
		}),
	}, {
		name: "a branch of that name is replaced",
		before: func(t *testing.T, top, start string) {
			write(t, top, map[string]string{"other.txt": "other\n"})
			run(t, top, "checkout", "-q", "-b", branch)
			run(t, top, "add", "other.txt")
			run(t, top, "commit", "-q", "-m", "someone else's")
			run(t, top, "checkout", "-q", "main")
		},
		up:    upgrade{write: map[string]string{"main.go": "package main // 2\n"}},
		paths: []string{"main.go"},
		want:  baseWith(map[string]string{"main.go": "100644 package main // 2\n"}),
	}, {
		name: "HEAD on the branch itself",
		before: func(t *testing.T, top, _ string) {
			run(t, top, "checkout", "-q", "-b", branch)
		},
		up:    upgrade{write: map[string]string{"main.go": "package main // 2\n"}},
		paths: []string{"main.go"},
		want:  baseWith(map[string]string{"main.go": "100644 package main // 2\n"}),
	}, {
		name: "no hook runs",
		before: func(t *testing.T, top, _ string) {
			hook := "#!/bin/sh\necho \"$0\" >>\"$GIT_DIR/hooks-ran\"\nexit 1\n"
			for _, name := range []string{"reference-transaction", "post-index-change", "pre-commit", "commit-msg", "post-commit", "post-checkout"} {
				testtool.WriteExecutable(t, filepath.Join(top, ".git", "hooks", name), []byte(hook))
			}
			run(t, top, "config", "core.hooksPath", filepath.Join(top, ".git", "hooks"))
		},
		up:    upgrade{write: map[string]string{"main.go": "package main // 2\n"}},
		paths: []string{"main.go"},
		want:  baseWith(map[string]string{"main.go": "100644 package main // 2\n"}),
	}, {
		name:  "a project in a subdirectory",
		dir:   "svc",
		up:    upgrade{write: map[string]string{"svc/go.mod": "module svc // 2\n", "svc/.gomicro.yml": "version: 2.0.0\n"}},
		paths: []string{"svc/go.mod", "svc/.gomicro.yml"},
		want:  baseWith(map[string]string{"svc/go.mod": "100644 module svc // 2\n", "svc/.gomicro.yml": "100644 version: 2.0.0\n"}),
	}, {
		name:  "a file becomes a directory",
		up:    upgrade{remove: []string{"old.txt"}, write: map[string]string{"old.txt/new.txt": "new\n"}},
		paths: []string{"old.txt", "old.txt/new.txt"},
		want:  baseWith(map[string]string{"old.txt": "", "old.txt/new.txt": "100644 new\n"}),
	}} {
		t.Run(tt.name, func(t *testing.T) {
			top, start := newRepo(t)
			if tt.before != nil {
				tt.before(t, top, start)
			}
			tt.up.apply(t, top)
			msg := "gomicro: upgrade service 1.0.0 -> 2.0.0\n\nupdated  main.go\n"
			req := Request{Repo: repo(t, filepath.Join(top, tt.dir)), Branch: branch, Start: start, Paths: tt.paths, Message: msg}
			res, err := Commit(testtool.Context(t), req)
			if err != nil {
				t.Fatalf("Commit: %v", err)
			}
			if res.Branch != branch || res.Already || !isObjectID(res.Commit) {
				t.Errorf("Commit = %+v, want a new commit on %s", res, branch)
			}
			if diffs := diffTrees(tree(t, top, res.Commit), tt.want); len(diffs) > 0 {
				t.Errorf("the commit's tree:\n%s", strings.Join(diffs, "\n"))
			}
			if got := message(t, top, res.Commit); got != msg {
				t.Errorf("message %q, want %q", got, msg)
			}
			if got := run(t, top, "log", "-1", "--format=%an <%ae> %cn <%ce>", res.Commit); got != "Test Person <test@example.com> Test Person <test@example.com>" {
				t.Errorf("author and committer: %s", got)
			}
			checkOnBranch(t, top, start, res.Commit, tt.wantStatus)
			if _, err := os.Stat(filepath.Join(top, ".git", "hooks-ran")); err == nil {
				t.Errorf("hooks ran:\n%s", readFile(t, filepath.Join(top, ".git", "hooks-ran")))
			}
		})
	}
}

// stageConflict records path in the index as git merge leaves a conflict:
// stages 1, 2 and 3, each a different blob.
func stageConflict(t *testing.T, top, path string) {
	t.Helper()
	var info strings.Builder
	fmt.Fprintf(&info, "0 %s\t%s\n", strings.Repeat("0", 40), path)
	for stage := 1; stage <= 3; stage++ {
		id := runStdin(t, top, fmt.Sprintf("side %d\n", stage), "hash-object", "-w", "--stdin")
		fmt.Fprintf(&info, "100644 %s %d\t%s\n", id, stage, path)
	}
	runStdin(t, top, info.String(), "update-index", "--index-info")
	if got := run(t, top, "ls-files", "--unmerged"); strings.Count(got, "\n") != 2 {
		t.Fatalf("the conflict is not in the index: %q", got)
	}
}

// TestCommitAlready proposes an upgrade, pushes it, and proposes it again
// from a fresh start, as the scheduled job does each night: the second time
// finds origin's commit and makes none. Then a different upgrade replaces it.
func TestCommitAlready(t *testing.T) {
	setup(t)
	top, start := newRepo(t)
	first := upgrade{write: map[string]string{"main.go": "package main // 2\n", ".gomicro.yml": "version: 2.0.0\n"}}
	paths := []string{"main.go", ".gomicro.yml"}
	propose := func(u upgrade, msg string) Result {
		t.Helper()
		u.apply(t, top)
		req := Request{Repo: repo(t, top), Branch: branch, Start: start, Paths: paths, Message: msg}
		res, err := Commit(testtool.Context(t), req)
		if err != nil {
			t.Fatalf("Commit: %v", err)
		}
		checkOnBranch(t, top, start, res.Commit, "")
		return res
	}
	made := propose(first, "first\n")
	run(t, top, "push", "-q", "origin", branch)
	run(t, top, "checkout", "-q", "main")
	run(t, top, "branch", "-q", "-D", branch)
	run(t, top, "fetch", "-q", "origin")

	before := commits(t, top)
	again := propose(first, "the message does not matter\n")
	if !again.Already || again.Commit != made.Commit || again.Branch != branch {
		t.Errorf("second Commit = %+v, want Already with %s", again, made.Commit)
	}
	if n := commits(t, top); n != before {
		t.Errorf("%d commit objects after the second Commit, want %d", n, before)
	}

	run(t, top, "checkout", "-q", "main")
	second := upgrade{write: map[string]string{"main.go": "package main // 3\n", ".gomicro.yml": "version: 3.0.0\n"}}
	other := propose(second, "second\n")
	if other.Already || other.Commit == made.Commit {
		t.Errorf("Commit of another upgrade = %+v, want a new commit", other)
	}
	if got := tree(t, top, other.Commit)["main.go"]; got != "100644 package main // 3\n" {
		t.Errorf("main.go in the new commit: %q", got)
	}
}

// TestCommitOrigin sets origin's branch to commits that are not quite the
// same upgrade: only the same tree with Start as its one parent is reused.
func TestCommitOrigin(t *testing.T) {
	setup(t)
	up := upgrade{write: map[string]string{"main.go": "package main // 2\n"}}
	for _, tt := range []struct {
		name        string
		origin      func(t *testing.T, top, start, tree string) string // origin's commit
		wantAlready bool
	}{
		{"same tree on start", func(t *testing.T, top, start, tree string) string {
			return run(t, top, "commit-tree", tree, "-p", start, "-m", "by hand")
		}, true},
		{"same tree on another parent", func(t *testing.T, top, start, tree string) string {
			other := run(t, top, "commit-tree", start+"^{tree}", "-p", start, "-m", "other")
			return run(t, top, "commit-tree", tree, "-p", other, "-m", "by hand")
		}, false},
		{"same tree, two parents", func(t *testing.T, top, start, tree string) string {
			other := run(t, top, "commit-tree", start+"^{tree}", "-m", "root")
			return run(t, top, "commit-tree", tree, "-p", start, "-p", other, "-m", "merge")
		}, false},
		{"another tree on start", func(t *testing.T, top, start, tree string) string {
			return run(t, top, "commit-tree", start+"^{tree}", "-p", start, "-m", "empty")
		}, false},
		{"a tag of the same commit", func(t *testing.T, top, start, tree string) string {
			c := run(t, top, "commit-tree", tree, "-p", start, "-m", "by hand")
			return tag(t, top, c)
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			top, start := newRepo(t)
			up.apply(t, top)
			run(t, top, "add", "main.go")
			tree := run(t, top, "write-tree")
			run(t, top, "reset", "-q") // Commit must not need the change staged
			want := tt.origin(t, top, start, tree)
			run(t, top, "update-ref", "refs/remotes/origin/"+branch, want)
			req := Request{Repo: repo(t, top), Branch: branch, Start: start, Paths: []string{"main.go"}, Message: "m\n"}
			res, err := Commit(testtool.Context(t), req)
			if err != nil {
				t.Fatalf("Commit: %v", err)
			}
			if res.Already != tt.wantAlready || (res.Commit == want) != tt.wantAlready {
				t.Errorf("Commit = %+v with origin at %s, want Already %v", res, want, tt.wantAlready)
			}
			checkOnBranch(t, top, start, res.Commit, "")
		})
	}
}

// tag makes an annotated tag object of commit and returns its id.
func tag(t *testing.T, top, commit string) string {
	t.Helper()
	obj := fmt.Sprintf("object %s\ntype commit\ntag v1\ntagger Test Person <test@example.com> 0 +0000\n\nv1\n", commit)
	return runStdin(t, top, obj, "mktag")
}

// TestCommitRefuses asks for what Commit must refuse, and checks that it
// changed nothing: refs, HEAD, index.
func TestCommitRefuses(t *testing.T) {
	setup(t)
	for _, tt := range []struct {
		name    string
		before  func(t *testing.T, top string)
		req     func(req *Request)
		wantErr string
	}{
		{"branch name with ..", nil, func(r *Request) { r.Branch = "gomicro..upgrade" }, `"gomicro..upgrade" is not a valid branch name`},
		{"branch name with a space", nil, func(r *Request) { r.Branch = "a b" }, "not a valid branch name (git check-ref-format --branch)"},
		{"branch name like an option", nil, func(r *Request) { r.Branch = "-f" }, "not a valid branch name"},
		{"branch name HEAD", nil, func(r *Request) { r.Branch = "HEAD" }, "not a valid branch name"},
		{"empty branch name", nil, func(r *Request) { r.Branch = "" }, "not a valid branch name"},
		{"previous branch", func(t *testing.T, top string) {
			run(t, top, "checkout", "-q", "-b", "side")
			run(t, top, "checkout", "-q", "main")
		}, func(r *Request) { r.Branch = "@{-1}" }, "not a valid branch name"},
		{"HEAD moved off start", func(t *testing.T, top string) {
			run(t, top, "commit", "-q", "--allow-empty", "-m", "second")
		}, nil, "where the upgrade started (git rev-parse HEAD)"},
		{"HEAD unborn", func(t *testing.T, top string) {
			run(t, top, "checkout", "-q", "--orphan", "fresh")
		}, nil, "HEAD has no commit to put the upgrade on"},
		{"start not a commit id", nil, func(r *Request) { r.Start = "HEAD" }, `not at "HEAD" where the upgrade started`},
		{"a merge in progress", func(t *testing.T, top string) {
			write(t, top, map[string]string{".git/MERGE_HEAD": run(t, top, "rev-parse", "HEAD") + "\n"})
		}, nil, "a merge is in progress"},
		{"a cherry-pick in progress", func(t *testing.T, top string) {
			write(t, top, map[string]string{".git/CHERRY_PICK_HEAD": run(t, top, "rev-parse", "HEAD") + "\n"})
		}, nil, "a cherry-pick is in progress"},
		{"branch checked out in another work tree", func(t *testing.T, top string) {
			run(t, top, "worktree", "add", "-q", "-b", branch, filepath.Join(t.TempDir(), "wt"))
		}, nil, "branch gomicro/upgrade is checked out in"},
		{"a path in .git", nil, func(r *Request) { r.Paths = []string{".git/config"} }, `invalid path ".git/config"`},
		{"a path outside", nil, func(r *Request) { r.Paths = []string{"../x"} }, `invalid path "../x"`},
		{"no paths", nil, func(r *Request) { r.Paths = nil }, "no paths to commit"},
		{"nothing changed", nil, func(r *Request) { r.Paths = []string{"old.txt"} }, "nothing to commit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			top, start := newRepo(t)
			if tt.before != nil {
				tt.before(t, top)
			}
			upgrade{write: map[string]string{"main.go": "package main // 2\n"}}.apply(t, top)
			req := Request{Repo: repo(t, top), Branch: branch, Start: start, Paths: []string{"main.go"}, Message: "m\n"}
			if tt.req != nil {
				tt.req(&req)
			}
			was := state(t, top)
			res, err := Commit(testtool.Context(t), req)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Commit = %+v, %v; want one line with %q", res, err, tt.wantErr)
			}
			t.Log(err)
			if now := state(t, top); now != was {
				t.Errorf("Commit changed the repository:\n%s\nwas:\n%s", now, was)
			}
		})
	}
}

// TestCommitNoIdentity runs Commit where git knows nobody to commit as:
// one line says how to tell it, and nothing changes.
func TestCommitNoIdentity(t *testing.T) {
	setup(t)
	top, start := newRepo(t)
	for _, k := range []string{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"} {
		unsetenv(t, k)
	}
	// No guessing from the host name either: git would accept a host with a domain.
	run(t, top, "config", "user.useConfigOnly", "true")
	upgrade{write: map[string]string{"main.go": "package main // 2\n"}}.apply(t, top)
	was := state(t, top)
	req := Request{Repo: repo(t, top), Branch: branch, Start: start, Paths: []string{"main.go"}, Message: "m\n"}
	_, err := Commit(testtool.Context(t), req)
	if err == nil {
		t.Fatal("Commit without an identity succeeded")
	}
	msg := err.Error()
	t.Log(msg)
	for _, want := range []string{"git commit-tree", "git config user.name", "git config user.email"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error is more than one line: %q", msg)
	}
	if now := state(t, top); now != was {
		t.Errorf("Commit changed the repository:\n%s\nwas:\n%s", now, was)
	}
}
