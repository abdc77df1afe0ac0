// Package propose puts an upgrade on a branch of its own as one commit, so
// that a person, or the scheduled CI job a generated project carries, can
// push it and open a pull request: `gomicro upgrade --commit`.
//
// The upgrade has already written the new template's files into the work
// tree, on top of the commit HEAD was at when it started (Start). Commit
// turns exactly the paths it wrote or removed into one commit on Start:
//
//  1. It refuses, changing nothing, when HEAD has moved off Start, when git
//     would not take the branch name, or while a merge, rebase,
//     cherry-pick (any operation gitrepo's InProgress names) waits to be
//     finished.
//  2. It builds the tree in a temporary index of its own: Start's tree,
//     then each path as the work tree holds it now (added with its mode,
//     or removed). The person's index (what they staged, the conflict
//     stages the upgrade recorded) plays no part, and no hook runs: it is
//     all plumbing (read-tree, update-index, write-tree, commit-tree).
//  3. When origin already has the branch as one commit on Start with that
//     very tree (the job ran before and nothing changed since), that
//     commit is the answer: no new commit, nothing new to push, the pull
//     request stays as it is. Otherwise a commit is made with git's
//     configured identity.
//  4. The local branch is set to the commit, made fresh from Start as
//     `git checkout -B` would (a branch of that name is replaced), HEAD
//     becomes that branch, and the index is reset to the commit's tree.
//     The work tree is not touched: it already holds that content, so
//     `git status` is clean for every upgraded path.
//
// Files with conflict markers and .gomicro-new sidecars are committed as
// they are: the pull request shows them, and Message says how to resolve
// them.
//
// Every git command goes through gitrepo.Run, and every error is one line
// that names the git step that failed.
package propose
