package plan_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/apply"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target"
	"github.com/rmctl/rmctl/engine/view"
)

var driftNow = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)

func driftSession(n int, start time.Time) resource.Resource {
	addr := resource.Address("p", "pair", "a", "session", string(rune('0'+n)))
	return resource.Resource{
		Address: addr, UID: resource.UID(addr), Kind: resource.Session, Program: "p", Title: "Session",
		Description: "Agenda", Start: start, End: start.Add(time.Hour), Timezone: "Europe/Berlin", Language: "en",
		Organizer: resource.Contact{Name: "Org", Email: "org@example.com"},
		Attendees: []resource.Attendee{{ID: "anna", Name: "Anna", Email: "anna@example.com", Role: resource.Mentor}},
	}
}

// applied returns the desired resources and a state that has them applied.
func driftApplied(rs ...resource.Resource) (*plan.Desired, *state.State) {
	st := state.New("lineage")
	for _, r := range rs {
		st.Resources[r.Address] = &state.Entry{Address: r.Address, UID: r.UID, Hash: r.Hash(), Sequence: 1, Snapshot: r.Snapshot(),
			Refs: []state.Ref{{Target: "caldav", Calendar: "https://h/c/", Href: "https://h/c/x.ics", ETag: "e1"}}}
	}
	return &plan.Desired{Programs: []string{"p"}, Resources: rs}, st
}

func movedBy(r resource.Resource, d time.Duration, seq int) plan.Observation {
	return plan.Observation{Address: r.Address, UID: r.UID,
		Fields: []plan.FieldChange{{Field: "start", Old: "old", New: "new"}, {Field: "end", Old: "old", New: "new"}},
		Start:  r.Start.Add(d), End: r.End.Add(d), Sequence: seq,
		Refs: []state.Ref{{Target: "caldav", Calendar: "https://h/c/", Href: "https://h/c/x.ics", ETag: "e2"}}}
}

func TestDriftPolicies(t *testing.T) {
	r := driftSession(1, driftNow.Add(30*24*time.Hour))
	d, st := driftApplied(r)
	moved := movedBy(r, 2*time.Hour, 3)
	deleted := plan.Observation{Address: r.Address, UID: r.UID, Missing: true, MissingIn: []string{"https://h/c/"}}
	edited := plan.Observation{Address: r.Address, UID: r.UID, Start: r.Start, End: r.End,
		Fields: []plan.FieldChange{{Field: "title", Old: "Session", New: "Sesion"}}}

	for _, tc := range []struct {
		name       string
		policy     plan.DriftPolicy
		obs        plan.Observation
		action     plan.Action // "" for no change
		reason     string
		resolution string
		seq        int
	}{
		{"restore moved", plan.Restore, moved, plan.Update, "moved on the server by someone: restoring", "restore", 4},
		{"default is restore", "", moved, plan.Update, "moved on the server by someone: restoring", "restore", 4},
		{"restore deleted", plan.Restore, deleted, plan.Update, "deleted on the server: restoring", "restore", 2},
		{"restore edited", plan.Restore, edited, plan.Update, "changed on the server by someone (title): restoring", "restore", 2},
		{"report moved", plan.Report, moved, "", "", "report", 0},
		{"accept moved", plan.Accept, moved, plan.Adopt, "moved on the server by someone: accepting the calendar's time", "accept", 1},
		{"accept deleted reports", plan.Accept, deleted, "", "", "report", 0},
		{"accept edited reports", plan.Accept, edited, "", "", "report", 0},
		{"unknown policy reports", "whatever", moved, "", "", "report", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := plan.Build(d, st, plan.Options{Now: driftNow, Observed: []plan.Observation{tc.obs}, Drift: tc.policy})
			if len(p.Drift) != 1 || p.Drift[0].Resolution != tc.resolution || p.Drift[0].Address != r.Address {
				t.Fatalf("drift %+v, want one with resolution %s", p.Drift, tc.resolution)
			}
			if tc.action == "" {
				if p.HasChanges() || p.Unchanged != 1 {
					t.Fatalf("changes %+v, unchanged %d; want none", p.Changes, p.Unchanged)
				}
				return
			}
			if len(p.Changes) != 1 {
				t.Fatalf("changes %+v", p.Changes)
			}
			c := p.Changes[0]
			if c.Action != tc.action || c.Reason != tc.reason || c.Sequence != tc.seq {
				t.Fatalf("change %s %q seq %d, want %s %q seq %d", c.Action, c.Reason, c.Sequence, tc.action, tc.reason, tc.seq)
			}
			if c.Action == plan.Adopt && (c.Observed == nil || !c.Observed.Start.Equal(moved.Start)) {
				t.Fatalf("adopt carries %+v", c.Observed)
			}
			if tc.action == plan.Adopt && p.Summary.Adopt != 1 || tc.action == plan.Update && p.Summary.Update != 1 {
				t.Fatalf("summary %+v", p.Summary)
			}
		})
	}
}

