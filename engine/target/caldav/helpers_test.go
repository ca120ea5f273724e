package caldav_test

import (
	"bytes"
	"context"
	"fmt"
	goical "github.com/emersion/go-ical"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/apply"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target/caldav"
	"github.com/rmctl/rmctl/engine/target/caldav/davclient"
	"github.com/rmctl/rmctl/internal/testserver"
	"github.com/rmctl/rmctl/schema"
)

// planNow is the plan's clock: before the program, so nothing is frozen.
var planNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// programSrc is the fixture: three pairs, four sessions, two events and
// tutorials for mentees and for both. Placeholders let tests change it:
// %[1]s the kickoff location, %[2]s the slot time of pair "b", %[3]s the
// third pair (or nothing).
const programSrc = `package rm

program: {
	id:        "rm-2027"
	title:     "Reverse Mentoring 2027"
	language:  "en"
	timezone:  "Europe/Berlin"
	start:     "2027-02-01"
	end:       "2027-06-30"
	organizer: {name: "People Development", email: "rm@example.com"}
	events: {
		kickoff: {title: "Kick-off", date: "2027-02-03", time: "09:30", duration: "2h", location: "%[1]s"}
		closing: {title: "Closing", date: "2027-06-23", time: "10:00", duration: "2h", location: "HQ"}
	}
	sessions: {
		slot: {week: 2, weekday: "tuesday", time: "16:00", duration: "60m"}
		plan: [
			{title: "Social media", topics: ["terms"], tutorials: ["basics"]},
			{title: "Collaboration", topics: ["tools"], tutorials: []},
			{title: "AI", topics: ["prompts"], tutorials: ["ai"]},
			{title: "Wrap-up", topics: ["next"], tutorials: []},
		]
	}
	tutorials: {
		"basics": {title: "Basics", url: "https://example.com/basics", minutes: 20, audience: "mentee", due: "3d"}
		"ai": {title: "AI primer", url: "https://example.com/ai", minutes: 15, audience: "both", due: "2d"}
	}
}

people: {
	"anna":  {name: "Anna Schmidt", email: "anna@example.com", department: "IT"}
	"klaus": {name: "Klaus Müller", email: "klaus@example.com", department: "Board"}
	"ben":   {name: "Ben Weber", email: "ben@example.com", department: "Marketing"}
	"eva":   {name: "Eva Koch", email: "eva@example.com", department: "Finance"}
	"mia":   {name: "Mia Wolf", email: "mia@example.com", department: "Design"}
	"otto":  {name: "Otto Braun", email: "otto@example.com", department: "Legal"}
}

pairs: {
	"a": {mentor: "anna", mentee: "klaus"}
	"b": {mentor: "ben", mentee: "eva", slot: time: "%[2]s"}
	%[3]s
}
`

const thirdPair = `"c": {mentor: "mia", mentee: "otto", slot: time: "10:00"}`

type fixture struct {
	kickoffLocation, slotB string
	third                  bool
}

var baseFixture = fixture{kickoffLocation: "HQ", slotB: "14:00", third: true}

func (f fixture) source() string {
	third := ""
	if f.third {
		third = thirdPair
	}
	return fmt.Sprintf(programSrc, f.kickoffLocation, f.slotB, third)
}

// desired loads the fixture and expands it, failing on any diagnostic.
func desired(t testing.TB, f fixture) *plan.Desired {
	t.Helper()
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"prog/program.cue": &fstest.MapFile{Data: []byte(f.source())}}
	res, err := l.LoadFS(context.Background(), fsys, "prog")
	if err != nil {
		t.Fatal(err)
	}
	if res.Diagnostics.HasErrors() || len(res.Programs) != 1 {
		t.Fatalf("fixture does not load: %v", res.Diagnostics)
	}
	return engine.Expand(res.Programs)
}

// env is one target and state against one server.
type env struct {
	t     testing.TB
	srv   *testserver.Server
	tgt   *caldav.Target
	store *state.Local
	url   string          // calendar URL or template
	used  map[string]bool // calendars that were expected to hold something
}

func newEnv(t testing.TB, srv *testserver.Server, perPerson bool, cfg caldav.Config) *env {
	t.Helper()
	u := srv.CalendarURL("rm-program")
	if perPerson {
		u = srv.CalendarURL("rm-" + caldav.PersonPlaceholder)
	}
	cfg.URL, cfg.Username, cfg.Password = u, srv.Username, srv.Password
	tgt, err := caldav.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: srv, tgt: tgt, url: u, used: map[string]bool{},
		store: state.NewLocal(filepath.Join(t.TempDir(), "state.json"), state.LocalOptions{})}
}

