package view_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/apply"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/redact"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target/outbox"
	"github.com/rmctl/rmctl/engine/view"
	"github.com/rmctl/rmctl/internal/testprog"
	"github.com/rmctl/rmctl/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Fixed clocks: the "before" version is applied at applyNow, plans are made
// at applyNow unless a scenario says otherwise.
var applyNow = time.Date(2027, time.January, 15, 9, 0, 0, 0, time.UTC)

const lineage = "00000000-0000-4000-8000-000000000001"

// The fixture program is internal/testprog's: 16 resources.
type files = testprog.Files

func baseFiles() files { return testprog.Demo() }

func load(t *testing.T, f files) []*schema.Program { return f.Load(t) }

// applied is a workspace whose "before" version was applied for real.
type applied struct {
	dir    string
	store  *state.Local
	state  *state.State // re-read from disk after the apply
	outbox string
}

func fixedClock() time.Time { return applyNow }

// applyBefore applies f (nil: nothing) into fresh state and outbox folders.
func applyBefore(t *testing.T, f files) *applied {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	a := &applied{dir: dir, outbox: filepath.Join(dir, "outbox")}
	a.store = state.NewLocal(filepath.Join(dir, "state.json"), state.LocalOptions{
		Now: fixedClock, NewLineage: func() string { return lineage },
	})
	st, err := a.store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f != nil {
		p := plan.Build(engine.Expand(load(t, f)), st, plan.Options{Now: applyNow})
		tgt, err := outbox.New(a.outbox, outbox.Options{Now: fixedClock})
		if err != nil {
			t.Fatal(err)
		}
		res, err := apply.Apply(ctx, p, st, a.store, tgt, apply.Options{Now: fixedClock})
		if err != nil {
			t.Fatalf("applying the before version: %v", err)
		}
		if res.Sent != len(p.Changes) {
			t.Fatalf("applying the before version sent %d of %d", res.Sent, len(p.Changes))
		}
	}
	if a.state, err = a.store.Read(ctx); err != nil {
		t.Fatal(err)
	}
	return a
}

// scenario: the base fixture is applied (nothing for new-program), then
// after is planned at now.
type scenario struct {
	name  string
	after func(t *testing.T) files
	now   time.Time // plan time; applyNow if zero
	check func(t *testing.T, p *plan.Plan, a *applied)
}

