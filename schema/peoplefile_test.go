package schema

import (
	"strings"
	"testing"

	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
)

const handWritten = `package demo

// Everyone in the program.
people: {
	// The board.
	"klaus.mueller": {name: "Klaus Müller", email: "klaus.mueller@example.com", department: "Board"}
	"anna.schmidt": {
		name:        "Anna Schmidt"
		email:       "anna.schmidt@example.com"
		department:  "Marketing"
		description: "written by hand" // keep me
	}
}
`

func TestPeopleFileMerge(t *testing.T) {
	pf, err := ParsePeopleFile("people.cue", []byte(handWritten))
	if err != nil {
		t.Fatal(err)
	}
	got := pf.People()
	if len(got) != 2 || got[0].ID != "klaus.mueller" || got[1].Email != "anna.schmidt@example.com" {
		t.Fatalf("people %+v", got)
	}
	fields := []string{"name", "email", "department", "manager"}
	if ch := pf.Set("anna.schmidt", fields, map[string]string{"name": "Anna Schmidt", "email": "anna.schmidt@example.com", "department": "Marketing"}); len(ch) != 0 {
		t.Errorf("unchanged person reported changes %v", ch)
	}
	if ch := pf.Set("klaus.mueller", fields, map[string]string{"department": "Vorstand", "manager": "anna.schmidt"}); strings.Join(ch, ",") != "department,manager" {
		t.Errorf("changes %v, want department,manager", ch)
	}
	pf.Set("ben.weber", fields, map[string]string{"name": "Ben", "email": "ben@example.com", "department": "IT"})
	out, err := pf.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := `package demo

// Everyone in the program.
people: {
	// The board.
	"klaus.mueller": {name: "Klaus Müller", email: "klaus.mueller@example.com", department: "Vorstand", manager: "anna.schmidt"}
	"anna.schmidt": {
		name:        "Anna Schmidt"
		email:       "anna.schmidt@example.com"
		department:  "Marketing"
		description: "written by hand" // keep me
	}
	"ben.weber": {
		name:       "Ben"
		email:      "ben@example.com"
		department: "IT"
	}
}
`
	if string(out) != want {
		t.Errorf("merged file:\n%s\nwant:\n%s", out, want)
	}
	// What rmctl fmt would make of it is what was written.
	f, err := parser.ParseFile("people.cue", out, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	again, err := format.Node(f, format.Simplify())
	if err != nil || string(again) != string(out) {
		t.Errorf("rmctl fmt would change the written file (err %v):\n%s", err, again)
	}
}

func TestNewPeopleFile(t *testing.T) {
	pf := NewPeopleFile("people.cue", "demo")
	pf.Set("ann", []string{"name", "email", "department"}, map[string]string{"name": "Ann", "email": "ann@example.com", "department": "IT"})
	pf.Set("bob.m", []string{"name", "email", "department"}, map[string]string{"name": "Bob", "email": "bob@example.com", "department": "IT"})
	out, err := pf.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := "package demo\n\npeople: {\n\tann: {\n\t\tname:       \"Ann\"\n\t\temail:      \"ann@example.com\"\n\t\tdepartment: \"IT\"\n\t}\n\t\"bob.m\": {\n\t\tname:       \"Bob\"\n\t\temail:      \"bob@example.com\"\n\t\tdepartment: \"IT\"\n\t}\n}\n"
	if string(out) != want {
		t.Errorf("new file:\n%s\nwant:\n%s", out, want)
	}
}
