package diff_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/diff"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/schema"
)

// A small valid program: 3 pairs, 4 sessions, 2 events, one tutorial for
// mentees handed out with session 1.
const (
	testProgram = `package pilot

program: {
	id:       "pilot"
	title:    "Reverse Mentoring Pilot"
	language: "en"
	timezone: "Europe/Berlin"
	start:    "2027-03-01"
	end:      "2027-07-31"
	organizer: {name: "Learning & Development", email: "mentoring@acme.example.com"}
	events: {
		kickoff: {title: "Kick-off", date: "2027-03-03", time: "10:00", duration: "2h", location: "Forum"}
		closing: {title: "Closing", date: "2027-07-21", time: "10:00", duration: "2h", location: "Forum"}
	}
	sessions: {
		slot: {week: 2, weekday: "tuesday", time: "16:00", duration: "60m"}
		plan: [
			{title: "Social media basics", topics: ["Terms", "Principles"], tutorials: ["basics"]},
			{title: "Our intranet", topics: ["Profile"], tutorials: []},
			{title: "Writing posts", topics: ["A first post"], tutorials: []},
			{title: "Collaboration", topics: ["Documents"], tutorials: []},
		]
	}
	tutorials: basics: {title: "Social media in 20 minutes", url: "https://learn.acme.example.com/basics", minutes: 20, audience: "mentee"}
	policy: {}
}
`
	testPeople = `package pilot

people: {
	"carla.board": {name: "Carla Board", email: "carla.board@acme.example.com", department: "Board"}
	"anna.schmidt": {name: "Anna Schmidt", email: "anna.schmidt@acme.example.com", department: "Finance", manager: "carla.board"}
	"bernd.weber": {name: "Bernd Weber", email: "bernd.weber@acme.example.com", department: "Sales", manager: "carla.board"}
	"dora.klein": {name: "Dora Klein", email: "dora.klein@acme.example.com", department: "Legal", manager: "carla.board"}
	"klaus.meier": {name: "Klaus Meier", email: "klaus.meier@acme.example.com", department: "IT"}
	"lena.fischer": {name: "Lena Fischer", email: "lena.fischer@acme.example.com", department: "Marketing"}
	"mia.wolf": {name: "Mia Wolf", email: "mia.wolf@acme.example.com", department: "HR"}
}
`
	testPairs = `package pilot

pairs: {
	"klaus-anna": {mentor: "klaus.meier", mentee: "anna.schmidt"}
	"lena-bernd": {mentor: "lena.fischer", mentee: "bernd.weber"}
	"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein"}
}
`
)

// before is a time before the program starts: nothing is in the past.
var before = time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)

// files returns the program's files under dir, with each edit applied in
// order: an edit is {file, old, new}, a file being "program", "people" or
// "pairs"; old "" appends new to the file.
func files(t *testing.T, dir string, edits ...[3]string) fstest.MapFS {
	t.Helper()
	src := map[string]string{"program": testProgram, "people": testPeople, "pairs": testPairs}
	for _, e := range edits {
		s, ok := src[e[0]]
		if !ok {
			t.Fatalf("no file %q", e[0])
		}
		if e[1] == "" {
			src[e[0]] = s + e[2]
			continue
		}
		if !strings.Contains(s, e[1]) {
			t.Fatalf("%s.cue does not contain %q", e[0], e[1])
		}
		src[e[0]] = strings.Replace(s, e[1], e[2], 1)
	}
	fsys := fstest.MapFS{}
	for name, s := range src {
		fsys[dir+"/"+name+".cue"] = &fstest.MapFile{Data: []byte(s)}
	}
	return fsys
}

// load loads every program under fsys as one side.
func load(t *testing.T, label string, fsys fstest.MapFS, wantValid bool) *diff.Side {
	t.Helper()
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	side := &diff.Side{Label: label}
	if len(fsys) == 0 {
		return side
	}
	res, err := l.LoadFS(context.Background(), fsys, "...")
	if err != nil {
		t.Fatal(err)
	}
	side.Programs, side.Diagnostics = res.Programs, res.Diagnostics
	if side.Valid() != wantValid {
		t.Fatalf("%s: valid = %v, want %v; diagnostics:\n%v", label, side.Valid(), wantValid, res.Diagnostics)
	}
	return side
}

