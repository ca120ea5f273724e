package schema

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
)

// TestMatchFieldBounds checks the schema's bounds on the fields `rmctl
// match` reads, and their defaults.
func TestMatchFieldBounds(t *testing.T) {
	const program = `package x
program: {
	id: "x", title: "X", timezone: "Europe/Berlin", start: "2027-03-01", end: "2027-06-30"
	organizer: {name: "HR", email: "hr@example.com"}
	sessions: plan: [{title: "One", topics: [], tutorials: []}]
	%s
}
people: a: {name: "A", email: "a@example.com", department: "IT", %s}
`
	load := func(prog, person string) Diagnostics {
		t.Helper()
		src := strings.Replace(strings.Replace(program, "%s", prog, 1), "%s", person, 1)
		l, err := NewLoader()
		if err != nil {
			t.Fatal(err)
		}
		res, err := l.LoadFS(context.Background(), fstest.MapFS{"p/a.cue": {Data: []byte(src)}}, "p")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Programs) == 1 && !res.Diagnostics.HasErrors() {
			m := res.Programs[0].Matching
			if m != (Matching{Interests: 3, CrossDepartment: 2, Seniority: 1, TimezoneOverlap: 1}) && prog == "" {
				t.Errorf("default weights %+v", m)
			}
		}
		return res.Diagnostics
	}
	if d := load("", `role: "mentor", interests: ["AI", "ai"], languages: ["de", "en"]`); d.HasErrors() {
		t.Fatalf("valid fields rejected: %v", d)
	}
	for _, tc := range []struct{ prog, person, path string }{
		{"", `role: "boss"`, "people.a.role"},
		{"", `interests: ["` + strings.Repeat("x", 81) + `"]`, "people.a.interests"},
		{"", `interests: ["two\nlines"]`, "people.a.interests"},
		{"", `interests: [""]`, "people.a.interests"},
		{"", `languages: ["de", "de"]`, "people.a.languages"},
		{"", `languages: ["fr"]`, "people.a.languages"},
		{"matching: interests: -1", "", "program.matching.interests"},
		{"matching: seniority: 101", "", "program.matching.seniority"},
		{`matching: other: 1`, "", "program.matching"},
	} {
		d := load(tc.prog, tc.person)
		found := false
		for _, x := range d {
			found = found || x.Severity == Error && strings.HasPrefix(x.Path, tc.path)
		}
		if !found {
			t.Errorf("%s %s: no error at %s, got %v", tc.prog, tc.person, tc.path, d)
		}
	}
}
