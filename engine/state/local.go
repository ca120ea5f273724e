package state

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	jsonv2 "github.com/go-json-experiment/json"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
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
}

// DefaultLockTTL is the lock lifetime used when LocalOptions.LockTTL is zero.
const DefaultLockTTL = 15 * time.Minute

// Local keeps state in files next to each other:
//
//	PATH          the state, JSON, one resource per line
//	PATH.journal  Ops recorded since the state was last written, JSON lines
//	PATH.lock     the lock, JSON LockInfo
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
// the newer state a second time. Even without that tag the replay would be
// harmless for a state that already holds the Ops: an Op sets or deletes a
// whole entry, so applying it twice gives the same result as once.
//
// A Local is safe for concurrent use. It guards against other processes
// only through Lock: Read, Record and Write assume the caller holds the
// lock (Read without it may see a state in the middle of a Write).
type Local struct {
	path, journal, lock string
	now                 func() time.Time
	ttl                 time.Duration
	newLineage          func() string

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
		now: opts.Now, ttl: opts.LockTTL, newLineage: opts.NewLineage,
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
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reading state %s: %w", l.path, err)
	}
	ops, err := l.readJournal(s.Serial)
	if err != nil {
		return nil, err
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

func decodeState(path string, data []byte) (*State, error) {
	if s := decodeLines(data); s != nil {
		return s, nil
	}
	// Not in the layout encodeState writes (edited by hand, or broken): the
	// general decoder, which also gives the better error messages.
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		// A newer format may not even decode into today's types; say so
		// rather than report a confusing type error.
		var v struct {
			Version int `json:"version"`
		}
		if json.Unmarshal(data, &v) == nil && v.Version > FormatVersion {
			return nil, newerVersionError(path, v.Version)
		}
		return nil, fmt.Errorf("reading state %s: %w", path, err)
	}
	switch {
	case s.Version > FormatVersion:
		return nil, newerVersionError(path, s.Version)
	case s.Version < 1:
		return nil, fmt.Errorf("reading state %s: not an rmctl state file (format version %d)", path, s.Version)
	case s.Lineage == "":
		return nil, fmt.Errorf("reading state %s: no lineage", path)
	}
	if s.Resources == nil {
		s.Resources = map[string]*Entry{}
	}
	return &s, nil
}

