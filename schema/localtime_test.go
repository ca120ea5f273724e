package schema

import (
	"strings"
	"testing"
)

// TestDaylightSavingWarnings covers issue 8 item 12: a local time that
// does not exist (02:30 the night clocks skip from 02:00 to 03:00) was
// silently moved to 03:30, and one that exists twice was silently resolved.
// Both now warn, naming the local time used.
func TestDaylightSavingWarnings(t *testing.T) {
	wide := replaceIn("program.cue", `workingHours: {from: "08:00", to: "18:00"}`, `workingHours: {from: "00:00", to: "23:59"}`)
	cases := []struct {
		name  string
		pair  string // added to pair klaus-anna
		event string // replaces the kick-off's date and time
		path  string
		want  string
	}{
		{name: "session in the spring gap", pair: `sessions: "1": {date: "2027-03-28", time: "02:30"}`,
			path: FormatPath("pairs", "klaus-anna", "sessions", "1"),
			want: "02:30 on 2027-03-28 does not exist in Europe/Berlin (the clocks skip forward that night): session 1 of pair klaus-anna will be at 03:30 CEST, 01:30 UTC"},
		{name: "session in the autumn hour", pair: `timezone: "Australia/Sydney", sessions: "2": {date: "2027-04-04", time: "02:30"}`,
			path: FormatPath("pairs", "klaus-anna", "sessions", "2"),
			want: "02:30 on 2027-04-04 happens twice in Australia/Sydney (the clocks go back that night): session 2 of pair klaus-anna will be at the second of them, 02:30 AEST, 16:30 UTC"},
		{name: "event in the spring gap", event: `date:     "2027-03-28"
			time:     "02:15"`,
			path: FormatPath("program", "events", "kickoff", "time"),
			want: "02:15 on 2027-03-28 does not exist in Europe/Berlin (the clocks skip forward that night): event kickoff will be at 03:15 CEST, 01:15 UTC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fixture(t, func(name, src string) string {
				src = wide(name, src)
				if c.pair != "" {
					src = replaceIn("pairs.cue", `mentee: "anna.schmidt"`, `mentee: "anna.schmidt", `+c.pair)(name, src)
				}
				if c.event != "" {
					src = replaceIn("program.cue", `date:     "2027-03-03"
			time:     "10:00"`, c.event)(name, src)
				}
				return src
			})
			ds := load(t, dir)
			if ds.HasErrors() {
				t.Fatalf("unexpected errors:\n%v", ds)
			}
			var got []string
			for _, d := range ds {
				if d.Severity == Warning && d.Path == c.path {
					got = append(got, d.Message)
					if d.Pos.Line == 0 || d.Pos.Column == 0 {
						t.Errorf("no line:col: %s", d)
					}
				}
			}
			if len(got) != 1 || got[0] != c.want {
				t.Errorf("warnings at %s:\n%s\nwant exactly:\n%s\nall: %v", c.path, strings.Join(got, "\n"), c.want, ds)
			}
		})
	}
	// Without a switch that night, nothing is said.
	if ds := load(t, fixture(t, wide)); len(ds) != 0 {
		t.Errorf("warnings on a program without daylight-saving clashes: %v", ds)
	}
}

func TestLocalTime(t *testing.T) {
	l, err := NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := l.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		day      Date
		clock    Clock
		gap      bool
		twice    bool
		wantUsed string
	}{
		{Date{2027, 3, 28}, Clock{2, 0}, true, false, "03:00"},
		{Date{2027, 3, 28}, Clock{2, 59}, true, false, "03:59"},
		{Date{2027, 3, 28}, Clock{3, 0}, false, false, "03:00"},
		{Date{2027, 3, 28}, Clock{1, 59}, false, false, "01:59"},
		{Date{2027, 10, 31}, Clock{2, 0}, false, true, "02:00"},
		{Date{2027, 10, 31}, Clock{2, 59}, false, true, "02:59"},
		{Date{2027, 10, 31}, Clock{3, 0}, false, false, "03:00"},
		{Date{2027, 10, 31}, Clock{1, 59}, false, false, "01:59"},
		{Date{2027, 7, 1}, Clock{2, 30}, false, false, "02:30"},
	} {
		tm, gap, other := localTime(c.day, c.clock, berlin)
		if gap != c.gap || !other.IsZero() != c.twice || tm.Format("15:04") != c.wantUsed {
			t.Errorf("%s %s: gap %v, twice %v, used %s; want %v, %v, %s", c.day, c.clock, gap, !other.IsZero(), tm.Format("15:04"), c.gap, c.twice, c.wantUsed)
		}
	}
}
