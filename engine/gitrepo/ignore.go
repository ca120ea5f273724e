package gitrepo

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// Exposed reports whether git would pick up path, a file or directory that
// may not exist yet (isDir says which it would be): it lies inside the work
// tree, is not ignored by .gitignore files, info/exclude or
// core.excludesFile, or is already tracked (ignore rules do not apply to
// tracked files). `git add -A` would then commit it. rmctl asks this of its
// state folder, which holds every participant's e-mail address. A path
// outside the work tree is not exposed.
func (r *Repo) Exposed(path string, isDir bool) (bool, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false, fmt.Errorf("check %s against .gitignore: %w", path, err)
	}
	rel, err := filepath.Rel(r.root, abs)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return false, nil
	}
	parts := splitPath(filepath.ToSlash(rel))
	if len(parts) > 0 && parts[0] == ".git" {
		return false, nil
	}

	r.mu.Lock()
	idx, err := r.repo.Storer.Index()
	var excludesFile string
	if cfg, cerr := r.repo.Config(); cerr == nil {
		excludesFile = cfg.Raw.Section("core").Option("excludesfile")
	}
	var ps []gitignore.Pattern
	if err == nil {
		ps = r.excludePatterns(excludesFile)
	}
	r.mu.Unlock()
	if err != nil {
		return false, fmt.Errorf("read index: %w", err)
	}
	prefix := strings.Join(parts, "/")
	for _, e := range idx.Entries {
		if e.Name == prefix || strings.HasPrefix(e.Name, prefix+"/") {
			return true, nil // tracked: committed already
		}
	}

	ps = r.dirIgnores(slices.Clip(ps), "")
	for i := range parts {
		dir := i < len(parts)-1 || isDir
		if fi, err := os.Lstat(filepath.Join(r.root, filepath.FromSlash(strings.Join(parts[:i+1], "/")))); err == nil {
			dir = fi.IsDir()
		}
		if gitignore.NewMatcher(ps).Match(parts[:i+1], dir) {
			return false, nil // a directory ignored hides everything below it
		}
		if !dir {
			break
		}
		ps = r.dirIgnores(ps, strings.Join(parts[:i+1], "/"))
	}
	return true, nil
}
