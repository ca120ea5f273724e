package schema_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/rmctl/rmctl/internal/testprog"
	"github.com/rmctl/rmctl/schema"
)

// loadDemo loads the test fixture with pairs.cue replaced and returns the
// program and its diagnostics (the fixture's pairs: klaus-anna, petra-ben;
// sessions on the 2nd Tuesday at 16:00 from March; program end 07-31;
// kick-off 03-03, closing 07-21).
func loadDemo(t *testing.T, pairs string) (*schema.Program, schema.Diagnostics) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, src := range testprog.Demo().With("pairs.cue", "package demo\n\npairs: {\n"+pairs+"\n}\n") {
		fsys["demo/"+name] = &fstest.MapFile{Data: []byte(src)}
	}
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LoadFS(context.Background(), fsys, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if res.Diagnostics.HasErrors() || len(res.Programs) != 1 {
		t.Fatalf("fixture does not load: %v", res.Diagnostics)
	}
	return res.Programs[0], res.Diagnostics
}

type held struct {
	Day  string
	Held bool
	Why  string
}

func schedule(p *schema.Program, pair string) []held {
	var out []held
	for _, s := range p.Schedule(pair) {
		out = append(out, held{schema.DateOf(s.Start).String(), s.Held(), s.Why})
	}
	return out
}

func TestScheduleLateJoiner(t *testing.T) {
	p, diags := loadDemo(t, `
	"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", start: "2027-04-14"}
	"petra-ben": {mentor: "ben.weber", mentee: "petra.lang", start: "2027-04-13"}`)
	// 04-13 is April's slot day: a start on it keeps it, a start a day
	// later moves session 1 to May. Both get the whole plan, session 1
	// (onboarding) first.
	want := []held{{"2027-05-11", true, ""}, {"2027-06-08", true, ""}, {"2027-07-13", true, ""}}
	if diff := cmp.Diff(want, schedule(p, "klaus-anna")); diff != "" {
		t.Errorf("klaus-anna (-want +got):\n%s", diff)
	}
	want = []held{{"2027-04-13", true, ""}, {"2027-05-11", true, ""}, {"2027-06-08", true, ""}}
	if diff := cmp.Diff(want, schedule(p, "petra-ben")); diff != "" {
		t.Errorf("petra-ben (-want +got):\n%s", diff)
	}
	if len(diags) != 0 {
		t.Errorf("diagnostics for plans that fit: %v", diags)
	}

	// Joining in June leaves no room for session 3: a warning at the
	// pair's start names it, and the session does not take place.
	p, diags = loadDemo(t, `
	"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", start: "2027-06-01"}
	"petra-ben": {mentor: "ben.weber", mentee: "petra.lang"}`)
	want = []held{{"2027-06-08", true, ""}, {"2027-07-13", true, ""},
		{"2027-08-10", false, "session 3 of pair klaus-anna would fall on 2027-08-10, after the program ends (2027-07-31): the pair joined on 2027-06-01"}}
	if diff := cmp.Diff(want, schedule(p, "klaus-anna")); diff != "" {
		t.Errorf("klaus-anna joining in June (-want +got):\n%s", diff)
	}
	if len(diags) != 1 || diags[0].Severity != schema.Warning || diags[0].Path != "pairs.klaus-anna.start" ||
		!strings.Contains(diags[0].Message, "session 3 (Leading digitally) will not take place") {
		t.Errorf("diagnostics %v, want one warning at pairs.klaus-anna.start naming session 3", diags)
	}
}

