package report_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/report"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/timeline"
	"github.com/rmctl/rmctl/internal/testprog"
	"github.com/rmctl/rmctl/schema"
)

func sentAll(progs []*schema.Program) *state.State {
	st := state.New("00000000-0000-4000-8000-000000000001")
	for _, r := range engine.Expand(progs).Resources {
		st.Resources[r.Address] = &state.Entry{Address: r.Address, UID: r.UID, Hash: r.Hash(), Snapshot: r.Snapshot()}
	}
	return st
}

// The fixture is applied, then klaus-anna skips session 2 and petra-ben is
// paused; the report is made on 2027-04-20, after sessions 1 and 2.
func TestCounts(t *testing.T) {
	base := testprog.Demo()
	st := sentAll(base.Load(t))
	edited := base.Edit(t, "pairs.cue",
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller"}`,
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", sessions: "2": skip: true}`).
		Edit(t, "pairs.cue",
			`"petra-ben": {mentor: "ben.weber", mentee: "petra.lang"}`,
			`"petra-ben": {mentor: "ben.weber", mentee: "petra.lang", status: "paused"}`)
	progs := edited.Load(t)
	at := time.Date(2027, time.April, 20, 9, 0, 0, 0, time.UTC)
	r := report.Build(timeline.Build(progs, st, engine.Expand(progs), at))

	if len(r.Programs) != 1 {
		t.Fatalf("%d programs", len(r.Programs))
	}
	p := r.Programs[0]
	pairs := map[string]report.Counts{}
	for _, pr := range p.Pairs {
		pairs[pr.ID] = pr.Counts
	}
	// klaus-anna: 1 and 3 planned, 2 skipped; all three were sent; only 1 is
	// over and not skipped. Replies: 2 attendees × 3 sent sessions, unknown.
	// Tutorials: basics, guide (session 1) and practice ×2 (session 3).
	want := map[string]report.Counts{
		"klaus-anna": {Planned: 2, Sent: 3, Taken: 1, Skipped: 1, NoReply: 6, Tutorials: 4},
		// petra-ben: 1 and 2 happened before the pause, 3 is cancelled with
		// its "practice" tutorials.
		"petra-ben": {Planned: 2, Sent: 3, Taken: 2, Cancelled: 1, NoReply: 6, Tutorials: 2},
	}
	if diff := cmp.Diff(want, pairs); diff != "" {
		t.Errorf("pair counts (-want +got):\n%s", diff)
	}
	total := report.Counts{Planned: 4, Sent: 6, Taken: 3, Skipped: 1, Cancelled: 1, NoReply: 12, Tutorials: 6}
	if diff := cmp.Diff(total, p.Totals); diff != "" {
		t.Errorf("program totals (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(total, r.Totals); diff != "" {
		t.Errorf("report totals (-want +got):\n%s", diff)
	}
	// People carry their pair's sessions, their own replies and tutorials.
	var anna report.Person
	for _, pp := range p.People {
		if pp.ID == "anna.schmidt" {
			anna = pp
		}
	}
	wantAnna := report.Person{ID: "anna.schmidt", Roles: []string{"mentor"}, Pairs: []string{"klaus-anna"},
		Counts: report.Counts{Planned: 2, Sent: 3, Taken: 1, Skipped: 1, NoReply: 3, Tutorials: 2}}
	if diff := cmp.Diff(wantAnna, anna); diff != "" {
		t.Errorf("anna.schmidt (-want +got):\n%s", diff)
	}
	if p.Events != 2 || p.EventsSent != 2 || p.EventsPast != 1 {
		t.Errorf("events %d sent %d past %d, want 2 2 1", p.Events, p.EventsSent, p.EventsPast)
	}
}

// Without state nothing was sent, and nothing has replies.
func TestNothingSent(t *testing.T) {
	progs := testprog.Demo().Load(t)
	at := time.Date(2027, time.April, 20, 9, 0, 0, 0, time.UTC)
	r := report.Build(timeline.Build(progs, nil, engine.Expand(progs), at))
	want := report.Counts{Planned: 6, Taken: 4, Tutorials: 8}
	if diff := cmp.Diff(want, r.Totals); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
}
