package gitrepo

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// maxAncestry bounds ~N and ^N so a typo like HEAD~99999999999 fails fast
// instead of overflowing or walking forever.
const maxAncestry = 1 << 20

// Resolve turns what a user types into a commit hash: HEAD (or @), HEAD~2,
// HEAD^, HEAD^2, main~3^2, a branch, a remote-tracking branch such as
// origin/main, a tag (annotated tags are peeled to their commit), a full
// ref name, or a full or abbreviated (at least 4 digits) hash. A trailing
// ^{} or ^{commit} is accepted.
//
// This is deliberately not go-git's Repository.ResolveRevision, which
// silently ignores syntax it does not implement (HEAD@{1} resolves to HEAD),
// treats HEAD^3 as HEAD^2, prefers an abbreviated hash over a branch of the
// same name (git prefers the branch), and reports a too-deep HEAD~N as a
// bare "EOF".
func (r *Repo) Resolve(rev string) (plumbing.Hash, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, err := r.resolve(strings.TrimSpace(rev))
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return h, nil
}

func (r *Repo) resolve(rev string) (plumbing.Hash, error) {
	unknown := func(why string) error {
		if why == "" {
			return fmt.Errorf("%w %q", ErrUnknownRevision, rev)
		}
		return fmt.Errorf("%w %q: %s", ErrUnknownRevision, rev, why)
	}
	switch {
	case rev == "":
		return plumbing.ZeroHash, errors.New("empty revision")
	case looksLikeRange(rev):
		return plumbing.ZeroHash, fmt.Errorf("revision %q: ranges are not supported here; give the two revisions separately", rev)
	case strings.Contains(rev, "@{"):
		return plumbing.ZeroHash, fmt.Errorf("revision %q: reflog and @{upstream} syntax is not supported", rev)
	case strings.Contains(rev, ":"):
		return plumbing.ZeroHash, fmt.Errorf("revision %q: <rev>:<path> syntax is not supported; pass a commit", rev)
	}

	base, suffix := rev, ""
	if i := strings.IndexAny(rev, "~^"); i >= 0 {
		base, suffix = rev[:i], rev[i:]
	}
	if base == "" {
		return plumbing.ZeroHash, unknown("missing a branch, tag or hash before " + suffix)
	}
	if base == "@" {
		base = "HEAD"
	}
	c, err := r.resolveBase(base)
	if err != nil {
		if errors.Is(err, ErrUnknownRevision) {
			return plumbing.ZeroHash, unknown(strings.TrimPrefix(err.Error(), ErrUnknownRevision.Error()+": "))
		}
		return plumbing.ZeroHash, fmt.Errorf("resolve %q: %w", rev, err)
	}

	for suffix != "" {
		op := suffix[0]
		suffix = suffix[1:]
		if op == '^' && strings.HasPrefix(suffix, "{") {
			end := strings.IndexByte(suffix, '}')
			if end < 0 {
				return plumbing.ZeroHash, unknown("unterminated ^{")
			}
			switch kind := suffix[1:end]; kind {
			case "", "commit":
				// Already peeled to a commit.
			default:
				return plumbing.ZeroHash, unknown(fmt.Sprintf("^{%s} is not supported; only commits can be resolved", kind))
			}
			suffix = suffix[end+1:]
			continue
		}
		digits := len(suffix) - len(strings.TrimLeft(suffix, "0123456789"))
		n := 1
		if digits > 0 {
			var err error
			n, err = strconv.Atoi(suffix[:digits])
			if err != nil || n > maxAncestry {
				return plumbing.ZeroHash, unknown(fmt.Sprintf("%c%s is too large", op, suffix[:digits]))
			}
			suffix = suffix[digits:]
		}
		if suffix != "" && suffix[0] != '~' && suffix[0] != '^' {
			return plumbing.ZeroHash, unknown(fmt.Sprintf("unexpected %q after %c", suffix, op))
		}
		if op == '~' {
			for i := 0; i < n; i++ {
				if c.NumParents() == 0 {
					return plumbing.ZeroHash, unknown(fmt.Sprintf("history ends at root commit %s", short(c.Hash)))
				}
				if c, err = r.parent(c, 0); err != nil {
					return plumbing.ZeroHash, fmt.Errorf("resolve %q: %w", rev, err)
				}
			}
			continue
		}
		if n == 0 { // ^0 means the commit itself.
			continue
		}
		if n > c.NumParents() {
			return plumbing.ZeroHash, unknown(fmt.Sprintf("commit %s has %d parent(s), not %d", short(c.Hash), c.NumParents(), n))
		}
		if c, err = r.parent(c, n-1); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("resolve %q: %w", rev, err)
		}
	}
	return c.Hash, nil
}

// parent returns the i-th parent of c; a missing object means a shallow
// clone's boundary.
func (r *Repo) parent(c *object.Commit, i int) (*object.Commit, error) {
	p, err := r.repo.CommitObject(c.ParentHashes[i])
	if err != nil {
		return nil, r.historyError(fmt.Errorf("parent %d of %s: %w", i+1, short(c.Hash), err))
	}
	return p, nil
}

