package schema

import (
	"strings"
	"testing"
	"time"
)

// TestEventHoursCountGuests: a guest in another time zone is an invitee
// like the pairs' people, so a kick-off at night for them is warned about.
func TestEventHoursCountGuests(t *testing.T) {
	people := map[string]Person{"mia": {}, "max": {}, "board.ny": {Timezone: "America/New_York"}}
	pairs := map[string]Pair{"p": {Mentor: "mia", Mentee: "max"}}
	var policy Policy
	policy.WorkingHours.From, policy.WorkingHours.To = Clock{8, 0}, Clock{18, 0}
	p := programOf(people, pairs, policy)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database")
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	p.src.zones["America/New_York"], p.src.zones["Europe/Berlin"] = ny, berlin
	p.Timezone, p.Location = "Europe/Berlin", berlin
	p.Events = map[string]Event{"kickoff": {Date: Date{2027, 3, 3}, Time: Clock{9, 30}, Duration: Duration{3 * time.Hour}, Guests: []string{"board.ny", "nobody"}}}
	p.EventIDs = []string{"kickoff"}
	if got := p.EventPeople("kickoff"); strings.Join(got, ",") != "board.ny,max,mia" {
		t.Errorf("EventPeople = %v, want the pair and the declared guest", got)
	}
	c := &checker{p: p}
	c.checkEventHours()
	if len(c.diags) != 1 || !strings.Contains(c.diags[0].Message, "board.ny (03:30–06:30 America/New_York)") {
		t.Fatalf("diagnostics %v, want one naming guest board.ny", c.diags)
	}
}

// TestScheduleOwnPlanPastEnd: sessions of a pair's own plan after the
// program's end do not take place, and say why.
func TestScheduleOwnPlanPastEnd(t *testing.T) {
	entry := PlanEntry{Title: "x"}
	pairs := map[string]Pair{"p": {Mentor: "a", Mentee: "b", Plan: []PlanEntry{entry, entry, entry, entry, entry, entry, entry}}}
	p := programOf(map[string]Person{"a": {}, "b": {}}, pairs, Policy{})
	p.Sessions.Slot = Slot{Week: 2, Weekday: Weekday(time.Tuesday), Time: Clock{16, 0}, Duration: Duration{time.Hour}}
	p.Sessions.Plan = []PlanEntry{entry}
	ss := p.Schedule("p")
	if len(ss) != 7 {
		t.Fatalf("%d sessions, want the pair's 7", len(ss))
	}
	for i, s := range ss {
		// March to July hold sessions 1–5; August and September do not.
		if want := i >= 5; s.Unfit != want || s.Held() == want {
			t.Errorf("session %d on %s: unfit %v, want %v", s.Number, DateOf(s.Start), s.Unfit, want)
		}
	}
	if !strings.Contains(ss[5].Why, "after the program ends (2027-07-31): the pair's plan has 7 sessions") {
		t.Errorf("why = %q", ss[5].Why)
	}
}
