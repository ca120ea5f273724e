package plan_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
)

func TestOrdered(t *testing.T) {
	at := func(day int) time.Time { return time.Date(2027, time.March, day, 9, 0, 0, 0, time.UTC) }
	send := func(addr string, day int) plan.Change {
		return plan.Change{Address: addr, Action: plan.Create, After: &resource.Resource{Start: at(day)}}
	}
	cancel := func(addr string, day int) plan.Change {
		return plan.Change{Address: addr, Action: plan.Cancel, Before: &resource.Snapshot{Start: at(day)}}
	}
	// Sorted by address, as Build leaves them.
	cs := []plan.Change{
		send("a-2027/event/closing", 30),
		send("a-2027/pair/x/session/1", 9),
		cancel("a-2027/pair/y/session/1", 9),
		send("a-2027/pair/y/tutorial/t/ann", 2),
		send("b-2027/event/kickoff", 1),
	}
	addrs := func(ps []*plan.Change) []string {
		var out []string
		for _, c := range ps {
			out = append(out, c.Address)
		}
		return out
	}
	// Within each program by time, ties by address; programs by id.
	want := []string{"a-2027/pair/y/tutorial/t/ann", "a-2027/pair/x/session/1", "a-2027/pair/y/session/1", "a-2027/event/closing", "b-2027/event/kickoff"}
	for _, o := range []plan.Order{plan.ByTime, ""} {
		if diff := cmp.Diff(want, addrs(plan.Ordered(cs, o))); diff != "" {
			t.Errorf("order %q (-want +got):\n%s", o, diff)
		}
	}
	if diff := cmp.Diff(addrs(plan.Ordered(cs, plan.ByAddress)), []string{
		"a-2027/event/closing", "a-2027/pair/x/session/1", "a-2027/pair/y/session/1", "a-2027/pair/y/tutorial/t/ann", "b-2027/event/kickoff",
	}); diff != "" {
		t.Errorf("by address (-got +want):\n%s", diff)
	}
	if cs[0].Address != "a-2027/event/closing" {
		t.Errorf("Ordered reordered the plan's own changes")
	}
	for in, want := range map[string]plan.Order{"": plan.ByTime, "time": plan.ByTime, "address": plan.ByAddress} {
		if got, err := plan.ParseOrder(in); err != nil || got != want {
			t.Errorf("ParseOrder(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := plan.ParseOrder("date"); err == nil {
		t.Errorf("ParseOrder accepted %q", "date")
	}
}