// resolveBase resolves a name without ~ and ^ suffixes to a commit. Like
// git, a full 40-digit hash is taken as an object name first, refs are tried
// next, and only then abbreviated hashes. Callers hold r.mu.
func (r *Repo) resolveBase(name string) (*object.Commit, error) {
	if len(name) == 40 && isHex(name) {
		return r.peel(plumbing.NewHash(strings.ToLower(name)), name)
	}
	if validRefName(name) {
		for _, rule := range plumbing.RefRevParseRules {
			ref, err := storer.ResolveReference(r.repo.Storer, plumbing.ReferenceName(fmt.Sprintf(rule, name)))
			if err != nil {
				continue
			}
			return r.peel(ref.Hash(), name)
		}
	}
	if name == "HEAD" {
		return nil, fmt.Errorf("%w: HEAD has no commits yet", ErrUnknownRevision)
	}
	if len(name) >= 4 && len(name) < 40 && isHex(name) {
		return r.resolvePrefix(strings.ToLower(name))
	}
	return nil, fmt.Errorf("%w: no branch, tag or commit by that name", ErrUnknownRevision)
}

// resolvePrefix resolves an abbreviated hash. Only candidates that are (or
// peel to) commits count, as git does for commit-ish arguments, so a blob
// sharing the prefix does not make it ambiguous.
func (r *Repo) resolvePrefix(prefix string) (*object.Commit, error) {
	var cands []plumbing.Hash
	b, _ := hex.DecodeString(prefix[:len(prefix)&^1])
	if fast, ok := r.repo.Storer.(interface {
		HashesWithPrefix([]byte) ([]plumbing.Hash, error)
	}); ok {
		hs, err := fast.HashesWithPrefix(b)
		if err != nil {
			return nil, fmt.Errorf("look up abbreviated hash: %w", err)
		}
		cands = hs
	} else {
		iter, err := r.repo.Storer.IterEncodedObjects(plumbing.AnyObject)
		if err != nil {
			return nil, fmt.Errorf("look up abbreviated hash: %w", err)
		}
		_ = iter.ForEach(func(o plumbing.EncodedObject) error {
			cands = append(cands, o.Hash())
			return nil
		})
	}
	var found []*object.Commit
	seen := map[plumbing.Hash]bool{}
	for _, h := range cands {
		if !strings.HasPrefix(h.String(), prefix) || seen[h] {
			continue
		}
		seen[h] = true
		if c, err := r.peel(h, prefix); err == nil {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: no branch, tag or commit by that name", ErrUnknownRevision)
	case 1:
		return found[0], nil
	}
	var names []string
	for _, c := range found {
		names = append(names, c.Hash.String()[:12])
	}
	return nil, fmt.Errorf("%w: ambiguous abbreviated hash, candidates: %s", ErrUnknownRevision, strings.Join(names, ", "))
}

// peel follows annotated tags (possibly nested) down to a commit.
func (r *Repo) peel(h plumbing.Hash, name string) (*object.Commit, error) {
	for range 16 {
		obj, err := r.repo.Storer.EncodedObject(plumbing.AnyObject, h)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return nil, fmt.Errorf("%w: object %s not found", ErrUnknownRevision, h)
		}
		if err != nil {
			return nil, fmt.Errorf("read object %s: %w", h, err)
		}
		switch obj.Type() {
		case plumbing.CommitObject:
			return object.DecodeCommit(r.repo.Storer, obj)
		case plumbing.TagObject:
			t, err := object.DecodeTag(r.repo.Storer, obj)
			if err != nil {
				return nil, fmt.Errorf("read tag %s: %w", h, err)
			}
			h = t.Target
		default:
			return nil, fmt.Errorf("%w: %s is a %s, not a commit", ErrUnknownRevision, name, obj.Type())
		}
	}
	return nil, fmt.Errorf("%w: tag chain too long", ErrUnknownRevision)
}

// looksLikeRange reports "a..b" and "a...b", which users may paste from
// `git log`; a stray ".." elsewhere is just an invalid name.
func looksLikeRange(s string) bool {
	a, b, ok := strings.Cut(s, "..")
	b = strings.TrimPrefix(b, ".")
	return ok && a != "" && b != "" && !strings.HasPrefix(b, "/") && !strings.HasSuffix(a, "/")
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// validRefName applies git's check-ref-format rules that matter here. Beyond
// giving a clean "unknown revision", it keeps names such as
// "../../config" from being handed to go-git, which maps ref names straight
// onto paths under .git.
func validRefName(s string) bool {
	if s == "" || s == "@" || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "-") ||
		strings.HasSuffix(s, "/") || strings.HasSuffix(s, ".") || strings.HasSuffix(s, ".lock") ||
		strings.Contains(s, "//") || strings.Contains(s, "..") || strings.Contains(s, "@{") {
		return false
	}
	for _, comp := range strings.Split(s, "/") {
		if strings.HasPrefix(comp, ".") {
			return false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte(" ~^:?*[\\", c) >= 0 {
			return false
		}
	}
	return true
}
