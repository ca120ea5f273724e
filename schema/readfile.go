package schema

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxFileSize is the largest file rmctl reads as a program or settings file.
// A program of 10,000 pairs is about 3 MB; the cap keeps a mistaken or
// hostile file (a log, a disk image, /dev/zero) from exhausting memory.
const MaxFileSize = 10 << 20

// readSource reads one program file from fsys. Only regular files are read
// (after following the symlinks fsys allows: os.Root and git trees keep them
// inside their root), and at most MaxFileSize bytes: a FIFO would block
// forever and a device such as /dev/zero never ends.
func readSource(fsys fs.FS, name string) ([]byte, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, explainStatError(fsys, name, err)
	}
	if err := checkRegular(info); err != nil {
		return nil, err
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, trimPathError(err)
	}
	defer f.Close()
	return readOpen(f)
}

// readOpen reads an open file after checking, on the open file itself, that
// it is regular and small enough: the name may have been replaced since it
// was listed.
func readOpen(f fs.File) ([]byte, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, trimPathError(err)
	}
	if err := checkRegular(info); err != nil {
		return nil, err
	}
	// The size a file reports can be wrong (files in /proc report 0), so
	// the read itself is bounded too.
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, trimPathError(err)
	}
	if len(b) > MaxFileSize {
		return nil, tooLarge(int64(len(b)))
	}
	return b, nil
}

// readLocalFile reads a file named on the command line or found by name
// (settings, files to format) with readSource's checks.
func readLocalFile(name string) ([]byte, error) {
	// Non-blocking, so opening a FIFO returns at once; readOpen rejects it.
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := readOpen(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

func checkRegular(info fs.FileInfo) error {
	m := info.Mode()
	switch {
	case m.IsRegular():
	case m.IsDir():
		return errors.New("it is a directory, not a file")
	case m&fs.ModeNamedPipe != 0:
		return errors.New("it is a named pipe (FIFO), not a regular file; rmctl reads only regular files")
	case m&fs.ModeSocket != 0:
		return errors.New("it is a socket, not a regular file; rmctl reads only regular files")
	case m&fs.ModeDevice != 0:
		return errors.New("it is a device, not a regular file; rmctl reads only regular files")
	default:
		return fmt.Errorf("it is not a regular file (mode %s): rmctl reads only regular files", m.Type())
	}
	if info.Size() > MaxFileSize {
		return tooLarge(info.Size())
	}
	return nil
}

func tooLarge(n int64) error {
	return fmt.Errorf("it is larger than %d MB (%d bytes or more); rmctl reads program files of at most %d MB", MaxFileSize>>20, n, MaxFileSize>>20)
}

// explainStatError says why a listed file cannot be opened; the usual
// reason is a symlink that leads outside the root or nowhere.
func explainStatError(fsys fs.FS, name string, err error) error {
	if rl, ok := fsys.(fs.ReadLinkFS); ok {
		if target, lerr := rl.ReadLink(name); lerr == nil {
			return fmt.Errorf("it is a symlink to %q, which lies outside the repository (the program's directory outside git) or does not exist; rmctl follows symlinks only within it", target)
		}
	}
	return trimPathError(err)
}

// rootFS is the working tree as an fs.FS confined to an os.Root: symlinks
// are followed only while they stay inside the root. Files are opened
// non-blocking, so a FIFO that replaced a file after it was checked cannot
// block the open; readSource rejects it on the open file's Stat.
type rootFS struct{ root *os.Root }

var _ fs.ReadLinkFS = rootFS{}

func (r rootFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := r.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (r rootFS) ReadLink(name string) (string, error)   { return r.root.Readlink(name) }
func (r rootFS) Lstat(name string) (fs.FileInfo, error) { return r.root.Lstat(name) }
