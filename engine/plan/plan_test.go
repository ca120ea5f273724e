package plan_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
)

var now = time.Date(2027, time.April, 20, 12, 0, 0, 0, time.UTC)

func res(addr string, start time.Time) resource.Resource {
	prog, _, _ := strings.Cut(addr, "/")
	return resource.Resource{
		Address: addr, UID: resource.UID(addr), Kind: resource.Session, Program: prog,
		Title: "Session " + addr, Start: start, End: start.Add(time.Hour), Timezone: "Europe/Berlin", Language: "en",
		Organizer: resource.Contact{Name: "Org", Email: "org@example.com"},
		Attendees: []resource.Attendee{
			{ID: "a", Name: "A", Email: "a@example.com", Role: resource.Mentor},
			{ID: "b", Name: "B", Email: "b@example.com", Role: resource.Mentee},
		},
	}
}

func entry(r resource.Resource, seq int) *state.Entry {
	return &state.Entry{Address: r.Address, UID: r.UID, Hash: r.Hash(), Sequence: seq, Snapshot: r.Snapshot()}
}

func desired(progs []string, rs ...resource.Resource) *plan.Desired {
	return &plan.Desired{Programs: progs, Resources: rs}
}

func addrs(cs []plan.Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c.Action)+" "+c.Address)
	}
	return out
}

var (
	future = now.Add(30 * 24 * time.Hour)
	past   = now.Add(-30 * 24 * time.Hour)
)