var scenarios = []scenario{
	{
		name:  "new-program",
		after: func(*testing.T) files { return baseFiles() },
		check: func(t *testing.T, p *plan.Plan, a *applied) {
			wantSummary(t, p, plan.Summary{Create: 16})
			if p.Lineage != lineage || p.Serial != 0 {
				t.Errorf("plan from lineage %q serial %d, want %q serial 0", p.Lineage, p.Serial, lineage)
			}
			var want []string
			for _, pair := range []string{"klaus-anna", "petra-ben"} {
				for n := 1; n <= 3; n++ {
					want = append(want, fmt.Sprintf("demo-2027/pair/%s/session/%d", pair, n))
				}
			}
			want = append(want,
				"demo-2027/event/closing", "demo-2027/event/kickoff",
				"demo-2027/pair/klaus-anna/tutorial/basics/klaus.mueller",
				"demo-2027/pair/klaus-anna/tutorial/guide/anna.schmidt",
				"demo-2027/pair/klaus-anna/tutorial/practice/anna.schmidt",
				"demo-2027/pair/klaus-anna/tutorial/practice/klaus.mueller",
				"demo-2027/pair/petra-ben/tutorial/basics/petra.lang",
				"demo-2027/pair/petra-ben/tutorial/guide/ben.weber",
				"demo-2027/pair/petra-ben/tutorial/practice/ben.weber",
				"demo-2027/pair/petra-ben/tutorial/practice/petra.lang",
			)
			wantChanges(t, p, plan.Create, want...)
			s := change(t, p, "demo-2027/pair/klaus-anna/session/2")
			if got := plan.FormatTime(s.After.Start, s.After.Timezone); got != "Tue 2027-04-13 16:00 CEST" {
				t.Errorf("session 2 at %s", got)
			}
			wantImpact(t, p, []plan.Impact{
				{Person: "anna.schmidt", Name: "Anna Schmidt", Email: "anna.schmidt@example.com", Send: 7},
				{Person: "ben.weber", Name: "Ben Weber", Email: "ben.weber@example.com", Send: 7},
				{Person: "klaus.mueller", Name: "Klaus Müller", Email: "klaus.mueller@example.com", Send: 7},
				{Person: "petra.lang", Name: "Petra Lang", Email: "petra.lang@example.com", Send: 7},
			})
		},
	},
	{
		name: "changed-template",
		after: func(t *testing.T) files {
			return baseFiles().Edit(t, "program.cue",
				`{title: "Collaboration", topics: ["Communities"]`,
				`{title: "Social collaboration", topics: ["Communities", "Working out loud"]`)
		},
		check: func(t *testing.T, p *plan.Plan, a *applied) {
			wantSummary(t, p, plan.Summary{Update: 2, Unchanged: 14})
			wantChanges(t, p, plan.Update, "demo-2027/pair/klaus-anna/session/2", "demo-2027/pair/petra-ben/session/2")
			c := change(t, p, "demo-2027/pair/klaus-anna/session/2")
			wantFields(t, c, []plan.FieldChange{
				{Field: "title", Old: "Reverse Mentoring: Collaboration (Anna Schmidt & Klaus Müller)", New: "Reverse Mentoring: Social collaboration (Anna Schmidt & Klaus Müller)"},
				{Field: "description", Old: "(previous text)", New: "(new text)"},
			})
			if c.Reason != "title, description changed" {
				t.Errorf("reason %q", c.Reason)
			}
			if !strings.Contains(c.After.Description, "- Working out loud\n") {
				t.Errorf("new topic missing from the description:\n%s", c.After.Description)
			}
		},
	},
	{
		name: "moved-session",
		after: func(t *testing.T) files {
			return baseFiles().Edit(t, "pairs.cue",
				`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller"}`,
				`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", sessions: "2": {date: "2027-04-15", time: "10:00"}}`)
		},
		check: func(t *testing.T, p *plan.Plan, a *applied) {
			wantSummary(t, p, plan.Summary{Update: 1, Unchanged: 15})
			wantChanges(t, p, plan.Update, "demo-2027/pair/klaus-anna/session/2")
			c := change(t, p, "demo-2027/pair/klaus-anna/session/2")
			wantFields(t, c, []plan.FieldChange{
				{Field: "start", Old: "Tue 2027-04-13 16:00 CEST", New: "Thu 2027-04-15 10:00 CEST"},
			})
			if c.Reason != "start changed" {
				t.Errorf("reason %q", c.Reason)
			}
			if c.UID != resource.UID("demo-2027/pair/klaus-anna/session/2") {
				t.Errorf("moved session has UID %s", c.UID)
			}
			if !c.After.Start.Equal(time.Date(2027, 4, 15, 8, 0, 0, 0, time.UTC)) || !c.After.End.Equal(time.Date(2027, 4, 15, 9, 0, 0, 0, time.UTC)) {
				t.Errorf("moved session at %v–%v", c.After.Start, c.After.End)
			}
		},
	},
	{
		name: "pair-removed",
		after: func(t *testing.T) files {
			f := baseFiles().Edit(t, "pairs.cue", "\t\"petra-ben\": {mentor: \"ben.weber\", mentee: \"petra.lang\"}\n", "")
			f = f.Edit(t, "people.cue", "\t\"ben.weber\": {name: \"Ben Weber\", email: \"ben.weber@example.com\", department: \"IT\"}\n", "")
			return f.Edit(t, "people.cue", "\t\"petra.lang\": {name: \"Petra Lang\", email: \"petra.lang@example.com\", department: \"Finance\"}\n", "")
		},
		check: func(t *testing.T, p *plan.Plan, a *applied) {
			wantSummary(t, p, plan.Summary{Update: 2, Cancel: 7, Unchanged: 7})
			wantChanges(t, p, plan.Cancel,
				"demo-2027/pair/petra-ben/session/1", "demo-2027/pair/petra-ben/session/2", "demo-2027/pair/petra-ben/session/3",
				"demo-2027/pair/petra-ben/tutorial/basics/petra.lang", "demo-2027/pair/petra-ben/tutorial/guide/ben.weber",
				"demo-2027/pair/petra-ben/tutorial/practice/ben.weber", "demo-2027/pair/petra-ben/tutorial/practice/petra.lang")
			wantChanges(t, p, plan.Update, "demo-2027/event/closing", "demo-2027/event/kickoff")
			for _, c := range p.Changes {
				if c.Action == plan.Cancel && c.Reason != "pair petra-ben was removed" {
					t.Errorf("%s: reason %q", c.Address, c.Reason)
				}
			}
			ev := change(t, p, "demo-2027/event/kickoff")
			wantFields(t, ev, []plan.FieldChange{{
				// Who is no longer invited → who is newly invited.
				Field: "attendees",
				Old:   "Ben Weber <ben.weber@example.com>, Petra Lang <petra.lang@example.com>",
				New:   "",
			}})
			wantRemoved(t, ev, "ben.weber@example.com", "petra.lang@example.com")
			wantImpact(t, p, []plan.Impact{
				{Person: "anna.schmidt", Name: "Anna Schmidt", Email: "anna.schmidt@example.com", Update: 2},
				{Person: "ben.weber", Name: "Ben Weber", Email: "ben.weber@example.com", Cancel: 7},
				{Person: "klaus.mueller", Name: "Klaus Müller", Email: "klaus.mueller@example.com", Update: 2},
				{Person: "petra.lang", Name: "Petra Lang", Email: "petra.lang@example.com", Cancel: 7},
			})
			// 7 of 16 managed resources: refused at the default 25 %.
			if err := apply.CancelGuard(p, len(a.state.Resources), 25); err == nil {
				t.Errorf("CancelGuard allowed cancelling 7 of 16 at 25%%")
			}
			if err := apply.CancelGuard(p, len(a.state.Resources), 50); err != nil {
				t.Errorf("CancelGuard at 50%%: %v", err)
			}
		},
	},
	{
		name: "email-changed",
		after: func(t *testing.T) files {
			return baseFiles().Edit(t, "people.cue", `email: "anna.schmidt@example.com"`, `email: "anna.schmidt@newco.example.com"`)
		},
		check: func(t *testing.T, p *plan.Plan, a *applied) {
			want := []string{
				"demo-2027/event/closing", "demo-2027/event/kickoff",
				"demo-2027/pair/klaus-anna/session/1", "demo-2027/pair/klaus-anna/session/2", "demo-2027/pair/klaus-anna/session/3",
				"demo-2027/pair/klaus-anna/tutorial/guide/anna.schmidt", "demo-2027/pair/klaus-anna/tutorial/practice/anna.schmidt",
			}
			wantSummary(t, p, plan.Summary{Update: 7, Unchanged: 9})
			wantChanges(t, p, plan.Update, want...)
			for _, addr := range want {
				c := change(t, p, addr)
				wantRemoved(t, c, "anna.schmidt@example.com")
				if len(c.Fields) != 1 || c.Fields[0].Field != "attendees" {
					t.Errorf("%s: fields %+v, want only attendees", addr, c.Fields)
				}
			}
			wantImpact(t, p, []plan.Impact{
				{Person: "anna.schmidt", Name: "Anna Schmidt", Email: "anna.schmidt@example.com", Cancel: 7},
				{Person: "anna.schmidt", Name: "Anna Schmidt", Email: "anna.schmidt@newco.example.com", Send: 7},
				{Person: "ben.weber", Name: "Ben Weber", Email: "ben.weber@example.com", Update: 2},
				{Person: "klaus.mueller", Name: "Klaus Müller", Email: "klaus.mueller@example.com", Update: 5},
				{Person: "petra.lang", Name: "Petra Lang", Email: "petra.lang@example.com", Update: 2},
			})
		},
	},
	{
		// Planned on 2027-04-20: sessions 1 and 2 (03-09, 04-13), the
		// kick-off (03-03) and the tutorials of session 1 lie in the past.
		// The slot moves to 15:00, both events move to another room, session
		// 1 of petra-ben is skipped, and a new pair joins late.
		name: "past-sessions",
		now:  time.Date(2027, time.April, 20, 12, 0, 0, 0, time.UTC),
		after: func(t *testing.T) files {
			f := baseFiles().Edit(t, "program.cue", `time: "16:00"`, `time: "15:00"`)
			f = f.Edit(t, "program.cue", `location: "HQ, Room 1"}
		closing`, `location: "HQ, Room 2"}
		closing`)
			f = f.Edit(t, "program.cue", `duration: "2h", location: "HQ, Room 1"}
	}`, `duration: "2h", location: "HQ, Room 2"}
	}`)
			f = f.Edit(t, "pairs.cue",
				`"petra-ben": {mentor: "ben.weber", mentee: "petra.lang"}`,
				`"petra-ben": {mentor: "ben.weber", mentee: "petra.lang", sessions: "1": skip: true}
	"tom-lea": {mentor: "lea.koch", mentee: "tom.braun"}`)
			return f.Edit(t, "people.cue", "department: \"Finance\"}\n}\n", `department: "Finance"}
	"lea.koch": {name: "Lea Koch", email: "lea.koch@example.com", department: "Design"}
	"tom.braun": {name: "Tom Braun", email: "tom.braun@example.com", department: "Sales"}
}
`)
		},
		check: func(t *testing.T, p *plan.Plan, a *applied) {
			now := time.Date(2027, time.April, 20, 12, 0, 0, 0, time.UTC)
			wantChanges(t, p, plan.Update,
				"demo-2027/event/closing",
				"demo-2027/pair/klaus-anna/session/3", "demo-2027/pair/petra-ben/session/3",
				"demo-2027/pair/klaus-anna/tutorial/practice/anna.schmidt", "demo-2027/pair/klaus-anna/tutorial/practice/klaus.mueller",
				"demo-2027/pair/petra-ben/tutorial/practice/ben.weber", "demo-2027/pair/petra-ben/tutorial/practice/petra.lang")
			// The new pair gets only what lies ahead.
			wantChanges(t, p, plan.Create,
				"demo-2027/pair/tom-lea/session/3",
				"demo-2027/pair/tom-lea/tutorial/practice/lea.koch", "demo-2027/pair/tom-lea/tutorial/practice/tom.braun")
			wantChanges(t, p, plan.Cancel)
			var frozen []string
			for _, c := range p.Frozen {
				frozen = append(frozen, c.Address)
				if c.Action != plan.NoOp || !strings.HasPrefix(c.Reason, "in the past: left as it was sent (") {
					t.Errorf("frozen %s: action %q, reason %q", c.Address, c.Action, c.Reason)
				}
			}
			wantFrozen := []string{
				"demo-2027/event/kickoff",
				"demo-2027/pair/klaus-anna/session/1", "demo-2027/pair/klaus-anna/session/2",
				"demo-2027/pair/klaus-anna/tutorial/basics/klaus.mueller", "demo-2027/pair/klaus-anna/tutorial/guide/anna.schmidt",
				"demo-2027/pair/petra-ben/session/1", "demo-2027/pair/petra-ben/session/2",
				"demo-2027/pair/petra-ben/tutorial/basics/petra.lang", "demo-2027/pair/petra-ben/tutorial/guide/ben.weber",
			}
			if diff := cmp.Diff(wantFrozen, frozen); diff != "" {
				t.Errorf("frozen (-want +got):\n%s", diff)
			}
			for _, c := range p.Frozen {
				if c.Address == "demo-2027/pair/petra-ben/session/1" && c.Reason != "in the past: left as it was sent (session 1 is skipped)" {
					t.Errorf("skipped past session: reason %q", c.Reason)
				}
			}
			for _, c := range p.Changes {
				if c.After != nil && c.After.Start.Before(now) || c.Before != nil && c.Before.Start.Before(now) {
					t.Errorf("%s (%s) touches the past", c.Address, c.Action)
				}
			}
			if p.Summary.Frozen != 9 || p.Summary.Update != 7 || p.Summary.Create != 3 || p.Summary.Cancel != 0 {
				t.Errorf("summary %+v", p.Summary)
			}
			if !p.Now.Equal(now) {
				t.Errorf("plan now %v, want %v", p.Now, now)
			}
			s3 := change(t, p, "demo-2027/pair/klaus-anna/session/3")
			wantFields(t, s3, []plan.FieldChange{{Field: "start", Old: "Tue 2027-05-11 16:00 CEST", New: "Tue 2027-05-11 15:00 CEST"}})
		},
	},
	{
		// Planned on 2027-04-20, after session 2 (04-13): klaus-anna is
		// paused, petra-ben ended from that day. Both lose their future
		// sessions; only the ended pair's people leave the closing. The
		// paused pair without an end date no longer declares its past
		// sessions, which stay as sent; the ended pair's end keeps its past
		// declared as it was.
		name: "paused-vs-ended",
		now:  time.Date(2027, time.April, 20, 12, 0, 0, 0, time.UTC),
		after: func(t *testing.T) files {
			f := baseFiles().Edit(t, "pairs.cue", `mentee: "klaus.mueller"}`, `mentee: "klaus.mueller", status: "paused"}`)
			return f.Edit(t, "pairs.cue", `mentee: "petra.lang"}`, `mentee: "petra.lang", status: "ended", end: "2027-04-20"}`)
		},
		check: func(t *testing.T, p *plan.Plan, a *applied) {
			wantChanges(t, p, plan.Cancel,
				"demo-2027/pair/klaus-anna/session/3",
				"demo-2027/pair/klaus-anna/tutorial/practice/anna.schmidt", "demo-2027/pair/klaus-anna/tutorial/practice/klaus.mueller",
				"demo-2027/pair/petra-ben/session/3",
				"demo-2027/pair/petra-ben/tutorial/practice/ben.weber", "demo-2027/pair/petra-ben/tutorial/practice/petra.lang")
			wantChanges(t, p, plan.Update, "demo-2027/event/closing")
			wantChanges(t, p, plan.Create)
			for _, c := range p.Changes {
				want := map[string]string{
					"klaus-anna": "pair klaus-anna is paused",
					"petra-ben":  "pair petra-ben is ended from 2027-04-20",
				}[strings.Split(c.Address, "/")[2]]
				if c.Action == plan.Cancel && c.Reason != want {
					t.Errorf("%s: reason %q, want %q", c.Address, c.Reason, want)
				}
			}
			wantRemoved(t, change(t, p, "demo-2027/event/closing"), "ben.weber@example.com", "petra.lang@example.com")
			var frozen []string
			for _, c := range p.Frozen {
				frozen = append(frozen, c.Address)
			}
			wantFrozen := []string{
				"demo-2027/pair/klaus-anna/session/1", "demo-2027/pair/klaus-anna/session/2",
				"demo-2027/pair/klaus-anna/tutorial/basics/klaus.mueller", "demo-2027/pair/klaus-anna/tutorial/guide/anna.schmidt",
			}
			if diff := cmp.Diff(wantFrozen, frozen); diff != "" {
				t.Errorf("frozen (-want +got):\n%s", diff)
			}
		},
	},
	{
		// A pair joins on 2027-04-20: it gets the whole plan from session
		// 1 on its first slot after that day (05-11), its tutorials before
		// it, and the closing but not the kick-off.
		name: "late-joiner",
		after: func(t *testing.T) files {
			f := baseFiles().Edit(t, "pairs.cue", `mentee: "petra.lang"}`, `mentee: "petra.lang"}
	"tom-lea": {mentor: "lea.koch", mentee: "tom.braun", start: "2027-04-20"}`)
			return f.Edit(t, "people.cue", "department: \"Finance\"}\n}\n", `department: "Finance"}
	"lea.koch": {name: "Lea Koch", email: "lea.koch@example.com", department: "Design"}
	"tom.braun": {name: "Tom Braun", email: "tom.braun@example.com", department: "Sales"}
}
`)
		},
		check: func(t *testing.T, p *plan.Plan, a *applied) {
			wantSummary(t, p, plan.Summary{Create: 7, Update: 1, Unchanged: 15})
			wantChanges(t, p, plan.Create,
				"demo-2027/pair/tom-lea/session/1", "demo-2027/pair/tom-lea/session/2", "demo-2027/pair/tom-lea/session/3",
				"demo-2027/pair/tom-lea/tutorial/basics/tom.braun", "demo-2027/pair/tom-lea/tutorial/guide/lea.koch",
				"demo-2027/pair/tom-lea/tutorial/practice/lea.koch", "demo-2027/pair/tom-lea/tutorial/practice/tom.braun")
			wantChanges(t, p, plan.Update, "demo-2027/event/closing")
			for n, day := range []string{"Tue 2027-05-11 16:00 CEST", "Tue 2027-06-08 16:00 CEST", "Tue 2027-07-13 16:00 CEST"} {
				s := change(t, p, fmt.Sprintf("demo-2027/pair/tom-lea/session/%d", n+1))
				if got := plan.FormatTime(s.After.Start, s.After.Timezone); got != day {
					t.Errorf("session %d at %s, want %s", n+1, got, day)
				}
			}
			if !strings.Contains(change(t, p, "demo-2027/pair/tom-lea/session/1").After.Title, "Social media basics") {
				t.Errorf("the late pair does not start with the first plan entry")
			}
		},
	},
	{
		// Pair klaus-anna gets its own, shorter plan: session 1 by
		// reference to the program's, session 2 its own entry, which hands
		// out "practice" a session earlier; session 3 is no longer held.
		name: "pair-plan",
		after: func(t *testing.T) files {
			return baseFiles().Edit(t, "pairs.cue",
				`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller"}`,
				`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", plan: [program.sessions.plan[0], {title: "Our intranet", topics: ["Profile"], tutorials: ["practice"]}]}`)
		},
		check: func(t *testing.T, p *plan.Plan, a *applied) {
			// Session 1 is the same entry, but its text now says "1 of 2".
			wantSummary(t, p, plan.Summary{Update: 4, Cancel: 1, Unchanged: 11})
			wantChanges(t, p, plan.Update, "demo-2027/pair/klaus-anna/session/1", "demo-2027/pair/klaus-anna/session/2",
				"demo-2027/pair/klaus-anna/tutorial/practice/anna.schmidt", "demo-2027/pair/klaus-anna/tutorial/practice/klaus.mueller")
			wantChanges(t, p, plan.Cancel, "demo-2027/pair/klaus-anna/session/3")
			if c := change(t, p, "demo-2027/pair/klaus-anna/session/3"); !strings.Contains(c.Reason, "the session plan now has 2 sessions") {
				t.Errorf("session 3 cancelled because %q", c.Reason)
			}
		},
	},
	{
		// The program gets a meeting place and link, and the closing a
		// guest who is in no pair.
		name: "meeting-place-and-guest",
		after: func(t *testing.T) files {
			f := baseFiles().Edit(t, "program.cue",
				`slot: {week: 2, weekday: "tuesday", time: "16:00", duration: "60m"}`,
				`slot: {week: 2, weekday: "tuesday", time: "16:00", duration: "60m"}
		location:      "Room 4.12"
		onlineMeeting: "https://meet.example.com/rm"`)
			f = f.Edit(t, "program.cue", `location: "HQ, Room 1"}
	}`, `location: "HQ, Room 1", guests: ["cfo"]}
	}`)
			return f.Edit(t, "people.cue", "department: \"Finance\"}\n}\n", `department: "Finance"}
	"cfo": {name: "Clara Fink", email: "cfo@example.com", department: "Finance"}
}
`)
		},
		check: func(t *testing.T, p *plan.Plan, a *applied) {
			wantSummary(t, p, plan.Summary{Update: 7, Unchanged: 9})
			c := change(t, p, "demo-2027/pair/petra-ben/session/1")
			if c.After.Location != "Room 4.12" || c.After.URL != "https://meet.example.com/rm" {
				t.Errorf("session 1: location %q, url %q", c.After.Location, c.After.URL)
			}
			if cl := change(t, p, "demo-2027/event/closing"); !slices.ContainsFunc(cl.After.Attendees, func(a resource.Attendee) bool { return a.ID == "cfo" }) {
				t.Errorf("closing does not invite guest cfo: %v", cl.After.Attendees)
			}
		},
	},
	{
		// The mentor now writes "practice" (no url) for the mentee, and
		// feedback is asked after every session and at the closing. The
		// mentor's reading task goes, the mentee's names the author, the
		// writing tasks and feedback requests are new.
		name: "authored-and-feedback",
		after: func(t *testing.T) files {
			f := baseFiles().Edit(t, "program.cue",
				`practice: {title: "Working out loud", url: "https://learn.example.com/wol", minutes: 30}`,
				`practice: {title: "Working out loud", minutes: 30, author: "mentor", authorDue: "10d"}`)
			return f.Edit(t, "program.cue", "\ttutorials: {\n", `	feedback: {
		session: {url: "https://forms.example.com/rm?p={pair}&s={session}", after: "1d"}
		program: {url: "https://forms.example.com/rm-final?p={person}", after: "closing"}
	}
	tutorials: {
`)
		},
		check: func(t *testing.T, p *plan.Plan, a *applied) {
			var creates []string
			for _, pair := range []struct{ id, mentor, mentee string }{{"klaus-anna", "anna.schmidt", "klaus.mueller"}, {"petra-ben", "ben.weber", "petra.lang"}} {
				for n := 1; n <= 3; n++ {
					creates = append(creates, fmt.Sprintf("demo-2027/pair/%s/feedback/%d/%s", pair.id, n, pair.mentor),
						fmt.Sprintf("demo-2027/pair/%s/feedback/%d/%s", pair.id, n, pair.mentee))
				}
				creates = append(creates, "demo-2027/pair/"+pair.id+"/tutorial/practice/write/"+pair.mentor)
			}
			for _, who := range []string{"anna.schmidt", "ben.weber", "klaus.mueller", "petra.lang"} {
				creates = append(creates, "demo-2027/feedback/program/"+who)
			}
			wantChanges(t, p, plan.Create, creates...)
			// Session 3's text lists the tutorial, now without its link.
			wantChanges(t, p, plan.Update, "demo-2027/pair/klaus-anna/session/3", "demo-2027/pair/klaus-anna/tutorial/practice/klaus.mueller",
				"demo-2027/pair/petra-ben/session/3", "demo-2027/pair/petra-ben/tutorial/practice/petra.lang")
			wantChanges(t, p, plan.Cancel, "demo-2027/pair/klaus-anna/tutorial/practice/anna.schmidt", "demo-2027/pair/petra-ben/tutorial/practice/ben.weber")
			if c := change(t, p, "demo-2027/pair/klaus-anna/tutorial/practice/anna.schmidt"); c.Reason != "anna.schmidt writes tutorial practice, so is not given it to read" {
				t.Errorf("cancel reason %q", c.Reason)
			}
			// 05-11 16:00 CEST minus 10 days: Saturday 05-01 (not a
			// holiday here), so Friday 04-30 08:00 CEST.
			w := change(t, p, "demo-2027/pair/klaus-anna/tutorial/practice/write/anna.schmidt")
			if got := plan.FormatTime(w.After.Start, w.After.Timezone); got != "Fri 2027-04-30 08:00 CEST" {
				t.Errorf("writing task due %s", got)
			}
		},
	},
	{
		name:  "renamed-pair",
		after: renamedFiles,
		check: func(t *testing.T, p *plan.Plan, a *applied) {
			wantSummary(t, p, plan.Summary{Move: 7, Unchanged: 9})
			var want []string
			for _, c := range p.Changes {
				want = append(want, c.Address)
				old := strings.Replace(c.Address, "/pair/anna-klaus/", "/pair/klaus-anna/", 1)
				if c.MovedFrom != old {
					t.Errorf("%s moved from %q, want %q", c.Address, c.MovedFrom, old)
				}
				prev := a.state.Resources[old]
				if prev == nil {
					t.Fatalf("%s not in state", old)
				}
				if c.UID != prev.UID || c.After.UID != prev.UID || c.UID != resource.UID(old) {
					t.Errorf("%s: UID %s (after %s), want the old address's %s", c.Address, c.UID, c.After.UID, prev.UID)
				}
				if c.Reason != "renamed from "+old {
					t.Errorf("%s: reason %q", c.Address, c.Reason)
				}
			}
			if len(want) != 7 || !strings.HasPrefix(want[0], "demo-2027/pair/anna-klaus/") {
				t.Errorf("moves: %v", want)
			}

			// Applying the rename sends nothing and re-keys state, UIDs kept.
			ctx := context.Background()
			before := countMessages(t, a.outbox)
			tgt, err := outbox.New(a.outbox, outbox.Options{Now: fixedClock})
			if err != nil {
				t.Fatal(err)
			}
			res, err := apply.Apply(ctx, p, a.state, a.store, tgt, apply.Options{Now: fixedClock})
			if err != nil || res.Moved != 7 || res.Sent+res.Updated+res.Cancelled != 0 {
				t.Fatalf("applying the rename: %+v, %v", res, err)
			}
			if got := countMessages(t, a.outbox); got != before {
				t.Errorf("a rename wrote %d messages", got-before)
			}
			st, err := a.store.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for addr, e := range st.Resources {
				if strings.Contains(addr, "/pair/klaus-anna/") {
					t.Errorf("old address %s still in state", addr)
				}
				if strings.Contains(addr, "/pair/anna-klaus/") {
					old := strings.Replace(addr, "/pair/anna-klaus/", "/pair/klaus-anna/", 1)
					if e.UID != resource.UID(old) || e.Address != addr {
						t.Errorf("%s in state: address %q, UID %s, want the old UID %s", addr, e.Address, e.UID, resource.UID(old))
					}
				}
			}
			again := plan.Build(engine.Expand(load(t, renamedFiles(t))), st, plan.Options{Now: applyNow})
			if again.HasChanges() {
				t.Errorf("plan after applying the rename has changes: %+v", again.Summary)
			}
		},
	},
}

