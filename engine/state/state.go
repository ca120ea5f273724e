// Package state records what rmctl has applied: for every resource address
// its UID, content hash, SEQUENCE, a compact snapshot and where the target
// stored it. Plans diff declarations against this record; apply updates it
// after every single action so an interrupted run loses nothing.
//
// The Store interface is the seam to backends; the local file backend is
// the embedded default.
package state

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sort"
	"strconv"
	"time"

	"github.com/rmctl/rmctl/engine/resource"
)

// FormatVersion is the version of the state file format. Version 2 added
// the count and checksum, version 3 the retired records, version 4 the
// expansion records; versions 1 to 3 are still read (see codec.go).
const FormatVersion = 4

// State is the whole record.
type State struct {
	Version int `json:"version"`
	// Lineage identifies one history of state; Serial counts its writes. A
	// saved plan remembers both and is refused once either moved on.
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
	// Resources by address.
	Resources map[string]*Entry `json:"resources"`
	// Retired remembers, by address, the resources rmctl cancelled and the
	// SEQUENCE of that CANCEL. Calendars keep a cancellation under its UID
	// and ignore any later message with a lower SEQUENCE, so a resource
	// declared again (a paused pair resumed, a skipped session restored)
	// must be sent above it; plans read these records for that. They are
	// kept apart from Resources so that nothing which walks the managed
	// resources sees them. An address is never in both. Nil when empty.
	Retired map[string]Retirement `json:"retired,omitempty"`
	// Expansions remember, by program id, what the program's declarations
	// expanded to when a plan was last applied from them (see Expansion).
	// A cache: losing it costs a slower plan, never a wrong one. Nil when
	// empty.
	Expansions map[string]Expansion `json:"expansions,omitempty"`
	// Partial marks a state made for planning by Index.State: it holds
	// only some programs' entries, and stubs. Write refuses it (ErrPartial):
	// writing it would lose the rest.
	Partial bool `json:"-"`
	// Replayed counts the journal Ops Read applied on top of the state file:
	// non-zero after an interrupted apply. Such a state differs from the one
	// at Serial, so apply writes it (raising Serial) before it checks a saved
	// plan against it.
	Replayed int `json:"-"`
}

// Entry is the record of one applied resource.
//
// The order of the fields is the order of the members in the state file:
// address, uid, hash and declaredHash first, so that ReadIndex finds what a
// plan compares without decoding the rest (format 4; older files have
// declaredHash after refs).
type Entry struct {
	Address string `json:"address"`
	UID     string `json:"uid"`
	Hash    string `json:"hash"`
	// DeclaredHash is set when the snapshot deliberately differs from the
	// declaration: drift accepted from the target (plan.Accept) put the
	// server's start and end into Snapshot and Hash. It is the Hash of the
	// declaration at that moment; plans compare declarations with it, so an
	// accepted change is not undone until the declaration itself changes.
	// Empty otherwise (Hash is then the declaration's).
	DeclaredHash string            `json:"declaredHash,omitempty"`
	Sequence     int               `json:"sequence"`
	Snapshot     resource.Snapshot `json:"snapshot"`
	// Refs say where the target keeps the resource (for CalDAV: one object
	// per calendar, with its ETag). Empty for targets that keep nothing.
	Refs      []Ref     `json:"refs,omitempty"`
	Commit    string    `json:"commit,omitempty"` // git commit it was last applied from
	Dirty     bool      `json:"dirty,omitempty"`  // applied from a tree with uncommitted changes
	AppliedAt time.Time `json:"appliedAt"`
	// Replies are the attendees' answers to the invitation (iTIP REPLY,
	// read back by `rmctl sync replies`). Apply keeps them while time and
	// place stay the same and sends them on as PARTSTAT.
	Replies *Replies `json:"replies,omitempty"`
}

// Replies are the answers recorded for one resource.
type Replies struct {
	// Since is the SEQUENCE of the last change of time or place: replies to
	// an older SEQUENCE answered a time that no longer holds and are ignored.
	Since int `json:"since"`
	// By holds each attendee's latest answer, by person id.
	By map[string]Reply `json:"by,omitempty"`
}

// Reply is one attendee's latest answer: the iTIP REPLY with the highest
// SEQUENCE, then the latest DTSTAMP, wins.
type Reply struct {
	PartStat string    `json:"partstat"` // ACCEPTED, DECLINED, TENTATIVE or DELEGATED
	Sequence int       `json:"sequence"` // the SEQUENCE the attendee answered
	Stamp    time.Time `json:"stamp"`    // the reply's DTSTAMP
}

// Ref locates a resource's copy in a target.
type Ref struct {
	Target   string `json:"target"`             // target kind, e.g. "caldav"
	Calendar string `json:"calendar,omitempty"` // calendar (collection) URL
	Href     string `json:"href,omitempty"`     // object URL
	ETag     string `json:"etag,omitempty"`
}

// New returns an empty state with a fresh lineage.
func New(lineage string) *State {
	return &State{Version: FormatVersion, Lineage: lineage, Resources: map[string]*Entry{}}
}

