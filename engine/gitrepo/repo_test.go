package gitrepo

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/google/go-cmp/cmp"
)

func TestOpen(t *testing.T) {
	isolate(t)
	dir, _ := initRepo(t)
	sub := filepath.Join(dir, "programs", "team")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	r := open(t, sub)
	if r.Root() != dir {
		t.Errorf("Root() = %q, want %q", r.Root(), dir)
	}

	plain := t.TempDir()
	_, err := Open(plain)
	if !errors.Is(err, ErrNotRepository) || !strings.Contains(err.Error(), plain) {
		t.Errorf("Open(non-repo) = %v; want ErrNotRepository mentioning %s", err, plain)
	}
	if _, err := Open(filepath.Join(plain, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Open(missing dir) = %v", err)
	}
	bare := t.TempDir()
	if _, err := git.PlainInit(bare, true); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(bare); err == nil || !strings.Contains(err.Error(), "bare") {
		t.Errorf("Open(bare) = %v", err)
	}
}

// history is a small repository:
//
//	c1 - c2 - c3 ------- m   main (HEAD), origin/main = c3
//	       \            /
//	        c4 -------+---- c5   feature
//
// plus tags v1 (lightweight, c1) and v2 (annotated, c2), and an orphan
// commit on branch "lonely".
type history struct {
	dir                        string
	gr                         *git.Repository
	c1, c2, c3, c4, c5, m, orp plumbing.Hash
}

func newHistory(t testing.TB) *history {
	t.Helper()
	isolate(t)
	h := &history{}
	h.dir, h.gr = initRepo(t)
	st := h.gr.Storer
	h.c1 = writeCommit(t, st, map[string]tfile{"a.cue": {content: "a: 1"}}, "first\n\nbody")
	h.c2 = writeCommit(t, st, map[string]tfile{"a.cue": {content: "a: 2"}}, "second", h.c1)
	h.c3 = writeCommit(t, st, map[string]tfile{"a.cue": {content: "a: 3"}}, "third", h.c2)
	h.c4 = writeCommit(t, st, map[string]tfile{"a.cue": {content: "a: 2"}, "b.cue": {content: "b: 4"}}, "feature work", h.c2)
	h.m = writeCommit(t, st, map[string]tfile{"a.cue": {content: "a: 3"}, "b.cue": {content: "b: 4"}}, "Merge feature", h.c3, h.c4)
	h.c5 = writeCommit(t, st, map[string]tfile{"a.cue": {content: "a: 2"}, "b.cue": {content: "b: 5"}}, "more feature", h.c4)
	h.orp = writeCommit(t, st, map[string]tfile{"z.cue": {content: "z: 1"}}, "orphan")
	setRef(t, h.gr, "refs/heads/main", h.m)
	setRef(t, h.gr, "refs/heads/feature", h.c5)
	setRef(t, h.gr, "refs/heads/lonely", h.orp)
	setRef(t, h.gr, "refs/heads/cafe", h.c1) // hex-looking branch name
	setRef(t, h.gr, "refs/remotes/origin/main", h.c3)
	setRef(t, h.gr, "refs/tags/v1", h.c1)
	s := sig()
	if _, err := h.gr.CreateTag("v2", h.c2, &git.CreateTagOptions{Tagger: &s, Message: "release 2"}); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestResolve(t *testing.T) {
	h := newHistory(t)
	r := open(t, h.dir)
	tests := []struct {
		rev  string
		want plumbing.Hash
	}{
		{"HEAD", h.m},
		{"@", h.m},
		{" HEAD ", h.m},
		{"HEAD^0", h.m},
		{"HEAD^", h.c3},
		{"HEAD^1", h.c3},
		{"HEAD^2", h.c4},
		{"HEAD~", h.c3},
		{"HEAD~1", h.c3},
		{"HEAD~2", h.c2},
		{"HEAD~3", h.c1},
		{"HEAD^^", h.c2},
		{"HEAD^2~1", h.c2},
		{"@~2", h.c2},
		{"HEAD~1^{commit}", h.c3},
		{"main", h.m},
		{"refs/heads/main", h.m},
		{"heads/main", h.m},
		{"feature", h.c5},
		{"feature~1", h.c4},
		{"origin/main", h.c3},
		{"refs/remotes/origin/main", h.c3},
		{"v1", h.c1},
		{"v2", h.c2}, // annotated: peeled to the commit
		{"v2^{}", h.c2},
		{"tags/v2", h.c2},
		{"cafe", h.c1}, // a branch wins over an abbreviated hash, as in git
		{h.c4.String(), h.c4},
		{strings.ToUpper(h.c4.String()), h.c4},
		{h.c4.String()[:7], h.c4},
		{h.c4.String()[:4], h.c4},
		{h.c4.String()[:11], h.c4}, // odd length
	}
	for _, tt := range tests {
		got, err := r.Resolve(tt.rev)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.rev, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Resolve(%q) = %s, want %s", tt.rev, short(got), short(tt.want))
		}
	}

	c1, _ := h.gr.CommitObject(h.c1)
	errs := []struct{ rev, want string }{
		{"foo", `unknown revision "foo"`},
		{"origin/nope", `unknown revision "origin/nope"`},
		{"HEAD~10", "history ends at root commit"},
		{"HEAD^3", "has 2 parent(s), not 3"},
		{"v1^", "has 0 parent(s)"},
		{"HEAD~x", `unexpected "x"`},
		{"HEAD~99999999999999999999", "too large"},
		{"^", "missing a branch"},
		{"HEAD^{tree}", "not supported"},
		{"HEAD^{", "unterminated"},
		{"", "empty revision"},
		{"main..feature", "ranges are not supported"},
		{"HEAD@{1}", "reflog"},
		{"HEAD:a.cue", "<rev>:<path>"},
		{"../config", `unknown revision "../config"`},
		{"0000000", `unknown revision "0000000"`},
		{"abc", `unknown revision "abc"`}, // too short to be a hash
		{c1.TreeHash.String(), "is a tree, not a commit"},
	}
	for _, tt := range errs {
		_, err := r.Resolve(tt.rev)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Resolve(%q) error = %v, want it to contain %q", tt.rev, err, tt.want)
		}
	}
	if _, err := r.Resolve("foo"); !errors.Is(err, ErrUnknownRevision) {
		t.Errorf("Resolve(foo) error %v does not wrap ErrUnknownRevision", err)
	}
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"HEAD~2", "HEAD^2^{}", "main", "@{u}", "a..b", "^^~~", "v2^{commit}~0", "dead"} {
		f.Add(s)
	}
	r := open(f, newHistory(f).dir)
	f.Fuzz(func(t *testing.T, rev string) {
		_, _ = r.Resolve(rev) // must not panic
	})
}

