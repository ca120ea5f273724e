package gitrepo

import (
	"errors"
	"io"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/google/go-cmp/cmp"
)

// treeRepo has two commits: old holds a directory that new deletes, plus
// the awkward entries (symlinks, executables, submodules, names whose git
// order differs from name order).
func treeRepo(t *testing.T) (r *Repo, old, new plumbing.Hash) {
	t.Helper()
	isolate(t)
	dir, gr := initRepo(t)
	files := map[string]tfile{
		"programs/alpha.cue":        {content: "alpha: true\n"},
		"programs/team/beta.cue":    {content: "beta: 1\n"},
		"legacy/old.cue":            {content: "old: true\n"},
		"legacy/deep/er/x.cue":      {content: "x: 1\n"},
		"a-b":                       {content: "dash"},
		"a/inner":                   {content: "inner"}, // git order: "a-b" < "a/" ; name order: "a" < "a-b"
		"a.b":                       {content: "dot"},
		"bin/run.sh":                {content: "#!/bin/sh\n", mode: filemode.Executable},
		"link-to-alpha":             {content: "programs/alpha.cue", mode: filemode.Symlink},
		"programs/link-up":          {content: "../legacy", mode: filemode.Symlink},
		"vendor/sub":                {mode: filemode.Submodule},
		"empty.cue":                 {content: ""},
		"programs/team/UPPER.cue":   {content: "upper: 1\n"},
		"programs/team/with space":  {content: "space"},
		"programs/team/ünïcode.cue": {content: "u: 1\n"},
	}
	old = writeCommit(t, gr.Storer, files, "old")
	delete(files, "legacy/old.cue")
	delete(files, "legacy/deep/er/x.cue")
	delete(files, "programs/link-up")
	files["programs/alpha.cue"] = tfile{content: "alpha: false\n"}
	new = writeCommit(t, gr.Storer, files, "new", old)
	setRef(t, gr, "refs/heads/main", new)
	return open(t, dir), old, new
}

