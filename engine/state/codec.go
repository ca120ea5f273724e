package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"runtime"
	"sort"
	"strconv"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
)

// The state file (format version 4) is JSON with one resource per line,
// sorted by address, so it diffs well in git and decodes in parallel, and
// after the resources one retired record (State.Retired) per line, sorted
// by address too:
//
//	{"version":4,"lineage":"…","serial":7,"count":2,"retiredCount":1,"expansions":{"p":{"inputs":"…","resources":"…"}},"checksum":"sha256:…","resources":{
//	"p/event/kickoff":{…},
//	"p/pair/a-b/session/1":{…}
//	},"retired":{
//	"p/pair/a-b/session/2":{"uid":"…","sequence":1}
//	}}
//
// The line `},"retired":{` is always there, even when no record follows;
// "expansions" (State.Expansions, one per program) is left out when empty.
//
// The checksum is SHA-256 over the text "rmctl state\n", the lineage,
// "\n", the serial in decimal, "\n", the count in decimal, "\n", the
// retired count in decimal, "\n", the expansions as written (compact JSON
// with keys sorted; nothing when there are none) and "\n", and then the
// sum of every resource line and then of every retired line, in order,
// each line without its trailing comma and newline: its CRC-32C
// (Castagnoli), four bytes big-endian (see lineSum). Hashing each line on
// its own keeps encoding and decoding parallel, and lets a plan check the
// file without decoding its lines (ReadIndex); hashing lineage, serial,
// counts and expansions makes an edited header detectable; the counts tell
// a deleted line from an edited one.
//
// Version 3 files (written before expansion records existed) have no
// "expansions" and their checksum leaves it out; in them, and in version 2
// files, a line's sum is its SHA-256. Version 2 files (written
// before retired records existed) have neither the retired count nor the
// retired section, and their checksum leaves out the retired count too.
// Version 1 files (written before the checksum existed) have no count or
// checksum either. All are read with the same strict checks, except the
// checksum for version 1, and the next Write turns them into version 4.

// MaxSerial is the largest serial a state may have: beyond 2^53 JSON tools
// that read numbers as doubles (jq, JavaScript) lose digits, and no real
// history gets there, so a larger serial can only come from damage.
const MaxSerial = 1<<53 - 1

// DamagedError reports a state or journal that fails the strict checks. It
// is returned instead of any part of the state: a damaged state is never
// half used.
type DamagedError struct {
	Path    string // the damaged file
	Line    int    // 1-based line of the problem, 0 when it is not one line
	Problem string // what is wrong
	Hint    string // how to recover, set by the store that knows its files
}

func (e *DamagedError) Error() string {
	where := e.Path
	if e.Line > 0 {
		where += ": line " + strconv.Itoa(e.Line)
	}
	msg := fmt.Sprintf("damaged state: %s: %s; rmctl did not use it.", where, e.Problem)
	if e.Hint != "" {
		msg += "\n" + e.Hint
	}
	return msg
}

func damaged(path string, line int, format string, args ...any) *DamagedError {
	return &DamagedError{Path: path, Line: line, Problem: fmt.Sprintf(format, args...)}
}

func newerVersionError(path string, v int) error {
	return fmt.Errorf("reading state %s: format version %d is newer than this rmctl understands (%d); upgrade rmctl", path, v, FormatVersion)
}

// checkEntry is the strict check of one entry, shared by the decoder, the
// journal reader, Record and Write, so that rmctl never writes what it
// would refuse to read.
func checkEntry(addr string, e *Entry) error {
	switch {
	case addr == "":
		return errors.New("empty address")
	case e == nil:
		return fmt.Errorf("resource %s: no entry", addr)
	case e.Address != addr:
		return fmt.Errorf("resource %s: the entry's address is %q", addr, e.Address)
	case e.UID == "":
		return fmt.Errorf("resource %s: no uid", addr)
	case e.Sequence < 0:
		return fmt.Errorf("resource %s: sequence %d is negative", addr, e.Sequence)
	}
	return nil
}