func renamedFiles(t *testing.T) files {
	f := baseFiles().Edit(t, "pairs.cue", `"klaus-anna": {`, `"anna-klaus": {`)
	return f.With("moved.cue", "package demo\n\nmoved: [{from: \"pair/klaus-anna\", to: \"pair/anna-klaus\"}]\n")
}

func scenarioByName(name string) scenario {
	for _, s := range scenarios {
		if s.name == name {
			return s
		}
	}
	panic("no scenario " + name)
}

func TestPlanScenarios(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			before := baseFiles()
			if sc.name == "new-program" {
				before = nil
			}
			a := applyBefore(t, before)
			now := sc.now
			if now.IsZero() {
				now = applyNow
			}
			p := plan.Build(engine.Expand(load(t, sc.after(t))), a.state, plan.Options{Now: now})
			checkInvariants(t, p, a.state, now)
			sc.check(t, p, a)

			// The goldens are compared last: a failing fact above says more.
			var txt, js, md bytes.Buffer
			view.PlanText(&txt, p, view.PlanOptions{})
			if err := view.PlanJSON(&js, p); err != nil {
				t.Fatal(err)
			}
			if err := view.PlanMarkdown(&md, p, view.PlanOptions{}); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(txt.String(), "\x1b[") {
				t.Errorf("text output with colour off holds escape sequences")
			}
			golden(t, sc.name+".txt", txt.Bytes())
			golden(t, sc.name+".json", js.Bytes())
			golden(t, sc.name+".md", md.Bytes())

			// The JSON form reads back into the same plan (apply PLANFILE).
			var back plan.Plan
			if err := json.Unmarshal(js.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(p, &back); diff != "" {
				t.Errorf("plan JSON does not round-trip (-built +read):\n%s", diff)
			}
		})
	}
}