func TestTreeReadsOlderRevisions(t *testing.T) {
	r, old, new := treeRepo(t)
	oldFS, err := r.Tree(old)
	if err != nil {
		t.Fatal(err)
	}
	newFS, err := r.Tree(new)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		fsys       fs.FS
		name, want string
	}{
		{oldFS, "programs/alpha.cue", "alpha: true\n"},
		{newFS, "programs/alpha.cue", "alpha: false\n"},
		{oldFS, "legacy/old.cue", "old: true\n"},
		{oldFS, "legacy/deep/er/x.cue", "x: 1\n"},
		{oldFS, "link-to-alpha", "alpha: true\n"},          // symlink followed
		{oldFS, "programs/link-up/old.cue", "old: true\n"}, // symlinked directory
		{oldFS, "empty.cue", ""},
	} {
		got, err := fs.ReadFile(tc.fsys, tc.name)
		if err != nil || string(got) != tc.want {
			t.Errorf("ReadFile(%s) = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}

	// The deleted directory exists only at the older revision.
	es, err := fs.ReadDir(oldFS, "legacy")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(es); !cmp.Equal(got, []string{"deep", "old.cue"}) {
		t.Errorf("ReadDir(legacy) = %v", got)
	}
	for _, name := range []string{"legacy", "legacy/old.cue", "programs/link-up"} {
		if _, err := fs.Stat(newFS, name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("new: Stat(%s) = %v, want ErrNotExist", name, err)
		}
	}

	root, err := fs.ReadDir(newFS, ".")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "a-b", "a.b", "bin", "empty.cue", "link-to-alpha", "programs", "vendor"}
	if got := names(root); !cmp.Equal(got, want) {
		t.Errorf("ReadDir(.) = %v, want %v (sorted by name, not git order)", got, want)
	}
}

func names(es []fs.DirEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestTreeMetadata(t *testing.T) {
	r, old, _ := treeRepo(t)
	fsys, _ := r.Tree(old)
	ci, _ := r.CommitInfo(old)

	fi, err := fs.Stat(fsys, "bin/run.sh")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o755 || fi.Size() != int64(len("#!/bin/sh\n")) || !fi.ModTime().Equal(ci.When) {
		t.Errorf("Stat(bin/run.sh) = %v size %d time %v", fi.Mode(), fi.Size(), fi.ModTime())
	}
	if _, ok := fi.Sys().(plumbing.Hash); !ok {
		t.Errorf("Sys() = %T, want plumbing.Hash", fi.Sys())
	}

	rl := fsys.(fs.ReadLinkFS)
	if target, err := rl.ReadLink("programs/link-up"); err != nil || target != "../legacy" {
		t.Errorf("ReadLink = %q, %v", target, err)
	}
	if li, err := rl.Lstat("link-to-alpha"); err != nil || li.Mode().Type() != fs.ModeSymlink {
		t.Errorf("Lstat(link-to-alpha) = %v, %v", li, err)
	}
	if si, err := fs.Stat(fsys, "link-to-alpha"); err != nil || !si.Mode().IsRegular() || si.Name() != "link-to-alpha" {
		t.Errorf("Stat(link-to-alpha) = %v, %v", si, err)
	}
	if _, err := rl.ReadLink("empty.cue"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("ReadLink(regular file) = %v, want ErrInvalid", err)
	}

	// Submodules are empty directories.
	if es, err := fs.ReadDir(fsys, "vendor/sub"); err != nil || len(es) != 0 {
		t.Errorf("ReadDir(submodule) = %v, %v", es, err)
	}

	for _, name := range []string{"/programs", "programs/", "./a", "a/../a", "", "nope", "empty.cue/x", "vendor/sub/x"} {
		if _, err := fsys.Open(name); err == nil {
			t.Errorf("Open(%q): want error", name)
		} else if pe := (*fs.PathError)(nil); !errors.As(err, &pe) {
			t.Errorf("Open(%q) error %T is not *fs.PathError", name, err)
		}
	}
	if _, err := fs.ReadFile(fsys, "programs"); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("ReadFile(dir) = %v", err)
	}

	if _, err := r.Tree(plumbing.NewHash(strings.Repeat("12", 20))); err == nil {
		t.Error("Tree(missing): want error")
	}
}

func TestTreeSymlinkEdgeCases(t *testing.T) {
	isolate(t)
	dir, gr := initRepo(t)
	c := writeCommit(t, gr.Storer, map[string]tfile{
		"abs":      {content: "/etc/passwd", mode: filemode.Symlink},
		"escape":   {content: "../outside", mode: filemode.Symlink},
		"loop1":    {content: "loop2", mode: filemode.Symlink},
		"loop2":    {content: "loop1", mode: filemode.Symlink},
		"dangling": {content: "missing", mode: filemode.Symlink},
		"self/dot": {content: ".", mode: filemode.Symlink},
		"self/f":   {content: "f"},
	}, "links")
	r := open(t, dir)
	fsys, err := r.Tree(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"abs", "escape", "loop1", "dangling"} {
		if _, err := fs.ReadFile(fsys, name); err == nil {
			t.Errorf("ReadFile(%s): want error", name)
		}
	}
	if b, err := fs.ReadFile(fsys, "self/dot/dot/f"); err != nil || string(b) != "f" {
		t.Errorf("ReadFile(self/dot/dot/f) = %q, %v", b, err)
	}
	if _, err := fs.ReadFile(fsys, "escape"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("escaping symlink error %v should wrap ErrNotExist", err)
	}
}

func TestTreeWalkDir(t *testing.T) {
	r, old, _ := treeRepo(t)
	fsys, _ := r.Tree(old)
	var got []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			got = append(got, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a/inner", "a-b", "a.b", "bin/run.sh", "empty.cue",
		"legacy/deep/er/x.cue", "legacy/old.cue", "link-to-alpha",
		"programs/alpha.cue", "programs/link-up",
		"programs/team/UPPER.cue", "programs/team/beta.cue", "programs/team/with space", "programs/team/ünïcode.cue",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("WalkDir files (-want +got):\n%s", diff)
	}

	// fs.Sub and fs.Glob work through the generic helpers.
	sub, err := fs.Sub(fsys, "programs/team")
	if err != nil {
		t.Fatal(err)
	}
	matches, err := fs.Glob(sub, "*.cue")
	if err != nil || !cmp.Equal(matches, []string{"UPPER.cue", "beta.cue", "ünïcode.cue"}) {
		t.Errorf("Glob = %v, %v", matches, err)
	}
}

func TestTreeFSConformance(t *testing.T) {
	r, old, new := treeRepo(t)
	for _, h := range []plumbing.Hash{old, new} {
		fsys, err := r.Tree(h)
		if err != nil {
			t.Fatal(err)
		}
		if err := fstest.TestFS(fsys, "programs/alpha.cue", "programs/team/beta.cue", "bin/run.sh", "a/inner", "vendor/sub"); err != nil {
			t.Errorf("%s: %v", short(h), err)
		}
	}
}

// TestTreeConcurrent checks the shared mutex under -race: CUE loaders may
// read two revisions at once.
func TestTreeConcurrent(t *testing.T) {
	r, old, new := treeRepo(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := old
			if i%2 == 1 {
				h = new
			}
			fsys, err := r.Tree(h)
			if err != nil {
				t.Error(err)
				return
			}
			for range 20 {
				f, err := fsys.Open("programs/alpha.cue")
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := io.ReadAll(f); err != nil {
					t.Error(err)
				}
				f.Close()
				if _, err := fs.ReadDir(fsys, "programs/team"); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

// TestTreeBoundsReads: a commit can hold blobs of any size, and symlinks
// anywhere; reading them must not exhaust memory or leave the tree.
func TestTreeBoundsReads(t *testing.T) {
	isolate(t)
	dir, gr := initRepo(t)
	huge := strings.Repeat("x", MaxFileSize+1)
	h := writeCommit(t, gr.Storer, map[string]tfile{
		"p/huge.cue":      {content: huge},
		"p/max.cue":       {content: huge[:MaxFileSize]},
		"p/long-link.cue": {content: strings.Repeat("a/", 3000), mode: filemode.Symlink},
		"p/zero.cue":      {content: "/dev/zero", mode: filemode.Symlink},
		"p/up.cue":        {content: "../../etc/passwd", mode: filemode.Symlink},
		"p/sub.cue":       {mode: filemode.Submodule},
	}, "bounds")
	r := open(t, dir)
	fsys, err := r.Tree(h)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := fs.Stat(fsys, "p/huge.cue"); err != nil || fi.Size() != MaxFileSize+1 {
		t.Errorf("Stat(huge) = %v, %v; want its size", fi, err)
	}
	var tl *tooLargeError
	if _, err := fs.ReadFile(fsys, "p/huge.cue"); !errors.As(err, &tl) {
		t.Errorf("ReadFile(huge) = %v, want a too-large error", err)
	}
	if f, err := fsys.Open("p/huge.cue"); err != nil {
		t.Errorf("Open(huge) = %v", err)
	} else if _, err := io.ReadAll(f); !errors.As(err, &tl) {
		t.Errorf("reading huge through Open = %v, want a too-large error", err)
	}
	if b, err := fs.ReadFile(fsys, "p/max.cue"); err != nil || len(b) != MaxFileSize {
		t.Errorf("ReadFile(max) = %d bytes, %v; want the file", len(b), err)
	}
	if _, err := fs.Stat(fsys, "p/long-link.cue"); !errors.As(err, &tl) {
		t.Errorf("Stat(long-link) = %v, want a too-large error for the symlink target", err)
	}
	for _, name := range []string{"p/zero.cue", "p/up.cue"} {
		if _, err := fs.ReadFile(fsys, name); !errors.Is(err, errSymlinkOutside) {
			t.Errorf("ReadFile(%s) = %v, want %v", name, err, errSymlinkOutside)
		}
	}
	if fi, err := fs.Stat(fsys, "p/sub.cue"); err != nil || !fi.IsDir() {
		t.Errorf("Stat(submodule) = %v, %v; want an empty directory", fi, err)
	}
}
