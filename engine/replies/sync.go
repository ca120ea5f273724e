package replies

import (
	"context"
	"fmt"
	"sort"

	"github.com/rmctl/rmctl/engine/state"
)

// Sync reads the replies in the mailbox and records the new answers in
// store. The mailbox is read before the state lock is taken, so a slow
// IMAP server never holds up an apply; the lock covers only reading,
// merging and writing state. Nothing is written when nothing changed.
func Sync(ctx context.Context, cfg Config, store state.Store, lock state.LockInfo) (*Result, Outcome, error) {
	res, err := Fetch(ctx, cfg)
	if err != nil {
		return nil, Outcome{}, err
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
