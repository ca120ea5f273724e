package forget_test

import (
	"slices"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/forget"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
)

func entry(addr string, kind resource.Kind, ids ...string) *state.Entry {
	s := resource.Snapshot{Kind: kind, Program: "p", Title: addr, Start: time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)}
	for _, id := range ids {
		s.Attendees = append(s.Attendees, resource.Attendee{ID: id, Name: "Name " + id, Email: id + "@example.com"})
	}
	return &state.Entry{Address: addr, UID: resource.UID(addr), Hash: s.Hash(), Snapshot: s}
}

// TestState checks what forgetting removes from state: the sessions of
// the person's pair and every assignment of that pair (the partner's too),
// the person's other assignments, their attendee record in joint events
// (with the hash following), and nothing of other pairs or programs.
func TestState(t *testing.T) {
	st := state.New("l")
	for _, e := range []*state.Entry{
		entry("p/pair/a-b/session/1", resource.Session, "a", "b"),
		entry("p/pair/a-b/tutorial/x/a", resource.Assignment, "a"),
		entry("p/pair/a-b/tutorial/x/b", resource.Assignment, "b"),
		entry("p/pair/c-d/session/1", resource.Session, "c", "d"),
		entry("p/event/kickoff", resource.Event, "a", "b", "c", "d"),
		entry("q/event/other", resource.Event, "b", "c"),
	} {
		if e.Address == "q/event/other" {
			e.Snapshot.Program = "q"
		}
		st.Resources[e.Address] = e
	}
	who, ok := forget.Find(st, "b", []string{"p"})
	if !ok || len(who.Emails) != 1 || who.Emails[0] != "b@example.com" {
		t.Fatalf("Find: %+v, %v", who, ok)
	}
	next, rm := forget.State(st, "b", []string{"p"})
	want := []string{"p/pair/a-b/session/1", "p/pair/a-b/tutorial/x/a", "p/pair/a-b/tutorial/x/b"}
	if len(rm.Entries) != len(want) {
		t.Fatalf("removed %v, want %v", rm.Entries, want)
	}
	for i, a := range want {
		if rm.Entries[i] != a || next.Resources[a] != nil {
			t.Errorf("removed %v, want %v", rm.Entries, want)
		}
	}
	ev := next.Resources["p/event/kickoff"]
	if len(rm.Edited) != 1 || len(ev.Snapshot.Attendees) != 3 || ev.Hash != ev.Snapshot.Hash() || ev.Hash == st.Resources["p/event/kickoff"].Hash {
		t.Errorf("kickoff: edited %v, attendees %v, hash %s", rm.Edited, ev.Snapshot.Attendees, ev.Hash)
	}
	if len(st.Resources["p/event/kickoff"].Snapshot.Attendees) != 4 {
		t.Errorf("State changed its input")
	}
	if next.Resources["p/pair/c-d/session/1"] == nil || len(next.Resources["q/event/other"].Snapshot.Attendees) != 2 {
		t.Errorf("State touched another pair or program")
	}
}

// TestStateRetired: the memory of cancellations (state.Retired) loses the
// person's pairs and what was addressed to them, found by address alone
// (a pair whose every session was cancelled is known only from there),
// and keeps everyone else's, so their SEQUENCE protection survives.
func TestStateRetired(t *testing.T) {
	st := state.New("l")
	st.Resources["p/pair/a-b/session/1"] = entry("p/pair/a-b/session/1", resource.Session, "a", "b")
	st.Retired = map[string]state.Retirement{}
	for _, addr := range []string{
		"p/pair/a-b/session/2",      // their pair, found from state
		"p/pair/g-b/tutorial/x/b",   // addressed to them
		"p/pair/g-b/session/1",      // that pair, found only through the line above
		"p/pair/c-d/session/2",      // someone else's
		"p/pair/c-d/tutorial/x/c",   // someone else's
		"q/pair/a-b/session/1",      // another program
		"p/pair/bb-c/tutorial/x/bb", // an id that merely contains theirs
	} {
		st.Retired[addr] = state.Retirement{UID: resource.UID(addr), Sequence: 1}
	}
	next, rm := forget.State(st, "b", []string{"p"})
	want := []string{"p/pair/a-b/session/2", "p/pair/g-b/session/1", "p/pair/g-b/tutorial/x/b"}
	if !slices.Equal(rm.Retired, want) {
		t.Errorf("retired records removed %v, want %v", rm.Retired, want)
	}
	for _, keep := range []string{"p/pair/c-d/session/2", "p/pair/c-d/tutorial/x/c", "q/pair/a-b/session/1", "p/pair/bb-c/tutorial/x/bb"} {
		if _, ok := next.Retired[keep]; !ok {
			t.Errorf("%s lost its retired record", keep)
		}
	}
	if len(next.Retired) != 4 {
		t.Errorf("next.Retired has %d records, want 4", len(next.Retired))
	}
}
