package gitrepo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// maxSymlinkHops matches Linux's ELOOP limit.
const maxSymlinkHops = 40

// MaxFileSize is the largest blob a tree from [Repo.Tree] reads: rmctl reads
// program files of at most 10 MB (schema.MaxFileSize), and a hostile commit
// can hold a blob, or a forged object header, of any size.
const MaxFileSize = 10 << 20

// maxSymlinkSize bounds a symlink's target, like Linux's PATH_MAX.
const maxSymlinkSize = 4096

// errSymlinkOutside is returned for symlinks whose target lies outside the
// repository (absolute, or climbing above the root): a commit does not
// record what they point to.
var errSymlinkOutside = fmt.Errorf("symlink points outside the repository: %w", fs.ErrNotExist)

// Tree returns the files of commit h (a tree hash is accepted too) as a
// read-only fs.FS whose paths are slash-separated and relative to the
// repository root. Nothing is read up front: each directory is decoded the
// first time it is visited and file contents are read from git objects when
// a file is first read, so loading one folder of a large repository costs
// only that folder.
//
// The result implements fs.ReadDirFS, fs.ReadFileFS, fs.StatFS and
// fs.ReadLinkFS. Symlinks are followed within the tree, like os.DirFS
// follows them on disk, but never out of the tree. Reading a file larger
// than MaxFileSize fails (Stat still reports its size). Submodules appear
// as empty directories, as in a checkout without `git submodule update`.
// Every entry's ModTime is the commit time, since git records no per-file
// times.
func (r *Repo) Tree(h plumbing.Hash) (fs.FS, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := &treeFS{r: r, trees: map[plumbing.Hash]*object.Tree{}}
	if c, err := r.repo.CommitObject(h); err == nil {
		t.root, t.modTime = c.TreeHash, c.Committer.When
	} else if tr, err2 := r.repo.TreeObject(h); err2 == nil {
		t.root = tr.Hash
		t.trees[tr.Hash] = tr
	} else {
		return nil, fmt.Errorf("tree of %s: %w", h, err)
	}
	return t, nil
}

type treeFS struct {
	r       *Repo
	root    plumbing.Hash
	modTime time.Time
	// trees caches decoded directories by hash; guarded by r.mu.
	trees map[plumbing.Hash]*object.Tree
}

var (
	_ fs.ReadDirFS  = (*treeFS)(nil)
	_ fs.ReadFileFS = (*treeFS)(nil)
	_ fs.StatFS     = (*treeFS)(nil)
	_ fs.ReadLinkFS = (*treeFS)(nil)
)

// node is one tree entry.
type node struct {
	name string
	mode filemode.FileMode
	hash plumbing.Hash
}

func (n node) isDir() bool { return n.mode == filemode.Dir || n.mode == filemode.Submodule }

func (f *treeFS) tree(h plumbing.Hash) (*object.Tree, error) {
	if t, ok := f.trees[h]; ok {
		return t, nil
	}
	t, err := f.r.repo.TreeObject(h)
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", h, err)
	}
	f.trees[h] = t
	return t, nil
}