func (e *env) state() *state.State {
	e.t.Helper()
	st, err := e.store.Read(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// plan builds a plan of d against state; refresh asks the server first.
func (e *env) plan(d *plan.Desired, refresh bool, policy plan.DriftPolicy) (*plan.Plan, *state.State) {
	e.t.Helper()
	st := e.state()
	opts := plan.Options{Now: planNow, Drift: policy}
	if refresh {
		obs, err := plan.Refresh(context.Background(), e.tgt, st, opts)
		if err != nil {
			e.t.Fatal(err)
		}
		opts.Observed = obs
	}
	return plan.Build(d, st, opts), st
}

// apply plans d and applies it, failing the test on any error.
func (e *env) apply(d *plan.Desired, refresh bool, policy plan.DriftPolicy) *plan.Plan {
	e.t.Helper()
	p, st := e.plan(d, refresh, policy)
	res, err := apply.Apply(context.Background(), p, st, e.store, e.tgt, apply.Options{})
	if err != nil {
		e.t.Fatalf("apply: %v", err)
	}
	_ = res
	return p
}

// expected maps each calendar to the UIDs (with kind) it must hold.
func (e *env) expected(d *plan.Desired) map[string][]string {
	out := map[string][]string{}
	for _, r := range d.Resources {
		kind := "VEVENT"
		if r.Kind == resource.Assignment {
			kind = "VTODO"
		}
		cals := []string{e.tgt.CalendarURL("")}
		if e.tgt.PerPerson() {
			cals = nil
			for _, a := range r.Attendees {
				cals = append(cals, e.tgt.CalendarURL(a.ID))
			}
		}
		for _, c := range cals {
			out[c] = append(out[c], kind+" "+r.UID)
		}
	}
	for c := range out {
		sort.Strings(out[c])
	}
	return out
}

// allCalendars are the calendars any fixture variant may use.
func (e *env) allCalendars() []string {
	if !e.tgt.PerPerson() {
		return []string{e.tgt.CalendarURL("")}
	}
	var out []string
	for _, p := range []string{"anna", "klaus", "ben", "eva", "mia", "otto"} {
		out = append(out, e.tgt.CalendarURL(p))
	}
	return out
}

// check is verify with rmctl's own client (one REPORT per calendar), for
// the steps in between: python3-caldav costs a second per calendar.
func (e *env) check(d *plan.Desired) {
	e.t.Helper()
	want := e.expected(d)
	for c := range want {
		e.used[c] = true
	}
	c, err := davclient.New(davclient.Options{Username: e.srv.Username, Password: e.srv.Password})
	if err != nil {
		e.t.Fatal(err)
	}
	for cal := range e.used {
		objs, err := c.List(context.Background(), cal)
		if err != nil {
			e.t.Fatal(err)
		}
		var got []string
		for _, o := range objs {
			kind, uid := componentAndUID(o.Data)
			got = append(got, kind+" "+uid)
		}
		sort.Strings(got)
		if !slices.Equal(got, want[cal]) {
			e.t.Errorf("calendar %s holds %d objects, want %d:\n got %v\nwant %v", cal, len(got), len(want[cal]), got, want[cal])
		}
	}
}

// verify checks with python3-caldav, an independent client, that every
// calendar holds exactly the expected events and tasks, each UID once.
func (e *env) verify(d *plan.Desired) map[string][]testserver.Item {
	e.t.Helper()
	want := e.expected(d)
	items := map[string][]testserver.Item{}
	for c := range want {
		e.used[c] = true
	}
	for _, c := range e.allCalendars() {
		var got []string
		if e.used[c] {
			for _, it := range e.srv.PyCalDAV(e.t, c) {
				got = append(got, it.Kind+" "+it.UID)
				items[c] = append(items[c], it)
			}
		}
		sort.Strings(got)
		if !slices.Equal(got, want[c]) {
			e.t.Errorf("calendar %s holds %d items, want %d:\n got %s\nwant %s", c, len(got), len(want[c]),
				strings.Join(got, "\n     "), strings.Join(want[c], "\n     "))
		}
	}
	return items
}

func findResource(d *plan.Desired, addr string) *resource.Resource {
	for i := range d.Resources {
		if d.Resources[i].Address == addr {
			return &d.Resources[i]
		}
	}
	return nil
}

func changesByAction(p *plan.Plan) map[plan.Action]int {
	m := map[plan.Action]int{}
	for _, c := range p.Changes {
		m[c.Action]++
	}
	return m
}

// componentAndUID reads the kind and UID of a stored object.
func componentAndUID(data []byte) (string, string) {
	cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		return "UNREADABLE", err.Error()
	}
	for _, c := range cal.Children {
		if c.Name == goical.CompEvent || c.Name == goical.CompToDo {
			uid, _ := c.Props.Text(goical.PropUID)
			return c.Name, uid
		}
	}
	return "EMPTY", ""
}
