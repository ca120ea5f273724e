// Package gitrepo is rmctl's only window onto git. It owns finding the
// repository that holds the program files, turning the revisions users type
// (HEAD~2, origin/main, a short hash, ...) into commits, exposing the files of
// any commit as a lazily read [io/fs.FS] so programs can be loaded at two
// revisions for `rmctl diff`, and reporting which commit `plan`/`apply` ran
// at and whether the work tree was dirty.
//
// Everything is read straight from git objects with go-git: no `git` binary,
// no checkout and no temporary clone, so rmctl behaves the same on machines
// and CI images without git installed and never touches the user's work tree.
//
// A [Repo] is safe for concurrent use: go-git's object storage is not, so
// every access to it is serialised behind one mutex. The file systems
// returned by [Repo.Tree] share that mutex.
package gitrepo
