package caldav_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target"
	"github.com/rmctl/rmctl/engine/target/caldav"
	"github.com/rmctl/rmctl/engine/target/caldav/davclient"
	"github.com/rmctl/rmctl/internal/testserver"
)

var servers = []struct {
	name  string
	start func(testing.TB) *testserver.Server
}{
	{"radicale", testserver.Radicale},
	{"xandikos", testserver.Xandikos},
}

// TestLifecycle runs a program through its life against both servers in
// both layouts: apply, change, remove a pair, then edits made directly on
// the server (moved, deleted, accepted), checking every calendar with
// python3-caldav after each step.
func TestLifecycle(t *testing.T) {
	for _, s := range servers {
		for _, perPerson := range []bool{false, true} {
			name := s.name + "/shared"
			if perPerson {
				name = s.name + "/per-person"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				lifecycle(t, s.start(t), perPerson)
			})
		}
	}
}

func lifecycle(t *testing.T, srv *testserver.Server, perPerson bool) {
	e := newEnv(t, srv, perPerson, caldav.Config{})
	ctx := context.Background()

	// 1. First apply: everything is created.
	d := desired(t, baseFixture)
	p := e.apply(d, false, "")
	if got := changesByAction(p)[plan.Create]; got != len(d.Resources) {
		t.Fatalf("first plan creates %d, want %d", got, len(d.Resources))
	}
	items := e.verify(d)
	// A joint event's copy in a person's calendar lists that person only;
	// the shared calendar's lists everyone. Sessions list both people.
	for _, r := range d.Resources {
		if r.Kind != resource.Event {
			continue
		}
		for cal, its := range items {
			for _, it := range its {
				if it.UID != r.UID {
					continue
				}
				want := len(r.Attendees)
				if perPerson {
					want = 1
				}
				if len(it.Attendees) != want {
					t.Errorf("%s in %s lists %d attendees, want %d", r.Address, cal, len(it.Attendees), want)
				}
			}
		}
	}
	if p, _ := e.plan(d, true, ""); p.HasChanges() || len(p.Drift) > 0 {
		t.Fatalf("after apply, a refreshed plan has %d changes and %d drift: %+v", len(p.Changes), len(p.Drift), p.Drift)
	}

	// 2. Change the program: pair b's sessions move, the kick-off changes
	// location. Updates only, sequences raised.
	f := baseFixture
	f.slotB, f.kickoffLocation = "15:00", "Atrium"
	d = desired(t, f)
	p = e.apply(d, false, "")
	if a := changesByAction(p); a[plan.Update] == 0 || a[plan.Create] != 0 || a[plan.Cancel] != 0 {
		t.Fatalf("changed program: %v, want updates only", a)
	}
	items = e.verify(d)
	s1 := findResource(d, "rm-2027/pair/b/session/1")
	for _, its := range items {
		for _, it := range its {
			if it.UID == s1.UID {
				// Written in the pair's zone; the instant is what counts.
				if it.DTStart != s1.Start.In(berlin(t)).Format("20060102T150405") || !it.Instant.Equal(s1.Start) || it.Sequence != 1 {
					t.Errorf("moved session on server: DTSTART %s (%s) SEQUENCE %d, want %s and 1", it.DTStart, it.Instant, it.Sequence, s1.Start)
				}
			}
		}
	}

	// 3. Remove pair c: its sessions and tutorials are deleted, and in the
	// per-person layout its people vanish from the events' copies.
	f.third = false
	d = desired(t, f)
	p = e.apply(d, false, "")
	if a := changesByAction(p); a[plan.Cancel] == 0 {
		t.Fatalf("removed pair: %v, want cancellations", a)
	}
	e.verify(d)

	// 4. Someone moves a session on the server: refresh shows it; report
	// leaves it, restore puts it back.
	moved := findResource(d, "rm-2027/pair/a/session/2")
	st := e.state()
	editOnServer(t, srv, st.Resources[moved.Address].Refs[0], func(c *goical.Component) {
		shiftTime(c, goical.PropDateTimeStart, 2*time.Hour)
		shiftTime(c, goical.PropDateTimeEnd, 2*time.Hour)
		// What servers and clients change without changing the meaning.
		c.Props.Set(&goical.Prop{Name: "X-SERVER-NOTE", Params: goical.Params{}, Value: "added"})
		setPartstat(c, "ACCEPTED")
	})
	// An edit that means nothing is no drift.
	partstatOnly := findResource(d, "rm-2027/pair/a/session/3")
	editOnServer(t, srv, st.Resources[partstatOnly.Address].Refs[0], func(c *goical.Component) {
		setPartstat(c, "DECLINED")
		c.Props.Set(&goical.Prop{Name: goical.PropDateTimeStamp, Params: goical.Params{}, Value: "20300101T000000Z"})
	})
	p, _ = e.plan(d, true, plan.Report)
	if p.HasChanges() || len(p.Drift) != 1 || p.Drift[0].Address != moved.Address || p.Drift[0].What != plan.DriftMoved {
		t.Fatalf("report: %d changes, drift %+v; want only %s moved", len(p.Changes), p.Drift, moved.Address)
	}
	p = e.apply(d, true, plan.Restore)
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Update || !strings.Contains(p.Changes[0].Reason, "moved on the server") {
		t.Fatalf("restore: %+v", p.Changes)
	}
	e.check(d)
	if p, _ := e.plan(d, true, ""); p.HasChanges() || len(p.Drift) > 0 {
		t.Fatalf("after restore: %d changes, drift %+v", len(p.Changes), p.Drift)
	}

	// 5. Someone deletes an event (in the per-person layout: one person's
	// copy, then every copy of a session): restored.
	kick := findResource(d, "rm-2027/event/kickoff")
	st = e.state()
	deleteOnServer(t, srv, st.Resources[kick.Address].Refs[0])
	sess := findResource(d, "rm-2027/pair/b/session/4")
	for _, r := range st.Resources[sess.Address].Refs {
		deleteOnServer(t, srv, r)
	}
	p, _ = e.plan(d, true, plan.Report)
	if len(p.Drift) != 2 || p.Drift[0].What != plan.DriftDeleted || p.Drift[1].What != plan.DriftDeleted {
		t.Fatalf("deleted: drift %+v", p.Drift)
	}
	p = e.apply(d, true, "")
	if len(p.Changes) != 2 || !strings.Contains(p.Changes[0].Reason, "deleted on the server") {
		t.Fatalf("restore deleted: %+v", p.Changes)
	}
	e.check(d)

	// 6. Someone moves a session and the policy is accept: state takes the
	// calendar's time, nothing is sent, and later plans leave it there
	// until the declaration changes.
	acc := findResource(d, "rm-2027/pair/b/session/2")
	st = e.state()
	for _, r := range st.Resources[acc.Address].Refs {
		editOnServer(t, srv, r, func(c *goical.Component) {
			shiftTime(c, goical.PropDateTimeStart, 24*time.Hour)
			shiftTime(c, goical.PropDateTimeEnd, 24*time.Hour)
		})
	}
	p = e.apply(d, true, plan.Accept)
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Adopt {
		t.Fatalf("accept: %+v", p.Changes)
	}
	en := e.state().Resources[acc.Address]
	if !en.Snapshot.Start.Equal(acc.Start.Add(24*time.Hour)) || en.DeclaredHash != acc.Hash() {
		t.Fatalf("accepted entry: start %s declared %q, want %s and %q", en.Snapshot.Start, en.DeclaredHash, acc.Start.Add(24*time.Hour), acc.Hash())
	}
	for _, policy := range []plan.DriftPolicy{plan.Restore, plan.Accept} {
		if p, _ := e.plan(d, true, policy); p.HasChanges() || len(p.Drift) > 0 {
			t.Fatalf("after accept (%s): %d changes, drift %+v", policy, len(p.Changes), p.Drift)
		}
	}
	if p, _ := e.plan(d, false, ""); p.HasChanges() {
		t.Fatalf("after accept, a plan without refresh: %+v", p.Changes)
	}
	items = e.verify(d)
	for _, its := range items {
		for _, it := range its {
			if it.UID == acc.UID && !it.Instant.Equal(acc.Start.Add(24*time.Hour)) {
				t.Errorf("accepted session was moved back: %s", it.DTStart)
			}
		}
	}
	// The declaration changes: the update wins over the accepted time.
	f.slotB = "13:00"
	d = desired(t, f)
	p = e.apply(d, false, "")
	if i := slices.IndexFunc(p.Changes, func(c plan.Change) bool { return c.Address == acc.Address }); i < 0 || p.Changes[i].Action != plan.Update {
		t.Fatalf("a declared change after accept does not update %s: %+v", acc.Address, p.Changes)
	}
	acc = findResource(d, acc.Address)
	en = e.state().Resources[acc.Address]
	if en.DeclaredHash != "" || !en.Snapshot.Start.Equal(acc.Start) {
		t.Fatalf("after a declared change: start %s declared %q", en.Snapshot.Start, en.DeclaredHash)
	}
	e.verify(d)
	if p, _ := e.plan(d, true, ""); p.HasChanges() || len(p.Drift) > 0 {
		t.Fatalf("final: %d changes, drift %+v", len(p.Changes), p.Drift)
	}

	// 7. State lost (a crash before it was written, or deleted): every
	// resource is created again, which must adopt the objects already
	// there instead of duplicating them; and updates with stale ETags
	// must reconcile.
	for _, r := range d.Resources {
		refs, err := e.tgt.Deliver(ctx, target.Delivery{Action: target.Create, Resource: r, Stamp: time.Now()})
		if err != nil {
			t.Fatalf("re-create %s: %v", r.Address, err)
		}
		for i := range refs {
			refs[i].ETag = "stale"
		}
		if _, err := e.tgt.Deliver(ctx, target.Delivery{Action: target.Update, Resource: r, Sequence: 5, Refs: refs, Stamp: time.Now()}); err != nil {
			t.Fatalf("update %s with a stale ETag: %v", r.Address, err)
		}
	}
	e.verify(d)
}

