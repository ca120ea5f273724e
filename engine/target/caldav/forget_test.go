package caldav_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rmctl/rmctl/engine/forget"
	"github.com/rmctl/rmctl/engine/target/caldav"
	"github.com/rmctl/rmctl/engine/target/caldav/davclient"
	"github.com/rmctl/rmctl/internal/testserver"
	"github.com/rmctl/rmctl/schema"
)

// TestForget forgets otto (pair c) part-way through the program against
// Radicale in the per-person layout: afterwards no calendar holds any
// resource of pair c, past or future, and otto's calendar is empty.
func TestForget(t *testing.T) {
	srv := testserver.Radicale(t)
	e := newEnv(t, srv, true, caldav.Config{})
	before := desired(t, baseFixture)
	e.apply(before, false, "")
	e.check(before)

	f := baseFixture
	f.third = false
	src := strings.Replace(f.source(), `"otto":  {name: "Otto Braun", email: "otto@example.com", department: "Legal"}`, "", 1)
	src = strings.Replace(src, `"mia":   {name: "Mia Wolf", email: "mia@example.com", department: "Design"}`, "", 1)
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LoadFS(context.Background(), fstest.MapFS{"prog/program.cue": &fstest.MapFile{Data: []byte(src)}}, "prog")
	if err != nil || res.Diagnostics.HasErrors() {
		t.Fatalf("load: %v %v", err, res.Diagnostics)
	}
	now := time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC) // sessions 1 and 2 of pair c are past
	rep, err := forget.Run(context.Background(), forget.Options{
		Person: "otto", Programs: res.Programs, Store: e.store, State: e.state(), Target: e.tgt,
		Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Applied.Cancelled == 0 || rep.Forgotten["objects"] == 0 || len(rep.Removed.Entries) == 0 {
		t.Errorf("report: applied %+v, forgotten %v, removed %+v", rep.Applied, rep.Forgotten, rep.Removed)
	}
	pairC := map[string]string{}
	for _, r := range before.Resources {
		if strings.HasPrefix(r.Address, "rm-2027/pair/c/") {
			pairC[r.UID] = r.Address
		}
	}
	c, err := davclient.New(davclient.Options{Username: srv.Username, Password: srv.Password})
	if err != nil {
		t.Fatal(err)
	}
	for _, cal := range e.allCalendars() {
		objs, err := c.List(context.Background(), cal)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			_, uid := componentAndUID(o.Data)
			if addr, ok := pairC[uid]; ok {
				t.Errorf("%s still holds %s", cal, addr)
			}
			if strings.Contains(strings.ToLower(string(o.Data)), "otto@example.com") && strings.HasSuffix(cal, "rm-otto/") {
				t.Errorf("otto's calendar still holds %s", uid)
			}
		}
		if strings.Contains(cal, "rm-otto") && len(objs) != 0 {
			t.Errorf("otto's calendar holds %d objects", len(objs))
		}
	}
	for addr, e := range e.state().Resources {
		for _, a := range e.Snapshot.Attendees {
			if a.ID == "otto" {
				t.Errorf("state entry %s still names otto", addr)
			}
		}
	}
}
