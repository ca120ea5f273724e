// Package plan compares what programs declare with what state says was
// applied and produces a Plan: a plain value listing, per resource address,
// whether to create, update or cancel it and why. Building a plan does no
// I/O; rendering it is the view package's job and carrying it out is apply's.
package plan

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
)

// FormatVersion is the version of the plan's JSON form (saved plans and
// `rmctl plan -o json`). It changes when a field changes meaning or goes
// away; added fields keep it.
const FormatVersion = "1"

// Action is what a change does.
type Action string

// Actions. Move re-keys a resource in state without sending anything.
const (
	Create Action = "create"
	Update Action = "update"
	Cancel Action = "cancel"
	Move   Action = "move"
	NoOp   Action = "no-op"
	// Adopt records in state what the target now holds (drift accepted,
	// see DriftPolicy) without sending anything.
	Adopt Action = "adopt"
)

// Symbol is the one-character marker of the action in text output.
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Cancel:
		return "-"
	case Move:
		return ">"
	case Adopt:
		return "<"
	}
	return " "
}

// Plan is the outcome of comparing declarations with state.
type Plan struct {
	FormatVersion string    `json:"format_version"`
	CreatedAt     time.Time `json:"created_at"`
	// Now is the instant that separates past (frozen) from future resources.
	Now time.Time `json:"now"`
	// Lineage and Serial of the state the plan was made from: a saved plan
	// is refused once state has moved on.
	Lineage  string   `json:"lineage"`
	Serial   uint64   `json:"serial"`
	Commit   string   `json:"commit,omitempty"`
	Dirty    bool     `json:"dirty,omitempty"`
	Programs []string `json:"programs"`
	// Changes to carry out, sorted by address.
	Changes []Change `json:"changes"`
	// Frozen lists resources that differ from their declaration but lie in
	// the past, so they are left as they were sent.
	Frozen []Change `json:"frozen,omitempty"`
	// Unchanged counts resources already up to date.
	Unchanged int `json:"unchanged"`
	// Notes are remarks for the reader, such as state of programs that were
	// not loaded and so are left alone.
	Notes []string `json:"notes,omitempty"`
	// Drift lists resources changed on the target behind rmctl's back, when
	// the plan was made with --refresh (Options.Observed), and what applying
	// does about each.
	Drift   []Drift  `json:"drift,omitempty"`
	Summary Summary  `json:"summary"`
	Impact  []Impact `json:"impact"`
	// Redacted marks a plan whose names and e-mail addresses were replaced
	// by ids for display (package redact): it can be read, not applied.
	Redacted bool `json:"redacted,omitempty"`
	// Expansions are what the planned programs' declarations expand to,
	// by program (state.Expansion), when the plan was made with input
	// digests (Desired.Inputs); apply records them in state, where the
	// next plan finds them.
	Expansions map[string]state.Expansion `json:"expansions,omitempty"`
}

// Change is one planned action on one resource.
type Change struct {
	Address string        `json:"address"`
	Action  Action        `json:"action"`
	Kind    resource.Kind `json:"kind"`
	UID     string        `json:"uid"`
	Reason  string        `json:"reason"`
	// MovedFrom is the old address of a re-keyed resource.
	MovedFrom string `json:"moved_from,omitempty"`
	// Sequence is the iCalendar SEQUENCE this change sends.
	Sequence int           `json:"sequence"`
	Fields   []FieldChange `json:"fields,omitempty"`
	// Before is what state recorded; nil on create.
	Before *resource.Snapshot `json:"before,omitempty"`
	// After is the full desired resource; nil on cancel.
	After *resource.Resource `json:"after,omitempty"`
	// Removed are attendees of Before no longer in After: they get a CANCEL.
	Removed []resource.Attendee `json:"removed,omitempty"`
	// Observed is what an Adopt change records in state.
	Observed *Observed `json:"observed,omitempty"`
	// Replies are the answers state recorded (person id → PARTSTAT, from
	// `rmctl sync replies`), on updates and cancels: who had declined or
	// accepted before this change asks again or cancels.
	Replies map[string]string `json:"replies,omitempty"`
}

