package gitrepo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// ErrNotRepository is wrapped by [Open] when no enclosing repository exists.
var ErrNotRepository = errors.New("not a git repository")

// ErrUnknownRevision is wrapped by [Repo.Resolve] when a revision names
// nothing, so callers can tell a typo from an I/O failure.
var ErrUnknownRevision = errors.New("unknown revision")

// Repo is an opened repository with a work tree.
type Repo struct {
	// mu serialises every use of repo: go-git's filesystem storage shares
	// packfile handles and caches between calls and is not safe for
	// concurrent use, while rmctl may load two revisions at once.
	mu   sync.Mutex
	repo *git.Repository
	root string
	// wt confines work tree reads to the work tree: symlinks that lead
	// out of it are not followed.
	wt *os.Root
}

// Open finds the repository containing dir, walking up through the parents
// like git does. Linked work trees (`git worktree add`) are supported; bare
// repositories are not, because rmctl always needs a work tree.
func Open(dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open repository at %s: %w", dir, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("open repository at %s: %w", abs, err)
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{
		DetectDotGit: true,
		// Needed for linked work trees, whose objects and refs live in the
		// main repository's git dir.
		EnableDotGitCommonDir: true,
	})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		// DetectDotGit only looks for a ".git" entry, so a bare
		// repository is reported as missing; say what it really is.
		if b, err := git.PlainOpen(abs); err == nil {
			if _, err := b.Worktree(); errors.Is(err, git.ErrIsBareRepository) {
				return nil, fmt.Errorf("%s is a bare repository; rmctl needs a work tree", abs)
			}
		}
		return nil, fmt.Errorf("%w (or any of the parent directories): %s", ErrNotRepository, abs)
	}
	if err != nil {
		return nil, fmt.Errorf("open repository at %s: %w", abs, err)
	}
	wt, err := repo.Worktree()
	if errors.Is(err, git.ErrIsBareRepository) {
		return nil, fmt.Errorf("%s is inside a bare repository; rmctl needs a work tree", abs)
	}
	if err != nil {
		return nil, fmt.Errorf("open work tree of %s: %w", abs, err)
	}
	// Reopen on the same git dir with pack file descriptors kept open:
	// by default go-git opens and closes the pack file for every object
	// read, which made reading a 1,000-file tree several times slower.
	// (ExclusiveAccess would save more syscalls by caching the list of
	// loose objects, but would hide commits made while the Repo is open.)
	if st, ok := repo.Storer.(*filesystem.Storage); ok {
		fast := filesystem.NewStorageWithOptions(st.Filesystem(), cache.NewObjectLRUDefault(),
			filesystem.Options{MaxOpenDescriptors: maxOpenPacks})
		if r2, err := git.Open(fast, wt.Filesystem); err == nil {
			repo = r2
		}
	}
	root := wt.Filesystem.Root()
	wtRoot, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("open work tree of %s: %w", abs, err)
	}
	return &Repo{repo: repo, root: root, wt: wtRoot}, nil
}

// maxOpenPacks bounds the pack files kept open; repositories rarely have
// more packs than this after git's automatic gc.
const maxOpenPacks = 16

// Close releases the pack files and the work tree held open. The Repo and
// file systems from Tree and WorkTree must not be used afterwards. Not
// calling Close only leaks a few file descriptors until the process exits.
func (r *Repo) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.wt.Close()
	if c, ok := r.repo.Storer.(interface{ Close() error }); ok {
		err = errors.Join(c.Close(), err)
	}
	return err
}

// Root returns the absolute path of the work tree root.
func (r *Repo) Root() string { return r.root }

// WorkTree returns the work tree as an fs.FS, for loading programs as they
// are on disk, including uncommitted edits. Like a tree from [Repo.Tree] it
// follows symlinks only within the repository: one leading out of it (to
// /etc/passwd, /dev/zero, a home directory) is an error, so a pull request
// cannot make `rmctl diff` print or hang on files outside the repository.
func (r *Repo) WorkTree() fs.FS { return r.wt.FS() }

