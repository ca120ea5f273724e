package engine

import (
	"sort"
	"strings"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/schema"
)

// Plan plans progs against the state ix indexes: plan.Build of their
// expansion, except that a program whose input digest and entries match
// what state recorded of its last expansion (state.Expansion) is neither
// expanded nor are its entries decoded: all its resources are unchanged.
// The plan is the one Build makes from the whole expansion and state; with
// opts.Record it records every program's expansion (Plan.Expansions) for
// apply to keep.
//
// This is the common case after an apply, and at 10,000 pairs it is the
// difference between about 1 s of expansion, hashing and decoding and a
// few tens of milliseconds of digesting inputs (BenchmarkPlan/NoOp).
func Plan(progs []*schema.Program, ix *state.Index, opts plan.Options) (*plan.Plan, error) {
	var inputs map[string]string
	if opts.Record || len(ix.Expansions) > 0 {
		inputs = InputDigests(progs)
	}
	type known struct {
		n   int
		exp state.Expansion
	}
	skip := map[string]known{}
	var expand []*schema.Program
	ids := make([]string, 0, len(progs))
	for _, p := range progs {
		ids = append(ids, p.ID)
		if n, exp, ok := unchanged(p, ix, inputs[p.ID], &opts); ok {
			skip[p.ID] = known{n, exp}
			continue
		}
		expand = append(expand, p)
	}
	d := Expand(expand)
	sort.Strings(ids)
	d.Programs = ids // the skipped ones are loaded too: their state is theirs
	if opts.Record {
		d.Inputs = map[string]string{}
		for _, p := range expand {
			if in, ok := inputs[p.ID]; ok {
				d.Inputs[p.ID] = in
			}
		}
	}
	st, err := ix.State(func(prog string) bool { _, ok := skip[prog]; return !ok }, stubs(d, expand, ix, &opts))
	if err != nil {
		return nil, err
	}
	p := plan.Build(d, st, opts)
	for prog, k := range skip {
		p.Known(prog, k.n, k.exp, opts.Record)
	}
	return p, nil
}

// stubs returns which entries of the expanded programs a plan must decode:
// those whose declared hash differs from the resource declared at their
// address, and those of no declared resource. Others are unchanged, and a
// plan needs no more of them than their UID (state.Index.State). When one
// program changed in one place, this leaves most of its entries undecoded.
// It hashes d's resources and keeps the hashes in d for Build. A refreshed
// plan (Observed) compares every entry with the target, and a declared
// move shows the entry it moves, so both decode every entry (nil).
func stubs(d *plan.Desired, progs []*schema.Program, ix *state.Index, opts *plan.Options) func(address, hash string) bool {
	if opts.Observed != nil || ix.Len() == 0 {
		return nil // nothing to compare with: nothing to hash
	}
	for _, p := range progs {
		if len(p.Moved) > 0 {
			return nil
		}
	}
	d.Hashes = plan.Hashes(d.Resources)
	rs, j := d.Resources, 0
	// Both go in address order: one pass over each.
	return func(address, hash string) bool {
		for j < len(rs) && rs[j].Address < address {
			j++
		}
		return j == len(rs) || rs[j].Address != address || d.Hashes[j] != hash
	}
}

// unchanged reports whether state holds exactly what p declares, by its
// input digest, and if so how many of its resources the plan selects.
func unchanged(p *schema.Program, ix *state.Index, digest string, opts *plan.Options) (int, state.Expansion, bool) {
	exp, ok := ix.Expansions[p.ID]
	if !ok || digest == "" || exp.Inputs != digest || opts.Observed != nil {
		// Refreshed plans compare every resource with what the target
		// holds, so they expand everything.
		return 0, exp, false
	}
	got, addrs := ix.Program(p.ID)
	if got != exp.Resources {
		return 0, exp, false
	}
	// A declared move whose old address still has entries re-keys them
	// (plan.Build's applyMoves): leave that to the full plan.
	for _, m := range p.Moved {
		from := p.ID + "/" + m.From
		i := sort.SearchStrings(addrs, from)
		if i < len(addrs) && (addrs[i] == from || strings.HasPrefix(addrs[i], from+"/")) {
			return 0, exp, false
		}
	}
	n := len(addrs)
	if len(opts.Targets) > 0 || len(opts.Excludes) > 0 {
		n = 0
		for _, a := range addrs {
			if opts.Selected(a) {
				n++
			}
		}
	}
	return n, exp, true
}