// checkInvariants holds for every plan: summary counts match the changes,
// creates start at SEQUENCE 0 with the address's UID, updates and cancels
// send one more than state recorded with state's UID, nothing in the
// changes lies before now.
func checkInvariants(t *testing.T, p *plan.Plan, st *state.State, now time.Time) {
	t.Helper()
	counts := map[plan.Action]int{}
	for _, c := range p.Changes {
		counts[c.Action]++
		prevAddr := c.Address
		if c.MovedFrom != "" {
			prevAddr = c.MovedFrom
		}
		prev := st.Resources[prevAddr]
		switch c.Action {
		case plan.Create:
			if c.Sequence != 0 || c.Before != nil || c.After == nil || c.UID != resource.UID(c.Address) || prev != nil {
				t.Errorf("create %s: sequence %d, before %v, UID %s", c.Address, c.Sequence, c.Before, c.UID)
			}
		case plan.Update, plan.Cancel:
			if prev == nil {
				t.Errorf("%s %s: not in state", c.Action, c.Address)
				continue
			}
			if c.Sequence != prev.Sequence+1 {
				t.Errorf("%s %s: sequence %d, want %d (state's + 1)", c.Action, c.Address, c.Sequence, prev.Sequence+1)
			}
			if c.UID != prev.UID {
				t.Errorf("%s %s: UID %s, state has %s", c.Action, c.Address, c.UID, prev.UID)
			}
			if c.Before == nil || c.Before.Hash() != prev.Hash {
				t.Errorf("%s %s: before is not state's snapshot", c.Action, c.Address)
			}
			if c.Action == plan.Update && (c.After == nil || len(c.Fields) == 0) {
				t.Errorf("update %s without after or fields", c.Address)
			}
			if c.Action == plan.Cancel && c.After != nil {
				t.Errorf("cancel %s with an after", c.Address)
			}
		case plan.Move:
			if prev == nil || c.Sequence != prev.Sequence || c.UID != prev.UID {
				t.Errorf("move %s: sequence %d, UID %s, state %+v", c.Address, c.Sequence, c.UID, prev)
			}
		default:
			t.Errorf("%s: action %q in changes", c.Address, c.Action)
		}
		if c.After != nil && c.After.Start.Before(now) || c.Before != nil && c.Before.Start.Before(now) {
			t.Errorf("%s %s lies in the past but is not frozen", c.Action, c.Address)
		}
	}
	s := p.Summary
	if s.Create != counts[plan.Create] || s.Update != counts[plan.Update] || s.Cancel != counts[plan.Cancel] ||
		s.Move != counts[plan.Move] || s.Frozen != len(p.Frozen) || s.Unchanged != p.Unchanged {
		t.Errorf("summary %+v does not match changes %v, %d frozen, %d unchanged", s, counts, len(p.Frozen), p.Unchanged)
	}
	if !sort.SliceIsSorted(p.Changes, func(i, j int) bool { return p.Changes[i].Address < p.Changes[j].Address }) {
		t.Errorf("changes not sorted by address")
	}
	if p.FormatVersion != plan.FormatVersion || !p.CreatedAt.Equal(now) || !p.Now.Equal(now) {
		t.Errorf("format %q, created %v, now %v", p.FormatVersion, p.CreatedAt, p.Now)
	}
}

