package engine_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/internal/testprog"
)

// The authored-tutorial and feedback fixture: sessions on 03-09, 04-13,
// 05-11 and 06-08 at 16:00 Berlin, closing 06-23 10:00–12:00. The mentor
// of each pair writes "my-first-post" for the mentee (session 2); gina, who
// is in no pair, writes "guest-intro" for everyone (session 1).
const authoredProgram = `package fb

program: {
	id:        "fb-2027"
	title:     "Feedback 2027"
	language:  "en"
	timezone:  "Europe/Berlin"
	start:     "2027-03-01"
	end:       "2027-06-30"
	organizer: {name: "People Development", email: "rm@example.com"}
	events: closing: {title: "Closing", date: "2027-06-23", time: "10:00", duration: "2h"}
	sessions: {
		slot: {week: 2, weekday: "tuesday", time: "16:00", duration: "60m"}
		plan: [
			{title: "Basics", topics: ["one"], tutorials: ["guest-intro"]},
			{title: "Posting", topics: ["A first post"], tutorials: ["my-first-post"]},
			{title: "Three", topics: ["three"], tutorials: []},
			{title: "Four", topics: ["four"], tutorials: []},
		]
	}
	tutorials: {
		"my-first-post": {title: "My first post", author: "mentor", audience: "mentee", minutes: 15} // authorDue: 7d by default
		"guest-intro": {title: "Why we post", url: "https://example.com/why", author: "gina", authorDue: "10d", minutes: 10}
	}
	feedback: {
		session: {url: "https://forms.example.com/rm/{pair}?s={session}&who={person}", after: "1d"}
		program: {url: "https://forms.example.com/final?p={person}", after: "closing"}
	}
}
`

const authoredPeople = `package fb

people: {
	"ann":  {name: "Ann Alt", email: "ann@example.com", department: "IT"}
	"bob":  {name: "Bob Berg", email: "bob@example.com", department: "Board"}
	"cid":  {name: "Cid Carl", email: "cid@example.com", department: "Marketing"}
	"dan":  {name: "Dan Dorf", email: "dan@example.com", department: "Sales"}
	"gina": {name: "Gina Gast", email: "gina@example.com", department: "Communications"}
}
`

const authoredPairs = `package fb

pairs: {
	"ann-bob": {mentor: "ann", mentee: "bob"}
	"cid-dan": {mentor: "cid", mentee: "dan"}
}
`

func authoredFiles() testprog.Files {
	return testprog.Files{"program.cue": authoredProgram, "people.cue": authoredPeople, "pairs.cue": authoredPairs}
}

func utc(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2027, month, day, hour, minute, 0, 0, time.UTC)
}

