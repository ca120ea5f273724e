package state

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
)

// Index is a state read for planning: the header, the retired and
// expansion records, and for every program the addresses of its entries
// and their digest (ResourceDigest over address and declared hash), while
// the entries themselves stay undecoded until State asks for them. A plan
// that finds a program's inputs unchanged (State.Expansions) needs no more
// of its entries than that; decoding a 100,000-entry state costs more than
// the rest of such a plan.
//
// The index does not keep the file: where each line lies in it, the file's
// identity (FileInfo) and the line's sum are enough to read back the lines
// State needs, and to know they are the lines indexed. A 10,000-pair state file is 110 MB, as much
// as a tenth of the memory of loading the program.
type Index struct {
	Version    int
	Lineage    string
	Serial     uint64
	Retired    map[string]Retirement
	Expansions map[string]Expansion

	// Either the state was decoded whole (full), or the file at path has
	// the resource lines of addrs, in address order, at offs with the
	// lengths lens and the sums (lineSum); file is what it was when indexed.
	full   *State
	path   string
	file   os.FileInfo
	addrs  []string
	uids   []string // each entry's UID
	hashes []string // each entry's declared hash (EffectiveHash)
	offs   []int
	lens   []int
	sums   []lineSum
	progs  map[string]span // by program; nil until programs() runs for full
}

// span is one program's entries: addrs [lo, hi) and their digest.
type span struct {
	lo, hi int
	digest string
}

// ProgramOf returns the program an address belongs to: its first segment.
func ProgramOf(address string) string {
	if i := strings.IndexByte(address, '/'); i >= 0 {
		return address[:i]
	}
	return address
}

// IndexOf indexes a state that is already decoded (from a backend without
// ReadIndex, or one with a journal to replay).
func IndexOf(s *State) *Index {
	return &Index{Version: s.Version, Lineage: s.Lineage, Serial: s.Serial, Retired: s.Retired,
		Expansions: s.Expansions, full: s}
}

// Len returns the number of entries.
func (ix *Index) Len() int {
	if ix.full != nil {
		return len(ix.full.Resources)
	}
	return len(ix.addrs)
}

// Program returns the digest of a program's entries (as ResourceDigest
// makes it, over address and declared hash in address order) and their
// addresses, sorted; "" and nil when state holds none.
func (ix *Index) Program(prog string) (digest string, addrs []string) {
	ix.programs()
	sp, ok := ix.progs[prog]
	if !ok {
		return "", nil
	}
	return sp.digest, ix.addrs[sp.lo:sp.hi]
}

// programs computes the spans of a full state on first use.
func (ix *Index) programs() {
	if ix.progs != nil || ix.full == nil {
		return
	}
	ix.addrs = ix.full.Addresses()
	ix.progs = spans(ix.addrs, func(i int) string { return ix.full.Resources[ix.addrs[i]].EffectiveHash() })
}

// spans groups sorted addresses by program and digests each group.
func spans(addrs []string, hash func(i int) string) map[string]span {
	out := map[string]span{}
	for lo := 0; lo < len(addrs); {
		prog := ProgramOf(addrs[lo])
		d := NewResourceDigest()
		hi := lo
		for ; hi < len(addrs) && ProgramOf(addrs[hi]) == prog; hi++ {
			d.Add(addrs[hi], hash(hi))
		}
		out[prog] = span{lo: lo, hi: hi, digest: d.Sum()}
		lo = hi
	}
	return out
}