// checkRetired is the strict check of one retired record, shared like
// checkEntry.
func checkRetired(addr string, r Retirement) error {
	switch {
	case addr == "":
		return errors.New("retired record with an empty address")
	case r.UID == "":
		return fmt.Errorf("retired %s: no uid", addr)
	case r.Sequence < 1:
		// A CANCEL is always sent above the SEQUENCE of what it cancels.
		return fmt.Errorf("retired %s: sequence %d is below 1", addr, r.Sequence)
	}
	return nil
}

// checkOp is the strict check of one Op, for Record and the journal reader.
func checkOp(op Op) error {
	if op.Address == "" {
		return errors.New("op without address")
	}
	if op.Entry != nil {
		if op.Retired != nil {
			return fmt.Errorf("op %s both sets an entry and retires it", op.Address)
		}
		return checkEntry(op.Address, op.Entry)
	}
	if op.Retired != nil {
		return checkRetired(op.Address, *op.Retired)
	}
	return nil
}

// lineSum is one line's part of the checksum. Format 4 sums a line with
// CRC-32C, which the CPU computes about ten times faster than SHA-256: the
// checksum is there to find damage (a cut or edited file, a deleted line),
// not forgery, which no unkeyed checksum can stop, and at 10,000 pairs
// SHA-256 over the 110 MB of lines was 40 ms of the 80 ms a no-op plan
// spent beyond validate. Formats 2 and 3 keep their SHA-256. The array
// holds either; a CRC takes its first four bytes.
type lineSum = [sha256.Size]byte

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sumLine sums a line of a state file of the given format version.
func sumLine(version int, line []byte) (s lineSum) {
	if version >= 4 {
		binary.BigEndian.PutUint32(s[:4], crc32.Checksum(line, castagnoli))
		return s
	}
	return sha256.Sum256(line)
}