func TestBuildTargetsAndExcludes(t *testing.T) {
	d := func() *plan.Desired {
		return desired([]string{"p"},
			res("p/event/kickoff", future),
			res("p/pair/a/session/1", future),
			res("p/pair/a/tutorial/x/a", future),
			res("p/pair/b/session/1", future))
	}
	st := state.New("l")
	st.Resources["p/pair/c/session/1"] = entry(res("p/pair/c/session/1", future), 0)

	for _, tc := range []struct {
		name             string
		targets, exclude []string
		want             []string
	}{
		{"all", nil, nil, []string{"create p/event/kickoff", "create p/pair/a/session/1", "create p/pair/a/tutorial/x/a", "create p/pair/b/session/1", "cancel p/pair/c/session/1"}},
		{"prefix", []string{"p/pair/a"}, nil, []string{"create p/pair/a/session/1", "create p/pair/a/tutorial/x/a"}},
		{"glob", []string{"p/pair/*/session/*"}, nil, []string{"create p/pair/a/session/1", "create p/pair/b/session/1", "cancel p/pair/c/session/1"}},
		{"exclude", nil, []string{"**/tutorial/**", "p/pair/c"}, []string{"create p/event/kickoff", "create p/pair/a/session/1", "create p/pair/b/session/1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := plan.Build(d(), st, plan.Options{Now: now, Targets: tc.targets, Excludes: tc.exclude})
			if diff := cmp.Diff(tc.want, addrs(p.Changes)); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildUnloadedProgram(t *testing.T) {
	st := state.New("l")
	for _, a := range []string{"old/pair/a/session/1", "old/pair/a/session/2"} {
		st.Resources[a] = entry(res(a, future), 3)
	}
	st.Resources["old/pair/a/session/0"] = entry(res("old/pair/a/session/0", past), 0)

	p := plan.Build(desired([]string{"new"}), st, plan.Options{Now: now})
	if p.HasChanges() || len(p.Frozen) != 0 {
		t.Errorf("an unloaded program was touched: %v, frozen %v", addrs(p.Changes), addrs(p.Frozen))
	}
	if len(p.Notes) != 1 || !strings.HasPrefix(p.Notes[0], "3 resources of program old are in state but the program was not loaded") {
		t.Errorf("notes %q", p.Notes)
	}

	p = plan.Build(desired([]string{"new"}), st, plan.Options{Now: now, Prune: true})
	want := []string{"cancel old/pair/a/session/1", "cancel old/pair/a/session/2"}
	if diff := cmp.Diff(want, addrs(p.Changes)); diff != "" {
		t.Errorf("prune (-want +got):\n%s", diff)
	}
	for _, c := range p.Changes {
		if c.Reason != "program old is no longer declared" || c.Sequence != 4 {
			t.Errorf("%s: reason %q, sequence %d", c.Address, c.Reason, c.Sequence)
		}
	}
	// The past one stays as sent.
	if diff := cmp.Diff([]string{"no-op old/pair/a/session/0"}, addrs(p.Frozen)); diff != "" {
		t.Errorf("frozen (-want +got):\n%s", diff)
	}
}

func TestBuildFreezesThePast(t *testing.T) {
	pastR, movedOut, movedIn := res("p/pair/a/session/1", past), res("p/pair/a/session/2", past), res("p/pair/a/session/3", future)
	st := state.New("l")
	for _, r := range []resource.Resource{pastR, movedOut, movedIn, res("p/pair/a/session/4", past)} {
		st.Resources[r.Address] = entry(r, 1)
	}
	// Session 1 changes title, 2 moves from the past into the future, 3
	// from the future into the past, 4 is no longer declared, and a new
	// session 0 lies in the past.
	pastR.Title = "changed"
	movedOut.Start, movedOut.End = future, future.Add(time.Hour)
	movedIn.Start, movedIn.End = past, past.Add(time.Hour)
	p := plan.Build(desired([]string{"p"}, res("p/pair/a/session/0", past), pastR, movedOut, movedIn), st, plan.Options{Now: now})
	if p.HasChanges() {
		t.Errorf("past resources in changes: %v", addrs(p.Changes))
	}
	want := []string{"no-op p/pair/a/session/1", "no-op p/pair/a/session/2", "no-op p/pair/a/session/3", "no-op p/pair/a/session/4"}
	if diff := cmp.Diff(want, addrs(p.Frozen)); diff != "" {
		t.Errorf("frozen (-want +got):\n%s", diff)
	}
	if p.Summary.Frozen != 4 || p.Summary.Create != 0 {
		t.Errorf("summary %+v", p.Summary)
	}
}

func TestBuildMoves(t *testing.T) {
	old := res("p/pair/a/session/1", future)
	st := state.New("l")
	st.Resources[old.Address] = entry(old, 2)

	renamed := old
	renamed.Address = "p/pair/b/session/1"
	renamed.UID = resource.UID(renamed.Address) // Expand derives it from the new address
	moves := []plan.Moved{{From: "p/pair/a", To: "p/pair/b"}}
	d := desired([]string{"p"}, renamed)
	d.Moves = moves
	p := plan.Build(d, st, plan.Options{Now: now})
	if len(p.Changes) != 1 {
		t.Fatalf("changes %v", addrs(p.Changes))
	}
	c := p.Changes[0]
	if c.Action != plan.Move || c.MovedFrom != old.Address || c.UID != old.UID || c.Sequence != 2 || c.After.UID != old.UID {
		t.Errorf("move: %+v", c)
	}

	// Renamed and changed: an update at the new address, SEQUENCE raised.
	changed := renamed
	changed.Title = "new title"
	d = desired([]string{"p"}, changed)
	d.Moves = moves
	p = plan.Build(d, st, plan.Options{Now: now})
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Update || p.Changes[0].Sequence != 3 || p.Changes[0].UID != old.UID ||
		p.Changes[0].Reason != "renamed from p/pair/a/session/1; title changed" {
		t.Errorf("renamed update: %+v", p.Changes)
	}

	// An apply that died between recording the new address and dropping
	// the old one left both, with one UID: one resource, nothing to cancel.
	e := *st.Resources[old.Address]
	e.Address = renamed.Address
	st.Resources[renamed.Address] = &e
	d = desired([]string{"p"}, renamed)
	d.Moves = moves
	p = plan.Build(d, st, plan.Options{Now: now})
	if p.HasChanges() {
		t.Errorf("half-applied move: %v", addrs(p.Changes))
	}
}

func TestBuildRemovedAttendees(t *testing.T) {
	r := res("p/pair/a/session/1", future)
	st := state.New("l")
	st.Resources[r.Address] = entry(r, 0)
	r.Attendees = []resource.Attendee{
		{ID: "a", Name: "A", Email: "A.New@example.com", Role: resource.Mentor},
		{ID: "b", Name: "B", Email: "B@EXAMPLE.com", Role: resource.Mentee}, // only the case changed
	}
	p := plan.Build(desired([]string{"p"}, r), st, plan.Options{Now: now})
	if len(p.Changes) != 1 {
		t.Fatalf("changes %v", addrs(p.Changes))
	}
	want := []resource.Attendee{{ID: "a", Name: "A", Email: "a@example.com", Role: resource.Mentor}}
	if diff := cmp.Diff(want, p.Changes[0].Removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	wantImpact := []plan.Impact{
		{Person: "a", Name: "A", Email: "A.New@example.com", Send: 1},
		{Person: "a", Name: "A", Email: "a@example.com", Cancel: 1},
		{Person: "b", Name: "B", Email: "B@EXAMPLE.com", Update: 1},
	}
	if diff := cmp.Diff(wantImpact, p.Impact); diff != "" {
		t.Errorf("impact (-want +got):\n%s", diff)
	}
}
