package gitrepo

import (
	"context"
	"fmt"
	"io/fs"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// benchHistory builds 50 commits over a 1,000-file tree (40 folders of 25
// files), each commit changing 20 files, and optionally packs it as a clone
// would be.
func benchHistory(b *testing.B, packed bool) *Repo {
	b.Helper()
	isolate(b)
	dir, gr := initRepo(b)
	files := map[string]tfile{}
	for d := range 40 {
		for f := range 25 {
			files[fmt.Sprintf("programs/p%02d/f%02d.cue", d, f)] = tfile{content: fmt.Sprintf("p%d: f%d: %q\n", d, f, "v0")}
		}
	}
	var head plumbing.Hash
	for c := range 50 {
		for i := range 20 {
			n := (c*20 + i) % 1000
			files[fmt.Sprintf("programs/p%02d/f%02d.cue", n/25, n%25)] = tfile{content: fmt.Sprintf("v%d\n", c)}
		}
		var parents []plumbing.Hash
		if c > 0 {
			parents = []plumbing.Hash{head}
		}
		head = writeCommit(b, gr.Storer, files, fmt.Sprintf("commit %d", c), parents...)
	}
	setRef(b, gr, "refs/heads/main", head)
	if packed {
		if err := gr.RepackObjects(&git.RepackConfig{}); err != nil {
			b.Fatal(err)
		}
	}
	return open(b, dir)
}

func BenchmarkTreeReadAll(b *testing.B) {
	for _, packed := range []bool{false, true} {
		b.Run(fmt.Sprintf("packed=%v", packed), func(b *testing.B) {
			r := benchHistory(b, packed)
			b.ReportAllocs()
			for b.Loop() {
				h, err := r.Resolve("HEAD~49")
				if err != nil {
					b.Fatal(err)
				}
				fsys, err := r.Tree(h)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					n++
					_, err = fs.ReadFile(fsys, p)
					return err
				})
				if err != nil || n != 1000 {
					b.Fatalf("read %d files: %v", n, err)
				}
			}
		})
	}
}

// BenchmarkTreeReadOneFolder shows what laziness buys: loading one program
// folder of an old revision touches 25 files, not 1,000.
func BenchmarkTreeReadOneFolder(b *testing.B) {
	r := benchHistory(b, true)
	b.ReportAllocs()
	for b.Loop() {
		h, err := r.Resolve("HEAD~25")
		if err != nil {
			b.Fatal(err)
		}
		fsys, _ := r.Tree(h)
		es, err := fs.ReadDir(fsys, "programs/p17")
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range es {
			if _, err := fs.ReadFile(fsys, "programs/p17/"+e.Name()); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// headRepo checks out a 5,000-file work tree (100 folders of 50 files) with
// a real index.
func headRepo(b *testing.B) (*Repo, *git.Repository) {
	b.Helper()
	isolate(b)
	dir, gr := initRepo(b)
	files := map[string]*string{".gitignore": ptr("*.log\n")}
	for d := range 100 {
		for f := range 50 {
			files[fmt.Sprintf("programs/p%03d/f%02d.cue", d, f)] = ptr(fmt.Sprintf("p%d: f%d: 1\n", d, f))
		}
	}
	writeFiles(b, dir, files)
	commitWorktree(b, gr, "init")
	return open(b, dir), gr
}

func BenchmarkHead(b *testing.B) {
	r, gr := headRepo(b)
	ctx := context.Background()
	b.Run("whole-repo", func(b *testing.B) {
		for b.Loop() {
			if _, d, err := r.Head(ctx); err != nil || d {
				b.Fatalf("dirty=%v err=%v", d, err)
			}
		}
	})
	b.Run("one-folder", func(b *testing.B) {
		for b.Loop() {
			if _, d, err := r.Head(ctx, "programs/p042"); err != nil || d {
				b.Fatalf("dirty=%v err=%v", d, err)
			}
		}
	})
	// For comparison: what Head replaces.
	b.Run("go-git-Worktree.Status", func(b *testing.B) {
		wt, _ := gr.Worktree()
		for b.Loop() {
			st, err := wt.Status()
			if err != nil || !st.IsClean() {
				b.Fatalf("clean=%v err=%v", st.IsClean(), err)
			}
		}
	})
}