// State returns the state with the entries of the programs keep accepts,
// decoding only those. With need, an entry for which need(address,
// declared hash) is false is not decoded either: the state holds a stub
// in its place, an Entry with only Address, UID and Hash (the declared
// hash) set, enough for a plan that finds it unchanged. need is called in
// address order. The state is for planning only: Write refuses it
// (State.Partial).
func (ix *Index) State(keep func(program string) bool, need func(address, hash string) bool) (*State, error) {
	s := &State{Version: ix.Version, Lineage: ix.Lineage, Serial: ix.Serial, Retired: ix.Retired,
		Expansions: ix.Expansions, Resources: map[string]*Entry{}, Partial: true}
	if ix.full != nil {
		s.Replayed = ix.full.Replayed
		for a, e := range ix.full.Resources {
			if keep(ProgramOf(a)) {
				s.Resources[a] = e
			}
		}
		return s, nil
	}
	var todo []int
	for prog, sp := range ix.progs {
		if keep(prog) {
			for i := sp.lo; i < sp.hi; i++ {
				todo = append(todo, i)
			}
		}
	}
	slices.Sort(todo)
	if need != nil {
		decode := todo[:0]
		for _, i := range todo {
			if need(ix.addrs[i], ix.hashes[i]) {
				decode = append(decode, i)
				continue
			}
			s.Resources[ix.addrs[i]] = &Entry{Address: ix.addrs[i], UID: ix.uids[i], Hash: ix.hashes[i]}
		}
		todo = decode
	}
	if len(todo) == 0 {
		return s, nil
	}
	lines, err := ix.readLines(todo)
	if err != nil {
		return nil, err
	}
	entries := make([]*Entry, len(todo))
	bad := make([]error, chunkCount(len(todo)))
	parallel(len(todo), len(bad), func(c, lo, hi int) error {
		for k := lo; k < hi; k++ {
			i := todo[k]
			if sumLine(ix.Version, lines[k]) != ix.sums[i] {
				// Not damage: a Write replaced the file since it was
				// indexed.
				bad[c] = fmt.Errorf("reading state %s: the state changed while it was read; run the command again", ix.path)
				return nil
			}
			var a string
			if err := decodeLine(lines[k], &a, &entries[k]); err != nil {
				bad[c] = damaged(ix.path, i+2, "%v", err)
				return nil
			}
		}
		return nil
	})
	for _, err := range bad {
		if err != nil {
			return nil, err
		}
	}
	for k, i := range todo {
		s.Resources[ix.addrs[i]] = entries[k]
	}
	return s, nil
}

// readLines reads the resource lines todo (sorted) back from the file, in
// one read per run of adjacent lines: after a small change a plan reads a
// few kilobytes, not the whole file.
func (ix *Index) readLines(todo []int) ([][]byte, error) {
	f, err := os.Open(ix.path)
	if err != nil {
		return nil, fmt.Errorf("reading state %s: %w", ix.path, err)
	}
	defer f.Close()
	// A Write renames a new file into place, and an edit changes the time:
	// either means the lines read back may not be the lines indexed. The
	// line sums catch the rest.
	if info, err := f.Stat(); err != nil || ix.file == nil || !os.SameFile(info, ix.file) ||
		info.Size() != ix.file.Size() || !info.ModTime().Equal(ix.file.ModTime()) {
		return nil, fmt.Errorf("reading state %s: the state changed while it was read; run the command again", ix.path)
	}
	lines := make([][]byte, len(todo))
	for k := 0; k < len(todo); {
		// Lines are separated by ",\n" (the last by "\n"): a run goes on
		// while the next line starts at most two bytes after one ends.
		end := k + 1
		for end < len(todo) && todo[end] == todo[end-1]+1 && ix.offs[todo[end]] <= ix.offs[todo[end-1]]+ix.lens[todo[end-1]]+2 {
			end++
		}
		from := ix.offs[todo[k]]
		last := todo[end-1]
		buf := make([]byte, ix.offs[last]+ix.lens[last]-from)
		if _, err := f.ReadAt(buf, int64(from)); err != nil {
			// A shorter file than indexed was replaced since.
			return nil, fmt.Errorf("reading state %s: the state changed while it was read; run the command again (%w)", ix.path, err)
		}
		for ; k < end; k++ {
			off := ix.offs[todo[k]] - from
			lines[k] = buf[off : off+ix.lens[todo[k]]]
		}
	}
	return lines, nil
}

