package caldav

import (
	"context"
	"fmt"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target"
)

// Forget deletes what the server still holds about p once their future
// invitations were cancelled: every copy of the resources state forgets
// (their pairs' past sessions and tasks, which nobody manages any more),
// and, in the per-person layout, the copies of joint events in p's own
// calendar. Only rmctl's own objects are deleted (remove checks the UID
// and the owner marker); one already gone counts as done. In the shared
// layout the one copy of a past joint event keeps p as an ATTENDEE: it is
// everyone's, and rmctl leaves past events as they were sent.
func (t *Target) Forget(ctx context.Context, p target.Person, gone, edited []*state.Entry) (target.Forgotten, error) {
	done := target.Forgotten{}
	for _, e := range gone {
		r := resource.FromSnapshot(e.Address, e.UID, e.Snapshot)
		refs := e.Refs
		if len(refs) == 0 {
			for _, c := range t.calendars(&r) {
				refs = append(refs, state.Ref{Target: Kind, Calendar: c.url})
			}
		}
		for _, ref := range refs {
			if err := t.remove(ctx, &r, ref); err != nil {
				return done, fmt.Errorf("caldav: forget %s: %s: %w", p.ID, e.Address, err)
			}
			done["objects"]++
		}
	}
	if !t.perPerson {
		return done, nil
	}
	own := t.CalendarURL(p.ID)
	for _, e := range edited {
		r := resource.FromSnapshot(e.Address, e.UID, e.Snapshot)
		ref := state.Ref{Target: Kind, Calendar: own}
		if prev := refFor(e.Refs, own); prev != nil {
			ref = *prev
		}
		if err := t.remove(ctx, &r, ref); err != nil {
			return done, fmt.Errorf("caldav: forget %s: %s: %w", p.ID, e.Address, err)
		}
		done["objects"]++
	}
	return done, nil
}