func side(t *testing.T, label string, edits ...[3]string) *diff.Side {
	t.Helper()
	return load(t, label, files(t, "pilot", edits...), true)
}

// changes returns the only program's changes, checking its status.
func changes(t *testing.T, r *diff.Report, status string) []diff.Change {
	t.Helper()
	if len(r.Programs) != 1 {
		t.Fatalf("programs = %+v, want exactly one", r.Programs)
	}
	if p := r.Programs[0]; p.ID != "pilot" || p.Status != status {
		t.Fatalf("program %s %s, want pilot %s", p.ID, p.Status, status)
	}
	return r.Programs[0].Changes
}

func fc(field, old, new string) plan.FieldChange {
	return plan.FieldChange{Field: field, Old: old, New: new}
}

func TestDiffCompareFieldChanges(t *testing.T) {
	base := side(t, "base")
	head := side(t, "head",
		[3]string{"program", `title:    "Reverse Mentoring Pilot"`, `title:    "Reverse Mentoring Pilot 2027"`},
		[3]string{"program", `location: "Forum"}`, `location: "Roof terrace"}`}, // the kick-off: first match
		[3]string{"program", `{title: "Our intranet", topics: ["Profile"], tutorials: []}`, `{title: "Our social intranet", topics: ["Profile", "Communities"], tutorials: []}`},
		[3]string{"program", `minutes: 20`, `minutes: 30`},
		[3]string{"people", `email: "anna.schmidt@acme.example.com"`, `email: "anna.schmidt@acme-group.example.com"`},
		[3]string{"pairs", `"klaus-anna": {mentor: "klaus.meier", mentee: "anna.schmidt"}`, `"klaus-anna": {mentor: "klaus.meier", mentee: "anna.schmidt", slot: time: "09:00"}`},
		[3]string{"pairs", `"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein"}`, `"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein", status: "paused"}`},
	)
	r := diff.Compare(base, head, before)
	if r.FormatVersion != diff.FormatVersion || r.Base != base || r.Head != head {
		t.Errorf("report header: %q %p %p", r.FormatVersion, r.Base, r.Head)
	}
	if !r.HasChanges() {
		t.Fatal("HasChanges = false")
	}
	want := []diff.Change{
		{Kind: "program", ID: "pilot", Change: "changed", Fields: []plan.FieldChange{
			fc("title", `"Reverse Mentoring Pilot"`, `"Reverse Mentoring Pilot 2027"`)}},
		{Kind: "person", ID: "anna.schmidt", Change: "changed", Fields: []plan.FieldChange{
			fc("email", `"anna.schmidt@acme.example.com"`, `"anna.schmidt@acme-group.example.com"`)}},
		{Kind: "pair", ID: "klaus-anna", Change: "changed", Fields: []plan.FieldChange{
			fc("slot.time", "", `"09:00"`)}},
		{Kind: "pair", ID: "mia-dora", Change: "changed", Fields: []plan.FieldChange{
			fc("status", `"active"`, `"paused"`)}},
		{Kind: "event", ID: "kickoff", Change: "changed", Fields: []plan.FieldChange{
			fc("location", `"Forum"`, `"Roof terrace"`)}},
		{Kind: "session", ID: "2", Change: "changed", Fields: []plan.FieldChange{
			fc("title", `"Our intranet"`, `"Our social intranet"`),
			fc("topics", `["Profile"]`, `["Profile", "Communities"]`)}},
		{Kind: "tutorial", ID: "basics", Change: "changed", Fields: []plan.FieldChange{
			fc("minutes", "20", "30")}},
	}
	if got := changes(t, r, "changed"); !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n got %s\nwant %s", js(got), js(want))
	}

	// Consequences: mia-dora's 4 sessions and Dora's tutorial are
	// cancelled (paused), but both stay invited to the joint events (a
	// paused pair is still in the program); klaus-anna's sessions move to
	// 09:00.
	if r.Plan == nil {
		t.Fatal("no plan for two valid sides")
	}
	cancelled := map[string]bool{}
	for _, c := range r.Plan.Changes {
		if c.Action == plan.Cancel {
			cancelled[c.Address] = true
		}
	}
	for _, addr := range []string{
		"pilot/pair/mia-dora/session/1", "pilot/pair/mia-dora/session/4", "pilot/pair/mia-dora/tutorial/basics/dora.klein",
	} {
		if !cancelled[addr] {
			t.Errorf("%s not cancelled; cancelled: %v", addr, cancelled)
		}
	}
	if s := r.Plan.Summary; s.Cancel != 5 || s.Create != 0 {
		t.Errorf("summary = %+v, want 5 cancelled, none sent", s)
	}
	byPerson := map[string]plan.Impact{}
	for _, im := range r.Plan.Impact {
		byPerson[im.Person] = im
	}
	if im := byPerson["dora.klein"]; im.Cancel != 5 || im.Send != 0 {
		t.Errorf("dora.klein: %+v, want 5 cancelled (4 sessions, tutorial; not the events)", im)
	}
	if im := byPerson["mia.wolf"]; im.Cancel != 4 {
		t.Errorf("mia.wolf: %+v, want 4 cancelled (4 sessions; not the events)", im)
	}
}

