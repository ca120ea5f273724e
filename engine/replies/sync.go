package replies

import (
	"context"
	"fmt"
	"sort"

	"github.com/rmctl/rmctl/engine/state"
)

// Source is a target that keeps copies attendees answer in (CalDAV: a
// client that accepts an event sets the attendee's PARTSTAT in the stored
// copy): it returns the answers found in the copies of entries.
type Source interface {
	Answers(ctx context.Context, entries []*state.Entry) ([]Reply, error)
}

// Sync reads the replies in the mailbox (when mailbox is not nil) and the
// answers in the copies a source holds (when source is not nil), and
// records the new answers in store. Reading happens before the state lock
// is taken, so a slow server never holds up an apply; the lock covers only
// reading, merging and writing state. Nothing is written when nothing
// changed.
func Sync(ctx context.Context, mailbox *Config, source Source, store state.Store, lock state.LockInfo) (*Result, Outcome, error) {
	res := &Result{}
	if mailbox != nil {
		r, err := Fetch(ctx, *mailbox)
		if err != nil {
			return nil, Outcome{}, err
		}
		res = r
	}
	if source != nil {
		st, err := store.Read(ctx)
		if err != nil {
			return nil, Outcome{}, err
		}
		entries := make([]*state.Entry, 0, len(st.Resources))
		for _, a := range st.Addresses() {
			entries = append(entries, st.Resources[a])
		}
		rs, err := source.Answers(ctx, entries)
		if err != nil {
			return nil, Outcome{}, err
		}
		res.Replies = append(res.Replies, rs...)
	}
	if err := store.Lock(ctx, lock); err != nil {
		return nil, Outcome{}, err
	}
	defer store.Unlock(context.WithoutCancel(ctx), lock.ID)
	st, err := store.Read(ctx)
	if err != nil {
		return nil, Outcome{}, err
	}
	out := Record(st, res.Replies)
	if len(out.Entries) == 0 {
		return res, out, nil
	}
	addrs := make([]string, 0, len(out.Entries))
	for a := range out.Entries {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	for _, a := range addrs {
		st.Apply(state.Op{Address: a, Entry: out.Entries[a]})
	}
	// One Write: the answers land together and the serial moves on, so a
	// plan saved before counts as stale.
	if err := store.Write(ctx, st); err != nil {
		return nil, Outcome{}, fmt.Errorf("writing state: %w", err)
	}
	return res, out, nil
}