// blob reads blob h, refusing one larger than limit bytes before reading it.
func (f *treeFS) blob(h plumbing.Hash, limit int64) ([]byte, error) {
	b, err := f.r.repo.BlobObject(h)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	if b.Size > limit || b.Size < 0 {
		return nil, &tooLargeError{size: b.Size, limit: limit}
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	defer rd.Close()
	var buf bytes.Buffer
	buf.Grow(int(b.Size) + bytes.MinRead) // one allocation; ReadFrom wants MinRead spare
	// The header's size is only a claim: bound what is inflated too.
	if _, err := buf.ReadFrom(io.LimitReader(rd, limit+1)); err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	if int64(buf.Len()) > limit {
		return nil, &tooLargeError{size: int64(buf.Len()), limit: limit}
	}
	return buf.Bytes(), nil
}

// tooLargeError is returned for a blob over the size a read allows.
type tooLargeError struct{ size, limit int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("file is %d bytes, more than the %d bytes rmctl reads", e.size, e.limit)
}

// lookup resolves name to a node, following symlinks in directory
// components and, if followLast, in the final one. Callers hold r.mu.
func (f *treeFS) lookup(op, name string, followLast bool) (node, error) {
	if !fs.ValidPath(name) {
		return node{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	fail := func(err error) (node, error) {
		return node{}, &fs.PathError{Op: op, Path: name, Err: err}
	}
	root := node{name: ".", mode: filemode.Dir, hash: f.root}
	parts := splitPath(name)
	cur, hops := root, 0
	for i := 0; i < len(parts); i++ {
		if cur.mode != filemode.Dir { // files and (empty) submodules have no children
			return fail(fs.ErrNotExist)
		}
		t, err := f.tree(cur.hash)
		if err != nil {
			return fail(err)
		}
		e, ok := findEntry(t, parts[i])
		if !ok {
			return fail(fs.ErrNotExist)
		}
		next := node{name: e.Name, mode: e.Mode, hash: e.Hash}
		if next.mode != filemode.Symlink || (i == len(parts)-1 && !followLast) {
			cur = next
			continue
		}
		if hops++; hops > maxSymlinkHops {
			return fail(errors.New("too many levels of symbolic links"))
		}
		target, err := f.blob(next.hash, maxSymlinkSize)
		if err != nil {
			return fail(err)
		}
		// Resolved lexically: a ".." after a symlinked directory climbs
		// the link's path, not its target's. Repositories that depend on
		// the difference are not worth the complexity.
		dest := path.Join(path.Join(parts[:i]...), string(target))
		if path.IsAbs(string(target)) || dest == ".." || strings.HasPrefix(dest, "../") {
			return fail(errSymlinkOutside)
		}
		parts = append(splitPath(dest), parts[i+1:]...)
		cur, i = root, -1
	}
	if cur.name == "." {
		return cur, nil
	}
	// Report the name as asked for, not the symlink target's name.
	cur.name = path.Base(name)
	return cur, nil
}

func splitPath(p string) []string {
	if p == "." || p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// findEntry looks name up by binary search. Tree entries are sorted in git
// order, where a directory sorts as if its name ended in "/", so the
// candidate position is tried under both orderings.
func findEntry(t *object.Tree, name string) (object.TreeEntry, bool) {
	for _, key := range []string{name, name + "/"} {
		i, _ := slices.BinarySearchFunc(t.Entries, key, func(e object.TreeEntry, k string) int {
			return strings.Compare(gitSortKey(e), k)
		})
		if i < len(t.Entries) && t.Entries[i].Name == name {
			return t.Entries[i], true
		}
	}
	// Trees written by buggy tools may be unsorted; fall back to a scan.
	for _, e := range t.Entries {
		if e.Name == name {
			return e, true
		}
	}
	return object.TreeEntry{}, false
}

func gitSortKey(e object.TreeEntry) string {
	if e.Mode == filemode.Dir {
		return e.Name + "/"
	}
	return e.Name
}

func (f *treeFS) info(n node) (*fileInfo, error) {
	fi := &fileInfo{name: n.name, mode: fsMode(n.mode), modTime: f.modTime, hash: n.hash}
	if n.isDir() {
		return fi, nil
	}
	obj, err := f.r.repo.Storer.EncodedObject(plumbing.BlobObject, n.hash)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", n.hash, err)
	}
	fi.size = obj.Size()
	return fi, nil
}

func fsMode(m filemode.FileMode) fs.FileMode {
	switch m {
	case filemode.Dir, filemode.Submodule:
		return fs.ModeDir | 0o755
	case filemode.Executable:
		return 0o755
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	default:
		return 0o644
	}
}

// Open implements fs.FS.
func (f *treeFS) Open(name string) (fs.File, error) {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	n, err := f.lookup("open", name, true)
	if err != nil {
		return nil, err
	}
	fi, err := f.info(n)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if n.isDir() {
		return &dirFile{fsys: f, path: name, node: n, info: fi}, nil
	}
	return &file{fsys: f, path: name, node: n, info: fi}, nil
}

// Stat implements fs.StatFS.
func (f *treeFS) Stat(name string) (fs.FileInfo, error) { return f.stat("stat", name, true) }

// Lstat implements fs.ReadLinkFS.
func (f *treeFS) Lstat(name string) (fs.FileInfo, error) { return f.stat("lstat", name, false) }

func (f *treeFS) stat(op, name string, follow bool) (fs.FileInfo, error) {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	n, err := f.lookup(op, name, follow)
	if err != nil {
		return nil, err
	}
	fi, err := f.info(n)
	if err != nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: err}
	}
	return fi, nil
}

// ReadLink implements fs.ReadLinkFS.
func (f *treeFS) ReadLink(name string) (string, error) {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	n, err := f.lookup("readlink", name, false)
	if err != nil {
		return "", err
	}
	if n.mode != filemode.Symlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	b, err := f.blob(n.hash, maxSymlinkSize)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return string(b), nil
}

// ReadFile implements fs.ReadFileFS. Each call returns a fresh slice.
func (f *treeFS) ReadFile(name string) ([]byte, error) {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	n, err := f.lookup("read", name, true)
	if err != nil {
		return nil, err
	}
	if n.isDir() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errIsDir}
	}
	b, err := f.blob(n.hash, MaxFileSize)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return b, nil
}

var errIsDir = errors.New("is a directory")

// ReadDir implements fs.ReadDirFS.
func (f *treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	n, err := f.lookup("readdir", name, true)
	if err != nil {
		return nil, err
	}
	return f.readDir(name, n)
}

