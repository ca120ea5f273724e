package davclient_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/target/caldav/davclient"
	"github.com/rmctl/rmctl/internal/testserver"
)

// ics builds a minimal valid calendar object: UTC times (no VTIMEZONE
// needed), CRLF line ends.
func ics(kind, uid, summary string, seq int) []byte {
	lines := []string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//rmctl//davclient test//EN",
		"BEGIN:" + kind,
		"UID:" + uid,
		"DTSTAMP:20300101T000000Z",
		"SUMMARY:" + summary,
		fmt.Sprintf("SEQUENCE:%d", seq),
	}
	switch kind {
	case "VEVENT":
		lines = append(lines,
			"DTSTART:20300105T100000Z",
			"DTEND:20300105T110000Z",
			"STATUS:CONFIRMED",
			"ORGANIZER:mailto:org@example.org",
			"ATTENDEE;CN=Mentor;ROLE=REQ-PARTICIPANT:mailto:mentor@example.org",
		)
	case "VTODO":
		lines = append(lines, "DUE:20300110T170000Z", "STATUS:NEEDS-ACTION")
	}
	lines = append(lines, "END:"+kind, "END:VCALENDAR", "")
	return []byte(strings.Join(lines, "\r\n"))
}

func newClient(t *testing.T, s *testserver.Server, opts davclient.Options) *davclient.Client {
	t.Helper()
	opts.Username, opts.Password = s.Username, s.Password
	c, err := davclient.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func TestServers(t *testing.T) {
	for _, srv := range []struct {
		name  string
		start func(testing.TB) *testserver.Server
	}{
		{"radicale", testserver.Radicale},
		{"xandikos", testserver.Xandikos},
	} {
		t.Run(srv.name, func(t *testing.T) {
			t.Parallel()
			lifecycle(t, srv.start(t))
		})
	}
}

func lifecycle(t *testing.T, s *testserver.Server) {
	ctx := ctx(t)
	c := newClient(t, s, davclient.Options{})
	cal := s.CalendarURL("mentoring")

	for i := range 2 {
		if err := c.EnsureCalendar(ctx, cal, "Reverse mentoring <2030> & co"); err != nil {
			t.Fatalf("EnsureCalendar #%d: %v", i+1, err)
		}
	}
	// Without the trailing slash it is the same calendar.
	if err := c.EnsureCalendar(ctx, strings.TrimSuffix(cal, "/"), "x"); err != nil {
		t.Fatalf("EnsureCalendar without slash: %v", err)
	}
	// A collection that is not a calendar must not pass for one.
	if err := c.EnsureCalendar(ctx, s.CalendarHome, "home"); err == nil {
		t.Errorf("EnsureCalendar(%s) on a non-calendar collection succeeded", s.CalendarHome)
	} else {
		t.Logf("EnsureCalendar on a non-calendar collection: %v", err)
	}

	ev1 := cal + "session-1.ics"
	etag1, err := c.Create(ctx, ev1, ics("VEVENT", "session-1@rmctl.test", "Session 1", 0))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if etag1 == "" || strings.Contains(etag1, `"`) {
		t.Errorf("Create ETag = %q, want non-empty and unquoted", etag1)
	}
	_, err = c.Create(ctx, ev1, ics("VEVENT", "session-1@rmctl.test", "Session 1 again", 0))
	if !errors.Is(err, davclient.ErrPrecondition) {
		t.Fatalf("second Create: %v, want ErrPrecondition", err)
	}
	var herr *davclient.HTTPError
	if !errors.As(err, &herr) || herr.Status != 412 || herr.Method != "PUT" || herr.Ambiguous {
		t.Errorf("second Create error = %#v", herr)
	}

	etag2, err := c.Update(ctx, ev1, ics("VEVENT", "session-1@rmctl.test", "Session 1 moved", 1), etag1)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if etag2 == etag1 {
		t.Errorf("Update kept the ETag %q", etag2)
	}
	// Quoted or not, an ETag is the same ETag.
	if _, err := c.Update(ctx, ev1, ics("VEVENT", "session-1@rmctl.test", "stale", 2), `"`+etag1+`"`); !errors.Is(err, davclient.ErrPrecondition) {
		t.Fatalf("Update with stale ETag: %v, want ErrPrecondition", err)
	}

	data, etag, err := c.Get(ctx, ev1)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if etag != etag2 {
		t.Errorf("Get ETag = %q, want %q", etag, etag2)
	}
	if !bytes.Contains(data, []byte("SUMMARY:Session 1 moved")) || !bytes.Contains(data, []byte("UID:session-1@rmctl.test")) {
		t.Errorf("Get data:\n%s", data)
	}
	if _, _, err := c.Get(ctx, cal+"nope.ics"); !errors.Is(err, davclient.ErrNotFound) {
		t.Errorf("Get missing: %v, want ErrNotFound", err)
	}

	ev2 := cal + "session-2.ics"
	etagEv2, err := c.Create(ctx, ev2, ics("VEVENT", "session-2@rmctl.test", "Session 2", 0))
	if err != nil {
		t.Fatalf("Create 2: %v", err)
	}
	todo := cal + "tutorial-1.ics"
	etagTodo, err := c.Create(ctx, todo, ics("VTODO", "tutorial-1@rmctl.test", "Read the tutorial", 0))
	if err != nil {
		t.Fatalf("Create VTODO: %v", err)
	}

	objs, err := c.List(ctx, cal)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := map[string]string{ev1: etag2, ev2: etagEv2, todo: etagTodo}
	if len(objs) != len(want) {
		t.Fatalf("List returned %d objects, want %d: %+v", len(objs), len(want), objs)
	}
	for _, o := range objs {
		wantETag, ok := want[o.Href]
		if !ok {
			t.Errorf("List: unexpected href %q", o.Href)
			continue
		}
		if o.ETag != wantETag {
			t.Errorf("List %s: ETag %q, want %q", o.Href, o.ETag, wantETag)
		}
		if !bytes.HasPrefix(o.Data, []byte("BEGIN:VCALENDAR\r\n")) || bytes.Contains(bytes.ReplaceAll(o.Data, []byte("\r\n"), nil), []byte("\n")) {
			t.Errorf("List %s: data not CRLF iCalendar:\n%q", o.Href, o.Data)
		}
		delete(want, o.Href)
	}

	items := s.PyCalDAV(t, cal)
	var got []string
	for _, it := range items {
		got = append(got, fmt.Sprintf("%s %s %s seq=%d", it.Kind, it.UID, it.Summary, it.Sequence))
	}
	slices.Sort(got)
	wantItems := []string{
		"VEVENT session-1@rmctl.test Session 1 moved seq=1",
		"VEVENT session-2@rmctl.test Session 2 seq=0",
		"VTODO tutorial-1@rmctl.test Read the tutorial seq=0",
	}
	if !slices.Equal(got, wantItems) {
		t.Errorf("python3-caldav read\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantItems, "\n"))
	}
	for _, it := range items {
		if it.UID == "session-1@rmctl.test" && (it.DTStart != "20300105T100000Z" || !slices.Contains(it.Attendees, "mailto:mentor@example.org")) {
			t.Errorf("python3-caldav item %+v", it)
		}
	}

	if err := c.Delete(ctx, ev1, etag1); !errors.Is(err, davclient.ErrPrecondition) {
		t.Fatalf("Delete with stale ETag: %v, want ErrPrecondition", err)
	}
	if err := c.Delete(ctx, ev1, etag2); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, _, err := c.Get(ctx, ev1); !errors.Is(err, davclient.ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := c.Delete(ctx, ev1, ""); !errors.Is(err, davclient.ErrNotFound) {
		t.Errorf("Delete again: %v, want ErrNotFound", err)
	}
	// Updating a deleted object must fail; servers differ in how (412 or 404).
	if _, err := c.Update(ctx, ev1, ics("VEVENT", "session-1@rmctl.test", "zombie", 3), etag2); !errors.Is(err, davclient.ErrPrecondition) && !errors.Is(err, davclient.ErrNotFound) {
		t.Errorf("Update of a deleted object: %v, want ErrPrecondition or ErrNotFound", err)
	} else {
		t.Logf("Update of a deleted object: %v", err)
	}
	if err := c.Delete(ctx, ev2, ""); err != nil {
		t.Errorf("unconditional Delete: %v", err)
	}
	objs, err = c.List(ctx, cal)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(objs) != 1 || objs[0].Href != todo {
		t.Errorf("List after deletes: %+v", objs)
	}
}
