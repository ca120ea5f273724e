package engine_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
)

// sessionsOf returns the numbers of a pair's expanded sessions, in order.
func sessionsOf(res map[string]resource.Resource, pair string) []int {
	var out []int
	for n := 1; n <= 20; n++ {
		if _, ok := res[fmt.Sprintf("dst-2027/pair/%s/session/%d", pair, n)]; ok {
			out = append(out, n)
		}
	}
	return out
}

// TestExpandPairPlans checks that a pair's own plan replaces the program's
// for that pair alone: its length, its entries (also by reference), the
// tutorials handed out, and a re-planned session's title and topics.
func TestExpandPairPlans(t *testing.T) {
	// The program's plan cut to six sessions (January to June), so that a
	// pair's plan can be longer and still end within the program.
	prog := expandProgram
	for _, n := range []string{"S7", "S8", "S9", "S10", "S11", "S12"} {
		line := fmt.Sprintf("\t\t\t{title: %q, ", n)
		i := strings.Index(prog, line)
		j := strings.Index(prog[i:], "\n")
		prog = prog[:i] + prog[i+j+1:]
	}
	const pairs = `package dst

pairs: {
	"berlin": {mentor: "mia", mentee: "max"}
	"short": {
		mentor: "nora", mentee: "ned", timezone: "America/New_York"
		plan: [program.sessions.plan[2], {title: "Own", topics: ["own topic"], tutorials: ["t-long"]}]
	}
	"long": {
		mentor: "mo", mentee: "meg"
		plan: [for e in program.sessions.plan {e}, {title: "S7b", topics: ["x"], tutorials: []}, {title: "S8b", topics: ["y"], tutorials: []}]
		sessions: "2": {title: "Re-planned", topics: ["new topic"], tutorials: ["t-both"]}
	}
}
`
	res := byAddress(expandFixture2(t, prog, pairs))
	if got := sessionsOf(res, "berlin"); !slices.Equal(got, []int{1, 2, 3, 4, 5, 6}) {
		t.Errorf("pair berlin (program's plan) sessions %v, want 1–6", got)
	}
	if got := sessionsOf(res, "short"); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("pair short sessions %v, want 1, 2", got)
	}
	if got := sessionsOf(res, "long"); !slices.Equal(got, []int{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Errorf("pair long sessions %v, want 1–8", got)
	}

	// Session 1 of short is the program's entry 3 by reference.
	s1 := mustGet(t, res, "dst-2027/pair/short/session/1")
	if !strings.Contains(s1.Title, "S3") || !strings.Contains(s1.Description, "three") {
		t.Errorf("short session 1: title %q, description %q; want the program's S3", s1.Title, s1.Description)
	}
	s2 := mustGet(t, res, "dst-2027/pair/short/session/2")
	if !strings.Contains(s2.Title, "Own") || !strings.Contains(s2.Description, "own topic") || !strings.Contains(s2.Description, "Long read") {
		t.Errorf("short session 2: title %q, description %q; want the pair's own entry", s2.Title, s2.Description)
	}
	// Tutorials follow the pair's plan: t-both (S3) and t-long (Own), not
	// the program's session-1 tutorials.
	for _, addr := range []string{
		"dst-2027/pair/short/tutorial/t-both/nora", "dst-2027/pair/short/tutorial/t-both/ned",
		"dst-2027/pair/short/tutorial/t-long/ned",
	} {
		mustGet(t, res, addr)
	}
	for _, addr := range []string{"dst-2027/pair/short/tutorial/t-mentor/nora", "dst-2027/pair/short/tutorial/t-mentee/ned"} {
		if _, ok := res[addr]; ok {
			t.Errorf("%s expanded, but pair short's plan has no such tutorial", addr)
		}
	}

	// long's session 2 is re-planned; session 7 is its own.
	r2 := mustGet(t, res, "dst-2027/pair/long/session/2")
	if !strings.Contains(r2.Title, "Re-planned") || !strings.Contains(r2.Description, "new topic") || strings.Contains(r2.Description, "\n- two\n") {
		t.Errorf("long session 2: title %q, description %q; want the re-planned entry", r2.Title, r2.Description)
	}
	mustGet(t, res, "dst-2027/pair/long/tutorial/t-both/mo")
	if r7 := mustGet(t, res, "dst-2027/pair/long/session/7"); !strings.Contains(r7.Title, "S7b") || r7.Start.Month() != 7 {
		t.Errorf("long session 7: %q on %v, want S7b in July", r7.Title, r7.Start)
	}
	// The program's entry 2 is unchanged for the others.
	if b2 := mustGet(t, res, "dst-2027/pair/berlin/session/2"); !strings.Contains(b2.Title, "S2") {
		t.Errorf("berlin session 2 is %q, want S2", b2.Title)
	}
}