// FieldChange is one field of an update, old → new, formatted for people.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Summary counts the changes by action.
type Summary struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Cancel    int `json:"cancel"`
	Move      int `json:"move"`
	Adopt     int `json:"adopt,omitempty"`
	Frozen    int `json:"frozen"`
	Unchanged int `json:"unchanged"`
}

// HasChanges reports whether applying the plan would do anything.
func (p *Plan) HasChanges() bool { return len(p.Changes) > 0 }

// Impact is what a plan means for one person.
type Impact struct {
	Person string `json:"person"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Send   int    `json:"send"`
	Update int    `json:"update"`
	Cancel int    `json:"cancel"`
}

// Moved says that resources below From now live below To (a re-keyed pair
// or event); they keep their UIDs.
type Moved struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Desired is what the programs declare, as expansion produced it.
type Desired struct {
	Programs  []string
	Resources []resource.Resource // sorted by address
	Moves     []Moved
	// Explain says why an address in state is no longer declared.
	Explain func(address string) string
	// Created says why a resource is new (e.g. "new pair").
	Created func(address string) string
	// Unchanged counts resources left out of Resources because the caller
	// knows them to be up to date (a diff leaves out the pairs a change
	// cannot touch); Build counts them as unchanged.
	Unchanged int
	// Note says why a resource is where it is when a rule placed it (a
	// session moved off a public holiday), or ""; it joins the reason of a
	// create or update.
	Note func(address string) string
	// Hashes, when set, are the content hashes of Resources, in order
	// (Hashes), so that Build need not compute them again.
	Hashes []string
	// Inputs are input digests of programs in Resources, by id
	// (engine.InputDigest); for each one Build records in the plan what the
	// program expanded to (Plan.Expansions). A program listed here must
	// have all its resources in Resources. Nil: nothing is recorded.
	Inputs map[string]string
}

// withNote appends the desired state's note about addr to reason.
func (d *Desired) withNote(reason, addr string) string {
	if d.Note == nil {
		return reason
	}
	if n := d.Note(addr); n != "" {
		return reason + "; " + n
	}
	return reason
}

// Options steer Build.
type Options struct {
	Now      time.Time
	Targets  []string // address patterns to include (all when empty)
	Excludes []string // address patterns to leave out
	// Prune cancels resources of programs that are in state but were not loaded.
	Prune  bool
	Commit string
	Dirty  bool
	// Observed is what Refresh found on the target (plan --refresh); nil
	// means no refresh. Drift says what to do about it (default Restore).
	Observed []Observation
	Drift    DriftPolicy
	// Record asks engine.Plan to record in the plan what the programs
	// expand to (Plan.Expansions), for apply to keep in state. It costs
	// hashing every declared resource, which a plan against empty state
	// does not otherwise need: plans that are only shown leave it off.
	Record bool
}

// Build compares desired with st.
func Build(d *Desired, st *state.State, opts Options) *Plan {
	p := &Plan{
		FormatVersion: FormatVersion,
		CreatedAt:     opts.Now.UTC(),
		Now:           opts.Now.UTC(),
		Lineage:       st.Lineage,
		Serial:        st.Serial,
		Commit:        opts.Commit,
		Dirty:         opts.Dirty,
		Programs:      d.Programs,
		Changes:       []Change{},
		Unchanged:     d.Unchanged,
	}
	selected := opts.Selected
	view, movedFrom := applyMoves(st, d.Moves)
	zones := &Zones{}
	drifted := driftIndex(opts.Observed)
	loaded := map[string]bool{}
	for _, prog := range d.Programs {
		loaded[prog] = true
	}

	hashes := d.Hashes
	if len(hashes) != len(d.Resources) {
		hashes = contentHashes(d.Resources, len(st.Resources) > 0 || d.Inputs != nil)
	}
	p.Expansions = expansions(d, hashes)
	// Calendars that hold a resource's CANCEL ignore any later message
	// with a SEQUENCE not above it: a resource declared again after it was
	// cancelled (a pair resumed, a session restored) is created above it.
	retired := st.RetiredSequences()
	seen := make(map[string]bool, len(d.Resources))
	for i := range d.Resources {
		r := &d.Resources[i]
		seen[r.Address] = true
		if !selected(r.Address) {
			continue
		}
		entry := view[r.Address]
		if entry == nil {
			if r.Start.Before(opts.Now) {
				p.Unchanged++ // a past resource never sent stays unsent
				continue
			}
			reason := "new"
			if d.Created != nil {
				reason = d.Created(r.Address)
			}
			reason = d.withNote(reason, r.Address)
			c := Change{Address: r.Address, Action: Create, Kind: r.Kind, UID: r.UID, Reason: reason, After: r}
			if seq, ok := retired[r.UID]; ok {
				c.Sequence = seq + 1
			}
			p.Changes = append(p.Changes, c)
			continue
		}
		r.UID = entry.UID // identity survives moves
		after := r.Snapshot()
		old := movedFrom[r.Address]
		if declaredHash(entry) == hashes[i] {
			if o := drifted[entry.UID]; o != nil && old == "" && !r.Start.Before(opts.Now) {
				if c := p.foldDrift(o, entry, r, opts.Drift); c != nil {
					p.Changes = append(p.Changes, *c)
					continue
				}
			}
			if old != "" {
				p.Changes = append(p.Changes, Change{Address: r.Address, Action: Move, Kind: r.Kind, UID: r.UID,
					Reason: "renamed from " + old, MovedFrom: old, Sequence: entry.Sequence, Before: &entry.Snapshot, After: r})
			} else {
				p.Unchanged++
			}
			continue
		}
		c := Change{Address: r.Address, Action: Update, Kind: r.Kind, UID: r.UID, MovedFrom: old,
			Sequence: entry.Sequence + 1, Before: &entry.Snapshot, After: r,
			Fields: diffSnapshots(zones, &entry.Snapshot, &after), Removed: removedAttendees(&entry.Snapshot, &after),
			Replies: answers(entry)}
		c.Reason = d.withNote(updateReason(c.Fields, old), r.Address)
		if entry.Snapshot.Start.Before(opts.Now) || r.Start.Before(opts.Now) {
			c.Action = NoOp
			c.Reason = "in the past: left as it was sent (" + c.Reason + ")"
			p.Frozen = append(p.Frozen, c)
			continue
		}
		if o := drifted[entry.UID]; o != nil {
			p.noteDrift(o, &c)
		}
		p.Changes = append(p.Changes, c)
	}

	outside := map[string]int{}
	for addr, entry := range view {
		if seen[addr] || !selected(addr) {
			continue
		}
		if !loaded[entry.Snapshot.Program] && !opts.Prune {
			outside[entry.Snapshot.Program]++
			continue
		}
		c := Change{Address: addr, Action: Cancel, Kind: entry.Snapshot.Kind, UID: entry.UID,
			Sequence: entry.Sequence + 1, Before: &entry.Snapshot, MovedFrom: movedFrom[addr], Replies: answers(entry)}
		c.Reason = "no longer declared"
		if !loaded[entry.Snapshot.Program] {
			c.Reason = "program " + entry.Snapshot.Program + " is no longer declared"
		} else if d.Explain != nil {
			c.Reason = d.Explain(addr)
		}
		if entry.Snapshot.Start.Before(opts.Now) {
			c.Action = NoOp
			c.Reason = "in the past: left as it was sent (" + c.Reason + ")"
			p.Frozen = append(p.Frozen, c)
			continue
		}
		p.Changes = append(p.Changes, c)
	}
	for _, prog := range sortedKeys(outside) {
		p.Notes = append(p.Notes, fmt.Sprintf("%d resources of program %s are in state but the program was not loaded: left alone (load it, or use --prune to cancel them)", outside[prog], prog))
	}

	sort.Slice(p.Changes, func(i, j int) bool { return p.Changes[i].Address < p.Changes[j].Address })
	sort.Slice(p.Frozen, func(i, j int) bool { return p.Frozen[i].Address < p.Frozen[j].Address })
	sortDrift(p.Drift)
	p.summarize()
	return p
}

// Selected reports whether --target and --exclude leave addr in the plan.
func (opts *Options) Selected(addr string) bool {
	if len(opts.Targets) > 0 && !matchAny(opts.Targets, addr) {
		return false
	}
	return !matchAny(opts.Excludes, addr)
}

// expansions digests the resources of every program d has an input digest
// for; nil without any.
func expansions(d *Desired, hashes []string) map[string]state.Expansion {
	if len(d.Inputs) == 0 {
		return nil
	}
	digests := map[string]*state.ResourceDigest{}
	for prog := range d.Inputs {
		digests[prog] = state.NewResourceDigest()
	}
	// Resources are sorted by address, so each program's are in the
	// order ResourceDigest wants.
	for i := range d.Resources {
		if dg := digests[state.ProgramOf(d.Resources[i].Address)]; dg != nil {
			dg.Add(d.Resources[i].Address, hashes[i])
		}
	}
	out := make(map[string]state.Expansion, len(d.Inputs))
	for prog, in := range d.Inputs {
		out[prog] = state.Expansion{Inputs: in, Resources: digests[prog].Sum()}
	}
	return out
}

// Known adds to p the resources of a program whose entries in state are
// known to hold what it declares (its inputs and entries match exp, see
// state.Expansion) without expanding it: n of them are selected, and all
// are unchanged. With record, the plan records exp for the program.
func (p *Plan) Known(prog string, n int, exp state.Expansion, record bool) {
	p.Unchanged += n
	p.Summary.Unchanged += n
	if !record {
		return
	}
	if p.Expansions == nil {
		p.Expansions = map[string]state.Expansion{}
	}
	p.Expansions[prog] = exp
}

// Hashes returns the content hash of every resource, computed on every
// core.
func Hashes(rs []resource.Resource) []string { return contentHashes(rs, true) }

// contentHashes hashes every declared resource, on every core: against a
// full state, comparing hashes is most of a plan's work. Against empty state
// nothing is compared, and nothing is hashed.
func contentHashes(rs []resource.Resource, needed bool) []string {
	hashes := make([]string, len(rs))
	if !needed {
		return hashes
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(rs)/1024))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(rs)/workers, (w+1)*len(rs)/workers
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				hashes[i] = rs[i].Hash()
			}
		})
	}
	wg.Wait()
	return hashes
}

// Check verifies a plan read from a file before it is carried out: every
// change names an address, a UID and a known action and carries the
// resource that action needs, every expansion record is complete, and the
// summary is recounted from the changes (the cancel guard relies on it,
// and a file can be edited).
func (p *Plan) Check() error {
	for i, c := range p.Changes {
		where := fmt.Sprintf("change %d (%s)", i+1, c.Address)
		if c.Address == "" || c.UID == "" {
			return fmt.Errorf("%s: no address or UID", where)
		}
		switch c.Action {
		case Create, Update, Move, Adopt:
			if c.After == nil {
				return fmt.Errorf("%s: %s without \"after\"", where, c.Action)
			}
			if c.Action == Adopt && (c.Observed == nil || c.Before == nil) {
				return fmt.Errorf("%s: adopt without \"before\" and \"observed\"", where)
			}
		case Cancel:
			if c.Before == nil {
				return fmt.Errorf("%s: cancel without \"before\"", where)
			}
			if c.Sequence < 1 {
				// State records the CANCEL's SEQUENCE, and a CANCEL is
				// always sent above what it cancels.
				return fmt.Errorf("%s: cancel with sequence %d, below 1", where, c.Sequence)
			}
		default:
			return fmt.Errorf("%s: unknown action %q", where, c.Action)
		}
	}
	for prog, e := range p.Expansions {
		// Apply writes them into state: one that state would refuse must
		// fail here, before anything is sent.
		if prog == "" || e.Inputs == "" || e.Resources == "" {
			return fmt.Errorf("expansion record %q: empty program, inputs or resources", prog)
		}
	}
	p.summarize()
	return nil
}

func matchAny(patterns []string, addr string) bool {
	for _, pat := range patterns {
		if resource.Match(pat, addr) {
			return true
		}
	}
	return false
}

// applyMoves returns state's entries keyed by their address after the
// declared moves, and for each moved entry its old address.
func applyMoves(st *state.State, moves []Moved) (map[string]*state.Entry, map[string]string) {
	if len(moves) == 0 {
		return st.Resources, nil // read only below: no copy needed
	}
	view := make(map[string]*state.Entry, len(st.Resources))
	for addr, e := range st.Resources {
		view[addr] = e
	}
	movedFrom := map[string]string{}
	for _, m := range moves {
		for addr, e := range st.Resources {
			// A pair moves with everything below it; an event is one address.
			if addr != m.From && !strings.HasPrefix(addr, m.From+"/") {
				continue
			}
			to := m.To + strings.TrimPrefix(addr, m.From)
			if _, claimed := movedFrom[to]; claimed {
				continue // another move already lands here; validation reports it
			}
			if cur, taken := st.Resources[to]; taken {
				if cur.UID == e.UID {
					// An apply died between recording the new address and
					// dropping the old one: one resource, not two.
					delete(view, addr)
				}
				continue
			}
			delete(view, addr)
			view[to] = e
			movedFrom[to] = addr
		}
	}
	return view, movedFrom
}

func (p *Plan) summarize() {
	s := Summary{Frozen: len(p.Frozen), Unchanged: p.Unchanged}
	impact := map[string]*Impact{}
	touch := func(a resource.Attendee) *Impact {
		im := impact[a.Email]
		if im == nil {
			im = &Impact{Person: a.ID, Name: a.Name, Email: a.Email}
			impact[a.Email] = im
		}
		return im
	}
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			s.Create++
			for _, a := range c.After.Attendees {
				touch(a).Send++
			}
		case Update:
			s.Update++
			var before map[string]bool
			if c.Before != nil {
				before = emailSet(c.Before.Attendees)
			}
			for _, a := range c.After.Attendees {
				if before[strings.ToLower(a.Email)] {
					touch(a).Update++
				} else {
					touch(a).Send++
				}
			}
			for _, a := range c.Removed {
				touch(a).Cancel++
			}
		case Cancel:
			s.Cancel++
			for _, a := range c.Before.Attendees {
				touch(a).Cancel++
			}
		case Move:
			s.Move++
		case Adopt:
			s.Adopt++
		}
	}
	p.Summary = s
	p.Impact = make([]Impact, 0, len(impact))
	for _, im := range impact {
		p.Impact = append(p.Impact, *im)
	}
	sort.Slice(p.Impact, func(i, j int) bool {
		if p.Impact[i].Person != p.Impact[j].Person {
			return p.Impact[i].Person < p.Impact[j].Person
		}
		return p.Impact[i].Email < p.Impact[j].Email
	})
}

// emailSet holds attendees' addresses, lower case. Group events invite
// everyone in a program, so comparing lists pairwise would be quadratic.
func emailSet(as []resource.Attendee) map[string]bool {
	set := make(map[string]bool, len(as))
	for _, a := range as {
		set[strings.ToLower(a.Email)] = true
	}
	return set
}

func removedAttendees(before, after *resource.Snapshot) []resource.Attendee {
	var out []resource.Attendee
	now := emailSet(after.Attendees)
	for _, a := range before.Attendees {
		if !now[strings.ToLower(a.Email)] {
			out = append(out, a)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// answers returns the replies recorded for entry, nil without any.
func answers(entry *state.Entry) map[string]string {
	if entry.Replies == nil || len(entry.Replies.By) == 0 {
		return nil
	}
	out := make(map[string]string, len(entry.Replies.By))
	for person, r := range entry.Replies.By {
		out[person] = r.PartStat
	}
	return out
}