// DefaultBranch returns the revision of the branch changes are merged into,
// in a form [Repo.Resolve] accepts: origin/HEAD's target (for example
// "origin/main") if set, else the first of main, origin/main, master,
// origin/master that exists. Remote-tracking names are returned as such
// because in CI the local branch often does not exist.
func (r *Repo) DefaultBranch() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.repo.Storer
	if ref, err := st.Reference("refs/remotes/origin/HEAD"); err == nil && ref.Type() == plumbing.SymbolicReference {
		// origin/HEAD can outlive the branch it points to (after a
		// rename upstream and `fetch --prune`); only trust it if the
		// target still exists.
		if _, err := st.Reference(ref.Target()); err == nil {
			return ref.Target().Short(), nil
		}
	}
	for _, name := range []plumbing.ReferenceName{
		"refs/heads/main", "refs/remotes/origin/main",
		"refs/heads/master", "refs/remotes/origin/master",
	} {
		if _, err := st.Reference(name); err == nil {
			return name.Short(), nil
		}
	}
	return "", errors.New("no default branch: origin/HEAD is not set and no main or master branch exists (local or origin/)")
}

// MergeBase returns the best common ancestor of a and b, like
// `git merge-base a b`. When history is criss-crossed and several equally
// good bases exist, the most recently committed one is returned (ties broken
// by hash) so the answer is stable between runs.
func (r *Repo) MergeBase(a, b plumbing.Hash) (plumbing.Hash, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ca, err := r.commit(a)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	cb, err := r.commit(b)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	bases, err := ca.MergeBase(cb)
	if err != nil {
		return plumbing.ZeroHash, r.historyError(fmt.Errorf("merge base of %s and %s: %w", short(a), short(b), err))
	}
	if len(bases) == 0 {
		return plumbing.ZeroHash, r.historyError(fmt.Errorf("%s and %s have no common ancestor", short(a), short(b)))
	}
	sort.Slice(bases, func(i, j int) bool {
		ti, tj := bases[i].Committer.When, bases[j].Committer.When
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return bases[i].Hash.String() < bases[j].Hash.String()
	})
	return bases[0].Hash, nil
}

// historyError adds a hint for shallow clones, where walking history stops
// at the graft point and a merge base genuinely cannot be found: the usual
// cause in CI (actions/checkout defaults to depth 1).
func (r *Repo) historyError(err error) error {
	if sh, e := r.repo.Storer.Shallow(); e == nil && len(sh) > 0 {
		return fmt.Errorf("%w (the repository is a shallow clone; fetch more history, e.g. `git fetch --unshallow`)", err)
	}
	return err
}

// CommitInfo describes a commit for display and for recording in plans.
type CommitInfo struct {
	Hash    string    // full hex hash
	Short   string    // first 7 hex digits, like git's default abbreviation
	Subject string    // first line of the message
	Author  string    // author name
	Email   string    // author email
	When    time.Time // author time, as `git log` shows
}

// CommitInfo returns display information about commit h.
func (r *Repo) CommitInfo(h plumbing.Hash) (CommitInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.commit(h)
	if err != nil {
		return CommitInfo{}, err
	}
	subject, _, _ := strings.Cut(strings.TrimLeft(c.Message, "\n"), "\n")
	return CommitInfo{
		Hash:    c.Hash.String(),
		Short:   short(c.Hash),
		Subject: strings.TrimSpace(subject),
		Author:  c.Author.Name,
		Email:   c.Author.Email,
		When:    c.Author.When,
	}, nil
}

// commit loads commit h. Callers hold r.mu.
func (r *Repo) commit(h plumbing.Hash) (*object.Commit, error) {
	c, err := r.repo.CommitObject(h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, fmt.Errorf("commit %s not found in repository", h)
	}
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	return c, nil
}

func short(h plumbing.Hash) string { return h.String()[:7] }