func TestDiffCompareNoChanges(t *testing.T) {
	r := diff.Compare(side(t, "a"), side(t, "b"), before)
	if r.HasChanges() || len(r.Programs) != 0 || r.Programs == nil {
		t.Errorf("programs = %#v, want an empty, non-nil list", r.Programs)
	}
	if r.Plan == nil || r.Plan.HasChanges() || r.Moves != 0 {
		t.Errorf("plan = %+v, moves %d; want no changes", r.Plan, r.Moves)
	}
	// 3 pairs × 4 sessions + 2 events + 3 mentee tutorials.
	if r.Plan.Summary.Unchanged != 17 {
		t.Errorf("unchanged = %d, want 17", r.Plan.Summary.Unchanged)
	}
	// An empty program list encodes as [], not null.
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"programs":[]`) {
		t.Errorf("JSON: %s", b)
	}
}

func TestDiffCompareRenamedPair(t *testing.T) {
	base := side(t, "base")
	head := side(t, "head",
		[3]string{"pairs", `"lena-bernd":`, `"lena-and-bernd":`},
		[3]string{"pairs", "", "\nmoved: [{from: \"pair/lena-bernd\", to: \"pair/lena-and-bernd\"}]\n"},
	)
	r := diff.Compare(base, head, before)
	want := []diff.Change{{Kind: "pair", ID: "lena-and-bernd", Change: "renamed", From: "lena-bernd"}}
	if got := changes(t, r, "changed"); !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n got %s\nwant %s", js(got), js(want))
	}
	s := r.Plan.Summary
	// 4 sessions and Bernd's tutorial keep their UIDs; nothing is sent.
	if s.Move != 5 || s.Create != 0 || s.Cancel != 0 || s.Update != 0 {
		t.Errorf("summary = %+v, want 5 renamed and nothing else", s)
	}
	for _, c := range r.Plan.Changes {
		old := strings.Replace(c.Address, "/lena-and-bernd/", "/lena-bernd/", 1)
		if c.Action != plan.Move || c.MovedFrom != old {
			t.Errorf("%s: %s from %q, want a move from %s", c.Address, c.Action, c.MovedFrom, old)
		}
		if c.After == nil || c.Before == nil || c.UID != c.After.UID {
			t.Errorf("%s: UID %q not carried over", c.Address, c.UID)
		}
	}
	for _, im := range r.Plan.Impact {
		if im.Send != 0 || im.Cancel != 0 {
			t.Errorf("%s: %+v, want no sends or cancels", im.Person, im)
		}
	}
}

func TestDiffCompareRenamedPairWithChanges(t *testing.T) {
	base := side(t, "base")
	head := side(t, "head",
		[3]string{"pairs", `"lena-bernd": {mentor: "lena.fischer", mentee: "bernd.weber"}`,
			`"lena-and-bernd": {mentor: "lena.fischer", mentee: "bernd.weber", slot: weekday: "thursday"}`},
		[3]string{"pairs", "", "\nmoved: [{from: \"pair/lena-bernd\", to: \"pair/lena-and-bernd\"}]\n"},
	)
	r := diff.Compare(base, head, before)
	want := []diff.Change{{Kind: "pair", ID: "lena-and-bernd", Change: "renamed", From: "lena-bernd",
		Fields: []plan.FieldChange{fc("slot.weekday", "", `"thursday"`)}}}
	if got := changes(t, r, "changed"); !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n got %s\nwant %s", js(got), js(want))
	}
	s := r.Plan.Summary
	if s.Create != 0 || s.Cancel != 0 || s.Update != 5 || s.Move != 0 {
		t.Errorf("summary = %+v; want 5 updates (renamed and moved), nothing else", s)
	}
	for _, c := range r.Plan.Changes {
		if !strings.HasPrefix(c.MovedFrom, "pilot/pair/lena-bernd/") || !strings.HasPrefix(c.Reason, "renamed from ") {
			t.Errorf("%s: from %q, reason %q", c.Address, c.MovedFrom, c.Reason)
		}
	}
}

func TestDiffCompareRenamedEvent(t *testing.T) {
	base := side(t, "base")
	head := side(t, "head",
		[3]string{"program", `closing: {`, `finale: {`},
		[3]string{"pairs", "", "\nmoved: [{from: \"event/closing\", to: \"event/finale\"}]\n"},
	)
	r := diff.Compare(base, head, before)
	want := []diff.Change{{Kind: "event", ID: "finale", Change: "renamed", From: "closing"}}
	if got := changes(t, r, "changed"); !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n got %s\nwant %s", js(got), js(want))
	}
	// The event keeps its UID: one move, no cancel and send. (engine/plan
	// applyMoves only re-keys addresses below m.From+"/", and an event's
	// address is m.From itself.)
	if s := r.Plan.Summary; s.Move != 1 || s.Create+s.Cancel+s.Update != 0 {
		t.Errorf("summary = %+v, want 1 renamed", s)
	}
}

// A moved block outlives the rename it recorded. Against a base that never
// had the old pair, the new pair is simply added: nothing was renamed, and
// the consequences (invitations sent) say so too.
func TestDiffCompareStaleMovedIsNotARename(t *testing.T) {
	head := func(t *testing.T) *diff.Side {
		return side(t, "head",
			[3]string{"pairs", `"lena-bernd":`, `"lena-and-bernd":`},
			[3]string{"pairs", "", "\nmoved: [{from: \"pair/lena-bernd\", to: \"pair/lena-and-bernd\"}]\n"},
		)
	}
	t.Run("changed program", func(t *testing.T) {
		// The base predates lena-bernd altogether.
		base := side(t, "base", [3]string{"pairs", `	"lena-bernd": {mentor: "lena.fischer", mentee: "bernd.weber"}` + "\n", ""})
		r := diff.Compare(base, head(t), before)
		got := changes(t, r, "changed")
		if len(got) != 1 || got[0].ID != "lena-and-bernd" || got[0].Change != "added" || got[0].From != "" {
			t.Errorf("changes = %s, want pair lena-and-bernd added", js(got))
		}
		if s := r.Plan.Summary; s.Create != 5 || s.Move != 0 {
			t.Errorf("summary = %+v: the plan does send 5 new invitations", s)
		}
	})
	t.Run("added program", func(t *testing.T) {
		r := diff.Compare(&diff.Side{Label: "empty"}, head(t), before)
		for _, c := range changes(t, r, "added") {
			if c.Change != "added" {
				t.Errorf("%s %s in an added program is %s (from %q), want added", c.Kind, c.ID, c.Change, c.From)
			}
		}
	})
}

func TestDiffCompareAddedAndRemovedProgram(t *testing.T) {
	empty := &diff.Side{Label: "empty"}
	full := side(t, "full")

	added := diff.Compare(empty, full, before)
	cs := changes(t, added, "added")
	count := map[string]int{}
	for _, c := range cs {
		if c.Change != "added" {
			t.Errorf("%s %s: %s, want added", c.Kind, c.ID, c.Change)
		}
		count[c.Kind]++
	}
	if want := map[string]int{"program": 1, "person": 7, "pair": 3, "event": 2, "session": 4, "tutorial": 1}; !reflect.DeepEqual(count, want) {
		t.Errorf("added kinds = %v, want %v", count, want)
	}
	for _, c := range cs {
		if c.Kind == "pair" && c.ID == "klaus-anna" {
			want := []plan.FieldChange{fc("mentee", "", `"anna.schmidt"`), fc("mentor", "", `"klaus.meier"`), fc("status", "", `"active"`)}
			if !reflect.DeepEqual(c.Fields, want) {
				t.Errorf("added pair fields = %s, want %s", js(c.Fields), js(want))
			}
		}
	}
	if s := added.Plan.Summary; s.Create != 17 || s.Cancel+s.Update+s.Move != 0 {
		t.Errorf("added: summary = %+v, want 17 to send", s)
	}

	removed := diff.Compare(full, empty, before)
	for _, c := range changes(t, removed, "removed") {
		if c.Change != "removed" || len(c.Fields) != 0 {
			t.Errorf("%s %s: %s %v, want removed without fields", c.Kind, c.ID, c.Change, c.Fields)
		}
	}
	if s := removed.Plan.Summary; s.Cancel != 17 || s.Create+s.Update+s.Move != 0 {
		t.Errorf("removed: summary = %+v, want 17 cancelled", s)
	}
	for _, c := range removed.Plan.Changes {
		if c.Reason != "program pilot is no longer declared" {
			t.Errorf("%s: reason %q", c.Address, c.Reason)
		}
	}

	// Two empty sides: nothing at all.
	none := diff.Compare(empty, &diff.Side{Label: "also empty"}, before)
	if none.HasChanges() || none.Plan == nil || none.Plan.HasChanges() {
		t.Errorf("empty vs empty: %+v", none)
	}
}

func TestDiffCompareSeveralPrograms(t *testing.T) {
	two := func(t *testing.T, second string, edits ...[3]string) fstest.MapFS {
		fsys := files(t, "a")
		for name, f := range files(t, "b", append([][3]string{
			{"program", `id:       "pilot"`, `id:       "` + second + `"`},
		}, edits...)...) {
			// E-mails are unique across programs.
			f.Data = []byte(strings.ReplaceAll(string(f.Data), "@acme.example.com", "@"+second+".example.com"))
			fsys[name] = f
		}
		return fsys
	}
	base := load(t, "base", two(t, "alpha"), true)
	head := load(t, "head", two(t, "beta"), true)
	r := diff.Compare(base, head, before)
	var got []string
	for _, p := range r.Programs {
		got = append(got, p.ID+" "+p.Status)
	}
	// pilot is unchanged and left out; programs are sorted by id.
	if want := []string{"alpha removed", "beta added"}; !reflect.DeepEqual(got, want) {
		t.Errorf("programs = %v, want %v", got, want)
	}
	if s := r.Plan.Summary; s.Create != 17 || s.Cancel != 17 || s.Unchanged != 17 {
		t.Errorf("summary = %+v", s)
	}
}

func TestDiffCompareInvalidSide(t *testing.T) {
	valid := side(t, "valid")
	invalid := load(t, "invalid", files(t, "pilot",
		[3]string{"pairs", `mentee: "bernd.weber"`, `mentee: "bernd.webber"`},
		[3]string{"pairs", `"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein"}`, `"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein", slot: time: "07:00"}`},
	), false)
	for _, tc := range []struct {
		name       string
		base, head *diff.Side
	}{{"head", valid, invalid}, {"base", invalid, valid}} {
		t.Run(tc.name, func(t *testing.T) {
			r := diff.Compare(tc.base, tc.head, before)
			if r.Plan != nil || r.Moves != 0 {
				t.Errorf("consequences computed with an invalid %s: moves %d", tc.name, r.Moves)
			}
			// The declarations still diff.
			cs := changes(t, r, "changed")
			var ids []string
			for _, c := range cs {
				ids = append(ids, c.Kind+"/"+c.ID)
			}
			if want := []string{"pair/lena-bernd", "pair/mia-dora"}; !reflect.DeepEqual(ids, want) {
				t.Errorf("changes = %v, want %v", ids, want)
			}
		})
	}
}

func TestDiffCompareSessionMove(t *testing.T) {
	base := side(t, "base")
	head := side(t, "head", [3]string{"pairs", `"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein"}`,
		`"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein", sessions: "3": {date: "2027-05-13", time: "10:00"}}`})
	r := diff.Compare(base, head, before)
	if r.Moves != 1 {
		t.Errorf("moves = %d, want 1", r.Moves)
	}
	if len(r.Plan.Changes) != 1 || r.Plan.Changes[0].Address != "pilot/pair/mia-dora/session/3" {
		t.Fatalf("plan changes = %s", js(r.Plan.Changes))
	}
	want := []plan.FieldChange{fc("start", "Tue 2027-05-11 16:00 CEST", "Thu 2027-05-13 10:00 CEST")}
	if got := r.Plan.Changes[0].Fields; !reflect.DeepEqual(got, want) {
		t.Errorf("fields = %s, want %s", js(got), js(want))
	}
	// Skipping a session cancels it and moves nothing.
	head = side(t, "head", [3]string{"pairs", `"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein"}`,
		`"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein", sessions: "3": skip: true}`})
	r = diff.Compare(base, head, before)
	if s := r.Plan.Summary; s.Cancel != 1 || s.Update != 0 || r.Moves != 0 {
		t.Errorf("skip: summary %+v, moves %d; want 1 cancel", s, r.Moves)
	}
}

// Report.Moves is documented as counting "sessions and events whose time
// changed". Moving a pair's slot moves its 4 sessions; the due date of the
// tutorial handed out with session 1 moves along, but an assignment is
// neither a session nor an event.
func TestDiffCompareMovesCountsSessionsAndEvents(t *testing.T) {
	base := side(t, "base")
	head := side(t, "head",
		[3]string{"pairs", `"klaus-anna": {mentor: "klaus.meier", mentee: "anna.schmidt"}`, `"klaus-anna": {mentor: "klaus.meier", mentee: "anna.schmidt", slot: time: "09:00"}`},
		[3]string{"program", `time: "10:00", duration: "2h", location: "Forum"}`, `time: "11:00", duration: "2h", location: "Forum"}`},
	)
	r := diff.Compare(base, head, before)
	if r.Plan.Summary.Update != 6 {
		t.Fatalf("summary = %+v, want 6 updates (4 sessions, the kick-off, Anna's tutorial)", r.Plan.Summary)
	}
	if r.Moves != 5 {
		t.Errorf("moves = %d, want 5: the 4 sessions and the kick-off (engine/diff Compare counts every change with a start field, so the tutorial assignment's due date too)", r.Moves)
	}
}

func TestDiffCompareFrozenPast(t *testing.T) {
	base := side(t, "base")
	head := side(t, "head", [3]string{"pairs", `"klaus-anna": {mentor: "klaus.meier", mentee: "anna.schmidt"}`,
		`"klaus-anna": {mentor: "klaus.meier", mentee: "anna.schmidt", slot: time: "09:00"}`})
	// After session 2 (April 13): sessions 1 and 2 and the tutorial are past.
	now := time.Date(2027, 4, 20, 0, 0, 0, 0, time.UTC)
	r := diff.Compare(base, head, now)
	if s := r.Plan.Summary; s.Frozen != 3 || s.Update != 2 || r.Moves != 2 {
		t.Errorf("summary = %+v, moves %d; want 2 sessions moved, 3 frozen", s, r.Moves)
	}
	for _, c := range r.Plan.Changes {
		if c.Address != "pilot/pair/klaus-anna/session/3" && c.Address != "pilot/pair/klaus-anna/session/4" {
			t.Errorf("changed %s, which is in the past", c.Address)
		}
	}
}

func TestDiffAsState(t *testing.T) {
	s := side(t, "s")
	d := engine.Expand(s.Programs)
	st := diff.AsState(d)
	if len(st.Resources) != len(d.Resources) || len(d.Resources) != 17 {
		t.Fatalf("%d entries for %d resources, want 17", len(st.Resources), len(d.Resources))
	}
	for i := range d.Resources {
		res := &d.Resources[i]
		e := st.Resources[res.Address]
		if e == nil {
			t.Fatalf("%s missing from state", res.Address)
		}
		if e.Address != res.Address || e.UID != res.UID || e.Hash != res.Hash() || e.Snapshot.Hash() != res.Hash() {
			t.Errorf("%s: entry %+v does not match the resource", res.Address, e)
		}
		if e.Sequence != 0 {
			t.Errorf("%s: sequence %d, want 0", res.Address, e.Sequence)
		}
	}
	if st.Lineage == "" || st.Serial != 0 {
		t.Errorf("lineage %q serial %d", st.Lineage, st.Serial)
	}
}

func TestDiffFlatten(t *testing.T) {
	type inner struct {
		B string `json:"b"`
		C []int  `json:"c"`
	}
	type outer struct {
		A     inner             `json:"a"`
		Empty string            `json:"empty"`
		Nil   *inner            `json:"nil"`
		Flag  bool              `json:"flag"`
		List  []inner           `json:"list"`
		Mixed []any             `json:"mixed"`
		Map   map[string]string `json:"map"`
		None  []string          `json:"none"`
	}
	tests := []struct {
		name string
		in   any
		want map[string]string
	}{
		{"nested struct", outer{
			A:     inner{B: "x", C: []int{1, 2}},
			Flag:  false,
			List:  []inner{{B: "p"}, {B: "q", C: []int{3}}},
			Mixed: []any{"s", map[string]any{"k": 1}},
			Map:   map[string]string{"k.1": "v"},
			None:  []string{},
		}, map[string]string{
			"a.b": `"x"`,
			"a.c": "[1, 2]",
			// false flags are defaults and left out
			"list.1.b":  `"p"`,
			"list.2.b":  `"q"`,
			"list.2.c":  "[3]",
			"mixed.1":   `"s"`,
			"mixed.2.k": "1",
			"map.k.1":   `"v"`,
			// Empty strings, nil pointers and slices, and empty lists
			// (empty, nil, list.1.c, none) are no facts.
		}},
		{"scalar", 42, map[string]string{"": "42"}},
		{"string", "hi", map[string]string{"": `"hi"`}},
		{"empty string", "", map[string]string{}},
		{"nil", nil, map[string]string{}},
		{"strings with commas stay apart", []string{"a, b", "c"}, map[string]string{"": `["a, b", "c"]`}},
		{"quotes and unicode", map[string]string{"t": `Jürgen "J" & Co`}, map[string]string{"t": `"Jürgen \"J\" \u0026 Co"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := diff.Flatten(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Flatten:\n got %v\nwant %v", got, tc.want)
			}
		})
	}
	// What JSON cannot encode falls back to fmt: one fact under "".
	if got := diff.Flatten(make(chan int)); len(got) != 1 || got[""] == "" {
		t.Errorf("Flatten(chan) = %v", got)
	}
}

