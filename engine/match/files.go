package match

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/rmctl/rmctl/schema"
)

// Load loads the one program in dir for matching, without its proposal
// file: a proposal from an earlier run is replaced by the new one, not
// counted as declared pairs. File names in diagnostics are relative to cwd
// when dir lies below it, as `rmctl validate` prints them. The program is
// nil when it did not decode; callers must check Diagnostics.HasErrors.
func Load(ctx context.Context, cwd, dir string) (*schema.Program, schema.Diagnostics, error) {
	abs := filepath.Clean(dir)
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(cwd, abs)
	}
	root, rel := "/", strings.TrimPrefix(filepath.ToSlash(abs), "/")
	if r, err := filepath.Rel(cwd, abs); err == nil && r != ".." && !strings.HasPrefix(r, "../") {
		root, rel = cwd, filepath.ToSlash(r)
	}
	if rel == "" {
		rel = "."
	}
	loader, err := schema.NewLoader()
	if err != nil {
		return nil, nil, err
	}
	res, err := loader.LoadFS(ctx, hideFS{os.DirFS(root)}, rel)
	if err != nil {
		return nil, nil, err
	}
	if root == "/" {
		// Outside the working directory: absolute names, as Load gives.
		for i := range res.Diagnostics {
			if f := res.Diagnostics[i].Pos.Filename; f != "" && !strings.HasPrefix(f, "/") {
				res.Diagnostics[i].Pos.Filename = "/" + f
			}
		}
	}
	if len(res.Programs) != 1 {
		return nil, res.Diagnostics, nil
	}
	return res.Programs[0], res.Diagnostics, nil
}

// hideFS is a file system without the proposal files of any directory.
type hideFS struct{ fs.FS }

func (h hideFS) Open(name string) (fs.File, error) {
	if path.Base(name) == ProposedFile {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return h.FS.Open(name)
}

func (h hideFS) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(h.FS, name)
	out := entries[:0]
	for _, e := range entries {
		if e.Name() != ProposedFile {
			out = append(out, e)
		}
	}
	return out, err
}

func (h hideFS) Stat(name string) (fs.FileInfo, error) {
	if path.Base(name) == ProposedFile {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return fs.Stat(h.FS, name)
}

// Written says what Write changed.
type Written struct {
	File    string // the file the pairs went to
	Removed string // an out-of-date proposal that was removed, or ""
	// Diagnostics are the errors found when the program was loaded again
	// with the pairs; the files were then put back as they were.
	Diagnostics schema.Diagnostics
}

// Write writes the proposal's pairs into dir: to pairs.proposed.cue, or with
// intoPairs added to pairs.cue (and an earlier pairs.proposed.cue removed,
// as it would declare the same people twice). A proposal without pairs
// writes nothing and removes an earlier pairs.proposed.cue. Then the
// program is loaded again as `rmctl validate` does; if that finds errors,
// every file is put back and they are returned in Written.Diagnostics.
func Write(ctx context.Context, dir string, prop *Proposal, intoPairs bool) (*Written, error) {
	proposed := filepath.Join(dir, ProposedFile)
	_, err := os.Stat(proposed)
	stale := err == nil
	if len(prop.Pairs) == 0 {
		if !stale {
			return &Written{}, nil
		}
		if err := os.Remove(proposed); err != nil {
			return nil, fmt.Errorf("removing the earlier proposal: %w", err)
		}
		return &Written{Removed: proposed}, nil
	}

	w := &Written{File: proposed}
	var old []byte
	if intoPairs {
		w.File = filepath.Join(dir, "pairs.cue")
		if stale {
			w.Removed = proposed
		}
		if old, err = os.ReadFile(w.File); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("reading %s: %w", w.File, err)
		}
	}
	pkg, err := schema.PackageName(dir)
	if err != nil {
		return nil, err
	}
	out, err := CUE(prop, w.File, old, pkg)
	if err != nil {
		return nil, err
	}
	restore, err := replaceFiles(w.File, out, w.Removed)
	if err != nil {
		return nil, err
	}
	loader, err := schema.NewLoader()
	if err == nil {
		var res *schema.Result
		if res, err = loader.Load(ctx, dir); err == nil && res.Diagnostics.HasErrors() {
			w.Diagnostics = res.Diagnostics
		}
	}
	if err != nil || w.Diagnostics.HasErrors() {
		if rerr := restore(); rerr != nil {
			return nil, errors.Join(err, fmt.Errorf("putting the files back: %w", rerr))
		}
		if err != nil {
			return nil, fmt.Errorf("checking the written pairs: %w", err)
		}
		w.File, w.Removed = "", ""
	}
	return w, nil
}

// replaceFiles writes data to name (through a rename, so a crash leaves
// the old file or the new) and removes stale; restore puts both back.
func replaceFiles(name string, data []byte, stale string) (restore func() error, err error) {
	prev, prevErr := os.ReadFile(name)
	var staleData []byte
	if stale != "" {
		if staleData, err = os.ReadFile(stale); err != nil {
			return nil, fmt.Errorf("reading %s: %w", stale, err)
		}
	}
	if err := writeAtomic(name, data); err != nil {
		return nil, err
	}
	if stale != "" {
		if err := os.Remove(stale); err != nil {
			return nil, fmt.Errorf("removing the earlier proposal %s: %w", stale, err)
		}
	}
	return func() error {
		var errs []error
		if prevErr == nil {
			errs = append(errs, writeAtomic(name, prev))
		} else {
			errs = append(errs, os.Remove(name))
		}
		if stale != "" {
			errs = append(errs, writeAtomic(stale, staleData))
		}
		return errors.Join(errs...)
	}, nil
}

func writeAtomic(name string, data []byte) error {
	tmp := name + ".rmctl-tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
