package gitrepo

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
)

func headState(t *testing.T, r *Repo, paths ...string) (string, bool) {
	t.Helper()
	c, d, err := r.Head(context.Background(), paths...)
	if err != nil {
		t.Fatalf("Head(%v): %v", paths, err)
	}
	return c, d
}

func TestHeadNoCommits(t *testing.T) {
	isolate(t)
	dir, _ := initRepo(t)
	r := open(t, dir)
	if c, d := headState(t, r); c != "" || d {
		t.Errorf("empty repo: Head = %q, %v; want \"\", false", c, d)
	}
	writeFiles(t, dir, map[string]*string{"programs/a.cue": ptr("a: 1")})
	if c, d := headState(t, r); c != "" || !d {
		t.Errorf("untracked file in empty repo: Head = %q, %v; want \"\", true", c, d)
	}
	if b, err := fs.ReadFile(r.WorkTree(), "programs/a.cue"); err != nil || string(b) != "a: 1" {
		t.Errorf("WorkTree read = %q, %v", b, err)
	}
	if _, err := r.Resolve("HEAD"); err == nil || !strings.Contains(err.Error(), "no commits yet") {
		t.Errorf("Resolve(HEAD) in empty repo = %v", err)
	}
}

func TestHeadDirty(t *testing.T) {
	isolate(t)
	dir, gr := initRepo(t)
	writeFiles(t, dir, map[string]*string{
		".gitignore":            ptr("*.log\nbuild/\n"),
		"programs/a.cue":        ptr("a: 1\n"),
		"programs/team/b.cue":   ptr("b: 1\n"),
		"README.md":             ptr("readme\n"),
		"programs/.gitignore":   ptr("scratch/\n!keep.log\n"),
		"programs/team/run.cue": ptr("run: 1\n"),
	})
	head := commitWorktree(t, gr, "init")
	r := open(t, dir)
	wt, _ := gr.Worktree()

	clean := func(step string, paths ...string) {
		t.Helper()
		c, d := headState(t, r, paths...)
		if c != head.String() || d {
			t.Errorf("%s: Head(%v) = %s, dirty=%v; want clean at %s", step, paths, c, d, short(head))
		}
	}
	dirty := func(step string, paths ...string) {
		t.Helper()
		if _, d := headState(t, r, paths...); !d {
			t.Errorf("%s: Head(%v) reports clean, want dirty", step, paths)
		}
	}

	clean("fresh commit")
	clean("fresh commit, scoped", "programs")

	// Same size, new content: stat data alone cannot be trusted.
	writeFiles(t, dir, map[string]*string{"programs/a.cue": ptr("a: 2\n")})
	dirty("modified")
	dirty("modified, scoped", "programs/a.cue")
	clean("modified elsewhere", "programs/team")
	writeFiles(t, dir, map[string]*string{"programs/a.cue": ptr("a: 1\n")})
	clean("modification reverted")

	writeFiles(t, dir, map[string]*string{"programs/team/new.cue": ptr("new: 1\n")})
	dirty("untracked")
	dirty("untracked, scoped", "programs")
	clean("untracked elsewhere", "README.md")
	writeFiles(t, dir, map[string]*string{"programs/team/new.cue": nil})
	clean("untracked removed")

	writeFiles(t, dir, map[string]*string{
		"debug.log":                    ptr("x"),
		"programs/team/trace.log":      ptr("x"),
		"build/out/bin":                ptr("x"),
		"programs/scratch/notes.cue":   ptr("x"),
		"programs/team/scratch/n2.cue": ptr("x"),
		"empty-dir/.keep-not":          nil,
	})
	if err := os.MkdirAll(filepath.Join(dir, "empty-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	clean("ignored files and empty directories")
	writeFiles(t, dir, map[string]*string{"programs/keep.log": ptr("x")})
	dirty("negated ignore pattern")
	writeFiles(t, dir, map[string]*string{"programs/keep.log": nil})
	clean("negated file removed")
	writeFiles(t, dir, map[string]*string{"build/keep.log": ptr("x")})
	clean("cannot re-include inside an ignored directory")

	if err := os.Remove(filepath.Join(dir, "README.md")); err != nil {
		t.Fatal(err)
	}
	dirty("deleted")
	if err := wt.Checkout(&git.CheckoutOptions{Hash: head, Force: true}); err != nil {
		t.Fatal(err)
	}
	clean("after checkout --force")

	if err := os.Chmod(filepath.Join(dir, "programs/team/run.cue"), 0o755); err != nil {
		t.Fatal(err)
	}
	dirty("mode change")
	if err := os.Chmod(filepath.Join(dir, "programs/team/run.cue"), 0o644); err != nil {
		t.Fatal(err)
	}
	clean("mode restored")

	// Staged but not committed counts: plan must not record HEAD for it.
	writeFiles(t, dir, map[string]*string{"programs/team/b.cue": ptr("b: 22\n")})
	if _, err := wt.Add("programs/team/b.cue"); err != nil {
		t.Fatal(err)
	}
	dirty("staged")
	writeFiles(t, dir, map[string]*string{"programs/team/b.cue": ptr("b: 1\n")})
	dirty("staged, work tree reverted")
	if _, err := wt.Add("programs/team/b.cue"); err != nil {
		t.Fatal(err)
	}
	clean("staged change undone")

	if _, _, err := r.Head(context.Background(), "../etc"); err == nil {
		t.Error("Head(../etc): want error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := r.Head(ctx); err == nil {
		t.Error("Head(cancelled ctx): want error")
	}
}

// TestHeadMatchesGit compares Head with `git status` on a repository made
// and modified by the git CLI, whose index git wrote itself.
func TestHeadMatchesGit(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	gitCLI(t, dir, "init", "-q")
	writeFiles(t, dir, map[string]*string{
		".gitignore":       ptr("/out/\n*.tmp\n"),
		"programs/p1.cue":  ptr("p1: 1\n"),
		"programs/p2.cue":  ptr("p2: 1\n"),
		"docs/index.md":    ptr("# docs\n"),
		"docs/.gitignore":  ptr("*.html\n"),
		"programs/sub/x.c": ptr("x\n"),
	})
	gitCLI(t, dir, "add", "-A")
	gitCLI(t, dir, "commit", "-q", "-m", "init")
	r := open(t, dir)

	steps := []struct {
		name  string
		apply func()
		paths []string
	}{
		{"clean", func() {}, nil},
		{"clean, scoped", func() {}, []string{"programs"}},
		{"edit", func() { writeFiles(t, dir, map[string]*string{"programs/p1.cue": ptr("p1: 2\n")}) }, nil},
		{"edit, other scope", func() {}, []string{"docs"}},
		{"stash edit", func() { gitCLI(t, dir, "checkout", "--", ".") }, nil},
		{"ignored", func() {
			writeFiles(t, dir, map[string]*string{"out/a": ptr("a"), "x.tmp": ptr("t"), "docs/a.html": ptr("h")})
		}, nil},
		{"html outside docs", func() { writeFiles(t, dir, map[string]*string{"a.html": ptr("h")}) }, nil},
		{"remove it", func() { writeFiles(t, dir, map[string]*string{"a.html": nil}) }, nil},
		{"intent to add", func() {
			writeFiles(t, dir, map[string]*string{"programs/p3.cue": ptr("p3")})
			gitCLI(t, dir, "add", "-N", "programs/p3.cue")
		}, []string{"programs"}},
		{"commit it", func() { gitCLI(t, dir, "add", "-A"); gitCLI(t, dir, "commit", "-q", "-m", "p3") }, nil},
		{"rm --cached", func() { gitCLI(t, dir, "rm", "-q", "--cached", "docs/index.md") }, nil},
		{"reset", func() { gitCLI(t, dir, "reset", "-q", "--hard") }, nil},
		{"touch only", func() {
			p := filepath.Join(dir, "programs/p2.cue")
			b, _ := os.ReadFile(p)
			writeFiles(t, dir, map[string]*string{"programs/p2.cue": ptr(string(b))})
		}, nil},
	}
	for _, s := range steps {
		s.apply()
		args := append([]string{"status", "--porcelain", "--"}, s.paths...)
		want := strings.TrimSpace(gitCLI(t, dir, args...)) != ""
		commit, got := headState(t, r, s.paths...)
		if got != want {
			t.Errorf("%s: Head dirty = %v, git status says %v", s.name, got, want)
		}
		if head := strings.TrimSpace(gitCLI(t, dir, "rev-parse", "HEAD")); commit != head {
			t.Errorf("%s: Head commit = %s, git says %s", s.name, commit, head)
		}
	}

	// A linked work tree shares objects and refs with the main one.
	wtDir := filepath.Join(t.TempDir(), "wt")
	gitCLI(t, dir, "worktree", "add", "-q", "-b", "side", wtDir)
	lr := open(t, filepath.Join(wtDir))
	if lr.Root() != wtDir {
		t.Errorf("linked work tree Root() = %s, want %s", lr.Root(), wtDir)
	}
	if _, d := headState(t, lr); d {
		t.Error("fresh linked work tree reported dirty")
	}
	if _, err := lr.Resolve("main~1"); err != nil {
		t.Errorf("Resolve in linked work tree: %v", err)
	}
	gitCLI(t, dir, "config", "core.excludesFile", filepath.Join(dir, "excl"))
	writeFiles(t, dir, map[string]*string{"excl": ptr("excl\nnotes.txt\n"), "notes.txt": ptr("n")})
	if _, d := headState(t, r); d {
		t.Error("files matched by core.excludesFile reported dirty")
	}
}
