package apply

import (
	"fmt"
	"time"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/state"
)

// adopt carries out a plan.Adopt change: drift accepted from the target.
// Nothing is sent; state takes the start and end the target now holds (and
// the copies' current ETags), and remembers the declaration's hash in
// DeclaredHash so the next plan does not move the resource back until the
// declaration itself changes.
func adopt(c *plan.Change, prev *state.Entry, opts Options, now time.Time) ([]state.Op, error) {
	if prev == nil {
		return nil, fmt.Errorf("adopting drift: not in state")
	}
	if c.Observed == nil || c.After == nil {
		return nil, fmt.Errorf("adopting drift: the change carries no observed version")
	}
	e := *prev
	e.Address = c.Address
	e.Snapshot.Start = c.Observed.Start
	if !c.Observed.End.IsZero() {
		e.Snapshot.End = c.Observed.End
	}
	e.Hash = e.Snapshot.Hash()
	e.DeclaredHash = c.After.Hash()
	if len(c.Observed.Refs) > 0 {
		e.Refs = c.Observed.Refs
	}
	e.Commit, e.Dirty, e.AppliedAt = opts.Commit, opts.Dirty, now
	return []state.Op{{Address: c.Address, Entry: &e}}, nil
}