// ReadIndex reads the state like Read, but indexes its entries instead of
// decoding them (see Index). The file gets the same checks as in Read
// (layout, counts, checksum, every line's address, order and identity,
// the retired records), except that the rest of an entry is checked when
// Index.State decodes it: rmctl wrote every line the checksum vouches for,
// after checking it. A state with a journal to replay (an interrupted
// apply), or one in an older layout, is decoded whole.
func (l *Local) ReadIndex(ctx context.Context) (*Index, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reading state %s: %w", l.path, err)
	}
	l.io.Lock()
	defer l.io.Unlock()
	ix, err := l.scanIndex()
	switch {
	case errors.Is(err, errFallback) || errors.Is(err, fs.ErrNotExist):
		ix = nil
	case err != nil:
		return nil, l.withHint(err)
	}
	if ix != nil {
		ops, err := l.readJournal(ix.Serial)
		if err != nil {
			return nil, l.withHint(err)
		}
		if len(ops) > 0 {
			ix = nil
		}
	}
	if ix == nil {
		l.io.Unlock()
		s, err := l.Read(ctx)
		l.io.Lock()
		if err != nil {
			return nil, err
		}
		return IndexOf(s), nil
	}
	l.serial, l.serialKnown = ix.Serial, true
	l.pending = nil
	return ix, nil
}

// errFallback says the file is one Read decodes whole: not in the line
// layout (older or edited files), or with lines out of order; Read then
// says what is wrong, if anything.
var errFallback = errors.New("state file for the whole decoder")

// scanIndex reads the state file in the layout encodeState writes and
// indexes it, with the checks readLayout and decodeState make, in the
// same order. It streams the file rather than reading it whole: the
// 560 MB of a 50,000-pair state, held while the programs load, were most
// of what a no-op plan needed beyond validate (1.7 GB against 0.8 GB).
func (l *Local) scanIndex() (*Index, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, fmt.Errorf("reading state %s: %w", l.path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading state %s: %w", l.path, err)
	}
	path := l.path
	r := bufio.NewReaderSize(f, 1<<20)
	head, err := r.ReadBytes('\n')
	if err != nil || !bytes.HasPrefix(head, []byte(`{"version":`)) || !bytes.HasSuffix(head, []byte("\"resources\":{\n")) {
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("reading state %s: %w", path, err)
		}
		return nil, errFallback // splitLines' layout errors, or a one-line version 1 file
	}
	h, err := decodeHeader(path, head[:len(head)-1])
	if err != nil {
		return nil, err
	}
	sc := newLineScanner(path, h.Version)
	pos := len(head)
	var retired [][]byte
	sectioned := false
	// A line is only known not to be the last one, which ends with the
	// closing "}}", when the next one has been read.
	var pending []byte
	pendingAt := 0
	take := func(line []byte, at int) {
		if !sectioned && string(line) == retiredSeparator {
			sectioned = true
			return
		}
		line = bytes.TrimSuffix(line, []byte(","))
		if sectioned {
			retired = append(retired, bytes.Clone(line))
		} else {
			sc.add(line, at)
		}
	}
	for {
		line, err := readLine(r)
		if errors.Is(err, io.EOF) {
			if len(line) > 0 {
				return nil, errFallback // no newline at the end
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading state %s: %w", path, err)
		}
		if pending != nil {
			take(pending[:len(pending)-1], pendingAt)
		}
		pending, pendingAt = append(pending[:0], line...), pos
		pos += len(line)
	}
	// The file ends with "}}\n"; what comes before it on that line is the
	// last line (splitLines does the same).
	if !bytes.HasSuffix(pending, []byte("}}\n")) {
		return nil, errFallback
	}
	if last := pending[:len(pending)-3]; len(last) > 0 {
		take(last, pendingAt)
	}
	addrs, uids, hashes, sums, bad := sc.finish()
	if err := checkCounts(path, h, len(addrs), len(retired), sectioned); err != nil {
		return nil, err
	}
	if bad != nil {
		return nil, bad
	}
	for i := 1; i < len(addrs); i++ {
		if addrs[i-1] >= addrs[i] {
			return nil, errFallback
		}
	}
	lo := &layout{h: h, retired: retired}
	if lo.expansions, err = decodeExpansions(path, h); err != nil {
		return nil, err
	}
	retiredRecords, err := lo.decodeRetired(path, func(a string) bool {
		_, found := sort.Find(len(addrs), func(i int) int { return strings.Compare(a, addrs[i]) })
		return found
	})
	if err != nil {
		return nil, err
	}
	if err := lo.verify(path, sums); err != nil {
		return nil, err
	}
	return &Index{Version: h.Version, Lineage: h.Lineage, Serial: h.Serial, Retired: retiredRecords,
		Expansions: lo.expansions, path: path, file: info, addrs: addrs, uids: uids, hashes: hashes,
		offs: sc.offs, lens: sc.lens, sums: sums,
		progs: spans(addrs, func(i int) string { return hashes[i] })}, nil
}

