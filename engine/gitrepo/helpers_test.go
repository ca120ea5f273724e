package gitrepo

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// isolate keeps the developer's global git config and excludes out of the
// tests.
func isolate(t testing.TB) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
}

// initRepo creates an empty repository whose HEAD points at main.
func initRepo(t testing.TB) (string, *git.Repository) {
	t.Helper()
	dir := t.TempDir()
	r, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir, r
}

// tfile is a test tree entry: content plus an optional mode (regular if 0).
type tfile struct {
	content string
	mode    filemode.FileMode
}

// clock hands out strictly increasing commit times so history order and
// hashes are deterministic.
var clock = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func sig() object.Signature {
	clock = clock.Add(time.Minute)
	return object.Signature{Name: "Ada", Email: "ada@example.com", When: clock}
}

// put stores obj unless an identical object is already there: rewriting
// unchanged blobs and trees made building long histories slow.
func put(t testing.TB, st storer.EncodedObjectStorer, obj plumbing.EncodedObject) plumbing.Hash {
	t.Helper()
	if st.HasEncodedObject(obj.Hash()) == nil {
		return obj.Hash()
	}
	h, err := st.SetEncodedObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// writeCommit stores files as a commit directly in the object database,
// without touching any work tree or index; fast enough for large trees.
func writeCommit(t testing.TB, st storer.EncodedObjectStorer, files map[string]tfile, msg string, parents ...plumbing.Hash) plumbing.Hash {
	t.Helper()
	type dir struct {
		files map[string]object.TreeEntry
		dirs  map[string]*dir
	}
	newDir := func() *dir { return &dir{files: map[string]object.TreeEntry{}, dirs: map[string]*dir{}} }
	root := newDir()
	for p, f := range files {
		blob := &plumbing.MemoryObject{}
		blob.SetType(plumbing.BlobObject)
		blob.Write([]byte(f.content))
		h := put(t, st, blob)
		mode := f.mode
		if mode == 0 {
			mode = filemode.Regular
		}
		if mode == filemode.Submodule {
			h = plumbing.NewHash(strings.Repeat("ab", 20))
		}
		d := root
		parts := strings.Split(p, "/")
		for _, c := range parts[:len(parts)-1] {
			if d.dirs[c] == nil {
				d.dirs[c] = newDir()
			}
			d = d.dirs[c]
		}
		d.files[parts[len(parts)-1]] = object.TreeEntry{Name: parts[len(parts)-1], Mode: mode, Hash: h}
	}
	var store func(d *dir) plumbing.Hash
	store = func(d *dir) plumbing.Hash {
		var es []object.TreeEntry
		for _, e := range d.files {
			es = append(es, e)
		}
		for name, sub := range d.dirs {
			es = append(es, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: store(sub)})
		}
		// git order: directories sort as if suffixed with "/".
		key := func(e object.TreeEntry) string {
			if e.Mode == filemode.Dir {
				return e.Name + "/"
			}
			return e.Name
		}
		sort.Slice(es, func(i, j int) bool { return key(es[i]) < key(es[j]) })
		tr := &object.Tree{Entries: es}
		obj := &plumbing.MemoryObject{}
		if err := tr.Encode(obj); err != nil {
			t.Fatal(err)
		}
		return put(t, st, obj)
	}
	s := sig()
	c := &object.Commit{Author: s, Committer: s, Message: msg, TreeHash: store(root), ParentHashes: parents}
	obj := st.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		t.Fatal(err)
	}
	h, err := st.SetEncodedObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func setRef(t testing.TB, r *git.Repository, name string, h plumbing.Hash) {
	t.Helper()
	if err := r.Storer.SetReference(plumbing.NewHashReference(plumbing.ReferenceName(name), h)); err != nil {
		t.Fatal(err)
	}
}

func open(t testing.TB, dir string) *Repo {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

// writeFiles writes (or, for a nil value, deletes) files under dir.
func writeFiles(t testing.TB, dir string, files map[string]*string) {
	t.Helper()
	for p, c := range files {
		abs := filepath.Join(dir, filepath.FromSlash(p))
		if c == nil {
			if err := os.RemoveAll(abs); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(abs, []byte(*c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func ptr(s string) *string { return &s }

// commitWorktree stages everything (like `git add -A`) through go-git's
// work tree and commits, so the index carries real stat data.
func commitWorktree(t testing.TB, r *git.Repository, msg string) plumbing.Hash {
	t.Helper()
	wt, err := r.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	s := sig()
	h, err := wt.Commit(msg, &git.CommitOptions{Author: &s, Committer: &s, AllowEmptyCommits: true})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// gitCLI runs the git binary in dir, skipping the test when it is absent.
func gitCLI(t testing.TB, dir string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not available")
	}
	cmd := exec.Command("git", append([]string{"-c", "user.name=Ada", "-c", "user.email=ada@example.com", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