// client talks to the test server directly, as another calendar user would.
func client(t testing.TB, srv *testserver.Server) *davclient.Client {
	c, err := davclient.New(davclient.Options{Username: srv.Username, Password: srv.Password})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// editOnServer changes the stored object at ref as a calendar client would.
func editOnServer(t testing.TB, srv *testserver.Server, ref state.Ref, edit func(*goical.Component)) {
	t.Helper()
	c := client(t, srv)
	ctx := context.Background()
	data, etag, err := c.Get(ctx, ref.Href)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	for _, comp := range cal.Children {
		if comp.Name == goical.CompEvent || comp.Name == goical.CompToDo {
			edit(comp)
		}
	}
	var buf bytes.Buffer
	if err := goical.NewEncoder(&buf).Encode(cal); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Update(ctx, ref.Href, buf.Bytes(), etag); err != nil {
		t.Fatal(err)
	}
}

func deleteOnServer(t testing.TB, srv *testserver.Server, ref state.Ref) {
	t.Helper()
	if err := client(t, srv).Delete(context.Background(), ref.Href, ""); err != nil && !errors.Is(err, davclient.ErrNotFound) {
		t.Fatal(err)
	}
}

func shiftTime(c *goical.Component, name string, d time.Duration) {
	p := c.Props.Get(name)
	tm, err := p.DateTime(time.UTC)
	if err != nil {
		panic(err)
	}
	np := goical.NewProp(name)
	np.SetDateTime(tm.Add(d).UTC())
	c.Props.Set(np)
}

func setPartstat(c *goical.Component, v string) {
	for i := range c.Props[goical.PropAttendee] {
		c.Props[goical.PropAttendee][i].Params.Set(goical.ParamParticipationStatus, v)
	}
}

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
