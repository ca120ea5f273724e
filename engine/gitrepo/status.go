package gitrepo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Head reports HEAD's commit (a full hex hash, or "" when the repository has
// no commits yet) and whether the work tree differs from it: staged or
// unstaged changes to tracked files, unmerged paths, or untracked files that
// are not ignored. With paths (slash-separated, relative to the root), only
// files at or under those paths are considered, so `plan` can ask about the
// program folders alone.
//
// go-git's Worktree.Status is not used: it hashes every file in the work
// tree and reads every .gitignore up front, which takes seconds on a large
// repository. Head instead does what git does: it trusts the index's cached
// size and mtime for each tracked file, hashing only files whose stat data
// changed or is "racily clean" (modified in the same instant the index was
// written), stops at the first difference, and never descends into ignored
// directories. Submodule contents are not inspected. Content filters
// (core.autocrlf, .gitattributes eol/filters) are not applied, so a file
// whose stat data changed but whose filtered content did not is reported
// dirty; erring that way only costs a "dirty" label.
func (r *Repo) Head(ctx context.Context, paths ...string) (commit string, dirty bool, err error) {
	sc, err := newScope(paths)
	if err != nil {
		return "", false, err
	}
	r.mu.Lock()
	snap, err := r.snapshot(sc)
	r.mu.Unlock()
	if err != nil {
		return "", false, err
	}
	dirty, err = r.dirty(ctx, sc, snap)
	if err != nil {
		return "", false, err
	}
	return snap.commit, dirty, nil
}

// scope is the set of path prefixes Head looks at; empty means everything.
type scope []string

func newScope(paths []string) (scope, error) {
	var sc scope
	for _, p := range paths {
		c := path.Clean(filepath.ToSlash(p))
		if path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
			return nil, fmt.Errorf("path %q must be relative to the repository root and inside it", p)
		}
		if c == "." {
			return nil, nil
		}
		sc = append(sc, c)
	}
	return sc, nil
}

// contains reports whether file p is in scope.
func (sc scope) contains(p string) bool {
	if len(sc) == 0 {
		return true
	}
	for _, pre := range sc {
		if p == pre || strings.HasPrefix(p, pre+"/") {
			return true
		}
	}
	return false
}

// reaches reports whether directory dir ("" for the root) is in scope or
// leads to something that is.
func (sc scope) reaches(dir string) bool {
	if dir == "" || sc.contains(dir) {
		return true
	}
	for _, pre := range sc {
		if strings.HasPrefix(pre, dir+"/") {
			return true
		}
	}
	return false
}

type snapshot struct {
	commit   string
	head     map[string]object.TreeEntry // HEAD's files in scope
	index    *index.Index
	fileMode bool                // core.filemode: whether the executable bit counts
	excludes []gitignore.Pattern // info/exclude and core.excludesfile
}

// snapshot reads everything Head needs from the git dir. Callers hold r.mu.
func (r *Repo) snapshot(sc scope) (*snapshot, error) {
	s := &snapshot{head: map[string]object.TreeEntry{}, fileMode: true}
	ref, err := r.repo.Head()
	switch {
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		// No commits yet: everything in the index or on disk is new.
	case err != nil:
		return nil, fmt.Errorf("read HEAD: %w", err)
	default:
		s.commit = ref.Hash().String()
		c, err := r.commit(ref.Hash())
		if err != nil {
			return nil, err
		}
		t, err := c.Tree()
		if err != nil {
			return nil, fmt.Errorf("read tree of HEAD: %w", err)
		}
		if err := r.collectTree(t, "", sc, s.head); err != nil {
			return nil, err
		}
	}
	if s.index, err = r.repo.Storer.Index(); err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	cfg, err := r.repo.Config()
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	core := cfg.Raw.Section("core")
	s.fileMode = !strings.EqualFold(core.Option("filemode"), "false")
	s.excludes = r.excludePatterns(core.Option("excludesfile"))
	return s, nil
}

