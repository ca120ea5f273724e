package plan

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Order is the order people read a plan's changes in. The plan value and
// its JSON form keep Changes and Frozen sorted by address, the order apply
// works in and the one that diffs well; text and markdown follow an Order.
type Order string

// Orders.
const (
	// ByTime lists changes within each program (by id) in the order they
	// happen: by the start of the session or event, the due time of an
	// assignment, then by address. A plan reads as a timeline.
	ByTime Order = "time"
	// ByAddress lists changes by address.
	ByAddress Order = "address"
)

// ParseOrder checks an order named on the command line; "" is ByTime.
func ParseOrder(s string) (Order, error) {
	switch Order(s) {
	case "", ByTime:
		return ByTime, nil
	case ByAddress:
		return ByAddress, nil
	}
	return "", fmt.Errorf("unknown order %q: want %q or %q", s, ByTime, ByAddress)
}

// Ordered returns pointers to cs in order o (ByTime when o is ""), leaving
// cs as it is.
func Ordered(cs []Change, o Order) []*Change {
	out := make([]*Change, len(cs))
	for i := range cs {
		out[i] = &cs[i]
	}
	if o == ByAddress {
		slices.SortStableFunc(out, func(a, b *Change) int { return strings.Compare(a.Address, b.Address) })
		return out
	}
	slices.SortStableFunc(out, func(a, b *Change) int {
		if c := strings.Compare(programOf(a.Address), programOf(b.Address)); c != 0 {
			return c
		}
		if c := a.When().Compare(b.When()); c != 0 {
			return c
		}
		return strings.Compare(a.Address, b.Address)
	})
	return out
}

// When is when the change's resource takes place (or is due): the new
// start for a change that sends, the recorded one for a cancellation.
func (c *Change) When() time.Time {
	switch {
	case c.After != nil:
		return c.After.Start
	case c.Before != nil:
		return c.Before.Start
	}
	return time.Time{}
}

func programOf(addr string) string {
	prog, _, _ := strings.Cut(addr, "/")
	return prog
}
