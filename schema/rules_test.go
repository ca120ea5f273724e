package schema

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// programOf builds a decoded program in memory for the checks that need no CUE.
func programOf(people map[string]Person, pairs map[string]Pair, policy Policy) *Program {
	p := &Program{People: people, Pairs: pairs, Policy: policy, Start: Date{2027, 3, 1}, End: Date{2027, 7, 31},
		src: &source{zones: map[string]*time.Location{}}, Location: time.UTC}
	p.PersonIDs, p.PairIDs = sortedKeys(people), sortedKeys(pairs)
	for id, pair := range pairs {
		if pair.Status == "" {
			pair.Status = StatusActive
			pairs[id] = pair
		}
	}
	return p
}

func TestReportingLineBothWays(t *testing.T) {
	// lisa → frank → martin; carl stands apart.
	people := func() map[string]Person {
		return map[string]Person{
			"martin.vogt": {}, "frank.weber": {Manager: "martin.vogt"},
			"lisa.brandt": {Manager: "frank.weber"}, "carl.ott": {},
		}
	}
	for _, tc := range []struct {
		name, mentor, mentee, policy string
		want                         string // "" = no diagnostic
		sev                          Severity
	}{
		{"mentee two levels above", "lisa.brandt", "martin.vogt", "forbid",
			"mentee martin.vogt is above mentor lisa.brandt in the reporting line (lisa.brandt → frank.weber → martin.vogt)", Error},
		{"mentee directly above", "lisa.brandt", "frank.weber", "forbid",
			"mentee frank.weber is above mentor lisa.brandt in the reporting line (lisa.brandt → frank.weber)", Error},
		{"mentor above mentee", "martin.vogt", "lisa.brandt", "forbid",
			"mentor martin.vogt is above mentee lisa.brandt in the reporting line (lisa.brandt → frank.weber → martin.vogt)", Error},
		{"warn policy", "lisa.brandt", "martin.vogt", "warn", "mentee martin.vogt is above mentor lisa.brandt", Warning},
		{"off policy", "lisa.brandt", "martin.vogt", "off", "", ""},
		{"other line", "carl.ott", "martin.vogt", "forbid", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := programOf(people(), map[string]Pair{"x": {Mentor: tc.mentor, Mentee: tc.mentee}}, Policy{ReportingLine: tc.policy})
			c := &checker{p: p}
			c.checkReportingLines()
			if tc.want == "" {
				if len(c.diags) != 0 {
					t.Fatalf("got %v, want no diagnostic", c.diags)
				}
				return
			}
			if len(c.diags) != 1 || !strings.Contains(c.diags[0].Message, tc.want) || c.diags[0].Severity != tc.sev || c.diags[0].Path != "pairs.x.mentor" {
				t.Fatalf("got %v, want one %s at pairs.x.mentor containing %q", c.diags, tc.sev, tc.want)
			}
		})
	}
}

// TestReportingLineLinear: a 20,000-deep chain with 10,000 pairs, each
// mentee far above its mentor, is checked in well under a second (a walk
// per pair would take 10,000 × 10,000 steps), and a cycle does not hang.
func TestReportingLineLinear(t *testing.T) {
	const n = 20000
	people := make(map[string]Person, n+3)
	id := func(i int) string { return fmt.Sprintf("p%05d", i) }
	for i := 0; i < n; i++ {
		person := Person{}
		if i > 0 {
			person.Manager = id(i - 1)
		}
		people[id(i)] = person
	}
	// A cycle hanging off nobody: c1 → c2 → c3 → c1.
	people["c1"], people["c2"], people["c3"] = Person{Manager: "c2"}, Person{Manager: "c3"}, Person{Manager: "c1"}
	pairs := make(map[string]Pair, n/2+1)
	for i := 0; i < n/2; i++ {
		pairs[fmt.Sprintf("pair%05d", i)] = Pair{Mentor: id(n/2 + i), Mentee: id(i)}
	}
	pairs["cyc"] = Pair{Mentor: "c1", Mentee: "c3"}
	p := programOf(people, pairs, Policy{ReportingLine: "forbid"})
	start := time.Now()
	c := &checker{p: p}
	c.checkReportingLines()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v for %d people and %d pairs: not linear", d, n, len(pairs))
	}
	loops, above := 0, 0
	for _, d := range c.diags {
		switch {
		case strings.Contains(d.Message, "manager chain loops"):
			loops++
		case strings.Contains(d.Message, "is above mentor"):
			above++
			if strings.Count(d.Message, "→") > maxChain+1 {
				t.Fatalf("chain not shortened: %s", d.Message)
			}
		}
	}
	if loops != 1 || above < n/2 {
		t.Errorf("got %d loop and %d reporting-line diagnostics, want 1 and at least %d", loops, above, n/2)
	}
}