// collectTree gathers the files of t under dir that are in scope, skipping
// subtrees that cannot contain any.
func (r *Repo) collectTree(t *object.Tree, dir string, sc scope, out map[string]object.TreeEntry) error {
	for _, e := range t.Entries {
		p := path.Join(dir, e.Name)
		if e.Mode != filemode.Dir {
			if sc.contains(p) {
				out[p] = e
			}
			continue
		}
		if !sc.reaches(p) {
			continue
		}
		sub, err := r.repo.TreeObject(e.Hash)
		if err != nil {
			return fmt.Errorf("read tree %s: %w", p, err)
		}
		if err := r.collectTree(sub, p, sc, out); err != nil {
			return err
		}
	}
	return nil
}

// excludePatterns loads the repository-wide ignore rules that live outside
// the work tree. Unreadable files are skipped, as git does.
func (r *Repo) excludePatterns(excludesFile string) []gitignore.Pattern {
	if excludesFile == "" {
		if g, err := config.LoadConfig(config.GlobalScope); err == nil {
			excludesFile = g.Raw.Section("core").Option("excludesfile")
		}
	}
	if excludesFile == "" {
		// git's default core.excludesFile.
		if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
			excludesFile = filepath.Join(x, "git", "ignore")
		} else if home, err := os.UserHomeDir(); err == nil {
			excludesFile = filepath.Join(home, ".config", "git", "ignore")
		}
	} else if rest, ok := strings.CutPrefix(excludesFile, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			excludesFile = filepath.Join(home, rest)
		}
	}
	var ps []gitignore.Pattern
	if f, err := os.Open(excludesFile); err == nil {
		ps = parseIgnore(f, nil)
		f.Close()
	}
	// Through the storage's filesystem so linked work trees find the
	// main repository's info/exclude.
	if st, ok := r.repo.Storer.(*filesystem.Storage); ok {
		if f, err := st.Filesystem().Open("info/exclude"); err == nil {
			ps = append(ps, parseIgnore(f, nil)...)
			f.Close()
		}
	}
	return ps
}

func parseIgnore(rd io.Reader, domain []string) []gitignore.Pattern {
	var ps []gitignore.Pattern
	sc := bufio.NewScanner(rd)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if !strings.HasSuffix(line, `\ `) {
			line = strings.TrimRight(line, " \t")
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, domain))
	}
	return ps
}

// dirty compares HEAD, the index and the work tree, cheapest checks first,
// and returns at the first difference.
func (r *Repo) dirty(ctx context.Context, sc scope, s *snapshot) (bool, error) {
	staged := map[string]*index.Entry{}
	tracked := map[string]filemode.FileMode{}
	for _, e := range s.index.Entries {
		tracked[e.Name] = e.Mode
		if !sc.contains(e.Name) {
			continue
		}
		if e.Stage != 0 || e.IntentToAdd {
			return true, nil // unmerged, or `git add -N`
		}
		staged[e.Name] = e
	}

	// Index against HEAD: staged changes.
	if len(staged) != len(s.head) {
		return true, nil
	}
	for p, he := range s.head {
		ie, ok := staged[p]
		if !ok || ie.Hash != he.Hash || !sameMode(ie.Mode, he.Mode) {
			return true, nil
		}
	}

	// Work tree against index: unstaged changes.
	n := 0
	for _, e := range staged {
		if n++; n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
		if e.SkipWorktree || e.Mode == filemode.Submodule {
			continue
		}
		changed, err := r.changed(e, s)
		if err != nil || changed {
			return changed, err
		}
	}

	// Untracked files.
	roots := []string(sc)
	if len(roots) == 0 {
		roots = []string{""}
	}
	for _, root := range roots {
		found, err := r.untracked(ctx, root, tracked, s.excludes)
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}

func sameMode(a, b filemode.FileMode) bool {
	norm := func(m filemode.FileMode) filemode.FileMode {
		if m == filemode.Deprecated {
			return filemode.Regular
		}
		return m
	}
	return norm(a) == norm(b)
}

// changed reports whether the work tree file for e differs from the index.
func (r *Repo) changed(e *index.Entry, s *snapshot) (bool, error) {
	abs := filepath.Join(r.root, filepath.FromSlash(e.Name))
	fi, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return true, nil // deleted, or a parent became a file
	}
	if err != nil {
		return false, fmt.Errorf("check %s: %w", e.Name, err)
	}
	if e.Mode == filemode.Symlink {
		if fi.Mode()&fs.ModeSymlink == 0 {
			return true, nil
		}
		target, err := os.Readlink(abs)
		if err != nil {
			return false, fmt.Errorf("check %s: %w", e.Name, err)
		}
		return plumbing.ComputeHash(plumbing.BlobObject, []byte(filepath.ToSlash(target))) != e.Hash, nil
	}
	if !fi.Mode().IsRegular() {
		return true, nil
	}
	if s.fileMode && (fi.Mode()&0o111 != 0) != (e.Mode == filemode.Executable) {
		return true, nil
	}
	// The index stores the size truncated to 32 bits.
	if uint32(fi.Size()) != e.Size {
		return true, nil
	}
	// Same size and mtime as when indexed means unchanged, unless the file
	// was modified within the index's own timestamp granularity (git's
	// "racy clean" case), when only the content can tell.
	if fi.ModTime().Equal(e.ModifiedAt) && e.ModifiedAt.Before(s.index.ModTime) {
		return false, nil
	}
	h, err := hashFile(abs, fi.Size())
	if err != nil {
		return false, fmt.Errorf("check %s: %w", e.Name, err)
	}
	return h != e.Hash, nil
}

