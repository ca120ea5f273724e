// Package testprog holds the small program that engine tests plan, apply
// and render, and helpers to load edited copies of it, so every test speaks
// about the same 16 resources.
package testprog

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rmctl/rmctl/schema"
)

// The fixture: two pairs, three sessions each (03-09, 04-13, 05-11 at 16:00
// Berlin), two events and three tutorials: 16 resources, each sent as one
// REQUEST message on create.

// ProgramCUE is program.cue of the fixture.
const ProgramCUE = `package demo

program: {
	id:        "demo-2027"
	title:     "Demo Program 2027"
	language:  "en"
	timezone:  "Europe/Berlin"
	start:     "2027-03-01"
	end:       "2027-07-31"
	organizer: {name: "People Development", email: "rm@example.com"}
	events: {
		kickoff: {title: "Kick-off", date: "2027-03-03", time: "09:30", duration: "2h", location: "HQ, Room 1"}
		closing: {title: "Closing", date: "2027-07-21", time: "14:00", duration: "2h", location: "HQ, Room 1"}
	}
	sessions: {
		slot: {week: 2, weekday: "tuesday", time: "16:00", duration: "60m"}
		plan: [
			{title: "Social media basics", topics: ["Terms", "Principles"], tutorials: ["basics", "guide"]},
			{title: "Collaboration", topics: ["Communities"], tutorials: []},
			{title: "Leading digitally", topics: ["Transparency"], tutorials: ["practice"]},
		]
	}
	tutorials: {
		basics: {title: "Social media in 20 minutes", url: "https://learn.example.com/basics", minutes: 20, audience: "mentee"}
		guide: {title: "Mentor guide", url: "https://learn.example.com/guide", minutes: 25, audience: "mentor", due: "7d"}
		practice: {title: "Working out loud", url: "https://learn.example.com/wol", minutes: 30}
	}
}
`

// PeopleCUE is people.cue of the fixture.
const PeopleCUE = `package demo

people: {
	"anna.schmidt": {name: "Anna Schmidt", email: "anna.schmidt@example.com", department: "Marketing"}
	"klaus.mueller": {name: "Klaus Müller", email: "klaus.mueller@example.com", department: "Board"}
	"ben.weber": {name: "Ben Weber", email: "ben.weber@example.com", department: "IT"}
	"petra.lang": {name: "Petra Lang", email: "petra.lang@example.com", department: "Finance"}
}
`

// PairsCUE is pairs.cue of the fixture.
const PairsCUE = `package demo

pairs: {
	"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller"}
	"petra-ben": {mentor: "ben.weber", mentee: "petra.lang"}
}
`

// Total is the number of resources the fixture declares.
const Total = 16

// Files are the files of one program directory, by name.
type Files map[string]string

// Demo returns the fixture's files.
func Demo() Files {
	return Files{"program.cue": ProgramCUE, "people.cue": PeopleCUE, "pairs.cue": PairsCUE}
}

// Edit returns a copy of f with old replaced by new in file name; old must
// occur exactly once, so a fixture change cannot silently do nothing.
func (f Files) Edit(t testing.TB, name, old, new string) Files {
	t.Helper()
	if n := strings.Count(f[name], old); n != 1 {
		t.Fatalf("fixture edit: %q occurs %d times in %s, want 1", old, n, name)
	}
	return f.With(name, strings.Replace(f[name], old, new, 1))
}

// With returns a copy of f with file name set to src.
func (f Files) With(name, src string) Files {
	out := Files{}
	for k, v := range f {
		out[k] = v
	}
	out[name] = src
	return out
}

// Load loads f as the program directory "demo" and fails the test on any
// diagnostic: fixtures must validate cleanly.
func (f Files) Load(t testing.TB) []*schema.Program {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, src := range f {
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
	if len(res.Diagnostics) > 0 {
		var b strings.Builder
		for _, d := range res.Diagnostics {
			fmt.Fprintf(&b, "\n  %v", d)
		}
		t.Fatalf("fixture does not validate cleanly:%s", b.String())
	}
	return res.Programs
}