// TestExpandAuthoredTutorials checks both items of a tutorial a participant
// writes: the author's writing task, due authorDue before the session, and
// the reader's assignment, which names the author and, without a url, says
// the author shares it in the session. Both move off a weekend to the
// working day before. A person id writes one text for all pairs: one task.
func TestExpandAuthoredTutorials(t *testing.T) {
	got := byAddress(engine.Expand(authoredFiles().Load(t)))
	const pre = "fb-2027/"

	tests := []struct {
		addr     string
		due      time.Time
		attendee string
		url      string
		texts    []string
	}{
		// 04-13 16:00 CEST minus 7 days: Tuesday 04-06, a working day.
		{pre + "pair/ann-bob/tutorial/my-first-post/write/ann", utc(4, 6, 14, 0), "ann", "",
			[]string{"Please write the tutorial “My first post” (15 min to read) for Bob Berg (Mentee).", "It prepares session 2: Posting, Tue 2027-04-13 16:00 CEST.", "- A first post"}},
		{pre + "pair/cid-dan/tutorial/my-first-post/write/cid", utc(4, 6, 14, 0), "cid", "", []string{"for Dan Dorf (Mentee)."}},
		// minus 3 days is Saturday 04-10: Friday 04-09 at 08:00 CEST.
		{pre + "pair/ann-bob/tutorial/my-first-post/bob", utc(4, 9, 6, 0), "bob", "",
			[]string{"Written by Ann Alt.", "Ann Alt will share it in session 2."}},
		// 03-09 16:00 CET minus 10 days is Saturday 02-27: Friday 02-26 08:00 CET.
		{pre + "tutorial/guest-intro/write/gina", utc(2, 26, 7, 0), "gina", "https://example.com/why",
			[]string{"for Ann Alt (Mentor), Bob Berg (Mentee), Cid Carl (Mentor) and Dan Dorf (Mentee).", "It prepares session 1: Basics"}},
		// 03-09 minus 3 days is Saturday 03-06: Friday 03-05 08:00 CET.
		{pre + "pair/cid-dan/tutorial/guest-intro/cid", utc(3, 5, 7, 0), "cid", "https://example.com/why",
			[]string{"Written by Gina Gast.\nhttps://example.com/why\n"}},
	}
	for _, tc := range tests {
		r := mustGet(t, got, tc.addr)
		if r.Kind != resource.Assignment {
			t.Errorf("%s: kind %s, want an assignment", tc.addr, r.Kind)
		}
		if !r.Start.Equal(tc.due) {
			t.Errorf("%s: due %s, want %s", tc.addr, r.Start.Format(time.RFC3339), tc.due.Format(time.RFC3339))
		}
		if len(r.Attendees) != 1 || r.Attendees[0].ID != tc.attendee {
			t.Errorf("%s: attendees %+v, want only %s", tc.addr, r.Attendees, tc.attendee)
		}
		if r.URL != tc.url {
			t.Errorf("%s: url %q, want %q", tc.addr, r.URL, tc.url)
		}
		if r.UID != resource.UID(tc.addr) {
			t.Errorf("%s: UID %s is not derived from the address", tc.addr, r.UID)
		}
		for _, s := range tc.texts {
			if !strings.Contains(r.Description, s) {
				t.Errorf("%s: text lacks %q:\n%s", tc.addr, s, r.Description)
			}
		}
	}
	// The author does not read their own tutorial, the guest writes once.
	for addr := range got {
		if strings.HasSuffix(addr, "/tutorial/my-first-post/ann") || strings.HasSuffix(addr, "/tutorial/my-first-post/cid") ||
			strings.Contains(addr, "/pair/") && strings.Contains(addr, "/guest-intro/write/") {
			t.Errorf("unexpected %s", addr)
		}
	}
}

// TestExpandFeedback checks feedback requests: one per participant after
// each held session, due `after` days after it ends (off a weekend to the
// working day before), with the placeholders expanded; one per participant
// at the end of the closing event, none for a guest author; none for the
// sessions a paused pair does not hold, while it keeps the program's.
func TestExpandFeedback(t *testing.T) {
	const pre = "fb-2027/"
	got := byAddress(engine.Expand(authoredFiles().Load(t)))
	want := map[string]struct {
		due time.Time
		url string
	}{
		// session 1 ends 03-09 17:00 CET; one day later.
		pre + "pair/ann-bob/feedback/1/ann": {utc(3, 10, 16, 0), "https://forms.example.com/rm/ann-bob?s=1&who=ann"},
		pre + "pair/ann-bob/feedback/1/bob": {utc(3, 10, 16, 0), "https://forms.example.com/rm/ann-bob?s=1&who=bob"},
		pre + "pair/cid-dan/feedback/4/dan": {utc(6, 9, 15, 0), "https://forms.example.com/rm/cid-dan?s=4&who=dan"},
		// the closing ends 06-23 12:00 CEST.
		pre + "feedback/program/ann": {utc(6, 23, 10, 0), "https://forms.example.com/final?p=ann"},
		pre + "feedback/program/dan": {utc(6, 23, 10, 0), "https://forms.example.com/final?p=dan"},
	}
	for addr, w := range want {
		r := mustGet(t, got, addr)
		if !r.Start.Equal(w.due) || r.URL != w.url || r.Kind != resource.Assignment {
			t.Errorf("%s: %s due %s at %s, want an assignment due %s at %s", addr, r.Kind, r.Start.Format(time.RFC3339), r.URL, w.due.Format(time.RFC3339), w.url)
		}
		if !strings.Contains(r.Description, w.url) {
			t.Errorf("%s: the text lacks the link:\n%s", addr, r.Description)
		}
	}
	if r := got[pre+"pair/ann-bob/feedback/2/bob"]; !strings.Contains(r.Description, "How was session 2 (Posting, Tue 2027-04-13 16:00 CEST) with Ann Alt?") {
		t.Errorf("session feedback text:\n%s", r.Description)
	}
	if got[pre+"feedback/program/gina"].Address != "" {
		t.Error("gina, who only writes a tutorial, is asked for feedback on the program")
	}
	if n := countPrefix(got, pre+"pair/", "/feedback/"); n != 2*4*2 {
		t.Errorf("%d session feedback requests, want 16 (2 pairs, 4 sessions, 2 people)", n)
	}

	// A weekend: four days after Tuesday 03-09 17:00 is Saturday; Friday
	// 03-12 at the end of working hours (18:00 CET).
	later := authoredFiles().Edit(t, "program.cue", `after: "1d"`, `after: "4d"`)
	if r := mustGet(t, byAddress(engine.Expand(later.Load(t))), pre+"pair/ann-bob/feedback/1/ann"); !r.Start.Equal(utc(3, 12, 17, 0)) {
		t.Errorf("feedback due on a Saturday: due %s, want Friday 18:00 CET", r.Start.Format(time.RFC3339))
	}

	// cid-dan pauses from May: sessions 3 and 4 and their feedback go,
	// the program feedback (the closing) stays.
	paused := authoredFiles().Edit(t, "pairs.cue", `"cid-dan": {mentor: "cid", mentee: "dan"}`,
		`"cid-dan": {mentor: "cid", mentee: "dan", status: "paused", end: "2027-05-01"}`)
	pgot := byAddress(engine.Expand(paused.Load(t)))
	var fb []string
	for addr := range pgot {
		if strings.HasPrefix(addr, pre+"pair/cid-dan/feedback/") {
			fb = append(fb, strings.TrimPrefix(addr, pre+"pair/cid-dan/feedback/"))
		}
	}
	sort.Strings(fb)
	if diff := cmp.Diff([]string{"1/cid", "1/dan", "2/cid", "2/dan"}, fb); diff != "" {
		t.Errorf("paused pair's session feedback (-want +got):\n%s", diff)
	}
	if pgot[pre+"feedback/program/cid"].Address == "" {
		t.Error("a paused pair keeps the closing, so its people keep the program feedback")
	}
}