// readLine returns the next line with its newline, however long; at the
// end of the file, what is left and io.EOF.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, err
	}
	long := bytes.Clone(line)
	for errors.Is(err, bufio.ErrBufferFull) {
		line, err = r.ReadSlice('\n')
		long = append(long, line...)
	}
	return long, err
}

// lineScanner indexes resource lines in batches. A batch is hashed and
// indexed on every core while the next one is read: at 10,000 pairs this
// brings reading the state back from 0.13 s to about what it took with
// the file read whole.
type lineScanner struct {
	path    string
	version int
	batch   []byte // the lines of the batch being read, one after another
	ends    []int  // where each ends in batch
	spare   []byte // the other batch buffer, free once prev is closed
	prev    chan struct{}
	done    []*scanned // every batch handed to flush, in order

	offs, lens []int
}

// scanned is what indexing one batch found.
type scanned struct {
	first               int // index of the batch's first line
	addrs, uids, hashes []string
	sums                []lineSum
	bad                 *DamagedError // the batch's first bad line
}

// batchSize bounds the bytes of lines read before they are indexed.
const batchSize = 4 << 20

func newLineScanner(path string, version int) *lineScanner {
	return &lineScanner{path: path, version: version,
		batch: make([]byte, 0, batchSize+64<<10), spare: make([]byte, 0, batchSize+64<<10)}
}

func (sc *lineScanner) add(line []byte, at int) {
	sc.batch = append(sc.batch, line...)
	sc.ends = append(sc.ends, len(sc.batch))
	sc.offs = append(sc.offs, at)
	sc.lens = append(sc.lens, len(line))
	if len(sc.batch) >= batchSize {
		sc.flush()
	}
}

// flush starts indexing the batch once the one before it is done, so that
// the two buffers take turns.
func (sc *lineScanner) flush() {
	n := len(sc.ends)
	if n == 0 {
		return
	}
	if sc.prev != nil {
		<-sc.prev
	}
	batch, ends := sc.batch, sc.ends
	res := &scanned{first: len(sc.offs) - n, addrs: make([]string, n), uids: make([]string, n),
		hashes: make([]string, n), sums: make([]lineSum, n)}
	sc.done = append(sc.done, res)
	done := make(chan struct{})
	sc.prev = done
	go func() {
		defer close(done)
		bad := make([]*DamagedError, chunkCount(n))
		parallel(n, len(bad), func(c, lo, hi int) error {
			for k := lo; k < hi; k++ {
				start := 0
				if k > 0 {
					start = ends[k-1]
				}
				line := batch[start:ends[k]]
				res.sums[k] = sumLine(sc.version, line)
				if err := indexLine(line, sc.version, &res.addrs[k], &res.uids[k], &res.hashes[k]); err != nil {
					bad[c] = damaged(sc.path, res.first+k+2, "%v", err)
					return nil
				}
			}
			return nil
		})
		for _, d := range bad {
			if d != nil {
				res.bad = d
				break
			}
		}
	}()
	sc.batch, sc.spare = sc.spare[:0], batch
	sc.ends = make([]int, 0, len(ends))
}

