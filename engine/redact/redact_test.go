package redact_test

import (
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/diff"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/redact"
	"github.com/rmctl/rmctl/schema"
)

func TestString(t *testing.T) {
	r := &redact.Redactor{}
	r.Add("anna", "Anna Maria Schmidt", "Anna@Example.com")
	r.Add("ann", "Anna", "ann@example.com")
	got := r.String("Anna Maria Schmidt <anna@example.com> and Anna <ann@example.com> cc x.y@other.org")
	want := "anna <anna> and ann <ann> cc " + redact.Placeholder
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestDiff checks that a diff's field changes, diagnostics and commit
// subjects lose the names and addresses of people on either side.
func TestDiff(t *testing.T) {
	base := &diff.Side{Label: "main", Subject: "Add Klaus Meier", Programs: []*schema.Program{{
		ID: "p", Organizer: schema.Contact{Name: "L&D Team", Email: "ld@example.com"},
		People: map[string]schema.Person{"klaus": {Name: "Klaus Meier", Email: "klaus@example.com"}},
	}}}
	head := &diff.Side{Label: "working tree", Diagnostics: schema.Diagnostics{{Message: `e-mail "klaus@example.com" is already used by people.k2`}}}
	rep := &diff.Report{Base: base, Head: head, Programs: []diff.ProgramDiff{{ID: "p", Status: "changed", Changes: []diff.Change{{
		Kind: "person", ID: "klaus", Change: "removed",
		Fields: []plan.FieldChange{{Field: "email", Old: "klaus@example.com", New: ""}, {Field: "name", Old: "Klaus Meier"}},
	}}}}}
	red := (&redact.Redactor{}).Diff(rep)
	var all strings.Builder
	all.WriteString(red.Base.Subject + red.Head.Diagnostics[0].Message)
	for _, f := range red.Programs[0].Changes[0].Fields {
		all.WriteString(f.Old + f.New)
	}
	if s := all.String(); strings.Contains(s, "@") || strings.Contains(s, "Klaus Meier") || !strings.Contains(s, "klaus") {
		t.Errorf("redacted diff: %q", s)
	}
	if rep.Programs[0].Changes[0].Fields[0].Old != "klaus@example.com" || rep.Base.Subject != "Add Klaus Meier" {
		t.Errorf("Diff changed its input")
	}
}