func countPrefix(m map[string]resource.Resource, prefix, contains string) int {
	n := 0
	for addr := range m {
		if strings.HasPrefix(addr, prefix) && strings.Contains(addr, contains) {
			n++
		}
	}
	return n
}

// TestFeedbackLifecycle applies everything in January, then pauses a pair
// in April: the plan cancels the future sessions and their feedback
// requests with the pause as reason, and leaves the past ones as sent.
func TestFeedbackLifecycle(t *testing.T) {
	const pre = "fb-2027/pair/cid-dan/"
	run := newLifecycleRun(t)
	jan := utc(1, 15, 9, 0)
	first := run.plan(authoredFiles(), jan)
	if res := run.apply(first, jan); res.Sent != len(first.Changes) {
		t.Fatalf("first apply sent %d of %d", res.Sent, len(first.Changes))
	}
	apr := utc(4, 20, 12, 0)
	paused := authoredFiles().Edit(t, "pairs.cue", `"cid-dan": {mentor: "cid", mentee: "dan"}`,
		`"cid-dan": {mentor: "cid", mentee: "dan", status: "paused", end: "2027-05-01"}`)
	p := run.plan(paused, apr)
	untouchedPast(t, p, apr)
	want := map[string]plan.Action{
		pre + "session/3": plan.Cancel, pre + "session/4": plan.Cancel,
		pre + "feedback/3/cid": plan.Cancel, pre + "feedback/3/dan": plan.Cancel,
		pre + "feedback/4/cid": plan.Cancel, pre + "feedback/4/dan": plan.Cancel,
	}
	if diff := cmp.Diff(want, actions(p)); diff != "" {
		t.Errorf("pausing (-want +got):\n%s", diff)
	}
	for _, c := range p.Changes {
		if c.Reason != "pair cid-dan is paused from 2027-05-01" {
			t.Errorf("%s: reason %q", c.Address, c.Reason)
		}
	}
	if res := run.apply(p, apr); res.Cancelled != 6 {
		t.Fatalf("applying the pause: %+v", res)
	}
	if again := run.plan(paused, apr); again.HasChanges() {
		t.Errorf("plan after applying the pause has changes: %+v", again.Summary)
	}
}
