package engine_test

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/internal/testprog"
	"github.com/rmctl/rmctl/schema"
)

// The expansion fixture: one program over a whole year (policy.duration is
// relaxed to 12 months) so that its sessions span both daylight-saving
// switches of Berlin (2027-03-28, 2027-10-31) and New York (2027-03-14,
// 2027-11-07). The slot is the 2nd Tuesday at 16:00; sessions fall on
// 01-12, 02-09, 03-09, 04-13, 05-11, 06-08, 07-13, 08-10, 09-14, 10-12,
// 11-09 and 12-14.
const expandProgram = `package dst

program: {
	id:        "dst-2027"
	title:     "DST Year 2027"
	language:  "en"
	timezone:  "Europe/Berlin"
	start:     "2027-01-01"
	end:       "2027-12-31"
	organizer: {name: "People Development", email: "rm@example.com"}
	events: {
		kickoff: {title: "Kick-off", date: "2027-01-06", time: "14:30", duration: "3h", location: "HQ"}
		closing: {title: "Closing", date: "2027-12-15", time: "15:00", duration: "2h", location: "HQ"}
	}
	sessions: {
		slot: {week: 2, weekday: "tuesday", time: "16:00", duration: "60m"}
		plan: [
			{title: "S1", topics: ["one"], tutorials: ["t-mentor", "t-mentee"]},
			{title: "S2", topics: ["two"], tutorials: []},
			{title: "S3", topics: ["three"], tutorials: ["t-both"]},
			{title: "S4", topics: ["four"], tutorials: ["t-long"]},
			{title: "S5", topics: ["five"], tutorials: ["t-both"]},
			{title: "S6", topics: ["six"], tutorials: []},
			{title: "S7", topics: ["seven"], tutorials: []},
			{title: "S8", topics: ["eight"], tutorials: []},
			{title: "S9", topics: ["nine"], tutorials: []},
			{title: "S10", topics: ["ten"], tutorials: []},
			{title: "S11", topics: ["eleven"], tutorials: []},
			{title: "S12", topics: ["twelve"], tutorials: []},
		]
	}
	tutorials: {
		"t-mentor": {title: "Mentor guide", url: "https://example.com/mentor", minutes: 20, audience: "mentor", due: "7d"}
		"t-mentee": {title: "Basics", url: "https://example.com/basics", minutes: 20, audience: "mentee", due: "2d"}
		"t-both": {title: "Together", url: "https://example.com/both", minutes: 15}
		"t-long": {title: "Long read", url: "https://example.com/long", minutes: 60, audience: "mentee", due: "17d"}
	}
	policy: duration: maxMonths: 12
}
`

const expandPeople = `package dst

people: {
	"mia":  {name: "Mia Berg", email: "mia@example.com", department: "IT"}
	"max":  {name: "Max Adler", email: "max@example.com", department: "Board"}
	"nora": {name: "Nora Hill", email: "nora@example.com", department: "IT", timezone: "America/New_York"}
	"ned":  {name: "Ned Stone", email: "ned@example.com", department: "Sales", timezone: "America/New_York"}
	"mo":   {name: "Mo Klein", email: "mo@example.com", department: "Marketing"}
	"meg":  {name: "Meg Gross", email: "meg@example.com", department: "Finance"}
	"pia":  {name: "Pia Lang", email: "pia@example.com", department: "IT"}
	"paul": {name: "Paul Kurz", email: "paul@example.com", department: "Legal"}
	"eva":  {name: "Eva Ost", email: "eva@example.com", department: "Design"}
	"emil": {name: "Emil West", email: "emil@example.com", department: "Purchasing"}
}
`

const expandPairs = `package dst

pairs: {
	"berlin": {mentor: "mia", mentee: "max"}
	"newyork": {mentor: "nora", mentee: "ned", timezone: "America/New_York"}
	"moved": {
		mentor: "mo"
		mentee: "meg"
		sessions: {
			"2": {date: "2027-02-11", time: "10:00"}
			"3": skip: true
		}
	}
	"paused": {mentor: "pia", mentee: "paul", status: "paused"}
	"ended": {mentor: "eva", mentee: "emil", status: "ended"}
}
`

