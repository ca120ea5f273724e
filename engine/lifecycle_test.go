package engine_test

import (
	"context"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/apply"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target/outbox"
	"github.com/rmctl/rmctl/internal/testprog"
)

// lifecycleRun plans and applies declarations into one state and outbox,
// each step at its own --now, as CI would on successive merges.
type lifecycleRun struct {
	t     *testing.T
	store *state.Local
	dir   string
}

func newLifecycleRun(t *testing.T) *lifecycleRun {
	dir := t.TempDir()
	return &lifecycleRun{t: t, dir: dir, store: state.NewLocal(filepath.Join(dir, "state.json"), state.LocalOptions{
		NewLineage: func() string { return "00000000-0000-4000-8000-000000000009" },
	})}
}

func (r *lifecycleRun) state() *state.State {
	r.t.Helper()
	st, err := r.store.Read(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return st
}

func (r *lifecycleRun) plan(f testprog.Files, now time.Time) *plan.Plan {
	r.t.Helper()
	return plan.Build(engine.Expand(f.Load(r.t)), r.state(), plan.Options{Now: now})
}

// apply carries p out and fails the test unless every change succeeded.
func (r *lifecycleRun) apply(p *plan.Plan, now time.Time) *apply.Result {
	r.t.Helper()
	clock := func() time.Time { return now }
	tgt, err := outbox.New(filepath.Join(r.dir, "outbox"), outbox.Options{Now: clock})
	if err != nil {
		r.t.Fatal(err)
	}
	res, err := apply.Apply(context.Background(), p, r.state(), r.store, tgt, apply.Options{Now: clock})
	if err != nil {
		r.t.Fatalf("apply: %v", err)
	}
	return res
}

// actions maps each change's address to its action.
func actions(p *plan.Plan) map[string]plan.Action {
	m := map[string]plan.Action{}
	for _, c := range p.Changes {
		m[c.Address] = c.Action
	}
	return m
}

// untouchedPast fails when a change sends, updates or cancels anything that
// starts (or, for an assignment, is due) before now.
func untouchedPast(t *testing.T, p *plan.Plan, now time.Time) {
	t.Helper()
	for _, c := range p.Changes {
		if c.After != nil && c.After.Start.Before(now) || c.Before != nil && c.Before.Start.Before(now) {
			t.Errorf("%s %s lies before --now %s", c.Action, c.Address, now.Format(time.RFC3339))
		}
	}
}

// TestPairLifecycle pauses a pair and resumes it, and ends another one
// mid-program, with --now moving on in between: each plan holds exactly the
// expected cancels and re-sends, a paused pair keeps its joint events, an
// ended one loses only those after its end, resumed sessions come back
// under their old UIDs, and nothing in the past is touched.
//
// The fixture (internal/testprog): sessions on 03-09, 04-13 and 05-11 at
// 16:00 Berlin, kick-off 03-03, closing 07-21; tutorial "practice" (both,
// due 3 days before session 3), "basics" and "guide" before session 1.
func TestPairLifecycle(t *testing.T) {
	const pre = "demo-2027/pair/"
	run := newLifecycleRun(t)
	base := testprog.Demo()

	// January: everything goes out.
	jan := time.Date(2027, time.January, 15, 9, 0, 0, 0, time.UTC)
	if res := run.apply(run.plan(base, jan), jan); res.Sent != testprog.Total {
		t.Fatalf("first apply sent %d, want %d", res.Sent, testprog.Total)
	}
	uids := map[string]string{}
	for addr, e := range run.state().Resources {
		uids[addr] = e.UID
	}

	// 20 March: klaus-anna pauses. Its future sessions and their tutorials
	// are cancelled; the past session 1 and its tutorials stay as sent; its
	// people stay in the closing (no event changes at all).
	mar := time.Date(2027, time.March, 20, 12, 0, 0, 0, time.UTC)
	paused := base.Edit(t, "pairs.cue", `"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller"}`,
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", status: "paused"}`)
	p := run.plan(paused, mar)
	untouchedPast(t, p, mar)
	want := map[string]plan.Action{
		pre + "klaus-anna/session/2":                       plan.Cancel,
		pre + "klaus-anna/session/3":                       plan.Cancel,
		pre + "klaus-anna/tutorial/practice/anna.schmidt":  plan.Cancel,
		pre + "klaus-anna/tutorial/practice/klaus.mueller": plan.Cancel,
	}
	if diff := cmp.Diff(want, actions(p)); diff != "" {
		t.Errorf("pausing (-want +got):\n%s", diff)
	}
	for _, c := range p.Changes {
		if c.Reason != "pair klaus-anna is paused" {
			t.Errorf("%s: reason %q, want the pause", c.Address, c.Reason)
		}
	}
	var frozen []string
	for _, c := range p.Frozen {
		frozen = append(frozen, c.Address)
	}
	wantFrozen := []string{pre + "klaus-anna/session/1", pre + "klaus-anna/tutorial/basics/klaus.mueller", pre + "klaus-anna/tutorial/guide/anna.schmidt"}
	if diff := cmp.Diff(wantFrozen, frozen); diff != "" {
		t.Errorf("pausing: past resources left as sent (-want +got):\n%s", diff)
	}
	if res := run.apply(p, mar); res.Cancelled != 4 || res.Sent+res.Updated != 0 {
		t.Fatalf("applying the pause: %+v", res)
	}
	st := run.state()
	for _, addr := range wantFrozen {
		if st.Resources[addr] == nil {
			t.Errorf("past %s left state while the pair is paused", addr)
		}
	}
	if again := run.plan(paused, mar); again.HasChanges() {
		t.Errorf("plan after applying the pause has changes: %+v", again.Summary)
	}

	// 1 April: klaus-anna resumes, petra-ben ends from 20 April. The resumed
	// sessions and tutorials are sent again under their old UIDs. petra-ben
	// keeps session 2 (04-13, before its end) and the kick-off; session 3,
	// its tutorial and the closing (07-21, after the end) are cancelled for
	// ben and petra.
	apr := time.Date(2027, time.April, 1, 12, 0, 0, 0, time.UTC)
	resumedEnded := base.Edit(t, "pairs.cue", `"petra-ben": {mentor: "ben.weber", mentee: "petra.lang"}`,
		`"petra-ben": {mentor: "ben.weber", mentee: "petra.lang", status: "ended", end: "2027-04-20"}`)
	p = run.plan(resumedEnded, apr)
	untouchedPast(t, p, apr)
	want = map[string]plan.Action{
		pre + "klaus-anna/session/2":                       plan.Create,
		pre + "klaus-anna/session/3":                       plan.Create,
		pre + "klaus-anna/tutorial/practice/anna.schmidt":  plan.Create,
		pre + "klaus-anna/tutorial/practice/klaus.mueller": plan.Create,
		pre + "petra-ben/session/3":                        plan.Cancel,
		pre + "petra-ben/tutorial/practice/ben.weber":      plan.Cancel,
		pre + "petra-ben/tutorial/practice/petra.lang":     plan.Cancel,
		"demo-2027/event/closing":                          plan.Update,
	}
	if diff := cmp.Diff(want, actions(p)); diff != "" {
		t.Errorf("resuming and ending (-want +got):\n%s", diff)
	}
	if len(p.Frozen) != 0 {
		t.Errorf("resuming and ending: %d past resources differ, want none (the kick-off keeps the ended pair)", len(p.Frozen))
	}
	for _, c := range p.Changes {
		switch c.Action {
		case plan.Create:
			if c.UID != uids[c.Address] || c.After.UID != uids[c.Address] {
				t.Errorf("resumed %s has UID %s, was sent as %s", c.Address, c.UID, uids[c.Address])
			}
		case plan.Cancel:
			if c.Reason != "pair petra-ben is ended from 2027-04-20" {
				t.Errorf("%s: reason %q", c.Address, c.Reason)
			}
		case plan.Update:
			var removed []string
			for _, a := range c.Removed {
				removed = append(removed, a.ID)
			}
			sort.Strings(removed)
			if diff := cmp.Diff([]string{"ben.weber", "petra.lang"}, removed); diff != "" {
				t.Errorf("closing: cancelled for (-want +got):\n%s", diff)
			}
			for _, a := range c.After.Attendees {
				if a.ID == "ben.weber" || a.ID == "petra.lang" {
					t.Errorf("closing still invites %s of the ended pair", a.ID)
				}
			}
		}
	}
	if res := run.apply(p, apr); res.Sent != 4 || res.Cancelled != 3 || res.Updated != 1 {
		t.Fatalf("applying resume and end: %+v", res)
	}
	st = run.state()
	for _, addr := range []string{pre + "klaus-anna/session/2", pre + "klaus-anna/session/3"} {
		if e := st.Resources[addr]; e == nil || e.UID != resource.UID(addr) || e.UID != uids[addr] {
			t.Errorf("%s in state after resuming: %+v, want UID %s", addr, e, uids[addr])
		}
	}
	kickoff := st.Resources["demo-2027/event/kickoff"]
	if kickoff == nil || !slices.ContainsFunc(kickoff.Snapshot.Attendees, func(a resource.Attendee) bool { return a.ID == "petra.lang" }) {
		t.Errorf("the past kick-off lost the ended pair's people")
	}
	if again := run.plan(resumedEnded, apr); again.HasChanges() {
		t.Errorf("plan after applying resume and end has changes: %+v", again.Summary)
	}
}
