package caldav

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"golang.org/x/sync/errgroup"

	"github.com/rmctl/rmctl/engine/replies"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target/caldav/davclient"
)

var _ replies.Source = (*Target)(nil)

// Answers implements replies.Source: attendees' answers as the server's
// copies hold them. A calendar client that accepts or declines an event
// sets the attendee's PARTSTAT in the stored copy. Every calendar that
// should hold a copy of an entry is listed with one calendar-query REPORT
// (as Observe does); only copies with an entry's UID are read. A calendar
// that is gone holds no answers.
func (t *Target) Answers(ctx context.Context, entries []*state.Entry) ([]replies.Reply, error) {
	uids := map[string]bool{}
	set := map[string]bool{}
	for _, e := range entries {
		if e.Snapshot.Kind == resource.Assignment {
			continue // tasks are done, not answered
		}
		uids[e.UID] = true
		found := false
		for _, ref := range e.Refs {
			if ref.Target == Kind && ref.Calendar != "" {
				set[ref.Calendar], found = true, true
			}
		}
		if !found {
			r := resource.FromSnapshot(e.Address, e.UID, e.Snapshot)
			for _, c := range t.calendars(&r) {
				set[c.url] = true
			}
		}
	}
	urls := make([]string, 0, len(set))
	for u := range set {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	got := make([][]replies.Reply, len(urls))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(t.parallel)
	for i, u := range urls {
		g.Go(func() error {
			objs, err := t.client.List(gctx, u)
			if errors.Is(err, davclient.ErrNotFound) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("caldav: reading calendar %s: %w", u, err)
			}
			for _, obj := range objs {
				rs, err := replies.FromObject(obj.Data)
				if err != nil {
					continue // not readable, so not rmctl's
				}
				for _, r := range rs {
					if uids[r.UID] {
						got[i] = append(got[i], r)
					}
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []replies.Reply
	for _, rs := range got {
		out = append(out, rs...)
	}
	return out, nil
}