var (
	berlin  = mustZone("Europe/Berlin")
	newYork = mustZone("America/New_York")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// loadProgram loads one program from in-memory CUE files and fails the test
// on any diagnostic: the fixtures are meant to be clean.
func loadProgram(t *testing.T, files map[string]string) []*schema.Program {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys["prog/"+name] = &fstest.MapFile{Data: []byte(src)}
	}
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LoadFS(context.Background(), fsys, "prog")
	if err != nil {
		t.Fatalf("LoadFS: %v", err)
	}
	if len(res.Diagnostics) > 0 {
		var b strings.Builder
		for _, d := range res.Diagnostics {
			fmt.Fprintf(&b, "\n  %v", d)
		}
		t.Fatalf("fixture does not validate cleanly:%s", b.String())
	}
	if len(res.Programs) != 1 {
		t.Fatalf("loaded %d programs, want 1", len(res.Programs))
	}
	return res.Programs
}

func expandFixture(t *testing.T, pairs string) *plan.Desired {
	t.Helper()
	return engine.Expand(loadProgram(t, map[string]string{
		"program.cue": expandProgram, "people.cue": expandPeople, "pairs.cue": pairs,
	}))
}

func byAddress(d *plan.Desired) map[string]resource.Resource {
	m := make(map[string]resource.Resource, len(d.Resources))
	for _, r := range d.Resources {
		m[r.Address] = r
	}
	return m
}

func mustGet(t *testing.T, m map[string]resource.Resource, addr string) resource.Resource {
	t.Helper()
	r, ok := m[addr]
	if !ok {
		t.Fatalf("no resource %s", addr)
	}
	return r
}