func wantSummary(t *testing.T, p *plan.Plan, want plan.Summary) {
	t.Helper()
	if diff := cmp.Diff(want, p.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

// wantChanges checks the addresses of the changes with action a.
func wantChanges(t *testing.T, p *plan.Plan, a plan.Action, want ...string) {
	t.Helper()
	var got []string
	for _, c := range p.Changes {
		if c.Action == a {
			got = append(got, c.Address)
		}
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s changes (-want +got):\n%s", a, diff)
	}
}

func change(t *testing.T, p *plan.Plan, addr string) plan.Change {
	t.Helper()
	for _, c := range p.Changes {
		if c.Address == addr {
			return c
		}
	}
	t.Fatalf("no change for %s", addr)
	return plan.Change{}
}

func wantFields(t *testing.T, c plan.Change, want []plan.FieldChange) {
	t.Helper()
	if diff := cmp.Diff(want, c.Fields); diff != "" {
		t.Errorf("%s fields (-want +got):\n%s", c.Address, diff)
	}
}

func wantRemoved(t *testing.T, c plan.Change, emails ...string) {
	t.Helper()
	var got []string
	for _, a := range c.Removed {
		got = append(got, a.Email)
	}
	if diff := cmp.Diff(emails, got); diff != "" {
		t.Errorf("%s removed (-want +got):\n%s", c.Address, diff)
	}
}

func wantImpact(t *testing.T, p *plan.Plan, want []plan.Impact) {
	t.Helper()
	if diff := cmp.Diff(want, p.Impact); diff != "" {
		t.Errorf("impact (-want +got):\n%s", diff)
	}
}

func countMessages(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, outbox.MessagesDir))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./engine/view -run TestPlanScenarios -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-golden +got; rerun with -update if intended):\n%s", path, diff)
	}
}