func TestScheduleEndAndStatus(t *testing.T) {
	p, _ := loadDemo(t, `
	"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", status: "paused", end: "2027-04-13"}
	"petra-ben": {mentor: "ben.weber", mentee: "petra.lang", status: "ended"}`)
	// From the end day on, sessions stop; before it they stay.
	want := []held{{"2027-03-09", true, ""},
		{"2027-04-13", false, "pair klaus-anna is paused from 2027-04-13"},
		{"2027-05-11", false, "pair klaus-anna is paused from 2027-04-13"}}
	if diff := cmp.Diff(want, schedule(p, "klaus-anna")); diff != "" {
		t.Errorf("klaus-anna (-want +got):\n%s", diff)
	}
	for _, s := range schedule(p, "petra-ben") {
		if s.Held || s.Why != "pair petra-ben is ended" {
			t.Errorf("ended pair without an end date: %+v", s)
		}
	}
}

func TestEventPeople(t *testing.T) {
	for _, tc := range []struct {
		name, pairs      string
		kickoff, closing []string
	}{
		{
			name: "paused keeps its events, ended loses them",
			pairs: `"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", status: "paused"}
	"petra-ben": {mentor: "ben.weber", mentee: "petra.lang", status: "ended"}`,
			kickoff: []string{"anna.schmidt", "klaus.mueller"},
			closing: []string{"anna.schmidt", "klaus.mueller"},
		},
		{
			name: "ended with a date keeps the events before it",
			pairs: `"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", status: "paused", end: "2027-04-01"}
	"petra-ben": {mentor: "ben.weber", mentee: "petra.lang", status: "ended", end: "2027-04-01"}`,
			kickoff: []string{"anna.schmidt", "ben.weber", "klaus.mueller", "petra.lang"},
			closing: []string{"anna.schmidt", "klaus.mueller"},
		},
		{
			name: "a late joiner misses the events before its start",
			pairs: `"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", start: "2027-03-03"}
	"petra-ben": {mentor: "ben.weber", mentee: "petra.lang", start: "2027-03-04"}`,
			kickoff: []string{"anna.schmidt", "klaus.mueller"},
			closing: []string{"anna.schmidt", "ben.weber", "klaus.mueller", "petra.lang"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := loadDemo(t, tc.pairs)
			if diff := cmp.Diff(tc.kickoff, p.EventPeople("kickoff")); diff != "" {
				t.Errorf("kick-off (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.closing, p.EventPeople("closing")); diff != "" {
				t.Errorf("closing (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPairLanguage(t *testing.T) {
	// The fixture's program is in English.
	p, _ := loadDemo(t, `
	"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", language: "de"}
	"petra-ben": {mentor: "ben.weber", mentee: "petra.lang"}`)
	if got := p.PairLanguage("klaus-anna"); got != "de" {
		t.Errorf("pair language: %q, want the pair's de", got)
	}
	if got := p.PairLanguage("petra-ben"); got != "en" {
		t.Errorf("pair without languages: %q, want the program's en", got)
	}
	person := p.People["petra.lang"]
	person.Language = "de"
	p.People["petra.lang"] = person
	if got := p.PairLanguage("petra-ben"); got != "de" {
		t.Errorf("pair of a German mentee: %q, want de", got)
	}
	if got, want := p.PersonLanguage("ben.weber"), "en"; got != want {
		t.Errorf("ben's language %q, want %q", got, want)
	}
}

func TestPairDatesChecked(t *testing.T) {
	fsys := fstest.MapFS{}
	for name, src := range testprog.Demo().With("pairs.cue", `package demo

pairs: {
	"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", start: "2027-04-01", sessions: "1": date: "2027-03-30"}
	"petra-ben": {mentor: "ben.weber", mentee: "petra.lang", status: "paused", end: "2027-09-01"}
}
`) {
		fsys["demo/"+name] = &fstest.MapFile{Data: []byte(src)}
	}
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LoadFS(context.Background(), fsys, "demo")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range res.Diagnostics {
		got = append(got, string(d.Severity)+" "+d.Path+": "+d.Message)
	}
	want := []string{
		"error pairs.klaus-anna.sessions.1.date: session 1 is moved to 2027-03-30, before the pair joins (start 2027-04-01)",
		"error pairs.petra-ben.end: 2027-09-01 is outside the program (2027-03-01 to 2027-07-31)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}
