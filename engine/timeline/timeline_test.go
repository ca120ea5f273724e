package timeline_test

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/timeline"
	"github.com/rmctl/rmctl/internal/testprog"
	"github.com/rmctl/rmctl/schema"
)

// sentAll is the state after applying progs: every declared resource sent.
func sentAll(progs []*schema.Program) *state.State {
	st := state.New("00000000-0000-4000-8000-000000000001")
	for _, r := range engine.Expand(progs).Resources {
		st.Resources[r.Address] = &state.Entry{Address: r.Address, UID: r.UID, Hash: r.Hash(), Snapshot: r.Snapshot()}
	}
	return st
}

func build(t *testing.T, f testprog.Files, st *state.State, now time.Time) *timeline.Timeline {
	t.Helper()
	progs := f.Load(t)
	return timeline.Build(progs, st, engine.Expand(progs), now)
}

func pair(t *testing.T, tl *timeline.Timeline, id string) timeline.Pair {
	t.Helper()
	for _, p := range tl.Programs[0].Pairs {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no pair %s", id)
	return timeline.Pair{}
}

var now = time.Date(2027, time.April, 20, 9, 0, 0, 0, time.UTC)

// Without state every session is planned; past ones count as taken place.
func TestDeclarationsOnly(t *testing.T) {
	tl := build(t, testprog.Demo(), nil, now)
	p := pair(t, tl, "klaus-anna")
	if len(p.Sessions) != 3 {
		t.Fatalf("%d sessions, want 3", len(p.Sessions))
	}
	for i, s := range p.Sessions {
		if s.Status != timeline.Planned || s.InState {
			t.Errorf("session %d: %s (in state %v), want planned", s.Number, s.Status, s.InState)
		}
		wantPast := i < 2 // 03-09 and 04-13 lie before 04-20
		if s.Past != wantPast || s.Taken() != wantPast {
			t.Errorf("session %d: past %v taken %v, want %v", s.Number, s.Past, s.Taken(), wantPast)
		}
		for _, r := range s.Replies {
			if r.PartStat != timeline.Unknown {
				t.Errorf("session %d: %s replied %s, want unknown", s.Number, r.Person, r.PartStat)
			}
		}
	}
	if got := p.Sessions[1].Start.Format("2006-01-02 15:04 MST"); got != "2027-04-13 16:00 CEST" {
		t.Errorf("session 2 at %s", got)
	}
	if len(p.Tutorials) != 4 {
		t.Errorf("%d tutorials, want 4", len(p.Tutorials))
	}
	ev := tl.Programs[0].Events
	if len(ev) != 2 || ev[0].ID != "kickoff" || !ev[0].Past || ev[1].Past {
		t.Errorf("events %+v, want kickoff (past) then closing", ev)
	}
}

// After an apply the declarations change: a session is moved but not re-sent
// (pending, still at the sent time), one is skipped, a pair is paused.
func TestStateWins(t *testing.T) {
	base := testprog.Demo()
	st := sentAll(base.Load(t))
	edited := base.Edit(t, "pairs.cue",
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller"}`,
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", sessions: {"2": skip: true, "3": date: "2027-05-12"}}`).
		Edit(t, "pairs.cue",
			`"petra-ben": {mentor: "ben.weber", mentee: "petra.lang"}`,
			`"petra-ben": {mentor: "ben.weber", mentee: "petra.lang", status: "paused"}`)
	tl := build(t, edited, st, now)

	ka := pair(t, tl, "klaus-anna")
	want := []struct {
		status      timeline.Status
		moved, past bool
		start       string
	}{
		{timeline.Sent, false, true, "2027-03-09"},
		{timeline.Skipped, false, true, "2027-04-13"},
		{timeline.Pending, true, false, "2027-05-11"}, // what calendars hold until the next apply
	}
	for i, w := range want {
		s := ka.Sessions[i]
		if s.Status != w.status || s.Moved != w.moved || s.Past != w.past || s.Start.Format(time.DateOnly) != w.start || !s.InState {
			t.Errorf("klaus-anna session %d: %s moved %v past %v at %s in state %v, want %s %v %v %s",
				s.Number, s.Status, s.Moved, s.Past, s.Start.Format(time.DateOnly), s.InState, w.status, w.moved, w.past, w.start)
		}
	}
	if ka.Sessions[1].Taken() {
		t.Error("a skipped session counts as taken place")
	}

	pb := pair(t, tl, "petra-ben")
	if pb.Status != schema.StatusPaused {
		t.Errorf("petra-ben status %s", pb.Status)
	}
	// Session 1 happened before the pause; the later ones are paused.
	for i, w := range []timeline.Status{timeline.Sent, timeline.Sent, timeline.Paused} {
		if s := pb.Sessions[i]; s.Status != w {
			t.Errorf("petra-ben session %d: %s, want %s", s.Number, s.Status, w)
		}
	}
	if !pb.Sessions[0].Taken() || pb.Sessions[2].Taken() {
		t.Errorf("petra-ben taken: %v %v %v", pb.Sessions[0].Taken(), pb.Sessions[1].Taken(), pb.Sessions[2].Taken())
	}
	var pausedTutorials int
	for _, a := range pb.Tutorials {
		if a.Status == timeline.Paused {
			pausedTutorials++
		}
	}
	if pausedTutorials != 2 { // "practice" for both, due before session 3
		t.Errorf("%d paused tutorials of petra-ben, want 2: %+v", pausedTutorials, pb.Tutorials)
	}
}

// Warnings land on the session or pair their path names, in the program
// whose directory holds the file.
func TestWarn(t *testing.T) {
	progs := testprog.Demo().Load(t)
	tl := timeline.Build(progs, nil, engine.Expand(progs), now)
	timeline.Warn(tl, progs, schema.Diagnostics{
		{Severity: schema.Warning, Pos: schema.Pos{Filename: "demo/pairs.cue", Line: 4}, Path: "pairs.klaus-anna.sessions.2.date", Message: "session 2 falls on a public holiday"},
		{Severity: schema.Warning, Pos: schema.Pos{Filename: "demo/pairs.cue", Line: 5}, Path: `pairs."petra-ben".mentor`, Message: "same department"},
		{Severity: schema.Warning, Pos: schema.Pos{Filename: "demo/pairs.cue"}, Path: "pairs.nobody.mentor", Message: "a pair not drawn"},
		{Severity: schema.Error, Pos: schema.Pos{Filename: "demo/pairs.cue"}, Path: "pairs.klaus-anna", Message: "an error"},
		{Severity: schema.Warning, Pos: schema.Pos{Filename: "demo/program.cue"}, Path: "program.tutorials.guide", Message: "unused"},
	})
	ka, pb := pair(t, tl, "klaus-anna"), pair(t, tl, "petra-ben")
	if got := ka.Sessions[1].Warnings; len(got) != 1 || got[0] != "session 2 falls on a public holiday" {
		t.Errorf("klaus-anna session 2 warnings %q", got)
	}
	if len(ka.Sessions[0].Warnings)+len(ka.Sessions[2].Warnings) != 0 || len(ka.Warnings) != 0 {
		t.Errorf("warnings where none belong: %q %q %q", ka.Sessions[0].Warnings, ka.Sessions[2].Warnings, ka.Warnings)
	}
	if len(pb.Warnings) != 1 || pb.Warnings[0] != "same department" {
		t.Errorf("petra-ben warnings %q", pb.Warnings)
	}
}

// TestRepliesFromState: answers recorded by `rmctl sync replies` show on
// the session; a tentative answer and no answer are unknown.
func TestRepliesFromState(t *testing.T) {
	base := testprog.Demo()
	st := sentAll(base.Load(t))
	st.Resources["demo-2027/pair/klaus-anna/session/3"].Replies = &state.Replies{By: map[string]state.Reply{
		"anna.schmidt":  {PartStat: "DECLINED"},
		"klaus.mueller": {PartStat: "TENTATIVE"},
	}}
	st.Resources["demo-2027/pair/klaus-anna/session/1"].Replies = &state.Replies{By: map[string]state.Reply{
		"klaus.mueller": {PartStat: "ACCEPTED"},
	}}
	ka := pair(t, build(t, base, st, now), "klaus-anna")
	got := map[string]timeline.PartStat{}
	for _, s := range ka.Sessions {
		for _, r := range s.Replies {
			got[fmt.Sprintf("%d/%s", s.Number, r.Person)] = r.PartStat
		}
	}
	want := map[string]timeline.PartStat{
		"1/anna.schmidt": timeline.Unknown, "1/klaus.mueller": timeline.Accepted,
		"2/anna.schmidt": timeline.Unknown, "2/klaus.mueller": timeline.Unknown,
		"3/anna.schmidt": timeline.Declined, "3/klaus.mueller": timeline.Unknown,
	}
	if !maps.Equal(got, want) {
		t.Errorf("replies %v, want %v", got, want)
	}
}