// readDir lists directory n sorted by name, which fs.ReadDir requires and
// which differs from git's tree order ("a-b" < "a/" but "a" < "a-b").
// Callers hold r.mu.
func (f *treeFS) readDir(name string, n node) ([]fs.DirEntry, error) {
	if !n.isDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	if n.mode == filemode.Submodule {
		return []fs.DirEntry{}, nil
	}
	t, err := f.tree(n.hash)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	out := make([]fs.DirEntry, 0, len(t.Entries))
	for _, e := range t.Entries {
		// A hostile tree could hold names no checkout would produce;
		// they would yield invalid fs paths.
		if e.Name == "" || e.Name == "." || e.Name == ".." || strings.ContainsAny(e.Name, "/\x00") {
			continue
		}
		out = append(out, &dirEntry{fsys: f, node: node{name: e.Name, mode: e.Mode, hash: e.Hash}})
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

type dirEntry struct {
	fsys *treeFS
	node node
}

func (d *dirEntry) Name() string      { return d.node.name }
func (d *dirEntry) IsDir() bool       { return d.node.isDir() }
func (d *dirEntry) Type() fs.FileMode { return fsMode(d.node.mode).Type() }
func (d *dirEntry) String() string    { return fs.FormatDirEntry(d) }

// Info is computed on demand: a blob's size needs its object header, which
// WalkDir-style traversals usually never ask for.
func (d *dirEntry) Info() (fs.FileInfo, error) {
	d.fsys.r.mu.Lock()
	defer d.fsys.r.mu.Unlock()
	return d.fsys.info(d.node)
}

type fileInfo struct {
	name    string
	mode    fs.FileMode
	size    int64
	modTime time.Time
	hash    plumbing.Hash
}

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) Size() int64        { return fi.size }
func (fi *fileInfo) Mode() fs.FileMode  { return fi.mode }
func (fi *fileInfo) ModTime() time.Time { return fi.modTime }
func (fi *fileInfo) IsDir() bool        { return fi.mode.IsDir() }
func (fi *fileInfo) String() string     { return fs.FormatFileInfo(fi) }

// Sys returns the git object hash (a plumbing.Hash), handy for spotting
// unchanged files between two revisions without reading them.
func (fi *fileInfo) Sys() any { return fi.hash }

// file is an open regular file; its content is read on first use.
type file struct {
	fsys   *treeFS
	path   string
	node   node
	info   *fileInfo
	rd     *bytes.Reader
	closed bool
}

func (fl *file) Stat() (fs.FileInfo, error) {
	if fl.closed {
		return nil, &fs.PathError{Op: "stat", Path: fl.path, Err: fs.ErrClosed}
	}
	return fl.info, nil
}

func (fl *file) load(op string) error {
	if fl.closed {
		return &fs.PathError{Op: op, Path: fl.path, Err: fs.ErrClosed}
	}
	if fl.rd != nil {
		return nil
	}
	fl.fsys.r.mu.Lock()
	b, err := fl.fsys.blob(fl.node.hash, MaxFileSize)
	fl.fsys.r.mu.Unlock()
	if err != nil {
		return &fs.PathError{Op: op, Path: fl.path, Err: err}
	}
	fl.rd = bytes.NewReader(b)
	return nil
}

func (fl *file) Read(p []byte) (int, error) {
	if err := fl.load("read"); err != nil {
		return 0, err
	}
	return fl.rd.Read(p)
}

func (fl *file) ReadAt(p []byte, off int64) (int, error) {
	if err := fl.load("read"); err != nil {
		return 0, err
	}
	return fl.rd.ReadAt(p, off)
}

func (fl *file) Seek(off int64, whence int) (int64, error) {
	if err := fl.load("seek"); err != nil {
		return 0, err
	}
	return fl.rd.Seek(off, whence)
}

func (fl *file) Close() error {
	if fl.closed {
		return &fs.PathError{Op: "close", Path: fl.path, Err: fs.ErrClosed}
	}
	fl.closed, fl.rd = true, nil
	return nil
}

// dirFile is an open directory; its listing is taken on the first ReadDir.
type dirFile struct {
	fsys    *treeFS
	path    string
	node    node
	info    *fileInfo
	entries []fs.DirEntry
	listed  bool
	closed  bool
}

func (d *dirFile) Stat() (fs.FileInfo, error) {
	if d.closed {
		return nil, &fs.PathError{Op: "stat", Path: d.path, Err: fs.ErrClosed}
	}
	return d.info, nil
}

func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.path, Err: errIsDir}
}

func (d *dirFile) Close() error {
	if d.closed {
		return &fs.PathError{Op: "close", Path: d.path, Err: fs.ErrClosed}
	}
	d.closed = true
	return nil
}

// ReadDir implements fs.ReadDirFile.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	if d.closed {
		return nil, &fs.PathError{Op: "readdir", Path: d.path, Err: fs.ErrClosed}
	}
	if !d.listed {
		d.fsys.r.mu.Lock()
		es, err := d.fsys.readDir(d.path, d.node)
		d.fsys.r.mu.Unlock()
		if err != nil {
			return nil, err
		}
		d.entries, d.listed = es, true
	}
	if n <= 0 {
		es := d.entries
		d.entries = nil
		if es == nil {
			es = []fs.DirEntry{}
		}
		return es, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.entries))
	es := d.entries[:n:n]
	d.entries = d.entries[n:]
	return es, nil
}
