package forget

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/apply"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target"
	"github.com/rmctl/rmctl/schema"
)

// ErrUnknown is returned when state names nobody with the id given.
var ErrUnknown = errors.New("state names nobody with this id")

// Options are the inputs of Run. The caller holds the state lock.
type Options struct {
	Person   string
	Programs []*schema.Program // loaded and valid; none declares Person
	Store    state.Store
	State    *state.State // as read under the lock
	Target   target.Target
	Now      func() time.Time
	Commit   string
	Dirty    bool
}

// Report is what Run did, by id and count only: it is printed, so it
// carries no name or e-mail address.
type Report struct {
	Person    string
	Plan      *plan.Plan // the changes sent
	Applied   *apply.Result
	Removed   Removed
	Forgotten target.Forgotten // what the target removed; nil when it keeps nothing
}

// Run forgets a person: it cancels their future invitations through the
// normal apply path (state recorded per action), asks the target to remove
// what it keeps about them, and then writes state without them. State is
// written last, so a run that fails part-way can be repeated: it still
// finds the person in state.
func Run(ctx context.Context, o Options) (*Report, error) {
	if len(Declared(o.Programs, o.Person)) > 0 {
		return nil, fmt.Errorf("forget %s: the declarations still name them", o.Person)
	}
	progs := make([]string, 0, len(o.Programs))
	for _, p := range o.Programs {
		progs = append(progs, p.ID)
	}
	who, ok := Find(o.State, o.Person, progs)
	if !ok {
		return nil, fmt.Errorf("forget %s: %w in the programs loaded", o.Person, ErrUnknown)
	}
	full := plan.Build(engine.Expand(o.Programs), o.State, plan.Options{Now: o.Now(), Commit: o.Commit, Dirty: o.Dirty})
	p, err := Plan(full, o.State, o.Person, progs)
	if err != nil {
		return nil, err
	}
	rep := &Report{Person: o.Person, Plan: p}
	rep.Applied, err = apply.Apply(ctx, p, o.State, o.Store, o.Target, apply.Options{Now: o.Now, Commit: o.Commit, Dirty: o.Dirty})
	if err != nil {
		return rep, fmt.Errorf("forget %s: cancelling their invitations: %w", o.Person, err)
	}
	st, err := o.Store.Read(ctx)
	if err != nil {
		return rep, fmt.Errorf("forget %s: %w", o.Person, err)
	}
	next, removed := State(st, o.Person, progs)
	rep.Removed = removed
	if f, ok := o.Target.(target.Forgetter); ok {
		gone, edited := entries(st, removed.Entries), entries(st, removed.Edited)
		rep.Forgotten, err = f.Forget(ctx, target.Person{ID: who.ID, Emails: who.Emails}, gone, edited)
		if err != nil {
			return rep, fmt.Errorf("forget %s: %w", o.Person, err)
		}
	}
	if err := o.Store.Write(ctx, next); err != nil {
		return rep, fmt.Errorf("forget %s: %w", o.Person, err)
	}
	return rep, nil
}

func entries(st *state.State, addrs []string) []*state.Entry {
	out := make([]*state.Entry, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, st.Resources[a])
	}
	return out
}