func newerVersionError(path string, v int) error {
	return fmt.Errorf("reading state %s: format version %d is newer than this rmctl understands (%d); upgrade rmctl", path, v, FormatVersion)
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

// journalLine is how an Op is stored in the journal: the Op's own fields
// plus the serial of the state it was recorded against.
type journalLine struct {
	Serial  *uint64 `json:"serial"`
	Address string  `json:"address"`
	Entry   *Entry  `json:"entry"`
}

// readJournal returns the journal's Ops that apply to the state with the
// given serial. A last line without its newline is what an interrupted
// append leaves behind; its Op was never acknowledged, so it is ignored.
// Any other line that does not decode is an error.
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
	for n := 1; len(data) > 0; n++ {
		i := bytes.IndexByte(data, '\n')
		line := data[:i]
		data = data[i+1:]
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var jl journalLine
		if err := json.Unmarshal(line, &jl); err != nil {
			return nil, fmt.Errorf("reading journal %s: line %d: %w", l.journal, n, err)
		}
		if jl.Address == "" {
			return nil, fmt.Errorf("reading journal %s: line %d: op without address", l.journal, n)
		}
		// Lines tagged with an older serial were folded into the state by
		// a Write that crashed before it removed the journal.
		if jl.Serial != nil && *jl.Serial < serial {
			continue
		}
		ops = append(ops, Op{Address: jl.Address, Entry: jl.Entry})
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
	return nil
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

// encodeState renders s with the given serial: the header fields first
// (readHeader relies on that), then one resource per line, sorted by
// address, so the file diffs well in git and decodeLines can decode the
// lines in parallel.
func encodeState(s *State, serial uint64) ([]byte, error) {
	lineage, err := json.Marshal(s.Lineage)
	if err != nil {
		return nil, err
	}
	addrs := s.Addresses()
	chunks := make([][]byte, chunkCount(len(addrs)))
	err = parallel(len(addrs), len(chunks), func(c, lo, hi int) error {
		buf := bytes.NewBuffer(make([]byte, 0, (hi-lo)*1200))
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false) // titles with < & > stay readable
		for _, a := range addrs[lo:hi] {
			e := s.Resources[a]
			if e == nil {
				return fmt.Errorf("resource %s: nil entry", a)
			}
			// Encode ends every value with a newline: cut it, then end
			// the line with a comma and newline, which the last line
			// must not have.
			if err := enc.Encode(a); err != nil {
				return err
			}
			buf.Truncate(buf.Len() - 1)
			buf.WriteByte(':')
			if err := enc.Encode(e); err != nil {
				return fmt.Errorf("resource %s: %w", a, err)
			}
			buf.Truncate(buf.Len() - 1)
			buf.WriteString(",\n")
		}
		chunks[c] = buf.Bytes()
		return nil
	})
	if err != nil {
		return nil, err
	}
	size := 100
	for _, c := range chunks {
		size += len(c)
	}
	out := make([]byte, 0, size)
	out = fmt.Appendf(out, `{"version":%d,"lineage":%s,"serial":%d,"resources":{`, FormatVersion, lineage, serial)
	if len(addrs) > 0 {
		out = append(out, '\n')
		for _, c := range chunks {
			out = append(out, c...)
		}
		out = out[:len(out)-2] // the last line's ",\n"
		out = append(out, '\n')
	}
	return append(out, "}}\n"...), nil
}

// decodeLines decodes a state in the layout encodeState writes, one
// resource per line, decoding the lines in parallel: a 50,000-resource
// state is some 55 MB of JSON, and encoding/json alone reads it at about
// 50 MB/s per core. It returns nil when data is not in that layout or
// anything fails to decode; the caller then uses the general decoder.
func decodeLines(data []byte) *State {
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 || !bytes.HasPrefix(data, []byte(`{"version":`)) || !bytes.HasSuffix(data[:nl], []byte(`"resources":{`)) {
		return nil
	}
	var s State
	if json.Unmarshal(append(data[:nl:nl], "}}"...), &s) != nil || s.Version != FormatVersion || s.Lineage == "" {
		return nil
	}
	body := bytes.TrimRight(data[nl+1:], "\n")
	if !bytes.HasSuffix(body, []byte("}}")) {
		return nil
	}
	body = body[:len(body)-2]
	var lines [][]byte
	for line := range bytes.Lines(body) {
		lines = append(lines, line)
	}
	addrs := make([]string, len(lines))
	entries := make([]*Entry, len(lines))
	err := parallel(len(lines), chunkCount(len(lines)), func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			line := bytes.TrimSuffix(bytes.TrimSuffix(lines[i], []byte("\n")), []byte(","))
			end := closingQuote(line)
			if end < 0 || end+1 >= len(line) || line[end+1] != ':' {
				return errors.New("not a resource line")
			}
			if err := jsonv2.Unmarshal(line[:end+1], &addrs[i]); err != nil {
				return err
			}
			// The JSON v2 decoder (the design of the coming encoding/json/v2,
			// maintained by the Go team) reads entries about five times
			// faster than encoding/json, and a no-op plan reads every one.
			if err := jsonv2.Unmarshal(line[end+2:], &entries[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil
	}
	s.Resources = make(map[string]*Entry, len(lines))
	for i, a := range addrs {
		s.Resources[a] = entries[i] // a repeated address: the last wins, as in encoding/json
	}
	return &s
}

// closingQuote returns the index of the quote that ends the JSON string
// line starts with, or -1.
func closingQuote(line []byte) int {
	if len(line) == 0 || line[0] != '"' {
		return -1
	}
	for i := 1; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// chunkCount is how many pieces to split n items into for parallel work:
// one per CPU, but not below a few thousand items a piece, where
// goroutines cost more than they save.
func chunkCount(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/2000))
}

// parallel calls f(c, lo, hi) for chunk c of [0, n) split into chunks
// pieces, concurrently, and returns the first error.
func parallel(n, chunks int, f func(c, lo, hi int) error) error {
	errs := make([]error, chunks)
	var wg sync.WaitGroup
	for c := range chunks {
		wg.Go(func() { errs[c] = f(c, n*c/chunks, n*(c+1)/chunks) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Lock takes the lock for info.ID. Created and Expires default to now and
// now plus the lock TTL.
//
// The lock file appears atomically with its content (see createExclusive),
// and only when there is none. Every step that removes or replaces it
// (taking over an expired lock, Unlock, ForceUnlock, RenewLock) runs under
// an flock on PATH.lock.guard and re-reads the lock first, so two processes
// finding the same expired lock cannot both take it over: the second sees
// the first one's fresh lock. The flock is held for microseconds and
// released by the kernel if the process dies, so it cannot go stale the way
// the lock file can. The guard file stays in place; removing it would let a
// waiter lock a file that is no longer there.
func (l *Local) Lock(ctx context.Context, info LockInfo) error {
	if info.ID == "" {
		return fmt.Errorf("locking state %s: empty lock ID", l.path)
	}
	now := l.now()
	if info.Created.IsZero() {
		info.Created = now
	}
	if info.Expires.IsZero() {
		info.Expires = now.Add(l.ttl)
	}
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return fmt.Errorf("locking state %s: %w", l.path, err)
	}
	data = append(data, '\n')
	for range 10 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("locking state %s: %w", l.path, err)
		}
		err := l.createExclusive(l.lock, data)
		if err == nil {
			l.removeTemps()
			return nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue // the lock holder cleaned up our temp file: look again
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("locking state %s: %w", l.path, err)
		}
		held, err := l.readLock(l.lock)
		if errors.Is(err, fs.ErrNotExist) {
			continue // released meanwhile
		}
		if err != nil {
			return err
		}
		if !held.Expires.Before(now) {
			return &LockedError{Info: *held}
		}
		if taken, err := l.takeOver(held.ID, data); taken || err != nil {
			return err
		}
		// The lock changed meanwhile: look again.
	}
	return fmt.Errorf("locking state %s: lock file %s keeps changing; try again", l.path, l.lock)
}

// removeTemps deletes temporary files a killed process left behind. The
// lock holder owns the state and lock files, so their temps can go: a
// process racing for the lock loses its temp file, finds the lock taken and
// reports it as usual. Failures are ignored: a leftover temp harms nothing.
func (l *Local) removeTemps() {
	for _, pattern := range []string{l.path + ".tmp-*", l.lock + ".tmp-*"} {
		names, _ := filepath.Glob(pattern)
		for _, n := range names {
			os.Remove(n)
		}
	}
}

// takeOver replaces the expired lock with the given ID by one with data,
// unless it changed meanwhile. It reports whether the lock is now ours.
func (l *Local) takeOver(staleID string, data []byte) (bool, error) {
	release, err := guard(l.lock + ".guard")
	if err != nil {
		return false, fmt.Errorf("locking state %s: %w", l.path, err)
	}
	defer release()
	held, err := l.readLock(l.lock)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if held.ID != staleID || !held.Expires.Before(l.now()) {
		return false, nil
	}
	if err := os.Remove(l.lock); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("locking state %s: removing expired lock: %w", l.path, err)
	}
	// A process not taking over may still create its lock first; then
	// this fails and Lock reports that one.
	err = l.createExclusive(l.lock, data)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	}
	return false, fmt.Errorf("locking state %s: %w", l.path, err)
}

// Unlock releases the lock with the given ID. It returns an error wrapping
// ErrNotLocked when the lock is not held with that ID.
func (l *Local) Unlock(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("unlocking state %s: %w", l.path, err)
	}
	if err := l.removeLock(id); err != nil {
		return fmt.Errorf("unlocking state %s: %w", l.path, err)
	}
	return nil
}

