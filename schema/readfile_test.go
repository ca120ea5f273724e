package schema_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/rmctl/rmctl/engine/gitrepo"
	"github.com/rmctl/rmctl/schema"
)

// hostileFile is a program file that must be reported, never read.
type hostileFile struct {
	name string
	make func(t *testing.T, repo, outside string) // creates repo/prog/x.cue
	want string                                   // in the diagnostic about name
}

// secret is what a file outside the root holds; no diagnostic may show it.
const secret = "TOPSECRET-outside-the-repository"

func hostileFiles() []hostileFile {
	link := func(target func(outside string) string) func(t *testing.T, repo, outside string) {
		return func(t *testing.T, repo, outside string) {
			if err := os.Symlink(target(outside), filepath.Join(repo, "prog", "x.cue")); err != nil {
				t.Fatal(err)
			}
		}
	}
	return []hostileFile{
		{"dev-zero", link(func(string) string { return "/dev/zero" }), `dev/zero", which lies outside`},
		{"outside", link(func(o string) string { return o }), "which lies outside the repository"},
		{"outside-relative", link(func(string) string { return "../../outside/secret.cue" }), "which lies outside the repository"},
		{"fifo", func(t *testing.T, repo, _ string) {
			if err := syscall.Mkfifo(filepath.Join(repo, "prog", "x.cue"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "is a named pipe (FIFO), not a regular file"},
		{"oversized", func(t *testing.T, repo, _ string) {
			big := "package p\n" + strings.Repeat("// padding\n", schema.MaxFileSize/11+1)
			if err := os.WriteFile(filepath.Join(repo, "prog", "x.cue"), []byte(big), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "is larger than 10 MB"},
	}
}

// loadWithin runs load and fails the test instead of hanging.
func loadWithin(t *testing.T, load func(ctx context.Context) (*schema.Result, error)) *schema.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	type result struct {
		res *schema.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := load(ctx)
		done <- result{res, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("load: %v", r.err)
		}
		return r.res
	case <-ctx.Done():
		t.Fatal("load did not return within 20s: it hangs on the file")
		return nil
	}
}

// checkRefused wants exactly one error naming file with want, and no
// diagnostic showing the secret.
func checkRefused(t *testing.T, res *schema.Result, file, want string) {
	t.Helper()
	found := false
	for _, d := range res.Diagnostics {
		if strings.Contains(d.String(), secret) {
			t.Errorf("a diagnostic shows a file outside the root: %s", d)
		}
		if d.Pos.Filename == file && d.Severity == schema.Error && strings.Contains(d.Message, want) {
			found = true
		}
	}
	if !found {
		t.Errorf("no error about %s containing %q; got:\n%v", file, want, res.Diagnostics)
	}
	if len(res.Programs) > 0 {
		t.Errorf("a program with an unreadable file was loaded")
	}
}

// setupHostile makes base/repo/prog with a valid program file plus the
// hostile x.cue, and base/outside/secret.cue. With git, base/repo is a
// repository.
func setupHostile(t *testing.T, h hostileFile, withGit bool) (repo string) {
	t.Helper()
	base := t.TempDir()
	repo = filepath.Join(base, "repo")
	outside := filepath.Join(base, "outside", "secret.cue")
	for _, d := range []string{filepath.Join(repo, "prog"), filepath.Dir(outside)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(outside, []byte("package p\nsecret: \""+secret+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "prog", "a.cue"), []byte("package p\n\nprogram: id: \"x\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if withGit {
		if _, err := git.PlainInit(repo, false); err != nil {
			t.Fatal(err)
		}
	}
	h.make(t, repo, outside)
	return repo
}

func TestLoadRefusesHostileFiles(t *testing.T) {
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	for _, withGit := range []bool{false, true} {
		for _, h := range hostileFiles() {
			name := h.name
			if withGit {
				name += "-in-git"
			}
			t.Run(name, func(t *testing.T) {
				repo := setupHostile(t, h, withGit)
				t.Chdir(repo)
				res := loadWithin(t, func(ctx context.Context) (*schema.Result, error) { return l.Load(ctx, "prog") })
				checkRefused(t, res, filepath.Join("prog", "x.cue"), h.want)
			})
		}
	}
}

// TestLoadFollowsSymlinksInsideTheRepository keeps what a root allows: a
// program file shared through a symlink within the repository loads.
func TestLoadFollowsSymlinksInsideTheRepository(t *testing.T) {
	root := repoRoot(t)
	repo := t.TempDir()
	if _, err := git.PlainInit(repo, false); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"shared", "programs/dl"} {
		if err := os.MkdirAll(filepath.Join(repo, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"program.cue", "people.cue", "pairs.cue"} {
		src, err := os.ReadFile(filepath.Join(root, "examples", "digital-leadership", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, "shared", f), src, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("../../shared/"+f, filepath.Join(repo, "programs", "dl", f)); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(filepath.Join(repo, "programs"))
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	res := loadWithin(t, func(ctx context.Context) (*schema.Result, error) { return l.Load(ctx, "dl") })
	if res.Diagnostics.HasErrors() || len(res.Programs) != 1 {
		t.Fatalf("symlinks within the repository: %d programs, diagnostics:\n%v", len(res.Programs), res.Diagnostics)
	}
}

// TestLoadFSRefusesHostileFilesInGit covers what `rmctl diff` reads: the
// work tree through gitrepo and a commit's tree.
func TestLoadFSRefusesHostileFilesInGit(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hostileFiles() {
		t.Run(h.name, func(t *testing.T) {
			repo := setupHostile(t, h, true)
			r, err := gitrepo.Open(repo)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			res := loadWithin(t, func(ctx context.Context) (*schema.Result, error) {
				return l.LoadFS(ctx, r.WorkTree(), "prog")
			})
			checkRefused(t, res, "prog/x.cue", h.want)

			if h.name == "fifo" {
				return // git cannot hold a FIFO
			}
			gr, err := git.PlainOpen(repo)
			if err != nil {
				t.Fatal(err)
			}
			wt, err := gr.Worktree()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := wt.Add("prog"); err != nil {
				t.Fatal(err)
			}
			sig := &object.Signature{Name: "t", Email: "t@example.com", When: time.Unix(1e9, 0)}
			c, err := wt.Commit("hostile", &git.CommitOptions{Author: sig, Committer: sig})
			if err != nil {
				t.Fatal(err)
			}
			tree, err := r.Tree(c)
			if err != nil {
				t.Fatal(err)
			}
			if info, err := fs.Lstat(tree, "prog/x.cue"); err != nil {
				t.Fatalf("the commit lacks the file: %v", err)
			} else if strings.HasPrefix(h.name, "outside") || h.name == "dev-zero" {
				if info.Mode()&fs.ModeSymlink == 0 {
					t.Fatalf("the commit holds %s, not a symlink", info.Mode())
				}
			}
			res = loadWithin(t, func(ctx context.Context) (*schema.Result, error) {
				return l.LoadFS(ctx, tree, "prog")
			})
			checkRefused(t, res, "prog/x.cue", h.want)
		})
	}
}

// TestSettingsAndFormatRefuseHostileFiles: rmctl.cue and the files fmt
// reads get the same checks as program files.
func TestSettingsAndFormatRefuseHostileFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "rmctl.cue")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.cue")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, _, err := l.LoadSettings(context.Background(), fifo, dir); err == nil || !strings.Contains(err.Error(), "rmctl.cue: it is a named pipe (FIFO)") {
			t.Errorf("LoadSettings(FIFO) = %v", err)
		}
		for _, f := range []string{fifo, zero} {
			if _, err := schema.Format([]string{f}, false); err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("Format(%s) = %v", filepath.Base(f), err)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("reading a FIFO or /dev/zero hangs")
	}
}
