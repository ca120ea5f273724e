package match

import (
	"io/fs"
	"path"
)

// HideProposal returns fsys without the proposal files (pairs.proposed.cue)
// of any directory. match loads a program through it: a proposal from an
// earlier run is replaced by the new one, not counted as declared pairs.
func HideProposal(fsys fs.FS) fs.FS { return hideFS{fsys} }

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
