package replies

import (
	"maps"
	"slices"
	"strings"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
)

// Change is one answer recorded (or changed) by Record.
type Change struct {
	Address  string `json:"address"`            // the resource's address
	Person   string `json:"person"`             // the attendee's person id
	PartStat string `json:"partstat"`           // the answer now recorded
	Previous string `json:"previous,omitempty"` // the answer recorded before, "" if none
}

// Outcome is what Record made of a batch of replies.
type Outcome struct {
	// Changes are the answers that are new or differ from those recorded,
	// sorted by address and person.
	Changes []Change
	// Entries are the state entries to write, by address: copies of the
	// entries in state with their new answers.
	Entries map[string]*state.Entry
	// Unknown counts replies to no resource in state (other events in the
	// mailbox, or resources no longer managed); Uninvited those from
	// addresses not among the resource's attendees; Stale those older
	// than the answer recorded or than the last change of time or place;
	// Known those already recorded (a mailbox is read whole every time).
	Unknown, Uninvited, Stale, Known int
}

// Record merges replies into the answers recorded in st and returns what
// to write; st itself is not changed. A reply counts only when its UID is
// a resource in state and its address is one of that resource's invited
// attendees; per attendee the reply to the highest SEQUENCE, then the
// latest DTSTAMP, wins, and replies to a SEQUENCE before the last change
// of time or place are ignored.
func Record(st *state.State, rs []Reply) Outcome {
	byUID := make(map[string]*state.Entry, len(st.Resources))
	for _, e := range st.Resources {
		byUID[e.UID] = e
	}
	out := Outcome{Entries: map[string]*state.Entry{}}
	// Gmail sends each calendar twice (inline and attached): count a
	// reply once.
	seen := make(map[Reply]bool, len(rs))
	before := map[string]map[string]string{} // address → person → answer before
	for _, r := range rs {
		if seen[r] {
			continue
		}
		seen[r] = true
		e := byUID[r.UID]
		if e == nil {
			out.Unknown++
			continue
		}
		i := slices.IndexFunc(e.Snapshot.Attendees, func(a resource.Attendee) bool {
			return strings.EqualFold(a.Email, r.Attendee)
		})
		if i < 0 {
			out.Uninvited++
			continue
		}
		person := e.Snapshot.Attendees[i].ID
		if w := out.Entries[e.Address]; w != nil {
			e = w
		}
		var since int
		var old state.Reply
		var had bool
		if e.Replies != nil {
			since = e.Replies.Since
			old, had = e.Replies.By[person]
		}
		if had && r.PartStat == old.PartStat && r.Sequence == old.Sequence && r.Stamp.Equal(old.Stamp) {
			out.Known++
			continue
		}
		if r.Sequence < since || had && !newer(r, old) {
			out.Stale++
			continue
		}
		if out.Entries[e.Address] == nil {
			// Copy on first write: the caller's state stays as read.
			c := *e
			c.Replies = &state.Replies{}
			if e.Replies != nil {
				c.Replies.Since = e.Replies.Since
				c.Replies.By = maps.Clone(e.Replies.By)
			}
			if c.Replies.By == nil {
				c.Replies.By = map[string]state.Reply{}
			}
			out.Entries[e.Address] = &c
			e = &c
		}
		if before[e.Address] == nil {
			before[e.Address] = map[string]string{}
		}
		if _, ok := before[e.Address][person]; !ok {
			before[e.Address][person] = old.PartStat
		}
		e.Replies.By[person] = state.Reply{PartStat: r.PartStat, Sequence: r.Sequence, Stamp: r.Stamp}
	}
	for addr, e := range out.Entries {
		for person, was := range before[addr] {
			now := e.Replies.By[person].PartStat
			if now != was {
				out.Changes = append(out.Changes, Change{Address: addr, Person: person, PartStat: now, Previous: was})
			}
		}
		if !slices.ContainsFunc(out.Changes, func(c Change) bool { return c.Address == addr }) {
			delete(out.Entries, addr) // only newer stamps of the same answers: nothing to write
		}
	}
	slices.SortFunc(out.Changes, func(a, b Change) int {
		if c := strings.Compare(a.Address, b.Address); c != 0 {
			return c
		}
		return strings.Compare(a.Person, b.Person)
	})
	return out
}

func newer(r Reply, old state.Reply) bool {
	if r.Sequence != old.Sequence {
		return r.Sequence > old.Sequence
	}
	// At the same stamp a different answer wins: a client that changes
	// the PARTSTAT of a stored copy need not move its DTSTAMP.
	return r.Stamp.After(old.Stamp) || r.Stamp.Equal(old.Stamp) && r.PartStat != old.PartStat
}

// Keep returns the answers to keep in state when r is sent again as
// SEQUENCE seq after prev, and r with those answers as its attendees'
// PartStat for the message. An update that moves the time or the place
// asks everyone again: it keeps no answers and marks seq as the SEQUENCE
// older replies no longer count against. Attendees no longer invited drop
// out. r's attendee slice is copied, never changed.
func Keep(prev *state.Entry, r resource.Resource, seq int) (*state.Replies, resource.Resource) {
	if prev == nil {
		return nil, r
	}
	s := prev.Snapshot
	if !s.Start.Equal(r.Start) || !s.End.Equal(r.End) || s.Location != r.Location {
		if prev.Replies == nil && seq == 0 {
			return nil, r
		}
		return &state.Replies{Since: seq}, r
	}
	if prev.Replies == nil {
		return nil, r
	}
	kept := &state.Replies{Since: prev.Replies.Since}
	atts := slices.Clone(r.Attendees)
	for i, a := range atts {
		if rep, ok := prev.Replies.By[a.ID]; ok {
			if kept.By == nil {
				kept.By = map[string]state.Reply{}
			}
			kept.By[a.ID] = rep
			atts[i].PartStat = rep.PartStat
		}
	}
	r.Attendees = atts
	return kept, r
}