// Flatten of a program's parts must be stable: the same value gives the
// same facts, and the facts of the loaded schema types read naturally.
func TestDiffFlattenSchemaTypes(t *testing.T) {
	s := side(t, "s", [3]string{"pairs", `"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein"}`,
		`"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein", timezone: "Europe/Berlin", slot: {weekday: "thursday", duration: "90m"}, sessions: {"3": {date: "2027-05-13"}, "4": skip: true}}`})
	p := s.Programs[0]
	got := diff.Flatten(p.Pairs["mia-dora"])
	want := map[string]string{
		"mentor":          `"mia.wolf"`,
		"mentee":          `"dora.klein"`,
		"status":          `"active"`,
		"timezone":        `"Europe/Berlin"`,
		"slot.weekday":    `"thursday"`,
		"slot.duration":   `"1h30m"`, // durations are normalised, so 90m → 1h30m is no change
		"sessions.3.date": `"2027-05-13"`,
		"sessions.4.skip": "true",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pair facts:\n got %v\nwant %v", got, want)
	}
	ev := diff.Flatten(p.Events["kickoff"])
	wantEv := map[string]string{"title": `"Kick-off"`, "date": `"2027-03-03"`, "time": `"10:00"`, "duration": `"2h"`, "location": `"Forum"`}
	if !reflect.DeepEqual(ev, wantEv) {
		t.Errorf("event facts:\n got %v\nwant %v", ev, wantEv)
	}
	tut := diff.Flatten(p.Tutorials["basics"])
	if tut["due"] != `"3d"` && tut["due"] != "3" {
		t.Errorf("tutorial due = %q", tut["due"])
	}
	for i := 0; i < 3; i++ {
		if again := diff.Flatten(p.Pairs["mia-dora"]); !reflect.DeepEqual(again, got) {
			t.Fatalf("Flatten is not stable: %v vs %v", again, got)
		}
	}
}

func js(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}