func TestDriftWithDeclaredChange(t *testing.T) {
	r := driftSession(1, driftNow.Add(30*24*time.Hour))
	d, st := driftApplied(r)
	d.Resources[0].Title = "Renamed"
	p := plan.Build(d, st, plan.Options{Now: driftNow, Observed: []plan.Observation{movedBy(r, time.Hour, 7)}, Drift: plan.Accept})
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Update || p.Changes[0].Sequence != 8 {
		t.Fatalf("changes %+v: want one update with SEQUENCE above the server's", p.Changes)
	}
	if len(p.Drift) != 1 || p.Drift[0].Resolution != "update" {
		t.Fatalf("drift %+v", p.Drift)
	}
}

func TestDriftLeavesThePastAlone(t *testing.T) {
	r := driftSession(1, driftNow.Add(-24*time.Hour))
	d, st := driftApplied(r)
	p := plan.Build(d, st, plan.Options{Now: driftNow, Observed: []plan.Observation{movedBy(r, time.Hour, 1)}})
	if p.HasChanges() || len(p.Drift) != 0 {
		t.Fatalf("past resource: changes %+v drift %+v", p.Changes, p.Drift)
	}
}

// memStore is an apply.Store in memory.
type memStore struct{ ops []state.Op }

func (m *memStore) Record(_ context.Context, op state.Op) error {
	m.ops = append(m.ops, op)
	return nil
}
func (m *memStore) Write(_ context.Context, _ *state.State) error { return nil }

// noTarget fails every delivery: adopting must not send anything.
type noTarget struct{}

func (noTarget) Deliver(context.Context, target.Delivery) ([]state.Ref, error) {
	return nil, errors.New("delivered")
}

// TestAcceptSticks applies an accepted move and checks that later plans
// keep the calendar's time until the declaration changes.
func TestAcceptSticks(t *testing.T) {
	r := driftSession(1, driftNow.Add(30*24*time.Hour))
	d, st := driftApplied(r)
	moved := movedBy(r, 2*time.Hour, 1)
	p := plan.Build(d, st, plan.Options{Now: driftNow, Observed: []plan.Observation{moved}, Drift: plan.Accept})
	res, err := apply.Apply(context.Background(), p, st, &memStore{}, noTarget{}, apply.Options{Now: func() time.Time { return driftNow }})
	if err != nil || res.Adopted != 1 {
		t.Fatalf("apply: %v, %+v", err, res)
	}
	e := st.Resources[r.Address]
	if !e.Snapshot.Start.Equal(moved.Start) || !e.Snapshot.End.Equal(moved.End) || e.DeclaredHash != r.Hash() ||
		e.Hash != e.Snapshot.Hash() || e.Refs[0].ETag != "e2" || e.Sequence != 1 {
		t.Fatalf("entry after accept: %+v", e)
	}
	// Nothing to do afterwards, refreshed (the server matches) or not.
	for _, obs := range [][]plan.Observation{nil, {}} {
		if p := plan.Build(d, st, plan.Options{Now: driftNow, Observed: obs, Drift: plan.Restore}); p.HasChanges() {
			t.Fatalf("after accept: %+v", p.Changes)
		}
	}
	// The declaration changes: an update from the accepted time.
	d.Resources[0].Location = "Room 2"
	p = plan.Build(d, st, plan.Options{Now: driftNow})
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Update {
		t.Fatalf("declared change after accept: %+v", p.Changes)
	}
	var fields []string
	for _, f := range p.Changes[0].Fields {
		fields = append(fields, f.Field)
	}
	if got := strings.Join(fields, ","); got != "start,location" {
		t.Fatalf("fields %s, want start (accepted → declared) and location", got)
	}
}

// fakeObserver records what it was asked about.
type fakeObserver struct{ asked []string }

func (f *fakeObserver) Observe(_ context.Context, es []*state.Entry) ([]plan.Observation, error) {
	for _, e := range es {
		f.asked = append(f.asked, e.Address)
	}
	return nil, nil
}

func TestRefreshSelects(t *testing.T) {
	past, a, b := driftSession(1, driftNow.Add(-time.Hour)), driftSession(2, driftNow.Add(time.Hour)), driftSession(3, driftNow.Add(2*time.Hour))
	_, st := driftApplied(past, a, b)
	f := &fakeObserver{}
	obs, err := plan.Refresh(context.Background(), f, st, plan.Options{Now: driftNow, Excludes: []string{b.Address}})
	if err != nil {
		t.Fatal(err)
	}
	if obs == nil || len(obs) != 0 {
		t.Fatalf("observations %v: want empty, not nil (nil means no refresh)", obs)
	}
	if strings.Join(f.asked, " ") != a.Address {
		t.Fatalf("asked about %v, want only %s", f.asked, a.Address)
	}
}

func TestDriftRendering(t *testing.T) {
	r := driftSession(1, driftNow.Add(30*24*time.Hour))
	d, st := driftApplied(r)
	p := plan.Build(d, st, plan.Options{Now: driftNow, Observed: []plan.Observation{movedBy(r, time.Hour, 1)}, Drift: plan.Report})
	var text, md strings.Builder
	view.DriftText(&text, p, false)
	view.DriftMarkdown(&md, p)
	for _, want := range []string{r.Address, "moved on the server; reported only", "start: old → new (on the server)"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if !strings.Contains(md.String(), "| `!` | `"+r.Address+"` | moved: start: old → new; end: old → new | reported only, left as it is |") {
		t.Errorf("markdown:\n%s", md.String())
	}
}