// TestExpandGuests checks that event guests are invited to the events that
// name them, and to nothing else.
func TestExpandGuests(t *testing.T) {
	const extra = `package dst

people: "cfo": {name: "Clara Fink", email: "cfo@example.com", department: "Finance"}
program: events: closing: guests: ["cfo"]
// Feedback goes to participants, not to guests.
program: feedback: {
	session: {url: "https://forms.example.com/s?p={person}", after: "1d"}
	program: {url: "https://forms.example.com/p?p={person}", after: "closing"}
}
`
	d := engineExpand(t, map[string]string{
		"program.cue": expandProgram, "people.cue": expandPeople, "pairs.cue": expandPairs, "guests.cue": extra,
	})
	feedback := 0
	for _, r := range d.Resources {
		if strings.Contains(r.Address, "/feedback/") {
			feedback++
		}
		has := slices.ContainsFunc(r.Attendees, func(a resource.Attendee) bool { return a.ID == "cfo" })
		if want := r.Address == "dst-2027/event/closing"; has != want {
			t.Errorf("%s: guest cfo invited = %v, want %v", r.Address, has, want)
		}
		if r.Address == "dst-2027/event/closing" && len(r.Attendees) != 9 {
			t.Errorf("closing has %d attendees, want the 8 of the pairs and the guest", len(r.Attendees))
		}
	}
	if feedback == 0 {
		t.Error("no feedback requests expanded: the guest's absence from them proves nothing")
	}
}

// TestExpandMeetingPlaces checks that the program's location and online
// meeting reach every 1:1 session, that a pair's own win, and that
// events, tutorials and the text follow.
func TestExpandMeetingPlaces(t *testing.T) {
	const extra = `package dst

program: sessions: {location: "Room 4.12", onlineMeeting: "https://meet.example.com/rm"}
`
	pairs := strings.Replace(expandPairs, `"berlin": {mentor: "mia", mentee: "max"}`,
		`"berlin": {mentor: "mia", mentee: "max", location: "Café Kranzler", onlineMeeting: "https://meet.example.com/berlin"}`, 1)
	d := engineExpand(t, map[string]string{
		"program.cue": expandProgram, "people.cue": expandPeople, "pairs.cue": pairs, "places.cue": extra,
	})
	res := byAddress(d)
	ny := mustGet(t, res, "dst-2027/pair/newyork/session/3")
	if ny.Location != "Room 4.12" || ny.URL != "https://meet.example.com/rm" ||
		!strings.Contains(ny.Description, "Location: Room 4.12\nJoin online: https://meet.example.com/rm\n") {
		t.Errorf("newyork session: location %q, url %q, description %q", ny.Location, ny.URL, ny.Description)
	}
	b := mustGet(t, res, "dst-2027/pair/berlin/session/1")
	if b.Location != "Café Kranzler" || b.URL != "https://meet.example.com/berlin" || !strings.Contains(b.Description, "Café Kranzler") {
		t.Errorf("berlin session: location %q, url %q; want the pair's own", b.Location, b.URL)
	}
	for _, r := range d.Resources {
		if r.Kind == resource.Assignment && r.Location != "" {
			t.Errorf("%s: assignment with location %q", r.Address, r.Location)
		}
		if r.Kind == resource.Event && (r.Location != "HQ" || r.URL != "") {
			t.Errorf("%s: event location %q, url %q; want its own", r.Address, r.Location, r.URL)
		}
	}
}

func engineExpand(t *testing.T, files map[string]string) *plan.Desired {
	t.Helper()
	return engine.Expand(loadProgram(t, files))
}

func expandFixture2(t *testing.T, program, pairs string) *plan.Desired {
	t.Helper()
	return engineExpand(t, map[string]string{"program.cue": program, "people.cue": expandPeople, "pairs.cue": pairs})
}