// ForceUnlock removes the lock if it has the given ID, whoever holds it,
// for `rmctl force-unlock ID` after a process died holding it. Asking for
// the ID, rather than removing whatever is there, keeps it from breaking a
// lock that was taken since the user looked. The error for another ID
// names the actual holder.
func (l *Local) ForceUnlock(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("force-unlocking state %s: %w", l.path, err)
	}
	if err := l.removeLock(id); err != nil {
		return fmt.Errorf("force-unlocking state %s: %w", l.path, err)
	}
	return nil
}

// LockInfo returns the current lock, or nil when the state is not locked.
func (l *Local) LockInfo() (*LockInfo, error) {
	info, err := l.readLock(l.lock)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return info, err
}

// RenewLock moves the Expires of the lock with the given ID to now plus
// the lock TTL, for an apply that runs longer than the TTL. It refuses a
// lock that already expired: another process may have taken it over.
func (l *Local) RenewLock(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("renewing lock %s: %w", l.lock, err)
	}
	release, err := guard(l.lock + ".guard")
	if err != nil {
		return fmt.Errorf("renewing lock %s: %w", l.lock, err)
	}
	defer release()
	held, err := l.heldBy(id)
	if err != nil {
		return fmt.Errorf("renewing lock %s: %w", l.lock, err)
	}
	now := l.now()
	if held.Expires.Before(now) {
		return fmt.Errorf("renewing lock %s: lock %s expired at %s and may be taken over; not renewed", l.lock, id, held.Expires.Format(time.RFC3339))
	}
	held.Expires = now.Add(l.ttl)
	data, err := json.MarshalIndent(held, "", "  ")
	if err == nil {
		err = l.replaceFile(l.lock, append(data, '\n'))
	}
	if err != nil {
		return fmt.Errorf("renewing lock %s: %w", l.lock, err)
	}
	return nil
}