// stateChecksum computes the checksum described above for the given format
// version (2 to 4).
func stateChecksum(version int, lineage string, serial uint64, sums, retired []lineSum, expansions []byte) string {
	size := sha256.Size
	if version >= 4 {
		size = crc32.Size
	}
	h := sha256.New()
	fmt.Fprintf(h, "rmctl state\n%s\n%d\n%d\n", lineage, serial, len(sums))
	if version >= 3 {
		fmt.Fprintf(h, "%d\n", len(retired))
	}
	if version >= 4 {
		h.Write(expansions)
		h.Write([]byte("\n"))
	}
	for i := range sums {
		h.Write(sums[i][:size])
	}
	for i := range retired {
		h.Write(retired[i][:size])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// retiredSeparator is the line between resources and retired records.
const retiredSeparator = `},"retired":{`

// encodeState renders s with the given serial in the current format. The
// header fields come first (readHeader relies on that).
func encodeState(s *State, serial uint64) ([]byte, error) {
	if serial > MaxSerial {
		return nil, fmt.Errorf("serial %d is beyond the largest serial, %d", serial, uint64(MaxSerial))
	}
	lineage, err := json.Marshal(s.Lineage)
	if err != nil {
		return nil, err
	}
	addrs := s.Addresses()
	sums := make([]lineSum, len(addrs))
	chunks := make([][]byte, chunkCount(len(addrs)))
	err = parallel(len(addrs), len(chunks), func(c, lo, hi int) error {
		buf := bytes.NewBuffer(make([]byte, 0, (hi-lo)*1200))
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false) // titles with < & > stay readable
		for i := lo; i < hi; i++ {
			a, e := addrs[i], s.Resources[addrs[i]]
			if err := checkEntry(a, e); err != nil {
				return err
			}
			start := buf.Len()
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
			sums[i] = sumLine(FormatVersion, buf.Bytes()[start:])
			buf.WriteString(",\n")
		}
		chunks[c] = buf.Bytes()
		return nil
	})
	if err != nil {
		return nil, err
	}
	retired, retiredSums, err := encodeRetired(s)
	if err != nil {
		return nil, err
	}
	expansions, err := encodeExpansions(s.Expansions)
	if err != nil {
		return nil, err
	}
	size := 200 + len(retired) + len(expansions)
	for _, c := range chunks {
		size += len(c)
	}
	out := make([]byte, 0, size)
	out = fmt.Appendf(out, `{"version":%d,"lineage":%s,"serial":%d,"count":%d,"retiredCount":%d,`,
		FormatVersion, lineage, serial, len(addrs), len(retiredSums))
	if expansions != nil {
		out = fmt.Appendf(out, `"expansions":%s,`, expansions)
	}
	out = fmt.Appendf(out, `"checksum":"%s","resources":{`+"\n",
		stateChecksum(FormatVersion, s.Lineage, serial, sums, retiredSums, expansions))
	if len(addrs) > 0 {
		for _, c := range chunks {
			out = append(out, c...)
		}
		out = out[:len(out)-2] // the last line's ",\n"
		out = append(out, '\n')
	}
	out = append(out, retiredSeparator+"\n"...)
	out = append(out, retired...)
	return append(out, "}}\n"...), nil
}

// encodeExpansions renders the expansion records as compact JSON with keys
// sorted (encoding/json sorts map keys), the form the checksum covers.
func encodeExpansions(m map[string]Expansion) ([]byte, error) {
	for prog, e := range m {
		if err := checkExpansion(prog, e); err != nil {
			return nil, err
		}
	}
	if len(m) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("expansions: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// checkExpansion is the strict check of one expansion record.
func checkExpansion(prog string, e Expansion) error {
	if prog == "" || e.Inputs == "" || e.Resources == "" {
		return fmt.Errorf("expansion record %q: empty program, inputs or resources", prog)
	}
	return nil
}

// encodeRetired renders the retired records as lines, the last one without
// its comma, and returns the sum of each line (lineSum). They are few (one per
// cancellation), so this is not worth doing in parallel.
func encodeRetired(s *State) ([]byte, []lineSum, error) {
	addrs := make([]string, 0, len(s.Retired))
	for a := range s.Retired {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	sums := make([]lineSum, len(addrs))
	for i, a := range addrs {
		r := s.Retired[a]
		if err := checkRetired(a, r); err != nil {
			return nil, nil, err
		}
		if s.Resources[a] != nil {
			return nil, nil, fmt.Errorf("resource %s is both managed and retired", a)
		}
		if i > 0 {
			buf.WriteString(",\n")
		}
		start := buf.Len()
		if err := enc.Encode(a); err != nil {
			return nil, nil, err
		}
		buf.Truncate(buf.Len() - 1)
		buf.WriteByte(':')
		if err := enc.Encode(r); err != nil {
			return nil, nil, fmt.Errorf("retired %s: %w", a, err)
		}
		buf.Truncate(buf.Len() - 1)
		sums[i] = sumLine(FormatVersion, buf.Bytes()[start:])
	}
	if len(addrs) > 0 {
		buf.WriteByte('\n')
	}
	return buf.Bytes(), sums, nil
}

// fileHeader is the first line of a state file, closed with "}}".
type fileHeader struct {
	Version      int    `json:"version"`
	Lineage      string `json:"lineage"`
	Serial       uint64 `json:"serial"`
	Count        *int   `json:"count"`
	RetiredCount *int   `json:"retiredCount"`
	// Expansions is raw so that the checksum covers it as written.
	Expansions json.RawMessage `json:"expansions"`
	Checksum   string          `json:"checksum"`
	Resources  struct{}        `json:"resources"`
}

// decodeState decodes and checks a state file strictly: any damage gives a
// *DamagedError and no state.
func decodeState(path string, data []byte) (*State, error) {
	lo, layoutErr, err := readLayout(path, data)
	if layoutErr != nil {
		return decodeLegacyLayout(path, data, layoutErr)
	}
	if err != nil {
		return nil, err
	}
	lines := lo.lines
	addrs := make([]string, len(lines))
	entries := make([]*Entry, len(lines))
	sums := make([]lineSum, len(lines))
	version := lo.h.Version
	bad := make([]*DamagedError, chunkCount(len(lines))) // per chunk: its first bad line
	parallel(len(lines), len(bad), func(c, lo, hi int) error {
		for i := lo; i < hi; i++ {
			sums[i] = sumLine(version, lines[i])
			if err := decodeLine(lines[i], &addrs[i], &entries[i]); err != nil {
				bad[c] = damaged(path, i+2, "%v", err)
				return nil
			}
		}
		return nil
	})
	// Chunks are in file order: the first one with a bad line has the
	// first bad line of the file.
	for _, d := range bad {
		if d != nil {
			return nil, d
		}
	}
	h := lo.h
	s := &State{Version: h.Version, Lineage: h.Lineage, Serial: h.Serial, Resources: make(map[string]*Entry, len(lines)),
		Expansions: lo.expansions}
	for i, a := range addrs {
		if _, dup := s.Resources[a]; dup {
			return nil, damaged(path, i+2, "resource %s appears twice", a)
		}
		s.Resources[a] = entries[i]
	}
	retired, err := lo.decodeRetired(path, func(a string) bool { return s.Resources[a] != nil })
	if err != nil {
		return nil, err
	}
	s.Retired = retired
	if err := lo.verify(path, sums); err != nil {
		return nil, err
	}
	return s, nil
}

// layout is a state file in the layout encodeState writes, split into its
// parts, with the header checked.
type layout struct {
	h              fileHeader
	lines, retired [][]byte
	offs           []int // where each of lines starts in the file
	expansions     map[string]Expansion
	retiredSums    []lineSum // set by decodeRetired
}

// readLayout splits data and checks its header. layoutErr says the file is
// not in the line layout at all (decodeLegacyLayout reads those); err is
// damage.
func readLayout(path string, data []byte) (lo *layout, layoutErr, err error) {
	head, lines, retired, offs, sectioned, layoutErr := splitLines(data)
	if layoutErr != nil {
		return nil, layoutErr, nil
	}
	h, err := decodeHeader(path, head)
	if err != nil {
		return nil, nil, err
	}
	if err := checkCounts(path, h, len(lines), len(retired), sectioned); err != nil {
		return nil, nil, err
	}
	lo = &layout{h: h, lines: lines, retired: retired, offs: offs}
	if lo.expansions, err = decodeExpansions(path, h); err != nil {
		return nil, nil, err
	}
	return lo, nil, nil
}

// decodeHeader decodes and checks the header line (without its closing
// "}}"), as far as it can be checked without the rest of the file.
func decodeHeader(path string, head []byte) (fileHeader, error) {
	var h fileHeader
	dec := json.NewDecoder(bytes.NewReader(append(head[:len(head):len(head)], "}}"...)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		var v struct {
			Version int `json:"version"`
		}
		if json.Unmarshal(append(head[:len(head):len(head)], "}}"...), &v) == nil && v.Version > FormatVersion {
			return h, newerVersionError(path, v.Version)
		}
		return h, damaged(path, 1, "the header does not decode: %v", err)
	}
	if err := checkHeader(path, h.Version, h.Lineage, h.Serial); err != nil {
		return h, err
	}
	switch {
	case h.Version == 1 && (h.Count != nil || h.Checksum != ""):
		return h, damaged(path, 1, "format version 1 has no count or checksum, yet this file has them: was the version edited?")
	case h.Version >= 2 && (h.Count == nil || h.Checksum == ""):
		return h, damaged(path, 1, "the header has no count or no checksum")
	case h.Version < 4 && h.Expansions != nil:
		return h, damaged(path, 1, "format version %d has no expansion records, yet this file has them: was the version edited?", h.Version)
	}
	return h, nil
}

// checkCounts checks the header against the lines the file has.
func checkCounts(path string, h fileHeader, lines, retired int, sectioned bool) error {
	switch {
	case h.Count != nil && *h.Count != lines:
		return damaged(path, 0, "the header says %d resources but the file has %d: a line was deleted or added", *h.Count, lines)
	case h.Version < 3 && (h.RetiredCount != nil || sectioned):
		return damaged(path, 1, "format version %d has no retired records, yet this file has them: was the version edited?", h.Version)
	case h.Version >= 3 && (h.RetiredCount == nil || !sectioned):
		return damaged(path, 0, "the retired count or the retired section is missing")
	case h.RetiredCount != nil && *h.RetiredCount != retired:
		return damaged(path, 0, "the header says %d retired records but the file has %d: a line was deleted or added", *h.RetiredCount, retired)
	}
	return nil
}

// decodeExpansions decodes the header's expansion records; nil without.
func decodeExpansions(path string, h fileHeader) (map[string]Expansion, error) {
	if h.Expansions == nil {
		return nil, nil
	}
	var m map[string]Expansion
	if err := jsonv2.Unmarshal(h.Expansions, &m, jsonv2.RejectUnknownMembers(true)); err != nil || len(m) == 0 {
		return nil, damaged(path, 1, "the expansion records do not decode (%v) or are empty", err)
	}
	for prog, e := range m {
		if err := checkExpansion(prog, e); err != nil {
			return nil, damaged(path, 1, "%v", err)
		}
	}
	return m, nil
}

// decodeRetired decodes the retired lines; managed says whether an address
// is a managed resource, which no retired record may be.
func (lo *layout) decodeRetired(path string, managed func(string) bool) (map[string]Retirement, error) {
	var out map[string]Retirement
	lo.retiredSums = make([]lineSum, len(lo.retired))
	for i, line := range lo.retired {
		n := len(lo.lines) + 3 + i // header, resources, separator
		lo.retiredSums[i] = sumLine(lo.h.Version, line)
		var a string
		var r Retirement
		if err := decodeRetiredLine(line, &a, &r); err != nil {
			return nil, damaged(path, n, "%v", err)
		}
		if _, dup := out[a]; dup {
			return nil, damaged(path, n, "retired %s appears twice", a)
		}
		if managed(a) {
			return nil, damaged(path, n, "retired %s is also a managed resource", a)
		}
		if out == nil {
			out = make(map[string]Retirement, len(lo.retired))
		}
		out[a] = r
	}
	return out, nil
}

// verify checks the checksum, given the sum of every resource line (lineSum)
// (decodeRetired has hashed the retired ones).
func (lo *layout) verify(path string, sums []lineSum) error {
	h := lo.h
	if h.Version < 2 {
		return nil
	}
	if sum := stateChecksum(h.Version, h.Lineage, h.Serial, sums, lo.retiredSums, h.Expansions); sum != h.Checksum {
		return damaged(path, 0, "the checksum does not match the content (%s in the header, %s computed): the file was changed outside rmctl", h.Checksum, sum)
	}
	return nil
}

// decodeLine decodes one resource line, `"address":{entry}`, strictly.
func decodeLine(line []byte, addr *string, e **Entry) error {
	end := closingQuote(line)
	if end < 0 || end+1 >= len(line) || line[end+1] != ':' {
		return errors.New(`not a resource line ("address":{…})`)
	}
	if err := jsonv2.Unmarshal(line[:end+1], addr); err != nil {
		return fmt.Errorf("address: %w", err)
	}
	// The JSON v2 decoder (the design of the coming encoding/json/v2,
	// maintained by the Go team) reads entries about five times faster
	// than encoding/json, and a no-op plan reads every one.
	if err := jsonv2.Unmarshal(line[end+2:], e, jsonv2.RejectUnknownMembers(true)); err != nil {
		return fmt.Errorf("resource %s: %w", *addr, err)
	}
	return checkEntry(*addr, *e)
}

// decodeRetiredLine decodes one retired line, `"address":{"uid":…,
// "sequence":…}`, strictly.
func decodeRetiredLine(line []byte, addr *string, r *Retirement) error {
	end := closingQuote(line)
	if end < 0 || end+1 >= len(line) || line[end+1] != ':' {
		return errors.New(`not a retired line ("address":{"uid":…,"sequence":…})`)
	}
	if err := jsonv2.Unmarshal(line[:end+1], addr); err != nil {
		return fmt.Errorf("address: %w", err)
	}
	if err := jsonv2.Unmarshal(line[end+2:], r, jsonv2.RejectUnknownMembers(true)); err != nil {
		return fmt.Errorf("retired %s: %w", *addr, err)
	}
	return checkRetired(*addr, *r)
}

// checkHeader checks the fields every format has.
func checkHeader(path string, version int, lineage string, serial uint64) error {
	switch {
	case version > FormatVersion:
		return newerVersionError(path, version)
	case version < 1:
		return damaged(path, 1, "not an rmctl state file (format version %d)", version)
	case lineage == "":
		return damaged(path, 1, "no lineage")
	case serial > MaxSerial:
		return damaged(path, 1, "serial %d is out of range (at most %d)", serial, uint64(MaxSerial))
	}
	return nil
}

// decodeLegacyLayout decodes a file not in the one-resource-per-line
// layout. Only version 1 files may be in another layout (edited by hand
// before checksums existed); a version 2 file in another layout was
// reformatted, which its checksum cannot vouch for.
func decodeLegacyLayout(path string, data []byte, layoutErr error) (*State, error) {
	var s struct {
		Version   int               `json:"version"`
		Lineage   string            `json:"lineage"`
		Serial    uint64            `json:"serial"`
		Resources map[string]*Entry `json:"resources"`
		// Only so that a reformatted version 3 or 4 file gets the
		// layout error below rather than an unknown field.
		Retired    map[string]Retirement `json:"retired"`
		Expansions map[string]Expansion  `json:"expansions"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		// A newer format may not even decode into today's types; say so
		// rather than report a confusing type error.
		var v struct {
			Version int `json:"version"`
		}
		if json.Unmarshal(data, &v) == nil && v.Version > FormatVersion {
			return nil, newerVersionError(path, v.Version)
		}
		line := 0
		if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
			line = bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n")) + 1
		}
		return nil, damaged(path, line, "%v", err)
	}
	if dec.More() {
		return nil, damaged(path, 0, "text after the end of the state")
	}
	if err := checkHeader(path, s.Version, s.Lineage, s.Serial); err != nil {
		return nil, err
	}
	if s.Version >= 2 {
		return nil, damaged(path, 0, "not in the layout rmctl writes (%v)", layoutErr)
	}
	if s.Retired != nil || s.Expansions != nil {
		return nil, damaged(path, 0, "format version 1 has no retired or expansion records, yet this file has them: was the version edited?")
	}
	for _, a := range sortedKeys(s.Resources) {
		if err := checkEntry(a, s.Resources[a]); err != nil {
			return nil, damaged(path, 0, "%v", err)
		}
	}
	if s.Resources == nil {
		s.Resources = map[string]*Entry{}
	}
	return &State{Version: s.Version, Lineage: s.Lineage, Serial: s.Serial, Resources: s.Resources}, nil
}

func sortedKeys(m map[string]*Entry) []string {
	return (&State{Resources: m}).Addresses()
}

// splitLines splits a file in the layout encodeState writes into its
// header line (up to and including `"resources":{`), its resource lines
// and its retired lines (without trailing comma and newline); sectioned
// says whether the retired separator line was there (format 3). Version 1
// wrote an empty state on one line, `…"resources":{}}`, which is accepted
// too.
//
// offs holds where each resource line starts in data.
func splitLines(data []byte) (head []byte, lines, retired [][]byte, offs []int, sectioned bool, err error) {
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 || !bytes.HasPrefix(data, []byte(`{"version":`)) {
		return nil, nil, nil, nil, false, errors.New("the first line is not the header")
	}
	head, body := data[:nl], data[nl+1:]
	if bytes.HasSuffix(head, []byte(`"resources":{}}`)) && len(body) == 0 {
		return head[:len(head)-2], nil, nil, nil, false, nil
	}
	if !bytes.HasSuffix(head, []byte(`"resources":{`)) {
		return nil, nil, nil, nil, false, errors.New(`the first line does not end with "resources":{`)
	}
	if !bytes.HasSuffix(body, []byte("}}\n")) {
		return nil, nil, nil, nil, false, errors.New("the last line is not }}")
	}
	body = body[:len(body)-3]
	next := nl + 1 // where the line below starts in data
	for line := range bytes.Lines(body) {
		off := next
		next += len(line)
		line = bytes.TrimSuffix(line, []byte("\n"))
		// No resource or retired line starts with '}': this one ends the
		// resources and opens the retired records.
		if !sectioned && string(line) == retiredSeparator {
			sectioned = true
			continue
		}
		// A comma on the last line is what deleting the line after it
		// leaves; the count reports that better than a syntax error.
		line = bytes.TrimSuffix(line, []byte(","))
		if sectioned {
			retired = append(retired, line)
		} else {
			lines = append(lines, line)
			offs = append(offs, off)
		}
	}
	return head, lines, retired, offs, sectioned, nil
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
