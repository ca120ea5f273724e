package caldav_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	goical "github.com/emersion/go-ical"

	"github.com/rmctl/rmctl/engine/replies"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target/caldav"
	"github.com/rmctl/rmctl/internal/testserver"
)

// TestAnswersFromServerCopies: an attendee declines in their own calendar
// on a real Radicale (their client sets PARTSTAT in the stored copy);
// `sync replies` without a mailbox records it from the server's copy, once.
func TestAnswersFromServerCopies(t *testing.T) {
	t.Parallel()
	srv := testserver.Radicale(t)
	e := newEnv(t, srv, true, caldav.Config{})
	d := desired(t, baseFixture)
	e.apply(d, false, "")

	const addr = "rm-2027/pair/a/session/2"
	var ref state.Ref
	for _, r := range e.state().Resources[addr].Refs {
		if strings.Contains(r.Calendar, "rm-anna") {
			ref = r
		}
	}
	if ref.Href == "" {
		t.Fatalf("no copy of %s in anna's calendar", addr)
	}
	editOnServer(t, srv, ref, func(c *goical.Component) {
		for i, a := range c.Props[goical.PropAttendee] {
			if strings.EqualFold(a.Value, "mailto:anna@example.com") {
				c.Props[goical.PropAttendee][i].Params.Set(goical.ParamParticipationStatus, "DECLINED")
				c.Props[goical.PropAttendee][i].Params.Del(goical.ParamRSVP)
			}
		}
		c.Props.Set(&goical.Prop{Name: goical.PropDateTimeStamp, Params: goical.Params{}, Value: "20270101T100000Z"})
	})

	ctx := context.Background()
	sync := func() replies.Outcome {
		t.Helper()
		_, out, err := replies.Sync(ctx, nil, e.tgt, e.store, state.LockInfo{ID: "sync", Operation: "sync replies"})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := sync()
	want := []replies.Change{{Address: addr, Person: "anna", PartStat: "DECLINED"}}
	if !slices.Equal(out.Changes, want) {
		t.Errorf("changes %+v, want %+v", out.Changes, want)
	}
	if r := e.state().Resources[addr].Replies; r == nil || r.By["anna"].PartStat != "DECLINED" {
		t.Errorf("state: %+v", r)
	}
	if again := sync(); len(again.Changes) != 0 {
		t.Errorf("second sync: %+v", again.Changes)
	}
	// An answer is no drift.
	if p, _ := e.plan(d, true, ""); p.HasChanges() || len(p.Drift) > 0 {
		t.Errorf("plan after the answer: %d changes, drift %+v", len(p.Changes), p.Drift)
	}
}