// TestPlanDeterministic builds and renders the same plan twice from two
// separate workspaces: nothing but the fixed clocks and lineage may reach
// the output.
func TestPlanDeterministic(t *testing.T) {
	render := func() string {
		a := applyBefore(t, baseFiles())
		p := plan.Build(engine.Expand(load(t, scenarioByName("pair-removed").after(t))), a.state, plan.Options{Now: applyNow})
		var b bytes.Buffer
		view.PlanText(&b, p, view.PlanOptions{})
		if err := view.PlanJSON(&b, p); err != nil {
			t.Fatal(err)
		}
		if err := view.PlanMarkdown(&b, p, view.PlanOptions{}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if diff := cmp.Diff(render(), render()); diff != "" {
		t.Errorf("two identical runs render differently:\n%s", diff)
	}
}

// TestPlanMarkdownLarge renders the plan of a generated 2,000-pair program:
// the comment must stay below GitHub's limit and say what it left out.
func TestPlanMarkdownLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and loads a 2,000-pair program")
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./examples/gen", "-pairs", "2000", "-out", out)
	cmd.Dir = moduleRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./examples/gen: %v\n%s", err, b)
	}
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LoadFS(context.Background(), os.DirFS(out), ".")
	if err != nil {
		t.Fatal(err)
	}
	if res.Diagnostics.HasErrors() {
		t.Fatalf("generated program does not validate: %v", res.Diagnostics)
	}
	d := engine.Expand(res.Programs)
	p := plan.Build(d, state.New(lineage), plan.Options{Now: applyNow})
	if p.Summary.Create < 10000 {
		t.Fatalf("only %d creates for 2,000 pairs", p.Summary.Create)
	}
	var md bytes.Buffer
	if err := view.PlanMarkdown(&md, p, view.PlanOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := len(md.String()); n >= 65000 {
		t.Errorf("markdown is %d bytes, want < 65,000", n)
	}
	if !strings.Contains(md.String(), "more changes are not shown") {
		t.Errorf("truncated markdown does not say so")
	}
	if !strings.HasPrefix(md.String(), "### rmctl plan\n\n**"+view.SummaryLine(p)+"**") {
		t.Errorf("markdown does not open with the summary")
	}

	// A plan of only updates (a renamed organizer touches everything) is
	// cut the same way.
	st := state.New(lineage)
	for _, r := range d.Resources {
		old := r
		old.Organizer.Name = "Someone Else"
		st.Resources[r.Address] = &state.Entry{Address: r.Address, UID: r.UID, Hash: old.Hash(), Snapshot: old.Snapshot()}
	}
	p = plan.Build(d, st, plan.Options{Now: applyNow})
	if p.Summary.Update != len(d.Resources) {
		t.Fatalf("%d updates, want %d", p.Summary.Update, len(d.Resources))
	}
	md.Reset()
	if err := view.PlanMarkdown(&md, p, view.PlanOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := len(md.String()); n >= 65000 {
		t.Errorf("markdown of updates is %d bytes, want < 65,000", n)
	}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

// TestPlanRenderOptions: text and markdown list changes as a timeline by
// default and by address with plan.ByAddress; past resources that differ
// are one counted line unless Verbose lists them. JSON keeps the address
// order either way (checkInvariants).
func TestPlanRenderOptions(t *testing.T) {
	sc := scenarioByName("past-sessions")
	a := applyBefore(t, baseFiles())
	p := plan.Build(engine.Expand(load(t, sc.after(t))), a.state, plan.Options{Now: sc.now})

	render := func(opts view.PlanOptions) (string, string) {
		var txt, md bytes.Buffer
		view.PlanText(&txt, p, opts)
		if err := view.PlanMarkdown(&md, p, opts); err != nil {
			t.Fatal(err)
		}
		return txt.String(), md.String()
	}
	// changeOrder returns the addresses of the changes in the order a
	// rendering shows them.
	changeOrder := func(out string) []string {
		var got []string
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && (f[0] == "+" || f[0] == "~" || f[0] == "-") {
				got = append(got, f[1])
			}
		}
		return got
	}

	txt, md := render(view.PlanOptions{})
	var byTime []string
	last := time.Time{}
	for _, addr := range changeOrder(txt) {
		c := change(t, p, addr)
		if c.When().Before(last) {
			t.Errorf("%s (%v) listed after a later change", addr, c.When())
		}
		last = c.When()
		byTime = append(byTime, addr)
	}
	if len(byTime) != len(p.Changes) {
		t.Fatalf("text lists %d changes, plan has %d", len(byTime), len(p.Changes))
	}
	const oneLine = "9 past invitations and tutorial assignments differ from the declarations and are left as sent"
	if !strings.Contains(txt, oneLine+"; --verbose lists them.\n") || !strings.Contains(md, oneLine+"; `rmctl plan --verbose` lists them.") {
		t.Errorf("no one-line count of the past resources:\n%s\n%s", txt, md)
	}
	for _, f := range p.Frozen {
		if strings.Contains(txt, f.Address) || strings.Contains(md, f.Address) {
			t.Errorf("past %s listed without --verbose", f.Address)
		}
	}

	txt, md = render(view.PlanOptions{Order: plan.ByAddress, Verbose: true})
	var addrs []string
	for _, c := range p.Changes {
		addrs = append(addrs, c.Address)
	}
	if diff := cmp.Diff(addrs, changeOrder(txt)); diff != "" {
		t.Errorf("--sort address (-want +got):\n%s", diff)
	}
	for _, f := range p.Frozen {
		if !strings.Contains(txt, f.Address) || !strings.Contains(md, f.Address) {
			t.Errorf("past %s not listed with --verbose", f.Address)
		}
	}
	golden(t, "past-sessions.address-verbose.txt", []byte(txt))
	golden(t, "past-sessions.address-verbose.md", []byte(md))
}

// TestPlanShowsReplies: answers read back by `rmctl sync replies` show on
// updates (kept, or asked again when the time moves) and cancels.
func TestPlanShowsReplies(t *testing.T) {
	a := applyBefore(t, baseFiles())
	answered := func(addr string, by map[string]string) {
		e := *a.state.Resources[addr]
		e.Replies = &state.Replies{By: map[string]state.Reply{}}
		for person, ps := range by {
			e.Replies.By[person] = state.Reply{PartStat: ps}
		}
		a.state.Resources[addr] = &e
	}
	answered("demo-2027/pair/klaus-anna/session/2", map[string]string{"anna.schmidt": "DECLINED", "klaus.mueller": "DECLINED"})
	answered("demo-2027/pair/klaus-anna/session/3", map[string]string{"anna.schmidt": "ACCEPTED", "klaus.mueller": "DECLINED"})
	answered("demo-2027/pair/petra-ben/session/3", map[string]string{"ben.weber": "ACCEPTED"})

	after := baseFiles().Edit(t, "pairs.cue",
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller"}`,
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", sessions: "2": {date: "2027-04-15", time: "10:00"}}`).
		Edit(t, "people.cue", `name: "Klaus Müller"`, `name: "Klaus M. Müller"`).
		Edit(t, "pairs.cue", `"petra-ben": {mentor: "ben.weber", mentee: "petra.lang"}`, ``)
	p := plan.Build(engine.Expand(load(t, after)), a.state, plan.Options{Now: applyNow})
	var txt bytes.Buffer
	view.PlanText(&txt, p, view.PlanOptions{})
	for _, want := range []string{
		"replies so far: 2 declined (anna.schmidt, klaus.mueller); everyone is asked again\n",
		"replies so far: 1 declined (klaus.mueller), 1 accepted; kept\n",
		"replies so far: 1 accepted\n",
	} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, txt.String())
		}
	}
	var md bytes.Buffer
	if err := view.PlanMarkdown(&md, p, view.PlanOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "; replies so far: 1 declined (klaus.mueller), 1 accepted |") {
		t.Errorf("markdown lacks the replies:\n%s", md.String())
	}
	if c := change(t, p, "demo-2027/pair/klaus-anna/session/3"); c.Replies["klaus.mueller"] != "DECLINED" {
		t.Errorf("plan JSON replies %v", c.Replies)
	}
}

