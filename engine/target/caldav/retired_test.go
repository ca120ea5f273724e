package caldav_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/ical"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/target/caldav"
)

// TestReaddedPairOutranksItsCancel: a pair removed (its objects deleted,
// its attendees sent CANCEL at SEQUENCE 1) and added back under the same id
// is PUT again as new objects with SEQUENCE 2, above the cancellation the
// attendees' calendars hold, on both servers.
func TestReaddedPairOutranksItsCancel(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			srv := s.start(t)
			e := newEnv(t, srv, false, caldav.Config{})
			withC := desired(t, baseFixture)
			e.apply(withC, false, "")
			without := baseFixture
			without.third = false
			p := e.apply(desired(t, without), false, "")
			cancelled := 0
			for _, c := range p.Changes {
				if c.Action == plan.Cancel && c.Sequence == 1 && strings.HasPrefix(c.Address, "rm-2027/pair/c/") {
					cancelled++
				}
			}
			if cancelled == 0 {
				t.Fatalf("removing pair c: %v, want cancellations at SEQUENCE 1", changesByAction(p))
			}

			p = e.apply(withC, false, "")
			// The events get pair c's people back as updates.
			if a := changesByAction(p); a[plan.Create] != cancelled || a[plan.Cancel] != 0 {
				t.Fatalf("adding pair c back: %v, want %d creates", a, cancelled)
			}
			for _, c := range p.Changes {
				if c.Action == plan.Create && c.Sequence != 2 {
					t.Errorf("%s created at SEQUENCE %d, want 2", c.Address, c.Sequence)
				}
			}
			e.check(withC)
			objs, err := client(t, srv).List(context.Background(), e.tgt.CalendarURL(""))
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, o := range objs {
				f, err := ical.ReadFacts(o.Data)
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(f.Address, "rm-2027/pair/c/") {
					seen++
					if f.Sequence != 2 {
						t.Errorf("%s on the server has SEQUENCE %d, want 2", f.Address, f.Sequence)
					}
				}
			}
			if seen != cancelled {
				t.Errorf("%d objects of pair c on the server, want %d", seen, cancelled)
			}
		})
	}
}