// secondTuesday returns the day of the default slot in a month of 2027.
func secondTuesday(month time.Month) time.Time {
	d := time.Date(2027, month, 1, 12, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Tuesday {
		d = d.AddDate(0, 0, 1)
	}
	return d.AddDate(0, 0, 7)
}

func TestExpandKeepsLocalTimeAcrossDST(t *testing.T) {
	res := byAddress(expandFixture(t, expandPairs))

	for _, tc := range []struct {
		pair string
		loc  *time.Location
		// UTC hour of the 16:00 session in a month: the offset changes at
		// the daylight-saving switches.
		utcHour map[time.Month]int
	}{
		{"berlin", berlin, map[time.Month]int{
			time.February: 15, time.March: 15, time.April: 14, time.October: 14, time.November: 15, time.December: 15,
		}},
		{"newyork", newYork, map[time.Month]int{
			time.February: 21, time.March: 21, time.April: 20, time.October: 20, time.November: 21, time.December: 21,
		}},
	} {
		t.Run(tc.pair, func(t *testing.T) {
			offsets := map[int]bool{}
			for n := 1; n <= 12; n++ {
				month := time.Month(n)
				r := mustGet(t, res, fmt.Sprintf("dst-2027/pair/%s/session/%d", tc.pair, n))
				if r.Start.Location() != time.UTC || r.End.Location() != time.UTC {
					t.Errorf("session %d: times not in UTC: %v, %v", n, r.Start, r.End)
				}
				if r.Timezone != tc.loc.String() {
					t.Errorf("session %d: timezone %q, want %q", n, r.Timezone, tc.loc)
				}
				// Messages show the time in each attendee's zone too;
				// only zones other than the pair's are recorded.
				for _, a := range r.Attendees {
					if z, ok := r.PersonZones[a.ID]; ok && (z == r.Timezone || z == "") {
						t.Errorf("session %d: zone %q recorded for %s", n, z, a.ID)
					}
				}
				local := r.Start.In(tc.loc)
				day := secondTuesday(month)
				if local.Year() != 2027 || local.Month() != month || local.Day() != day.Day() {
					t.Errorf("session %d on %s, want %s", n, local.Format(time.DateOnly), day.Format(time.DateOnly))
				}
				if local.Hour() != 16 || local.Minute() != 0 {
					t.Errorf("session %d starts %s local, want 16:00", n, local.Format("15:04 MST"))
				}
				if got := r.End.Sub(r.Start); got != time.Hour {
					t.Errorf("session %d lasts %v, want 1h", n, got)
				}
				if want, ok := tc.utcHour[month]; ok && r.Start.Hour() != want {
					t.Errorf("session %d starts %s UTC, want %02d:00", n, r.Start.Format("15:04"), want)
				}
				_, off := local.Zone()
				offsets[off] = true
			}
			if len(offsets) != 2 {
				t.Errorf("UTC offsets seen across the year: %v, want two (standard and daylight time)", offsets)
			}
		})
	}

	// Group events are in the program's zone.
	kick := mustGet(t, res, "dst-2027/event/kickoff")
	if got := kick.Start.In(berlin).Format("2006-01-02 15:04"); got != "2027-01-06 14:30" {
		t.Errorf("kickoff starts %s Berlin, want 2027-01-06 14:30", got)
	}
	if got := kick.End.Sub(kick.Start); got != 3*time.Hour {
		t.Errorf("kickoff lasts %v, want 3h", got)
	}
	// Its messages also show the time in New York to the two who live there.
	if want := map[string]string{"nora": "America/New_York", "ned": "America/New_York"}; !maps.Equal(kick.PersonZones, want) {
		t.Errorf("kickoff person zones %v, want %v", kick.PersonZones, want)
	}
}

func TestExpandSessionOverrides(t *testing.T) {
	d := expandFixture(t, expandPairs)
	res := byAddress(d)

	moved := mustGet(t, res, "dst-2027/pair/moved/session/2")
	want := time.Date(2027, time.February, 11, 10, 0, 0, 0, berlin)
	if !moved.Start.Equal(want) {
		t.Errorf("moved session starts %v, want %v", moved.Start.In(berlin), want)
	}
	if !moved.End.Equal(want.Add(time.Hour)) {
		t.Errorf("moved session ends %v, want %v", moved.End.In(berlin), want.Add(time.Hour))
	}
	if _, ok := res["dst-2027/pair/moved/session/3"]; ok {
		t.Errorf("skipped session 3 of pair moved was expanded")
	}
	// The other sessions of the pair keep the slot.
	for _, n := range []int{1, 4, 12} {
		r := mustGet(t, res, fmt.Sprintf("dst-2027/pair/moved/session/%d", n))
		if got := r.Start.In(berlin).Format("15:04"); got != "16:00" {
			t.Errorf("session %d of pair moved at %s, want 16:00", n, got)
		}
	}

	for _, r := range d.Resources {
		for _, gone := range []string{"dst-2027/pair/paused/", "dst-2027/pair/ended/"} {
			if strings.HasPrefix(r.Address, gone) {
				t.Errorf("resource %s of a paused or ended pair", r.Address)
			}
		}
		// A paused pair's people stay in the joint events; an ended
		// pair's (without an end date) are in nothing.
		for _, a := range r.Attendees {
			switch {
			case a.ID == "eva" || a.ID == "emil":
				t.Errorf("%s invites %s, who is only in an ended pair", r.Address, a.ID)
			case (a.ID == "pia" || a.ID == "paul") && r.Kind != resource.Event:
				t.Errorf("%s invites %s, who is only in a paused pair", r.Address, a.ID)
			}
		}
	}
}

func TestExpandAssignments(t *testing.T) {
	d := expandFixture(t, expandPairs)
	res := byAddress(d)

	type want struct {
		pair, tutorial, person string
		role                   resource.Role
		session, days          int
		zone                   *time.Location
	}
	wants := []want{
		{"berlin", "t-mentor", "mia", resource.Mentor, 1, 7, berlin},
		{"berlin", "t-mentee", "max", resource.Mentee, 1, 2, berlin},
		{"berlin", "t-both", "mia", resource.Mentor, 3, 3, berlin},
		{"berlin", "t-both", "max", resource.Mentee, 3, 3, berlin},
		// 17 days before 04-13 is Saturday 03-27, so it is due Friday
		// 03-26, before the switch on 03-28: its UTC offset differs from
		// the session's.
		{"berlin", "t-long", "max", resource.Mentee, 4, 17, berlin},
		{"newyork", "t-mentor", "nora", resource.Mentor, 1, 7, newYork},
		{"newyork", "t-mentee", "ned", resource.Mentee, 1, 2, newYork},
		{"newyork", "t-both", "nora", resource.Mentor, 3, 3, newYork},
		{"newyork", "t-both", "ned", resource.Mentee, 3, 3, newYork},
		{"newyork", "t-long", "ned", resource.Mentee, 4, 17, newYork},
		{"moved", "t-mentor", "mo", resource.Mentor, 1, 7, berlin},
		{"moved", "t-mentee", "meg", resource.Mentee, 1, 2, berlin},
		// Session 3 is skipped: t-both goes out before session 5, the next
		// one that lists it.
		{"moved", "t-both", "mo", resource.Mentor, 5, 3, berlin},
		{"moved", "t-both", "meg", resource.Mentee, 5, 3, berlin},
		{"moved", "t-long", "meg", resource.Mentee, 4, 17, berlin},
	}
	wantAddrs := map[string]bool{}
	for _, w := range wants {
		addr := fmt.Sprintf("dst-2027/pair/%s/tutorial/%s/%s", w.pair, w.tutorial, w.person)
		wantAddrs[addr] = true
		a := mustGet(t, res, addr)
		s := mustGet(t, res, fmt.Sprintf("dst-2027/pair/%s/session/%d", w.pair, w.session))
		// Due days before the session at its local time; a due date on a
		// weekend moves to the Friday before at 08:00 (the start of the
		// default working hours; the fixture declares no holidays).
		due := s.Start.In(w.zone).AddDate(0, 0, -w.days)
		wantClock := s.Start.In(w.zone).Format("15:04")
		if wd := due.Weekday(); wd == time.Saturday || wd == time.Sunday {
			back := 1
			if wd == time.Sunday {
				back = 2
			}
			y, m, dd := due.AddDate(0, 0, -back).Date()
			due, wantClock = time.Date(y, m, dd, 8, 0, 0, 0, w.zone), "08:00"
		}
		if !a.Start.Equal(due) {
			t.Errorf("%s due %v, want %v (%d days before session %d at %v, off the weekend)", addr, a.Start.In(w.zone), due, w.days, w.session, s.Start.In(w.zone))
		}
		if got := a.Start.In(w.zone).Format("15:04"); got != wantClock {
			t.Errorf("%s due at %s local, want %s", addr, got, wantClock)
		}
		if a.Kind != resource.Assignment || !a.End.IsZero() {
			t.Errorf("%s: kind %q, end %v; want an assignment without end", addr, a.Kind, a.End)
		}
		if len(a.Attendees) != 1 || a.Attendees[0].ID != w.person || a.Attendees[0].Role != w.role {
			t.Errorf("%s attendees %+v, want only %s as %s", addr, a.Attendees, w.person, w.role)
		}
		if a.Timezone != w.zone.String() {
			t.Errorf("%s timezone %q, want %q", addr, a.Timezone, w.zone)
		}
		// Its calendar block: 08:00 (start of working hours) on the
		// working day before the due day, for the tutorial's minutes.
		blockDay := due.AddDate(0, 0, -1)
		for blockDay.Weekday() == time.Saturday || blockDay.Weekday() == time.Sunday {
			blockDay = blockDay.AddDate(0, 0, -1)
		}
		y, m, dd := blockDay.Date()
		minutes := map[string]int{"t-mentor": 20, "t-mentee": 20, "t-both": 15, "t-long": 60}[w.tutorial]
		if want := time.Date(y, m, dd, 8, 0, 0, 0, w.zone); !a.Block.Equal(want) || a.Minutes != minutes {
			t.Errorf("%s block %v for %d minutes, want %v", addr, a.Block.In(w.zone), a.Minutes, want)
		}
	}
	long := mustGet(t, res, "dst-2027/pair/berlin/tutorial/t-long/max")
	if _, off := long.Start.In(berlin).Zone(); off != 3600 {
		t.Errorf("t-long for max due %v: want CET (+01:00), the day before the switch", long.Start.In(berlin))
	}

	for _, r := range d.Resources {
		if r.Kind == resource.Assignment && !wantAddrs[r.Address] {
			t.Errorf("unexpected assignment %s (a tutorial goes out once, to its audience)", r.Address)
		}
	}
}

func TestExpandEventAttendees(t *testing.T) {
	res := byAddress(expandFixture(t, expandPairs))
	want := []resource.Attendee{
		{ID: "max", Name: "Max Adler", Email: "max@example.com", Role: resource.Participant},
		{ID: "meg", Name: "Meg Gross", Email: "meg@example.com", Role: resource.Participant},
		{ID: "mia", Name: "Mia Berg", Email: "mia@example.com", Role: resource.Participant},
		{ID: "mo", Name: "Mo Klein", Email: "mo@example.com", Role: resource.Participant},
		{ID: "ned", Name: "Ned Stone", Email: "ned@example.com", Role: resource.Participant},
		{ID: "nora", Name: "Nora Hill", Email: "nora@example.com", Role: resource.Participant},
		// Pair paused: its people are still in the program.
		{ID: "paul", Name: "Paul Kurz", Email: "paul@example.com", Role: resource.Participant},
		{ID: "pia", Name: "Pia Lang", Email: "pia@example.com", Role: resource.Participant},
	}
	for _, addr := range []string{"dst-2027/event/kickoff", "dst-2027/event/closing"} {
		r := mustGet(t, res, addr)
		if diff := cmp.Diff(want, r.Attendees); diff != "" {
			t.Errorf("%s attendees (-want +got):\n%s", addr, diff)
		}
		if r.Kind != resource.Event || r.Timezone != "Europe/Berlin" || r.Organizer.Email != "rm@example.com" {
			t.Errorf("%s: kind %q, timezone %q, organizer %+v", addr, r.Kind, r.Timezone, r.Organizer)
		}
	}
	s := mustGet(t, res, "dst-2027/pair/newyork/session/1")
	wantS := []resource.Attendee{
		{ID: "nora", Name: "Nora Hill", Email: "nora@example.com", Role: resource.Mentor},
		{ID: "ned", Name: "Ned Stone", Email: "ned@example.com", Role: resource.Mentee},
	}
	if diff := cmp.Diff(wantS, s.Attendees); diff != "" {
		t.Errorf("session attendees (-want +got):\n%s", diff)
	}
}

func TestExpandAddresses(t *testing.T) {
	d := expandFixture(t, expandPairs)
	var got []string
	for _, r := range d.Resources {
		got = append(got, r.Address)
	}
	if !sort.StringsAreSorted(got) {
		t.Errorf("resources not sorted by address")
	}

	want := []string{"dst-2027/event/closing", "dst-2027/event/kickoff"}
	for _, pair := range []string{"berlin", "moved", "newyork"} {
		for n := 1; n <= 12; n++ {
			if pair == "moved" && n == 3 {
				continue
			}
			want = append(want, fmt.Sprintf("dst-2027/pair/%s/session/%d", pair, n))
		}
	}
	for _, p := range []struct{ pair, mentor, mentee string }{{"berlin", "mia", "max"}, {"moved", "mo", "meg"}, {"newyork", "nora", "ned"}} {
		pre := "dst-2027/pair/" + p.pair + "/tutorial/"
		want = append(want,
			pre+"t-both/"+p.mentee, pre+"t-both/"+p.mentor,
			pre+"t-long/"+p.mentee, pre+"t-mentee/"+p.mentee, pre+"t-mentor/"+p.mentor)
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("addresses (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"dst-2027"}, d.Programs); diff != "" {
		t.Errorf("programs (-want +got):\n%s", diff)
	}

	// Reasons shown in plans.
	for addr, want := range map[string]string{
		"dst-2027/event/kickoff":                     "new event",
		"dst-2027/pair/berlin/session/3":             "session 3 of pair berlin",
		"dst-2027/pair/berlin/tutorial/t-mentee/max": "tutorial t-mentee for max",
	} {
		if got := d.Created(addr); got != want {
			t.Errorf("Created(%q) = %q, want %q", addr, got, want)
		}
	}
	for addr, want := range map[string]string{
		"dst-2027/pair/gone/session/1":            "pair gone was removed",
		"dst-2027/pair/paused/session/1":          "pair paused is paused",
		"dst-2027/pair/ended/tutorial/t-both/eva": "pair ended is ended",
		"dst-2027/pair/moved/session/3":           "session 3 is skipped",
		"dst-2027/pair/berlin/session/13":         "the session plan now has 12 sessions",
		"dst-2027/event/midpoint":                 "event midpoint was removed",
		"other-2027/event/kickoff":                "program other-2027 is no longer declared",
		"dst-2027/pair/berlin/tutorial/t-old/max": "tutorial t-old is no longer handed to max",
	} {
		if got := d.Explain(addr); got != want {
			t.Errorf("Explain(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestExpandUIDs(t *testing.T) {
	d := expandFixture(t, expandPairs)
	seen := map[string]string{}
	for _, r := range d.Resources {
		if r.UID != resource.UID(r.Address) {
			t.Errorf("%s: UID %q, want resource.UID(address) %q", r.Address, r.UID, resource.UID(r.Address))
		}
		id, ok := strings.CutSuffix(r.UID, "@rmctl")
		if u, err := uuid.Parse(id); !ok || err != nil || u.Version() != 5 {
			t.Errorf("%s: UID %q is not a UUIDv5 with @rmctl", r.Address, r.UID)
		}
		if other, dup := seen[r.UID]; dup {
			t.Errorf("%s and %s share UID %s", r.Address, other, r.UID)
		}
		seen[r.UID] = r.Address
	}

	// Without the overrides, session 2 of pair moved is on its slot day:
	// same address, other time, same UID.
	plain := byAddress(expandFixture(t, strings.Replace(expandPairs, `"2": {date: "2027-02-11", time: "10:00"}`, "", 1)))
	movedRes := byAddress(d)
	a, b := mustGet(t, movedRes, "dst-2027/pair/moved/session/2"), mustGet(t, plain, "dst-2027/pair/moved/session/2")
	if a.Start.Equal(b.Start) {
		t.Fatalf("the override did not move the session: both at %v", a.Start)
	}
	if a.UID != b.UID {
		t.Errorf("moving a session changed its UID: %s → %s", b.UID, a.UID)
	}

	// Renaming the pair changes the address and so the UID, even though
	// nothing else differs.
	renamed := byAddress(expandFixture(t, strings.Replace(expandPairs, `"berlin": {`, `"berlin2": {`, 1)))
	old, cur := mustGet(t, movedRes, "dst-2027/pair/berlin/session/1"), mustGet(t, renamed, "dst-2027/pair/berlin2/session/1")
	if old.UID == cur.UID {
		t.Errorf("different addresses share UID %s", old.UID)
	}
	if !old.Start.Equal(cur.Start) || old.Title != cur.Title {
		t.Errorf("renaming the pair changed the session's content")
	}
}

// TestExpandLanguages: a 1:1 session is in the pair's language (else the
// mentee's, else the program's), all of its text; what goes to one person
// alone (a tutorial assignment) is in that person's language.
func TestExpandLanguages(t *testing.T) {
	f := testprog.Demo().Edit(t, "pairs.cue", `mentee: "klaus.mueller"}`, `mentee: "klaus.mueller", language: "de"}`)
	f = f.Edit(t, "people.cue", `department: "Finance"}`, `department: "Finance", language: "de"}`)
	res := byAddress(engine.Expand(f.Load(t)))
	for _, c := range []struct {
		addr, lang string
		says       []string
	}{
		// The pair's language.
		{"demo-2027/pair/klaus-anna/session/1", "de", []string{"Reverse-Mentoring-Session 1 von 3", "Themen:", "Tutorials zur Vorbereitung:", "Diese Einladung verwaltet rmctl"}},
		// No pair language: the mentee's.
		{"demo-2027/pair/petra-ben/session/1", "de", []string{"Reverse-Mentoring-Session 1 von 3", "Themen:", "Diese Einladung verwaltet rmctl"}},
		// Assignments: the person's own, else the program's, whatever the pair's.
		{"demo-2027/pair/klaus-anna/tutorial/guide/anna.schmidt", "en", []string{"Please work through this before the session", "Reverse mentoring session 1:", "Tue 2027-03-09"}},
		{"demo-2027/pair/petra-ben/tutorial/basics/petra.lang", "de", []string{"Bitte vor der Session durcharbeiten", "Reverse-Mentoring-Session 1:", "Di 2027-03-09"}},
		{"demo-2027/pair/petra-ben/tutorial/guide/ben.weber", "en", []string{"Please work through this before the session"}},
		// Joint events: the program's.
		{"demo-2027/event/kickoff", "en", []string{"This invitation is managed by rmctl"}},
	} {
		r := mustGet(t, res, c.addr)
		if r.Language != c.lang {
			t.Errorf("%s: language %q, want %q", c.addr, r.Language, c.lang)
		}
		for _, s := range c.says {
			if !strings.Contains(r.Description, s) {
				t.Errorf("%s: description lacks %q:\n%s", c.addr, s, r.Description)
			}
		}
	}
}

// TestExpandPrivacy checks that 1:1 sessions are private by default and
// public when the program says so, while joint events and assignments stay
// public either way.
func TestExpandPrivacy(t *testing.T) {
	for _, tc := range []struct {
		setting string
		want    bool
	}{{"", true}, {`program: privacy: sessions: "private"`, true}, {`program: privacy: sessions: "public"`, false}} {
		res := byAddress(engine.Expand(loadProgram(t, map[string]string{
			"program.cue": expandProgram, "people.cue": expandPeople, "pairs.cue": expandPairs,
			"privacy.cue": "package dst\n" + tc.setting + "\n",
		})))
		sessions := 0
		for _, r := range res {
			want := tc.want && r.Kind == resource.Session
			if r.Kind == resource.Session {
				sessions++
			}
			if r.Private != want {
				t.Errorf("%q: %s (%s) private %v, want %v", tc.setting, r.Address, r.Kind, r.Private, want)
			}
		}
		if sessions == 0 {
			t.Fatalf("%q: no sessions expanded", tc.setting)
		}
	}
}
