// Package apply carries out a plan: it hands each change to a target with
// bounded parallelism and records the outcome in state after every single
// action, so a run killed at any point loses nothing and the next run
// neither repeats nor duplicates what was done.
package apply

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/replies"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target"
)

// Store is what apply needs of state: record each finished action durably,
// then write the whole state once at the end.
type Store interface {
	Record(ctx context.Context, op state.Op) error
	Write(ctx context.Context, s *state.State) error
}

// Options steer a run.
type Options struct {
	// Parallelism bounds the actions in flight; default 8.
	Parallelism int
	// Now stamps DTSTAMP and AppliedAt.
	Now func() time.Time
	// Commit and Dirty record where the declarations came from.
	Commit string
	Dirty  bool
	// Progress, if set, is called after each change, from any goroutine.
	Progress func(Progress)
	// MaxFailures stops scheduling new actions after this many failed; the
	// ones in flight finish. Default 10.
	MaxFailures int
}

// Progress reports one finished change.
type Progress struct {
	Change *plan.Change
	Err    error
	Done   int // changes finished so far, this one included
	Total  int
}

// Result counts what a run did.
type Result struct {
	Sent      int
	Updated   int
	Cancelled int
	Moved     int
	Adopted   int // drift accepted into state (plan.Adopt)
	Failed    []Failure
}

// Failure is a change that could not be carried out.
type Failure struct {
	Address string
	Err     error
}

// Err summarizes the failures, or returns nil.
func (r *Result) Err() error {
	if len(r.Failed) == 0 {
		return nil
	}
	errs := make([]error, 0, len(r.Failed))
	for _, f := range r.Failed {
		errs = append(errs, fmt.Errorf("%s: %w", f.Address, f.Err))
	}
	return fmt.Errorf("%d of the planned changes failed (the rest were applied and recorded; run apply again to retry): %w", len(r.Failed), errors.Join(errs...))
}

// Apply carries out p against tgt, starting from st (the state p was made
// from) and recording into store. st is updated in place.
func Apply(ctx context.Context, p *plan.Plan, st *state.State, store Store, tgt target.Target, opts Options) (*Result, error) {
	if opts.Parallelism <= 0 {
		opts.Parallelism = 8
	}
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = 10
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	res := &Result{}
	var mu sync.Mutex // guards st, res and done
	done := 0

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Parallelism)
	for i := range p.Changes {
		c := &p.Changes[i]
		mu.Lock()
		stop := len(res.Failed) >= opts.MaxFailures
		mu.Unlock()
		if stop || gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			ops, err := run(gctx, c, st, &mu, tgt, opts)
			if err == nil {
				// The action happened: record it even if the run is being
				// interrupted, or the next run would do it again.
				for _, op := range ops {
					if err = store.Record(context.WithoutCancel(gctx), op); err != nil {
						err = fmt.Errorf("recording state: %w", err)
						break
					}
				}
			}
			mu.Lock()
			if err == nil {
				for _, op := range ops {
					st.Apply(op)
				}
				count(res, c.Action)
			} else {
				res.Failed = append(res.Failed, Failure{Address: c.Address, Err: err})
			}
			done++
			pr := Progress{Change: c, Err: err, Done: done, Total: len(p.Changes)}
			mu.Unlock()
			if opts.Progress != nil {
				opts.Progress(pr)
			}
			return nil // a failed change does not stop the others
		})
	}
	_ = g.Wait()

	// Fold the journal into one state file even after failures: everything
	// recorded is true. A run that recorded nothing leaves state (and its
	// serial, which saved plans are checked against) as it was.
	if res.Sent+res.Updated+res.Cancelled+res.Moved+res.Adopted > 0 {
		if err := store.Write(context.WithoutCancel(ctx), st); err != nil {
			return res, fmt.Errorf("writing state: %w", err)
		}
	}
	if f, ok := tgt.(target.Finisher); ok {
		if err := f.Finish(context.WithoutCancel(ctx)); err != nil {
			return res, fmt.Errorf("finishing target: %w", err)
		}
	}
	if ctx.Err() != nil {
		err := context.Cause(ctx)
		return res, fmt.Errorf("apply interrupted after %d of %d changes (what was done is recorded; run apply again to finish): %w", done, len(p.Changes), err)
	}
	return res, res.Err()
}