// removeLock removes the lock if it has the given ID.
func (l *Local) removeLock(id string) error {
	// Look before taking the guard: a missing directory or a foreign lock
	// needs no guard file created.
	if _, err := l.heldBy(id); err != nil {
		return err
	}
	release, err := guard(l.lock + ".guard")
	if err != nil {
		return err
	}
	defer release()
	if _, err := l.heldBy(id); err != nil {
		return err
	}
	if err := os.Remove(l.lock); err != nil {
		return fmt.Errorf("removing lock %s: %w", l.lock, err)
	}
	return nil
}

// heldBy returns the lock if it has the given ID, or an error wrapping
// ErrNotLocked that names the actual holder.
func (l *Local) heldBy(id string) (*LockInfo, error) {
	held, err := l.readLock(l.lock)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: lock ID %s: there is no lock", ErrNotLocked, id)
	}
	if err != nil {
		return nil, err
	}
	if held.ID != id {
		return nil, fmt.Errorf("%w: lock ID %s: the lock is held by %s (pid %d) for %q since %s with ID %s",
			ErrNotLocked, id, held.Who, held.PID, held.Operation, held.Created.Format(time.RFC3339), held.ID)
	}
	return held, nil
}

func (l *Local) readLock(path string) (*LockInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading lock %s: %w", path, err)
	}
	var info LockInfo
	if err := json.Unmarshal(data, &info); err != nil || info.ID == "" {
		if err == nil {
			err = errors.New("no lock ID")
		}
		return nil, fmt.Errorf("reading lock %s: %w (if no rmctl is running, delete the file)", path, err)
	}
	return &info, nil
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