func TestDayOffRegions(t *testing.T) {
	for _, tc := range []struct {
		region string
		day    Date
		want   string // substring; "" = a working day
	}{
		{"DE-BY", Date{2027, 5, 27}, "Fronleichnam in DE-BY"},
		{"DE-BE", Date{2027, 5, 27}, ""}, // Corpus Christi is no holiday in Berlin
		{"DE-BE", Date{2027, 3, 8}, "in DE-BE"},
		{"DE", Date{2027, 5, 6}, "in DE"}, // Ascension
		{"DE", Date{2027, 10, 4}, ""},     // Germany moves no holiday off a Sunday
		{"AT", Date{2027, 12, 8}, "in AT"},
		{"CH-ZH", Date{2027, 3, 29}, "in CH-ZH"},
		{"GB", Date{2027, 8, 30}, "in GB"},
		{"US", Date{2027, 11, 25}, "in US"},
		{"US-NY", Date{2027, 7, 5}, "in US-NY"}, // Independence Day observed on Monday
		{"SG", Date{2027, 8, 9}, "National Day in SG"},
		{"SG", Date{2027, 8, 10}, ""},
		{"DE-BY", Date{2027, 3, 6}, "Saturday"},
	} {
		p := programOf(map[string]Person{"x": {Holidays: tc.region}}, map[string]Pair{}, Policy{})
		p.resolveHolidays()
		got := p.DayOff("x", tc.day)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("DayOff(%s, %s) = %q, want %q", tc.region, tc.day, got, tc.want)
		}
	}
}

// TestEventHoursAggregated: one warning per event, naming a few people and
// counting the rest.
func TestEventHoursAggregated(t *testing.T) {
	people := map[string]Person{"host": {}}
	pairs := map[string]Pair{}
	for i := 0; i < 10; i++ {
		a, b := fmt.Sprintf("ny%d", i), fmt.Sprintf("nz%d", i)
		people[a] = Person{Timezone: "America/New_York"}
		people[b] = Person{Timezone: "America/New_York"}
		pairs[a] = Pair{Mentor: a, Mentee: b}
	}
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
	p.Events = map[string]Event{"kickoff": {Date: Date{2027, 3, 3}, Time: Clock{9, 30}, Duration: Duration{3 * time.Hour}}}
	p.EventIDs = []string{"kickoff"}
	c := &checker{p: p}
	c.checkEventHours()
	if len(c.diags) != 1 {
		t.Fatalf("got %d diagnostics, want one per event: %v", len(c.diags), c.diags)
	}
	msg := c.diags[0].Message
	for _, want := range []string{"for 20 invitees", "ny0 (03:30–06:30 America/New_York)", "and 17 more"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

// TestUnknownHolidayRegion: an unknown region is an error at the field that
// lists the known regions, with a hint only when the case is wrong.
func TestUnknownHolidayRegion(t *testing.T) {
	p := programOf(map[string]Person{"a": {Holidays: "de-by"}, "b": {Holidays: "FR"}}, map[string]Pair{}, Policy{Holidays: []string{"DE-BY"}})
	c := &checker{p: p}
	c.checkHolidayRegions()
	if len(c.diags) != 2 {
		t.Fatalf("got %v, want two errors", c.diags)
	}
	a, b := c.diags[0], c.diags[1]
	if a.Path != "people.a.holidays" || !strings.Contains(a.Message, `(did you mean "DE-BY"?)`) || !strings.Contains(a.Message, "known regions are AT, CH,") {
		t.Errorf("people.a: %v", a)
	}
	if b.Path != "people.b.holidays" || strings.Contains(b.Message, "did you mean") || !strings.Contains(b.Message, "US-NY") {
		t.Errorf("people.b: %v", b)
	}
}