func count(res *Result, a plan.Action) {
	switch a {
	case plan.Create:
		res.Sent++
	case plan.Update:
		res.Updated++
	case plan.Cancel:
		res.Cancelled++
	case plan.Move:
		res.Moved++
	case plan.Adopt:
		res.Adopted++
	}
}

// run delivers one change and returns the state operations that record it.
func run(ctx context.Context, c *plan.Change, st *state.State, mu *sync.Mutex, tgt target.Target, opts Options) ([]state.Op, error) {
	mu.Lock()
	prev := st.Resources[c.Address]
	if c.MovedFrom != "" && prev == nil {
		prev = st.Resources[c.MovedFrom]
	}
	mu.Unlock()

	now := opts.Now().UTC()
	var refs []state.Ref
	if prev != nil {
		refs = prev.Refs
	}
	entry := func(r *resource.Resource, seq int, refs []state.Ref) *state.Entry {
		return &state.Entry{
			Address: c.Address, UID: c.UID, Hash: r.Hash(), Sequence: seq, Snapshot: r.Snapshot(),
			Refs: refs, Commit: opts.Commit, Dirty: opts.Dirty, AppliedAt: now,
		}
	}
	// A moved entry is written at its new address before the old one is
	// dropped: a crash between the two leaves both with one UID, which the
	// planner recognizes as the same resource.
	moved := func(ops []state.Op) []state.Op {
		if c.MovedFrom != "" {
			ops = append(ops, state.Op{Address: c.MovedFrom})
		}
		return ops
	}

	switch c.Action {
	case plan.Move:
		if prev == nil {
			return nil, fmt.Errorf("rename without a recorded resource at %s or %s", c.Address, c.MovedFrom)
		}
		e := *prev
		e.Address = c.Address
		return moved([]state.Op{{Address: c.Address, Entry: &e}}), nil
	case plan.Adopt:
		return adopt(c, prev, opts, now)
	case plan.Create, plan.Update:
		if c.After == nil {
			return nil, fmt.Errorf("%s without the resource to send", c.Action)
		}
		r := *c.After
		r.UID = c.UID
		// Known answers stay, and are sent back, unless time or place moved.
		kept, sent := replies.Keep(prev, r, c.Sequence)
		d := target.Delivery{Action: target.Create, Resource: sent, Sequence: c.Sequence, Removed: c.Removed, Refs: refs, Stamp: now}
		if c.Action == plan.Update {
			d.Action = target.Update
		}
		newRefs, err := tgt.Deliver(ctx, d)
		if err != nil {
			return nil, err
		}
		e := entry(&r, c.Sequence, newRefs)
		e.Replies = kept
		return moved([]state.Op{{Address: c.Address, Entry: e}}), nil
	case plan.Cancel:
		if c.Before == nil {
			return nil, fmt.Errorf("cancel without a recorded resource")
		}
		r := resource.FromSnapshot(c.Address, c.UID, *c.Before)
		d := target.Delivery{Action: target.Cancel, Resource: r, Sequence: c.Sequence, Refs: refs, Stamp: now}
		if _, err := tgt.Deliver(ctx, d); err != nil {
			return nil, err
		}
		// The removal carries the CANCEL's SEQUENCE, so that a resource
		// declared again later is sent above it (see plan.Build).
		return moved([]state.Op{{Address: c.Address, Retired: &state.Retirement{UID: c.UID, Sequence: c.Sequence}}}), nil
	}
	return nil, fmt.Errorf("unknown action %q", c.Action)
}

// CancelGuard refuses plans that would cancel more than maxPercent of the
// managed resources, or all of them: the typical result of loading the wrong
// directory or a broken merge, not of an intended change.
func CancelGuard(p *plan.Plan, managed, maxPercent int) error {
	cancels := p.Summary.Cancel
	if cancels == 0 || managed == 0 {
		return nil
	}
	if cancels >= managed && maxPercent < 100 {
		return fmt.Errorf("the plan cancels all %d managed resources; if that is really intended, pass --max-cancel 100", managed)
	}
	if cancels*100 > maxPercent*managed {
		return fmt.Errorf("the plan cancels %d of %d managed resources (%d%%), more than --max-cancel %d%%; check the plan, then raise --max-cancel if it is intended",
			cancels, managed, cancels*100/managed, maxPercent)
	}
	return nil
}
