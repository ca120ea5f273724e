package plan_test

import (
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
)

// A resource declared again after it was cancelled is created above its
// CANCEL's SEQUENCE, found by UID: under its own address, or under the
// address it had been renamed to (a re-keyed pair keeps its old UIDs). A
// resource never cancelled starts at 0.
func TestBuildCreateAboveRetired(t *testing.T) {
	again, renamedBack, fresh := res("p/pair/a-b/session/1", future), res("p/pair/a-b/session/2", future), res("p/pair/a-b/session/3", future)
	st := state.New("l")
	st.Retired = map[string]state.Retirement{
		again.Address:          {UID: again.UID, Sequence: 3},
		"p/pair/a-c/session/2": {UID: renamedBack.UID, Sequence: 5},
		"p/pair/x-y/session/1": {UID: resource.UID("p/pair/x-y/session/1"), Sequence: 9},
	}
	p := plan.Build(desired([]string{"p"}, again, renamedBack, fresh), st, plan.Options{Now: now})
	want := map[string]int{again.Address: 4, renamedBack.Address: 6, fresh.Address: 0}
	if len(p.Changes) != len(want) {
		t.Fatalf("changes %v, want three creates", addrs(p.Changes))
	}
	for _, c := range p.Changes {
		if c.Action != plan.Create || c.Sequence != want[c.Address] {
			t.Errorf("%s %s at SEQUENCE %d, want create at %d", c.Action, c.Address, c.Sequence, want[c.Address])
		}
	}
}

// A saved plan whose cancel carries no SEQUENCE above 0 was edited: state
// could not record its retirement.
func TestCheckCancelSequence(t *testing.T) {
	r := res("p/pair/a-b/session/1", future)
	snap := r.Snapshot()
	p := &plan.Plan{Changes: []plan.Change{{Address: r.Address, UID: r.UID, Action: plan.Cancel, Before: &snap}}}
	if err := p.Check(); err == nil || !strings.Contains(err.Error(), "cancel with sequence 0, below 1") {
		t.Fatalf("Check: %v, want the sequence refused", err)
	}
	p.Changes[0].Sequence = 1
	if err := p.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// A saved plan's expansion records go into state when it is applied: an
// incomplete one (an edited file) is refused before anything is sent.
func TestCheckExpansions(t *testing.T) {
	p := &plan.Plan{Expansions: map[string]state.Expansion{"p": {Inputs: "i", Resources: "r"}}}
	if err := p.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	p.Expansions["q"] = state.Expansion{Inputs: "i"}
	if err := p.Check(); err == nil || !strings.Contains(err.Error(), `expansion record "q": empty`) {
		t.Fatalf("Check: %v, want the record refused", err)
	}
}