// finish indexes what is left and returns every line's address, uid,
// declared hash and sum (lineSum), and the first bad line.
func (sc *lineScanner) finish() (addrs, uids, hashes []string, sums []lineSum, bad *DamagedError) {
	sc.flush()
	if sc.prev != nil {
		<-sc.prev
	}
	n := len(sc.offs)
	addrs, uids, hashes = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	sums = make([]lineSum, 0, n)
	for _, res := range sc.done {
		addrs = append(addrs, res.addrs...)
		uids = append(uids, res.uids...)
		hashes = append(hashes, res.hashes...)
		sums = append(sums, res.sums...)
		if bad == nil {
			bad = res.bad
		}
	}
	return addrs, uids, hashes, sums, bad
}

// indexLine reads a resource line's address and declared hash. Lines as
// encodeState writes them start `"a":{"address":"a","uid":"u","hash":"h",`
// followed, in format 4, by `"declaredHash":"d",` when drift was accepted
// and else by `"sequence":`: those are read without decoding, others
// decoded. Format 3 wrote declaredHash later in the line, so there only a
// line without one is read that way.
func indexLine(line []byte, version int, addr, uid, hash *string) error {
	end := closingQuote(line)
	if end < 0 || end+1 >= len(line) || line[end+1] != ':' {
		return errors.New(`not a resource line ("address":{…})`)
	}
	key := line[:end+1]
	if u, h, ok := quickHash(line, key, version); ok {
		if bytes.IndexByte(key, '\\') < 0 {
			*addr = string(key[1 : len(key)-1])
		} else if err := jsonv2.Unmarshal(key, addr); err != nil {
			return fmt.Errorf("address: %w", err)
		}
		*uid, *hash = u, h
		return nil
	}
	var e *Entry
	if err := decodeLine(line, addr, &e); err != nil {
		return err
	}
	*uid, *hash = e.UID, e.EffectiveHash()
	return nil
}

// quickHash returns the uid and the declared hash of a line that starts as
// encodeState writes it, with the entry's address equal to key and a
// non-empty uid; ok is false for any other line.
func quickHash(line, key []byte, version int) (uid, hash string, ok bool) {
	rest := line[len(key):]
	for _, want := range [][]byte{[]byte(`:{"address":`), key, []byte(`,"uid":"`)} {
		if !bytes.HasPrefix(rest, want) {
			return "", "", false
		}
		rest = rest[len(want):]
	}
	n := plainString(rest)
	if n <= 0 {
		return "", "", false
	}
	uidBytes := rest[:n]
	rest = rest[n+1:]
	if !bytes.HasPrefix(rest, []byte(`,"hash":"`)) {
		return "", "", false
	}
	rest = rest[len(`,"hash":"`):]
	n = plainString(rest)
	if n < 0 {
		return "", "", false
	}
	h := rest[:n]
	rest = rest[n+1:]
	if version < 4 {
		// No JSON string holds the text `"declaredHash":` unescaped, so
		// only the member itself does.
		if bytes.Contains(rest, []byte(`"declaredHash":`)) {
			return "", "", false
		}
		return string(uidBytes), string(h), true
	}
	if bytes.HasPrefix(rest, []byte(`,"declaredHash":"`)) {
		rest = rest[len(`,"declaredHash":"`):]
		if n = plainString(rest); n <= 0 {
			return "", "", false
		}
		h, rest = rest[:n], rest[n+1:]
	}
	if !bytes.HasPrefix(rest, []byte(`,"sequence":`)) {
		return "", "", false
	}
	return string(uidBytes), string(h), true
}

// plainString returns the index of the quote that ends the JSON string
// whose contents b starts with, or -1 when it has escapes (or no end).
func plainString(b []byte) int {
	n := bytes.IndexByte(b, '"')
	if n < 0 || bytes.IndexByte(b[:n], '\\') >= 0 {
		return -1
	}
	return n
}