// Addresses returns the addresses in state, sorted.
func (s *State) Addresses() []string {
	out := make([]string, 0, len(s.Resources))
	for a := range s.Resources {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Retirement is the record of a cancelled resource: the UID its CANCEL
// carried and that CANCEL's SEQUENCE.
type Retirement struct {
	UID      string `json:"uid"`
	Sequence int    `json:"sequence"`
}

// RetiredSequences returns, by UID, the highest SEQUENCE a CANCEL was sent
// with; nil when nothing is retired. It goes by UID, not address: a re-keyed
// resource keeps the UID of its old address, and calendars know only UIDs.
func (s *State) RetiredSequences() map[string]int {
	if len(s.Retired) == 0 {
		return nil
	}
	out := make(map[string]int, len(s.Retired))
	for _, r := range s.Retired {
		if seq, ok := out[r.UID]; !ok || r.Sequence > seq {
			out[r.UID] = r.Sequence
		}
	}
	return out
}

// Op is one durable change to state: Entry set at Address, or removed when
// Entry is nil. A removal that cancelled the resource carries Retired, so
// that the removal and the memory of the CANCEL land together. Apply
// records one Op per finished action.
type Op struct {
	Address string      `json:"address"`
	Entry   *Entry      `json:"entry,omitempty"`
	Retired *Retirement `json:"retired,omitempty"`
}

// Apply applies op to s. Setting an entry drops the address's retired
// record: the entry's own SEQUENCE, sent above it, takes over.
func (s *State) Apply(op Op) {
	if op.Entry == nil {
		delete(s.Resources, op.Address)
		if op.Retired != nil {
			if s.Retired == nil {
				s.Retired = map[string]Retirement{}
			}
			s.Retired[op.Address] = *op.Retired
		}
		return
	}
	s.Resources[op.Address] = op.Entry
	delete(s.Retired, op.Address)
}

// ErrPartial is returned by Write for a state made by Index.State
// (State.Partial).
var ErrPartial = errors.New("a state read for planning holds only part of the entries and cannot be written")

// Expansion records what one program's declarations expand to: Inputs is
// the digest of everything expansion reads (engine.InputDigest), Resources
// the digest of the address and content hash of every resource it yields
// (ResourceDigest). It is a fact about expansion, not about what was sent,
// so it stays true whatever happens to the entries: a plan that finds the
// program's inputs unchanged and the entries' own digest equal to
// Resources knows every resource is up to date without expanding the
// program or decoding its entries.
type Expansion struct {
	Inputs    string `json:"inputs"`
	Resources string `json:"resources"`
}

// ResourceDigest digests resources as plans compare them: Add each one's
// address and content hash (for an entry, the hash of its declaration: its
// DeclaredHash when set) in address order, then Sum.
type ResourceDigest struct {
	h   hash.Hash
	buf []byte
	n   int
}

// NewResourceDigest returns an empty ResourceDigest.
func NewResourceDigest() *ResourceDigest {
	return &ResourceDigest{h: sha256.New(), buf: make([]byte, 0, 8<<10)}
}

// Add adds one resource.
func (d *ResourceDigest) Add(address, hash string) {
	d.buf = strconv.AppendInt(d.buf, int64(len(address)), 10)
	d.buf = append(append(d.buf, ':'), address...)
	d.buf = strconv.AppendInt(d.buf, int64(len(hash)), 10)
	d.buf = append(append(d.buf, ':'), hash...)
	d.n++
	if len(d.buf) >= 4<<10 {
		d.h.Write(d.buf)
		d.buf = d.buf[:0]
	}
}

// Sum returns the digest of what was added.
func (d *ResourceDigest) Sum() string {
	d.buf = strconv.AppendInt(append(d.buf, '#'), int64(d.n), 10)
	d.h.Write(d.buf)
	d.buf = d.buf[:0]
	return hex.EncodeToString(d.h.Sum(nil))
}

// EffectiveHash is the hash plans compare an entry's declaration with.
func (e *Entry) EffectiveHash() string {
	if e.DeclaredHash != "" {
		return e.DeclaredHash
	}
	return e.Hash
}

// LockInfo says who holds the lock, for the message another process shows.
type LockInfo struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"` // e.g. "apply"
	Who       string    `json:"who"`       // user@host
	PID       int       `json:"pid"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"` // a lock past this is stale and may be taken over
	// Host, BootID, PIDNamespace and Start tell the holder process apart
	// from a later process with the same PID, so that a lock whose holder
	// died on this machine (SIGKILL, OOM) can be taken over at once. Lock
	// fills them on Linux when PID is the calling process; a lock without
	// them (another platform, an older rmctl) waits for Expires.
	Host         string `json:"host,omitempty"`
	BootID       string `json:"bootId,omitempty"`       // /proc/sys/kernel/random/boot_id
	PIDNamespace string `json:"pidNamespace,omitempty"` // /proc/self/ns/pid
	Start        uint64 `json:"start,omitempty"`        // clock ticks after boot, /proc/PID/stat field 22
}

// LockedError is returned when another process holds the lock.
type LockedError struct{ Info LockInfo }

func (e *LockedError) Error() string {
	return fmt.Sprintf("state is locked by %s (pid %d) for %q since %s, lock ID %s; if that process is gone, run: rmctl force-unlock %s",
		e.Info.Who, e.Info.PID, e.Info.Operation, e.Info.Created.Format(time.RFC3339), e.Info.ID, e.Info.ID)
}

// ErrNotLocked is returned by Unlock when there is no lock with that ID.
var ErrNotLocked = errors.New("state is not locked with that ID")

// Store reads and writes state. Read returns the state with every recorded
// Op applied; Record makes one Op durable before it returns; Write replaces
// the whole state (raising Serial) and folds the recorded Ops into it.
type Store interface {
	Read(ctx context.Context) (*State, error)
	Record(ctx context.Context, op Op) error
	Write(ctx context.Context, s *State) error
	Locker
}

// Locker guards a store against concurrent applies.
type Locker interface {
	// Lock takes the lock or returns a *LockedError naming the holder. A
	// lock past its Expires, or whose holder is known to be gone, is taken
	// over.
	Lock(ctx context.Context, info LockInfo) error
	// Unlock releases the lock with the given ID.
	Unlock(ctx context.Context, id string) error
}