func TestMergeBase(t *testing.T) {
	h := newHistory(t)
	r := open(t, h.dir)
	tests := []struct {
		a, b, want plumbing.Hash
	}{
		{h.m, h.c5, h.c4}, // main already merged feature: base is the merged tip
		{h.c5, h.m, h.c4},
		{h.c3, h.c4, h.c2},
		{h.c3, h.m, h.c3}, // ancestor
		{h.m, h.m, h.m},
	}
	for _, tt := range tests {
		got, err := r.MergeBase(tt.a, tt.b)
		if err != nil {
			t.Errorf("MergeBase(%s, %s): %v", short(tt.a), short(tt.b), err)
			continue
		}
		if got != tt.want {
			t.Errorf("MergeBase(%s, %s) = %s, want %s", short(tt.a), short(tt.b), short(got), short(tt.want))
		}
	}
	if _, err := r.MergeBase(h.m, h.orp); err == nil || !strings.Contains(err.Error(), "no common ancestor") {
		t.Errorf("MergeBase with unrelated history: %v", err)
	}
	if _, err := r.MergeBase(h.m, plumbing.NewHash(strings.Repeat("12", 20))); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("MergeBase with missing commit: %v", err)
	}
}

func TestDefaultBranch(t *testing.T) {
	isolate(t)
	dir, gr := initRepo(t)
	r := open(t, dir)
	if _, err := r.DefaultBranch(); err == nil {
		t.Error("DefaultBranch on empty repo: want error")
	}
	c := writeCommit(t, gr.Storer, map[string]tfile{"a": {content: "a"}}, "c")
	steps := []struct {
		ref, want string
	}{
		{"refs/heads/master", "master"},
		{"refs/remotes/origin/main", "origin/main"},
		{"refs/heads/main", "main"},
	}
	for _, s := range steps {
		setRef(t, gr, s.ref, c)
		if got, err := r.DefaultBranch(); err != nil || got != s.want {
			t.Errorf("after %s: DefaultBranch() = %q, %v; want %q", s.ref, got, err, s.want)
		}
	}
	// origin/HEAD wins, but only while its target exists.
	if err := gr.Storer.SetReference(plumbing.NewSymbolicReference("refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.DefaultBranch(); got != "main" {
		t.Errorf("dangling origin/HEAD: DefaultBranch() = %q, want main", got)
	}
	setRef(t, gr, "refs/remotes/origin/trunk", c)
	got, err := r.DefaultBranch()
	if err != nil || got != "origin/trunk" {
		t.Errorf("DefaultBranch() = %q, %v; want origin/trunk", got, err)
	}
	if h, err := r.Resolve(got); err != nil || h != c {
		t.Errorf("Resolve(DefaultBranch()) = %s, %v", h, err)
	}
}

func TestCommitInfo(t *testing.T) {
	h := newHistory(t)
	r := open(t, h.dir)
	ci, err := r.CommitInfo(h.c1)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := h.gr.CommitObject(h.c1)
	want := CommitInfo{Hash: h.c1.String(), Short: h.c1.String()[:7], Subject: "first", Author: "Ada", Email: "ada@example.com", When: c.Author.When}
	if diff := cmp.Diff(want, ci); diff != "" {
		t.Errorf("CommitInfo mismatch (-want +got):\n%s", diff)
	}
	if _, err := r.CommitInfo(plumbing.ZeroHash); err == nil {
		t.Error("CommitInfo(zero): want error")
	}
}