func hashFile(name string, size int64) (plumbing.Hash, error) {
	f, err := os.Open(name)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer f.Close()
	h := plumbing.NewHasher(plumbing.BlobObject, size)
	if _, err := io.Copy(h, f); err != nil {
		return plumbing.ZeroHash, err
	}
	return h.Sum(), nil
}

// untracked reports whether a non-ignored, untracked file exists at or under
// root. Ignore rules from the .gitignore files of root's ancestors apply, as
// they would for git.
func (r *Repo) untracked(ctx context.Context, root string, tracked map[string]filemode.FileMode, excludes []gitignore.Pattern) (bool, error) {
	ps := slices.Clip(excludes)
	ps = r.dirIgnores(ps, "")
	parts := splitPath(root)
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		fi, err := os.Lstat(filepath.Join(r.root, filepath.FromSlash(p)))
		if err != nil {
			return false, nil // nothing on disk there, so nothing untracked
		}
		isDir := fi.IsDir()
		if gitignore.NewMatcher(ps).Match(parts[:i+1], isDir) && tracked[p] == 0 {
			// Ignored (files inside ignored directories cannot be
			// re-included, as in git).
			return false, nil
		}
		if !isDir {
			if i != len(parts)-1 {
				return false, nil
			}
			return tracked[p] == 0, nil
		}
		if tracked[p] == filemode.Submodule {
			return false, nil
		}
		ps = r.dirIgnores(ps, p)
	}
	return r.walkUntracked(ctx, root, ps, tracked)
}

// dirIgnores appends the patterns of dir's .gitignore, if any, returning a
// new slice so sibling directories do not see each other's rules.
func (r *Repo) dirIgnores(ps []gitignore.Pattern, dir string) []gitignore.Pattern {
	f, err := os.Open(filepath.Join(r.root, filepath.FromSlash(dir), ".gitignore"))
	if err != nil {
		return ps
	}
	defer f.Close()
	add := parseIgnore(f, splitPath(dir))
	if len(add) == 0 {
		return ps
	}
	return append(slices.Clip(ps), add...)
}

func (r *Repo) walkUntracked(ctx context.Context, dir string, ps []gitignore.Pattern, tracked map[string]filemode.FileMode) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	entries, err := os.ReadDir(filepath.Join(r.root, filepath.FromSlash(dir)))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("list %s: %w", dir, err)
	}
	m := gitignore.NewMatcher(ps)
	for _, e := range entries {
		if e.Name() == ".git" {
			continue // the git dir, or a nested repository's
		}
		p := path.Join(dir, e.Name())
		parts := splitPath(p)
		if !e.IsDir() {
			if tracked[p] == 0 && !m.Match(parts, false) {
				return true, nil
			}
			continue
		}
		if tracked[p] == filemode.Submodule || m.Match(parts, true) {
			continue
		}
		found, err := r.walkUntracked(ctx, p, r.dirIgnores(ps, p), tracked)
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}
