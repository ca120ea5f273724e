package diff

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/schema"
)

// TestNarrowCompareMatchesFull changes one thing at a time in an example
// program and checks that the diff which expands only the pairs a change
// can touch plans exactly what expanding every pair on both sides plans,
// unchanged count included, and that the narrowing did leave pairs out
// where it should.
func TestNarrowCompareMatchesFull(t *testing.T) {
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	load := func() *schema.Program {
		res, err := l.Load(context.Background(), "../../examples/digital-leadership")
		if err != nil || res.Diagnostics.HasErrors() || len(res.Programs) != 1 {
			t.Fatalf("load: %v %v", err, res.Diagnostics)
		}
		return res.Programs[0]
	}
	firstPair := func(p *schema.Program) (string, schema.Pair) { id := p.PairIDs[0]; return id, p.Pairs[id] }
	now := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name   string
		change func(p *schema.Program)
		narrow bool // some pairs left out
	}{
		{"nothing", func(p *schema.Program) {}, true},
		{"pair paused", func(p *schema.Program) {
			id, pair := firstPair(p)
			pair.Status = schema.StatusPaused
			p.Pairs[id] = pair
		}, true},
		{"session moved", func(p *schema.Program) {
			id, pair := firstPair(p)
			pair.Sessions = map[string]schema.SessionOverride{"2": {Time: &schema.Clock{Hour: 10}}}
			p.Pairs[id] = pair
		}, true},
		{"mentor renamed", func(p *schema.Program) {
			_, pair := firstPair(p)
			who := p.People[pair.Mentor]
			who.Name += " Jr."
			p.People[pair.Mentor] = who
		}, true},
		{"mentee's holidays", func(p *schema.Program) {
			_, pair := firstPair(p)
			who := p.People[pair.Mentee]
			who.Holidays = "DE-BY"
			p.People[pair.Mentee] = who
		}, true},
		{"pair added", func(p *schema.Program) {
			_, pair := firstPair(p)
			p.Pairs["extra"] = pair
			p.PairIDs = append(p.PairIDs, "extra")
		}, true},
		{"pair removed", func(p *schema.Program) {
			id, _ := firstPair(p)
			delete(p.Pairs, id)
			p.PairIDs = p.PairIDs[1:]
		}, true},
		{"program title", func(p *schema.Program) { p.Title += " 2" }, false},
		{"slot time", func(p *schema.Program) { p.Sessions.Slot.Time = schema.Clock{Hour: 10} }, false},
		{"moved block", func(p *schema.Program) { p.Moved = append(p.Moved, schema.Moved{From: "pair/x", To: "pair/y"}) }, false},
		{"guest author renamed", func(p *schema.Program) {
			for id, tut := range p.Tutorials {
				tut.Author = p.PersonIDs[0]
				p.Tutorials[id] = tut
				break
			}
			who := p.People[p.PersonIDs[0]]
			who.Name += " Jr."
			p.People[p.PersonIDs[0]] = who
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, h := load(), load()
			c.change(h)
			base := &Side{Label: "base", Programs: []*schema.Program{b}}
			head := &Side{Label: "head", Programs: []*schema.Program{h}}
			left := len(unchangedPairs(b, h))
			if c.narrow != (left > 0) {
				t.Errorf("%d pairs left out, want narrowing %v", left, c.narrow)
			}
			full := compare(base, head, now, false)
			narrow := compare(base, head, now, true)
			if d := cmp.Diff(full.Plan, narrow.Plan, cmpopts.IgnoreFields(plan.Plan{}, "CreatedAt")); d != "" {
				t.Errorf("plans differ (-full +narrow):\n%s", d)
			}
			if full.Plan.Summary.Unchanged == 0 {
				t.Error("nothing unchanged: the case tests nothing")
			}
		})
	}
}
