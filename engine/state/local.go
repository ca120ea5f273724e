package state

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// LocalOptions configure a Local store. The zero value is ready to use.
type LocalOptions struct {
	// Now is the clock that decides whether a lock has expired and stamps
	// new locks. Default time.Now.
	Now func() time.Time
	// LockTTL is how long a lock stays valid when Lock is given no Expires.
	// Default 15 minutes.
	LockTTL time.Duration
	// NewLineage makes the lineage of a state that does not exist yet.
	// Default a random UUID.
	NewLineage func() string
	// OnTakeOver, when set, is told every time Lock takes over another
	// holder's lock: the former holder and why (its process is gone, or the
	// lock expired), for a note to the user.
	OnTakeOver func(prev LockInfo, why string)
}

// DefaultLockTTL is the lock lifetime used when LocalOptions.LockTTL is zero.
const DefaultLockTTL = 15 * time.Minute

// Local keeps state in files next to each other:
//
//	PATH          the state, JSON, one resource per line, with a checksum (codec.go)
//	PATH.journal  Ops recorded since the state was last written, JSON lines
//	PATH.lock     the lock, JSON LockInfo (lock.go)
//	PATH.backup   the last state that passed the checks (recover.go)
//
// Record appends to the journal and fsyncs it, so every finished action
// survives a crash; Write replaces the state atomically (temp file, fsync,
// rename, fsync of the directory) and then drops the journal. Read is the
// state with the journal replayed on top.
//
// Every journal line carries, besides the Op's fields, the serial of the
// state it was recorded against ("serial"). Read replays only the lines
// recorded against the serial it finds, so a journal that survives a crash
// between Write's rename and its removal of the journal is not applied to
// the newer state a second time; a line recorded against a newer serial,
// or none, belongs to another state and makes Read fail.
//
// A Local is safe for concurrent use. It guards against other processes
// only through Lock: Read, Record and Write assume the caller holds the
// lock (Read without it may see a state in the middle of a Write).
type Local struct {
	path, journal, lock string
	now                 func() time.Time
	ttl                 time.Duration
	newLineage          func() string
	onTakeOver          func(prev LockInfo, why string)

	// io serializes file work within the process: Read, Write and the
	// journal flusher. Write holding it means no Op lands in a journal it is
	// about to remove.
	io sync.Mutex
	// Guarded by io.
	serial      uint64 // serial of the state the journal's Ops apply to
	serialKnown bool
	pending     []Op   // Ops made durable since the last Read or Write; Write folds them
	unborn      string // lineage of a state that exists in memory only (directory not writable)
	journalErr  error  // sticky: after a failed append or fsync the journal's tail is unknown
	syncs       int    // journal fsyncs, for benchmarks

	// mu guards the group commit queue.
	mu       sync.Mutex
	queue    *batch // Ops waiting for the next journal fsync
	flushing bool   // a flusher goroutine is running
}

// batch is a set of Ops that share one append and one fsync of the journal.
type batch struct {
	ops   []Op
	lines [][]byte // each op as JSON, without the serial tag
	done  chan struct{}
	err   error // set before done is closed
}