// TestPlanRedacted renders redacted plans (goldens redacted-*.md and .json)
// and checks that no rendering holds an '@' or the name of anyone in the
// programs or in state, while the ids are still there to read.
func TestPlanRedacted(t *testing.T) {
	for _, name := range []string{"email-changed", "pair-removed", "renamed-pair"} {
		t.Run(name, func(t *testing.T) {
			sc := scenarioByName(name)
			a := applyBefore(t, baseFiles())
			progs := load(t, sc.after(t))
			p := plan.Build(engine.Expand(progs), a.state, plan.Options{Now: applyNow})
			r := redact.New(append(load(t, baseFiles()), progs...)...)
			red := r.Plan(p)
			if p.Redacted || !red.Redacted {
				t.Fatalf("redacted flag: original %v, copy %v", p.Redacted, red.Redacted)
			}
			var txt, js, md bytes.Buffer
			view.PlanText(&txt, red, view.PlanOptions{})
			if err := view.PlanJSON(&js, red); err != nil {
				t.Fatal(err)
			}
			if err := view.PlanMarkdown(&md, red, view.PlanOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, "redacted-"+name+".json", js.Bytes())
			golden(t, "redacted-"+name+".md", md.Bytes())
			names := map[string]bool{}
			for _, prog := range append(load(t, baseFiles()), progs...) {
				names[prog.Organizer.Name] = true
				for _, person := range prog.People {
					names[person.Name] = true
				}
			}
			for _, out := range []string{txt.String(), js.String(), md.String()} {
				// UIDs end in @rmctl: no one's address.
				if strings.Contains(strings.ReplaceAll(out, "@rmctl", ""), "@") {
					t.Errorf("redacted output holds '@':\n%s", out)
				}
				for n := range names {
					if strings.Contains(out, n) {
						t.Errorf("redacted output holds the name %q", n)
					}
				}
				if !strings.Contains(out, "anna.schmidt") {
					t.Errorf("redacted output lost the ids:\n%s", out)
				}
			}
			if !strings.Contains(js.String(), `"redacted": true`) {
				t.Errorf("redacted JSON has no redacted flag")
			}
		})
	}
}
