package ical

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/ical/icaltest"
)

// TestPythonParsesGolden reads every golden file with python3-icalendar, an
// independent parser, and checks it sees what rmctl meant to write.
func TestPythonParsesGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.ics"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("only %d golden files", len(files))
	}
	type want struct {
		method, name, uid, summary, status string
		start, end, due                    time.Time
		attendees                          int
	}
	s, e, a := session(), event(), assignment()
	wants := map[string]want{
		"session-request.ics":    {"REQUEST", "VEVENT", s.UID, s.Title, "CONFIRMED", s.Start, s.End, time.Time{}, 2},
		"session-object.ics":     {"", "VEVENT", s.UID, s.Title, "CONFIRMED", s.Start, s.End, time.Time{}, 2},
		"event-cancel.ics":       {"CANCEL", "VEVENT", e.UID, e.Title, "CANCELLED", e.Start, e.End, time.Time{}, 3},
		"assignment-request.ics": {"REQUEST", "VTODO", a.UID, a.Title, "NEEDS-ACTION", a.Block, time.Time{}, a.Start, 1},
		"assignment-block-request.ics": {"REQUEST", "VEVENT", BlockUID(a.UID), a.Title, "CONFIRMED",
			a.Block, a.Block.Add(time.Duration(a.Minutes) * time.Minute), time.Time{}, 1},
	}
	for _, cal := range icaltest.Parse(t, files...) {
		base := filepath.Base(cal.File)
		w, ok := wants[base]
		if !ok {
			t.Errorf("%s: no expectation", base)
			continue
		}
		if cal.Method != w.method || len(cal.Components) != 1 {
			t.Errorf("%s: METHOD %q, %d components", base, cal.Method, len(cal.Components))
			continue
		}
		c := cal.Components[0]
		if c.Name != w.name || c.UID != w.uid || c.Summary != w.summary || c.Status != w.status ||
			!c.Start.Equal(w.start) || !c.End.Equal(w.end) || !c.Due.Equal(w.due) || len(c.Attendees) != w.attendees {
			t.Errorf("%s: python3-icalendar read %+v, want %+v", base, c, w)
		}
		t.Logf("%s: UID %s SUMMARY %q DTSTART %s DUE %s", base, c.UID, c.Summary, c.Start.Format(time.RFC3339), c.Due.Format(time.RFC3339))
	}
}

// TestPythonParsesHostile checks that an independent parser, too, sees one
// attendee and no injected property in an object built from hostile text.
func TestPythonParsesHostile(t *testing.T) {
	r := session()
	r.Title = "A\r\nATTENDEE:mailto:evil@example.com\r\nSUMMARY:x;y,z\\"
	r.Attendees = r.Attendees[:1]
	data, err := Message(MethodRequest, r, 0, stamp, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hostile.ics")
	if err := writeFile(path, data); err != nil {
		t.Fatal(err)
	}
	cals := icaltest.Parse(t, path)
	c := cals[0].Components[0]
	if c.Summary != CleanText(r.Title) || !slices.Equal(c.Attendees, []string{"mailto:anna.schmidt@example.com"}) {
		t.Errorf("python3-icalendar read %+v", c)
	}
}

// TestPythonReadsPrivateClass checks that a private 1:1 session carries
// CLASS:PRIVATE as an independent parser reads it, in the invitation and in
// the stored object, and that a joint event and a cancellation of a
// public resource carry no CLASS at all.
func TestPythonReadsPrivateClass(t *testing.T) {
	private := session()
	private.Private = true
	dir := t.TempDir()
	write := func(name string, data []byte, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	req, err := Message(MethodRequest, private, 1, stamp, nil)
	files := []string{write("private-request.ics", req, err)}
	obj, err := Object(private, 1, stamp, "")
	files = append(files, write("private-object.ics", obj, err))
	cancel, err := Message(MethodCancel, private, 2, stamp, nil)
	files = append(files, write("private-cancel.ics", cancel, err))
	ev, err := Message(MethodRequest, event(), 1, stamp, nil)
	files = append(files, write("event-request.ics", ev, err))
	want := map[string]string{"private-request.ics": "PRIVATE", "private-object.ics": "PRIVATE", "private-cancel.ics": "PRIVATE", "event-request.ics": ""}
	for _, cal := range icaltest.Parse(t, files...) {
		base := filepath.Base(cal.File)
		if len(cal.Components) != 1 || cal.Components[0].Class != want[base] {
			t.Errorf("%s: python3-icalendar read %+v, want CLASS %q", base, cal.Components, want[base])
		}
	}
}
