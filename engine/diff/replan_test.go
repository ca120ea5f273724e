package diff_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/diff"
	"github.com/rmctl/rmctl/engine/plan"
)

// TestDiffCompareReplannedSession: re-planning one session of a pair, or
// giving the pair its own plan, is a content change of that pair's
// sessions alone, with no session moved.
func TestDiffCompareReplannedSession(t *testing.T) {
	base := side(t, "base")
	head := side(t, "head", [3]string{"pairs", `"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein"}`,
		`"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein", sessions: "3": {title: "Our blog", topics: ["A first post", "Comments"]}}`})
	r := diff.Compare(base, head, before)
	if r.Moves != 0 || len(r.Plan.Changes) != 1 || r.Plan.Changes[0].Address != "pilot/pair/mia-dora/session/3" {
		t.Fatalf("moves %d, plan changes = %s; want one update of mia-dora's session 3", r.Moves, js(r.Plan.Changes))
	}
	c := r.Plan.Changes[0]
	want := []plan.FieldChange{
		fc("title", "Reverse Mentoring: Writing posts (Mia Wolf & Dora Klein)", "Reverse Mentoring: Our blog (Mia Wolf & Dora Klein)"),
		fc("description", "(previous text)", "(new text)"),
	}
	if c.Action != plan.Update || !reflect.DeepEqual(c.Fields, want) {
		t.Errorf("%s %s, want update %s", c.Action, js(c.Fields), js(want))
	}
	// The declarations: a change of that pair, field by field.
	wantEntity := []diff.Change{{Kind: "pair", ID: "mia-dora", Change: "changed", Fields: []plan.FieldChange{
		fc("sessions.3.title", "", `"Our blog"`),
		fc("sessions.3.topics", "", `["A first post", "Comments"]`),
	}}}
	if got := changes(t, r, "changed"); !reflect.DeepEqual(got, wantEntity) {
		t.Errorf("declaration changes %s, want %s", js(got), js(wantEntity))
	}

	// A pair's own plan of two sessions: the pair's sessions 3 and 4 are
	// cancelled, nobody else's changes.
	head = side(t, "head", [3]string{"pairs", `"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein"}`,
		`"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein", plan: [program.sessions.plan[0], program.sessions.plan[1]]}`})
	r = diff.Compare(base, head, before)
	for _, c := range r.Plan.Changes {
		if !strings.HasPrefix(c.Address, "pilot/pair/mia-dora/") {
			t.Errorf("%s changed by mia-dora's own plan", c.Address)
		}
	}
	if s := r.Plan.Summary; s.Cancel != 2 || r.Moves != 0 {
		t.Errorf("own plan: summary %+v, moves %d; want sessions 3 and 4 cancelled", s, r.Moves)
	}
}