// NewLocal returns a store keeping its state at path (e.g.
// ".rmctl/state.json"). Nothing is touched until the first call.
func NewLocal(path string, opts LocalOptions) *Local {
	l := &Local{
		path: path, journal: path + ".journal", lock: path + ".lock",
		now: opts.Now, ttl: opts.LockTTL, newLineage: opts.NewLineage, onTakeOver: opts.OnTakeOver,
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.ttl <= 0 {
		l.ttl = DefaultLockTTL
	}
	if l.newLineage == nil {
		l.newLineage = uuid.NewString
	}
	return l
}

var _ Store = (*Local)(nil)

// Read returns the state with the journal replayed on top.
//
// When there is no state file yet, Read creates one holding an empty state
// with a new lineage (serial 0). Creating it, rather than inventing a
// lineage on every call, keeps the lineage stable across Reads and across
// processes: `rmctl plan --out p` followed by `rmctl apply p` on a fresh
// repository must see the same lineage, or the saved plan would be refused
// as stale. The file is created with link(2), which never replaces an
// existing file, so concurrent first Reads agree on one lineage. When the
// directory is not writable (a read-only checkout), the lineage is kept in
// this Local instead, which keeps it stable for this process only.
func (l *Local) Read(ctx context.Context) (*State, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reading state %s: %w", l.path, err)
	}
	l.io.Lock()
	defer l.io.Unlock()
	s, err := l.readState()
	if errors.Is(err, fs.ErrNotExist) {
		s, err = l.createEmpty()
	}
	if err != nil {
		return nil, l.withHint(err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reading state %s: %w", l.path, err)
	}
	ops, err := l.readJournal(s.Serial)
	if err != nil {
		return nil, l.withHint(err)
	}
	for _, op := range ops {
		s.Apply(op)
	}
	s.Replayed = len(ops)
	l.serial, l.serialKnown = s.Serial, true
	// The caller's state now holds every Op recorded so far; Write folds
	// only those recorded after this point.
	l.pending = nil
	return s, nil
}

// readState reads and decodes the state file; the error wraps
// fs.ErrNotExist when there is none.
func (l *Local) readState() (*State, error) {
	data, err := os.ReadFile(l.path)
	if err != nil {
		return nil, fmt.Errorf("reading state %s: %w", l.path, err)
	}
	return decodeState(l.path, data)
}

// createEmpty persists an empty state with a new lineage, unless another
// process got there first, in which case it returns that one.
func (l *Local) createEmpty() (*State, error) {
	if l.unborn != "" {
		return New(l.unborn), nil
	}
	s := New(l.newLineage())
	data, err := encodeState(s, 0)
	if err != nil {
		return nil, fmt.Errorf("creating state %s: %w", l.path, err)
	}
	err = l.createExclusive(l.path, data)
	switch {
	case err == nil:
		return s, nil
	case errors.Is(err, fs.ErrExist):
		return l.readState()
	case errors.Is(err, fs.ErrPermission) || isReadOnlyFS(err):
		l.unborn = s.Lineage
		return s, nil
	}
	return nil, fmt.Errorf("creating state %s: %w", l.path, err)
}

// withHint adds to a *DamagedError how to recover, naming this store's
// files.
func (l *Local) withHint(err error) error {
	var d *DamagedError
	if !errors.As(err, &d) || d.Hint != "" {
		return err
	}
	backup := l.path + BackupSuffix
	if _, serr := os.Stat(backup); serr == nil {
		d.Hint = "To recover, run rmctl state restore: it puts back " + backup + ",\n" +
			"the last state that passed these checks, replays the journal on top and keeps the damaged files.\n" +
			"Review rmctl plan before the next apply. If you edited the file by hand, undo the edit instead\n" +
			"(rmctl state rm edits state safely). rmctl state check shows what is wrong."
	} else {
		d.Hint = "To recover: if you edited the file by hand, undo the edit (rmctl state rm edits state safely).\n" +
			"There is no backup (" + backup + ") to restore; moving the state files aside starts a new\n" +
			"state in which everything is planned, and sent, again."
	}
	return err
}

// journalLine is how an Op is stored in the journal: the Op's own fields
// plus the serial of the state it was recorded against.
type journalLine struct {
	Serial  *uint64     `json:"serial"`
	Address string      `json:"address"`
	Entry   *Entry      `json:"entry"`
	Retired *Retirement `json:"retired"`
}

// readJournal returns the journal's Ops that apply to the state with the
// given serial. A last line without its newline is what an interrupted
// append leaves behind; its Op was never acknowledged, so it is ignored.
// Any other line that does not decode or check is a *DamagedError.
//
// Lines recorded against an older serial are skipped: a Write that folded
// them crashed before it removed the journal, and later Records appended
// to it, so serials only grow along the file. A line recorded against a
// newer serial, or without one, belongs to another state (a state file put
// back from a copy, a journal copied from elsewhere): replaying it would
// mix two histories, so it is refused.
func (l *Local) readJournal(serial uint64) ([]Op, error) {
	data, err := os.ReadFile(l.journal)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading journal %s: %w", l.journal, err)
	}
	if i := bytes.LastIndexByte(data, '\n'); i < len(data)-1 {
		data = data[:i+1] // drop the torn tail
	}
	var ops []Op
	var last uint64
	for n := 1; len(data) > 0; n++ {
		i := bytes.IndexByte(data, '\n')
		line := data[:i]
		data = data[i+1:]
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var jl journalLine
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&jl); err != nil {
			return nil, damaged(l.journal, n, "%v", err)
		}
		switch {
		case jl.Serial == nil:
			return nil, damaged(l.journal, n, "the line has no serial")
		case *jl.Serial > serial:
			return nil, damaged(l.journal, n, "the line was recorded against state serial %d, but the state is at serial %d: the journal belongs to another state", *jl.Serial, serial)
		case *jl.Serial < last:
			return nil, damaged(l.journal, n, "the line was recorded against state serial %d, after a line recorded against serial %d", *jl.Serial, last)
		}
		last = *jl.Serial
		if last < serial {
			continue
		}
		op := Op{Address: jl.Address, Entry: jl.Entry, Retired: jl.Retired}
		if err := checkOp(op); err != nil {
			return nil, damaged(l.journal, n, "%v", err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// Record appends op to the journal and returns once it is on disk.
//
// Concurrent Records share fsyncs (group commit): Ops arriving while an
// fsync is in flight are queued and written, then synced, together by one
// flusher goroutine, so N parallel actions cost about one fsync per round
// instead of N in a row.
//
// When ctx ends first, Record returns its error but the Op may still become
// durable; that is harmless because the action it records did happen.
func (l *Local) Record(ctx context.Context, op Op) error {
	if op.Address == "" {
		return errors.New("recording op: empty address")
	}
	// The reader refuses what fails this check: better to fail the action
	// now than to leave a journal no later run can read.
	if err := checkOp(op); err != nil {
		return fmt.Errorf("recording %s: %w", op.Address, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("recording %s: %w", op.Address, err)
	}
	line, err := json.Marshal(op)
	if err != nil {
		return fmt.Errorf("recording %s: %w", op.Address, err)
	}
	l.mu.Lock()
	b := l.queue
	if b == nil {
		b = &batch{done: make(chan struct{})}
		l.queue = b
	}
	b.ops = append(b.ops, op)
	b.lines = append(b.lines, line)
	if !l.flushing {
		l.flushing = true
		go l.flushLoop()
	}
	l.mu.Unlock()

	select {
	case <-b.done:
		if b.err != nil {
			return fmt.Errorf("recording %s: %w", op.Address, b.err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("recording %s: %w", op.Address, ctx.Err())
	}
}

// flushLoop writes queued batches until the queue is empty, then exits, so
// an idle Local holds no goroutine.
func (l *Local) flushLoop() {
	for {
		l.mu.Lock()
		b := l.queue
		l.queue = nil
		if b == nil {
			l.flushing = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		b.err = l.flush(b)
		close(b.done)
	}
}

// flush appends one batch to the journal and fsyncs it.
func (l *Local) flush(b *batch) error {
	l.io.Lock()
	defer l.io.Unlock()
	if l.journalErr != nil {
		return l.journalErr
	}
	if !l.serialKnown {
		h, err := l.readHeader()
		switch {
		case errors.Is(err, fs.ErrNotExist):
			l.serial = 0
		case err != nil:
			return err
		default:
			l.serial = h.Serial
		}
		l.serialKnown = true
	}
	prefix := []byte(`{"serial":` + strconv.FormatUint(l.serial, 10) + `,`)
	var buf []byte
	for _, line := range b.lines {
		buf = append(buf, prefix...)
		buf = append(buf, line[1:]...) // line is a JSON object: splice after its '{'
		buf = append(buf, '\n')
	}

	f, created, err := l.openJournal()
	if err != nil {
		return err
	}
	_, err = f.Write(buf)
	if err == nil {
		err = f.Sync()
		l.syncs++
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && created {
		// A new file is durable only once its directory entry is.
		err = syncDir(filepath.Dir(l.journal))
	}
	if err != nil {
		// After a failed write or fsync the journal's tail is unknown (and
		// a later fsync may report success for pages the kernel dropped),
		// so refuse further Records until Write replaces everything.
		l.journalErr = fmt.Errorf("appending to journal %s: %w", l.journal, err)
		return l.journalErr
	}
	l.pending = append(l.pending, b.ops...)
	return nil
}

// openJournal opens the journal for appending, creating it (and its
// directory) if needed. A torn last line left by a crash is cut off first:
// appending after it would turn it into a corrupt line in the middle.
func (l *Local) openJournal() (f *os.File, created bool, err error) {
	f, err = os.OpenFile(l.journal, os.O_RDWR|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(l.journal), 0o700); err != nil {
			return nil, false, fmt.Errorf("creating journal %s: %w", l.journal, err)
		}
		f, err = os.OpenFile(l.journal, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
		created = true
	}
	if err != nil {
		return nil, false, fmt.Errorf("opening journal %s: %w", l.journal, err)
	}
	if err := repairTail(f); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("repairing journal %s: %w", l.journal, err)
	}
	return f, created, nil
}

// repairTail truncates f after its last newline when it does not end with
// one.
func repairTail(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if size == 0 {
		return nil
	}
	var last [1]byte
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return err
	}
	if last[0] == '\n' {
		return nil
	}
	data := make([]byte, size)
	if _, err := f.ReadAt(data, 0); err != nil {
		return err
	}
	if err := f.Truncate(int64(bytes.LastIndexByte(data, '\n') + 1)); err != nil {
		return err
	}
	return f.Sync()
}

// header is the part of a state file Write and Record need.
type header struct {
	Version int
	Lineage string
	Serial  uint64
}

// readHeader reads version, lineage and serial from the state file without
// decoding its resources: encodeState writes them first, so this stops
// after a few hundred bytes.
func (l *Local) readHeader() (*header, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, fmt.Errorf("reading state %s: %w", l.path, err)
	}
	defer f.Close()
	var h header
	dec := json.NewDecoder(bufio.NewReaderSize(f, 4096))
	fail := func(err error) (*header, error) {
		return nil, fmt.Errorf("reading state %s: %w", l.path, err)
	}
	if t, err := dec.Token(); err != nil {
		return fail(err)
	} else if t != json.Delim('{') {
		return fail(errors.New("not a JSON object"))
	}
	for seen := 0; seen < 3 && dec.More(); {
		t, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		var v any
		switch t {
		case "version":
			v, seen = &h.Version, seen+1
		case "lineage":
			v, seen = &h.Lineage, seen+1
		case "serial":
			v, seen = &h.Serial, seen+1
		default:
			v = new(json.RawMessage)
		}
		if err := dec.Decode(v); err != nil {
			return fail(err)
		}
	}
	if h.Version > FormatVersion {
		return nil, newerVersionError(l.path, h.Version)
	}
	if h.Version < 1 || h.Lineage == "" {
		return fail(errors.New("not an rmctl state file"))
	}
	return &h, nil
}

// Write replaces the state with s and drops the journal.
//
// The new state gets the serial of the state on disk plus one, and s.Serial
// is set to it. Ops recorded since the last Read are applied to s first:
// the caller may not have applied them to its copy, and they must not be
// lost when the journal goes. Ops recorded before that Read are not
// re-applied, because s came from that Read and the caller's changes to
// those entries win.
//
// Write refuses a state of another lineage, or one read before the state
// on disk was last written (its serial is behind): either would silently
// lose a history.
func (l *Local) Write(ctx context.Context, s *State) error {
	if s == nil || s.Lineage == "" {
		return fmt.Errorf("writing state %s: state has no lineage", l.path)
	}
	if s.Version > FormatVersion {
		return newerVersionError(l.path, s.Version)
	}
	if s.Partial {
		return fmt.Errorf("writing state %s: %w", l.path, ErrPartial)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("writing state %s: %w", l.path, err)
	}
	l.io.Lock()
	defer l.io.Unlock()

	prev := s.Serial
	h, err := l.readHeader()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Nothing to protect; a state from elsewhere keeps counting.
	case err != nil:
		return err
	case h.Lineage != s.Lineage:
		return fmt.Errorf("writing state %s: lineage %s differs from the stored %s; refusing to replace another history", l.path, s.Lineage, h.Lineage)
	case h.Serial != s.Serial:
		return fmt.Errorf("writing state %s: stale state (serial %d, stored %d): it changed since it was read", l.path, s.Serial, h.Serial)
	}
	if prev >= MaxSerial {
		return fmt.Errorf("writing state %s: serial %d is the largest a state may have; no further write is possible (start a new state)", l.path, prev)
	}
	for _, op := range l.pending {
		s.Apply(op)
	}
	next := prev + 1
	data, err := encodeState(s, next)
	if err != nil {
		return fmt.Errorf("writing state %s: %w", l.path, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("writing state %s: %w", l.path, err)
	}
	if err := l.replaceFile(l.path, data); err != nil {
		return fmt.Errorf("writing state %s: %w", l.path, err)
	}
	// From here on s is on disk; ctx is no longer consulted.
	s.Version, s.Serial = FormatVersion, next
	l.serial, l.serialKnown = next, true
	l.pending, l.journalErr, l.unborn = nil, nil, ""

	// Only now may the journal go: had it gone before the rename was
	// durable, a crash would lose its Ops. Should this removal itself be
	// lost in a crash, its lines are tagged with the old serial and Read
	// skips them.
	if err := os.Remove(l.journal); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing journal %s (state %s written): %w", l.journal, l.path, err)
	}
	// The backup follows the state, so that restoring it after the state
	// file is damaged (edited, merged, cut short) loses nothing.
	if err := l.writeBackup(data); err != nil {
		return fmt.Errorf("writing backup %s (state %s written): %w", l.path+BackupSuffix, l.path, err)
	}
	return nil
}

// writeBackup replaces the backup with data like replaceFile, but without
// the fsyncs: it would double the cost of a Write, and a backup lost or
// torn in a crash costs little, because Restore checks the backup as
// strictly as Read checks the state and refuses a damaged one.
func (l *Local) writeBackup(data []byte) error {
	path := l.path + BackupSuffix
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// replaceFile atomically replaces path with data: temp file in the same
// directory (rename is atomic only within a file system), fsync, rename,
// fsync of the directory so the rename itself is durable.
func (l *Local) replaceFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// createExclusive creates path with data, failing with fs.ErrExist if it
// exists. The content is written to a temp file first and linked into
// place, so nobody ever sees the file empty or half written. Where hard
// links are not supported it falls back to O_EXCL.
func (l *Local) createExclusive(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	err = os.Link(tmp, path)
	if err != nil && !errors.Is(err, fs.ErrExist) && !errors.Is(err, fs.ErrPermission) {
		err = writeExclusive(path, data)
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

func writeExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir fsyncs a directory so that entries created, renamed or removed
// in it survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	// Some platforms (Windows, some network file systems) cannot sync a
	// directory; there the rename's durability is the file system's.
	if errors.Is(err, os.ErrInvalid) || errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	return err
}

// isReadOnlyFS reports whether err says the file system is read-only.
func isReadOnlyFS(err error) bool { return errors.Is(err, syscall.EROFS) }

// Path returns the path of the state file.
func (l *Local) Path() string { return l.path }
