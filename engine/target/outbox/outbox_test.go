package outbox

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/rmctl/rmctl/engine/ical"
	"github.com/rmctl/rmctl/engine/ical/icaltest"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/target"
)

var (
	clock = time.Date(2027, 2, 1, 9, 30, 0, 0, time.UTC)
	anna  = resource.Attendee{ID: "anna.schmidt", Name: "Anna Schmidt", Email: "anna.schmidt@example.com", Role: resource.Participant}
	klaus = resource.Attendee{ID: "klaus.mueller", Name: "Klaus Müller", Email: "klaus.mueller@example.com", Role: resource.Participant}
	petra = resource.Attendee{ID: "petra.lang", Name: "Petra Lang", Email: "petra.lang@example.com", Role: resource.Participant}
)

func kickoff() resource.Resource {
	addr := "dl-2027/event/kickoff"
	start := time.Date(2027, 2, 3, 8, 30, 0, 0, time.UTC)
	return resource.Resource{
		Address: addr, UID: resource.UID(addr), Kind: resource.Event, Program: "dl-2027",
		Title: "Kick-off", Description: "Begrüßung, Programm, Paare lernen sich kennen.", Location: "HQ, Raum Spree",
		Start: start, End: start.Add(3 * time.Hour), Timezone: "Europe/Berlin", Language: "de",
		Organizer: resource.Contact{Name: "People Development", Email: "reverse-mentoring@example.com"},
		Attendees: []resource.Attendee{anna, klaus, petra},
	}
}

func tutorial() resource.Resource {
	addr := "dl-2027/pair/klaus-anna/tutorial/sm-basics/klaus.mueller"
	return resource.Resource{
		Address: addr, UID: resource.UID(addr), Kind: resource.Assignment, Program: "dl-2027",
		Title: "Tutorial: Social Media Basics", URL: "https://learn.example.com/sm-basics",
		Start: time.Date(2027, 2, 2, 16, 0, 0, 0, time.UTC), Timezone: "Europe/Berlin", Language: "de",
		Organizer: resource.Contact{Name: "People Development", Email: "reverse-mentoring@example.com"},
		Attendees: []resource.Attendee{klaus},
	}
}

func open(t *testing.T, dir string) *Outbox {
	t.Helper()
	o, err := New(dir, Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func deliver(t *testing.T, o *Outbox, d target.Delivery) {
	t.Helper()
	if d.Stamp.IsZero() {
		d.Stamp = clock
	}
	refs, err := o.Deliver(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if refs != nil {
		t.Errorf("refs %v, want none", refs)
	}
}

func finish(t *testing.T, o *Outbox) {
	t.Helper()
	if err := o.Finish(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(o.dir, DirtyMarker)); !os.IsNotExist(err) {
		t.Errorf("dirty marker still there after Finish: %v", err)
	}
}

func messages(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, MessagesDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names // ReadDir sorts by name
}

// parse reads one file with go-ical and returns its VEVENT and VTODO
// components (not its VTIMEZONEs).
func parse(t *testing.T, path string) (*goical.Calendar, []*goical.Component) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var comps []*goical.Component
	for _, c := range cal.Children {
		if c.Name != goical.CompTimezone {
			comps = append(comps, c)
		}
	}
	return cal, comps
}

func attendees(c *goical.Component) []string {
	var out []string
	for _, p := range c.Props.Values("ATTENDEE") {
		out = append(out, strings.TrimPrefix(p.Value, "mailto:"))
	}
	slices.Sort(out)
	return out
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// allFiles lists every file under dir except the marker.
func allFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(d.Name(), ".ics") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// checkPython has python3-icalendar parse every file written so far.
func checkPython(t *testing.T, dir string) {
	t.Helper()
	files := allFiles(t, dir)
	cals := icaltest.Parse(t, files...)
	if len(cals) != len(files) {
		t.Errorf("python3-icalendar read %d of %d files", len(cals), len(files))
	}
}

func TestLifecycle(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir)
	r := kickoff()
	obj := func(person string) string { return filepath.Join(dir, ObjectsDir, person, objectName(r.UID)) }
	feed := func(person string) string { return filepath.Join(dir, FeedsDir, person+".ics") }

	// create
	deliver(t, o, target.Delivery{Action: target.Create, Resource: r, Sequence: 0})
	if !exists(filepath.Join(dir, DirtyMarker)) {
		t.Error("no dirty marker during the run")
	}
	finish(t, o)
	msgs := messages(t, dir)
	if len(msgs) != 1 || msgs[0] != "20270201T093000Z-000001-dl-2027_event_kickoff-s0-request-"+msgs[0][len(msgs[0])-12:] {
		t.Fatalf("messages %v", msgs)
	}
	for _, p := range []string{anna.ID, klaus.ID, petra.ID} {
		if !exists(obj(p)) {
			t.Errorf("no object for %s", p)
		}
		_, comps := parse(t, feed(p))
		if len(comps) != 1 || comps[0].Props.Get("UID").Value != r.UID {
			t.Errorf("feed of %s: %d components", p, len(comps))
		}
	}
	checkPython(t, dir)

	// update: new time
	r.Start, r.End = r.Start.Add(time.Hour), r.End.Add(time.Hour)
	deliver(t, o, target.Delivery{Action: target.Update, Resource: r, Sequence: 1})
	finish(t, o)
	if msgs = messages(t, dir); len(msgs) != 2 || !strings.Contains(msgs[1], "-000002-dl-2027_event_kickoff-s1-request-") {
		t.Fatalf("messages %v", msgs)
	}
	_, comps := parse(t, feed(klaus.ID))
	if got, err := comps[0].Props.Get("DTSTART").DateTime(nil); err != nil || !got.Equal(time.Date(2027, 2, 3, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("feed DTSTART %s after update (%v)", got, err)
	}

	// update removing Petra: REQUEST to the rest, CANCEL to her
	r.Attendees = []resource.Attendee{anna, klaus}
	deliver(t, o, target.Delivery{Action: target.Update, Resource: r, Sequence: 2, Removed: []resource.Attendee{petra}})
	finish(t, o)
	msgs = messages(t, dir)
	if len(msgs) != 4 {
		t.Fatalf("messages %v", msgs)
	}
	cal, comps := parse(t, filepath.Join(dir, MessagesDir, msgs[2]))
	if !strings.Contains(msgs[2], "-s2-request-") || cal.Props.Get("METHOD").Value != "REQUEST" ||
		!slices.Equal(attendees(comps[0]), []string{anna.Email, klaus.Email}) {
		t.Errorf("%s: %s to %v", msgs[2], cal.Props.Get("METHOD").Value, attendees(comps[0]))
	}
	cal, comps = parse(t, filepath.Join(dir, MessagesDir, msgs[3]))
	if !strings.Contains(msgs[3], "-s2-cancel-") || cal.Props.Get("METHOD").Value != "CANCEL" ||
		!slices.Equal(attendees(comps[0]), []string{petra.Email}) {
		t.Errorf("%s: %s to %v", msgs[3], cal.Props.Get("METHOD").Value, attendees(comps[0]))
	}
	// The event goes on for the others: STATUS:CANCELLED would cancel it
	// for everyone (RFC 5546 3.2.5).
	if st := comps[0].Props.Get("STATUS"); st != nil {
		t.Errorf("%s: uninviting CANCEL carries STATUS:%s", msgs[3], st.Value)
	}
	if exists(obj(petra.ID)) {
		t.Error("removed attendee keeps the object")
	}
	if _, comps := parse(t, feed(petra.ID)); len(comps) != 0 {
		t.Errorf("removed attendee's feed has %d components", len(comps))
	}
	if _, comps := parse(t, feed(anna.ID)); len(comps) != 1 || comps[0].Props.Get("SEQUENCE").Value != "2" {
		t.Error("remaining attendee's feed not updated")
	}
	checkPython(t, dir)

	// cancel
	deliver(t, o, target.Delivery{Action: target.Cancel, Resource: r, Sequence: 3})
	finish(t, o)
	msgs = messages(t, dir)
	if len(msgs) != 5 || !strings.Contains(msgs[4], "-000005-dl-2027_event_kickoff-s3-cancel-") {
		t.Fatalf("messages %v", msgs)
	}
	if !slices.IsSorted(msgs) {
		t.Error("names do not sort in the order written")
	}
	for _, p := range []string{anna.ID, klaus.ID, petra.ID} {
		if exists(obj(p)) {
			t.Errorf("object of %s survives the cancel", p)
		}
		if _, comps := parse(t, feed(p)); len(comps) != 0 {
			t.Errorf("feed of %s keeps a cancelled event", p)
		}
	}
	checkPython(t, dir)
}

// TestFeedShowsTutorials checks that a tutorial shows in a feed as a short
// VEVENT by default (Outlook and Google Calendar ignore VTODO), and as a
// VTODO with DTSTART and PRIORITY when the feed is for task-aware clients.
func TestFeedShowsTutorials(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tasks bool
		want  []string
	}{
		{"events", false, []string{"VEVENT", "VEVENT"}},
		{"tasks", true, []string{"VTODO", "VEVENT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o, err := New(dir, Options{Now: func() time.Time { return clock }, Tasks: tc.tasks})
			if err != nil {
				t.Fatal(err)
			}
			tut := tutorial()
			deliver(t, o, target.Delivery{Action: target.Create, Resource: kickoff()})
			deliver(t, o, target.Delivery{Action: target.Create, Resource: tut})
			finish(t, o)
			_, comps := parse(t, filepath.Join(dir, FeedsDir, klaus.ID+".ics"))
			var names []string
			for _, c := range comps {
				names = append(names, c.Name)
			}
			// Sorted by start: the tutorial comes before the kick-off.
			if !slices.Equal(names, tc.want) {
				t.Fatalf("klaus's feed: %v, want %v", names, tc.want)
			}
			c := comps[0]
			if tc.tasks {
				if c.Props.Get("DTSTART") == nil || c.Props.Get("PRIORITY") == nil || c.Props.Get("UID").Value != tut.UID {
					t.Errorf("task without DTSTART or PRIORITY, or UID %s", c.Props.Get("UID").Value)
				}
			} else {
				if p := c.Props.Get("TRANSP"); p == nil || p.Value != "TRANSPARENT" || c.Props.Get("UID").Value != ical.BlockUID(tut.UID) {
					t.Errorf("tutorial block: TRANSP %v, UID %s", p, c.Props.Get("UID").Value)
				}
				// The message sent for it is the same form.
				msgs := messages(t, dir)
				_, mc := parse(t, filepath.Join(dir, MessagesDir, msgs[len(msgs)-1]))
				if len(mc) != 1 || mc[0].Name != "VEVENT" || mc[0].Props.Get("UID").Value != ical.BlockUID(tut.UID) {
					t.Errorf("message for the tutorial: %v", mc)
				}
			}
			cals := icaltest.Parse(t, filepath.Join(dir, FeedsDir, klaus.ID+".ics"))
			if len(cals) == 1 && (cals[0].Name != "Reverse Mentoring (Klaus Müller)" || len(cals[0].Components) != 2) {
				t.Errorf("python3-icalendar read %+v", cals[0])
			}
		})
	}
}

// TestFeedNamedAfterPerson checks that a feed is named after its person,
// also when a later run rebuilds it without delivering to them.
func TestFeedNamedAfterPerson(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir)
	deliver(t, o, target.Delivery{Action: target.Create, Resource: kickoff()})
	finish(t, o)
	name := func() string {
		t.Helper()
		cal, _ := parse(t, filepath.Join(dir, FeedsDir, klaus.ID+".ics"))
		n, err := cal.Props.Text("X-WR-CALNAME")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := name(); got != "Reverse Mentoring (Klaus Müller)" {
		t.Errorf("X-WR-CALNAME %q", got)
	}
	// A run died before its Finish: the next rebuilds every feed.
	if err := os.WriteFile(filepath.Join(dir, DirtyMarker), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	finish(t, open(t, dir))
	if got := name(); got != "Reverse Mentoring (Klaus Müller)" {
		t.Errorf("X-WR-CALNAME after a rebuild %q", got)
	}
}

// A delivery repeated, by the same Outbox or after a crash by a new one,
// writes its message once.
func TestRedeliver(t *testing.T) {
	dir := t.TempDir()
	d := target.Delivery{Action: target.Update, Resource: kickoff(), Sequence: 1, Stamp: clock}
	o := open(t, dir)
	deliver(t, o, d)
	deliver(t, o, d)
	if msgs := messages(t, dir); len(msgs) != 1 {
		t.Fatalf("messages %v", msgs)
	}

	// The crash: killed after the write, before state and Finish, with a
	// half-written temporary file lying around.
	tmp := filepath.Join(dir, MessagesDir, tmpPrefix+"123")
	if err := os.WriteFile(tmp, []byte("BEGIN:VCAL"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := clock.Add(time.Minute)
	o2, err := New(dir, Options{Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	if exists(tmp) {
		t.Error("New left a temporary file")
	}
	d.Stamp = later
	deliver(t, o2, d)
	if msgs := messages(t, dir); len(msgs) != 1 {
		t.Fatalf("messages after re-run %v", msgs)
	}
	// A different recipient set is a different message.
	d.Resource.Attendees = d.Resource.Attendees[:2]
	deliver(t, o2, d)
	msgs := messages(t, dir)
	if len(msgs) != 2 || !strings.HasPrefix(msgs[1], "20270201T093100Z-000001-") {
		t.Fatalf("messages %v", msgs)
	}
	finish(t, o2)
}

// Two Outbox values in the same second keep the names in written order.
func TestNamesSortAcrossRuns(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir)
	deliver(t, o, target.Delivery{Action: target.Create, Resource: kickoff()})
	deliver(t, o, target.Delivery{Action: target.Create, Resource: tutorial()})
	o2 := open(t, dir)
	r := kickoff()
	r.Title = "Kick-off (neu)"
	deliver(t, o2, target.Delivery{Action: target.Update, Resource: r, Sequence: 1})
	msgs := messages(t, dir)
	if len(msgs) != 3 || !strings.Contains(msgs[2], "-000003-dl-2027_event_kickoff-s1-") {
		t.Errorf("messages %v", msgs)
	}
}

func TestConcurrent(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir)
	shared := target.Delivery{Action: target.Create, Resource: kickoff(), Stamp: clock}
	const workers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*(each+1))
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				r := tutorial()
				r.Address = fmt.Sprintf("dl-2027/pair/p%d/tutorial/t%d/klaus.mueller", w, i)
				r.UID = resource.UID(r.Address)
				if _, err := o.Deliver(context.Background(), target.Delivery{Action: target.Create, Resource: r, Stamp: clock}); err != nil {
					errs <- err
				}
				if i == each/2 {
					// Everyone delivers the same action at once: one file.
					if _, err := o.Deliver(context.Background(), shared); err != nil {
						errs <- err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	msgs := messages(t, dir)
	if len(msgs) != workers*each+1 {
		t.Fatalf("%d messages, want %d", len(msgs), workers*each+1)
	}
	counters := map[int]bool{}
	for _, m := range msgs {
		_, n, _, ok := splitName(m)
		if !ok || counters[n] {
			t.Errorf("bad or repeated counter in %s", m)
		}
		counters[n] = true
	}
	finish(t, o)
	if _, comps := parse(t, filepath.Join(dir, FeedsDir, klaus.ID+".ics")); len(comps) != workers*each+1 {
		t.Errorf("klaus's feed has %d components", len(comps))
	}
	checkPython(t, dir)
}

// A run killed before Finish leaves the marker; the next Finish, even
// without deliveries, rebuilds every feed.
func TestFinishAfterCrash(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir)
	deliver(t, o, target.Delivery{Action: target.Create, Resource: kickoff()})
	finish(t, o)

	r := kickoff()
	r.Attendees = []resource.Attendee{anna, klaus}
	crashed := open(t, dir)
	deliver(t, crashed, target.Delivery{Action: target.Update, Resource: r, Sequence: 1, Removed: []resource.Attendee{petra}})
	deliver(t, crashed, target.Delivery{Action: target.Create, Resource: tutorial()})
	// No Finish: feeds are stale, the marker says so. A feed of someone
	// else is damaged too, to see that all feeds are rebuilt.
	if err := os.WriteFile(filepath.Join(dir, FeedsDir, anna.ID+".ics"), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !exists(filepath.Join(dir, DirtyMarker)) {
		t.Fatal("no marker after deliveries")
	}

	next := open(t, dir)
	finish(t, next)
	if _, comps := parse(t, filepath.Join(dir, FeedsDir, petra.ID+".ics")); len(comps) != 0 {
		t.Errorf("petra's feed has %d components", len(comps))
	}
	if _, comps := parse(t, filepath.Join(dir, FeedsDir, klaus.ID+".ics")); len(comps) != 2 {
		t.Errorf("klaus's feed has %d components", len(comps))
	}
	if _, comps := parse(t, filepath.Join(dir, FeedsDir, anna.ID+".ics")); len(comps) != 1 || comps[0].Props.Get("SEQUENCE").Value != "1" {
		t.Error("anna's feed not rebuilt")
	}
	checkPython(t, dir)
}

func TestContextAndInvalid(t *testing.T) {
	o := open(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := o.Deliver(ctx, target.Delivery{Action: target.Create, Resource: kickoff()}); err == nil {
		t.Error("cancelled context delivered")
	}
	if err := o.Finish(ctx); err != nil {
		// Nothing to do, so nothing to cancel.
		t.Error(err)
	}
	r := kickoff()
	r.Attendees = []resource.Attendee{{ID: "../x", Email: "x@example.com"}}
	if _, err := o.Deliver(context.Background(), target.Delivery{Action: target.Create, Resource: r}); err == nil {
		t.Error("path-like person id accepted")
	}
	if _, err := o.Deliver(context.Background(), target.Delivery{Action: "move", Resource: kickoff()}); err == nil {
		t.Error("unknown action accepted")
	}
}

func TestSafeName(t *testing.T) {
	long := strings.Repeat("a/", 200)
	n := safeName(long, 150)
	if len(n) != 150 || n == safeName(long+"b", 150) {
		t.Errorf("safeName of long address: %q", n)
	}
	if got := safeName("dl-2027/pair/klaus-anna/session/3", 150); got != "dl-2027_pair_klaus-anna_session_3" {
		t.Errorf("safeName %q", got)
	}
	if got := objectName(resource.UID("x")); !strings.HasSuffix(got, "@rmctl.ics") {
		t.Errorf("objectName %q", got)
	}
}

// TestFinishWithLongNames covers issue 8 item 4 where users met it: an apply
// whose attendees have 1 MB names (older state, a program written before
// names were bounded) rebuilt each feed for minutes. Finish now takes
// milliseconds per feed; the deadline is generous so a busy machine
// cannot fail it.
func TestFinishWithLongNames(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir)
	r := kickoff()
	long := strings.Repeat("Ä", 1<<19) // 1 MB
	for i := range r.Attendees {
		r.Attendees[i].Name = long
	}
	deliver(t, o, target.Delivery{Action: target.Create, Resource: r, Sequence: 0})
	start := time.Now()
	finish(t, o)
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("Finish took %v for three feeds with 1 MB names", d)
	}
	// go-ical's Decoder is the quadratic one: read the feed by hand.
	data, err := os.ReadFile(filepath.Join(dir, FeedsDir, anna.ID+".ics"))
	if err != nil {
		t.Fatal(err)
	}
	unfolded := string(bytes.ReplaceAll(data, []byte("\r\n "), nil))
	// A person's copy of a joint event lists only them (issue 11 item 7).
	if n := strings.Count(unfolded, "CN="+long+";"); n != 1 {
		t.Errorf("feed names the attendees %d times in full, want 1", n)
	}
}

// TestEventCopiesListOnlyTheirPerson checks that each person's copy of a
// joint event, in objects/ and in the feed, lists the organizer and that
// person only, while the message goes to everyone.
func TestEventCopiesListOnlyTheirPerson(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir)
	r := kickoff()
	deliver(t, o, target.Delivery{Action: target.Create, Resource: r})
	finish(t, o)
	for _, p := range r.Attendees {
		for _, path := range []string{
			filepath.Join(dir, ObjectsDir, p.ID, objectName(r.UID)),
			filepath.Join(dir, FeedsDir, p.ID+".ics"),
		} {
			_, comps := parse(t, path)
			if len(comps) != 1 {
				t.Fatalf("%s: %d components", path, len(comps))
			}
			if got := attendees(comps[0]); !slices.Equal(got, []string{p.Email}) {
				t.Errorf("%s lists %v, want only %s", path, got, p.Email)
			}
			if org := comps[0].Props.Get("ORGANIZER"); org == nil || org.Value != "mailto:"+r.Organizer.Email {
				t.Errorf("%s: ORGANIZER %v", path, org)
			}
		}
	}
	msgs := messages(t, dir)
	_, comps := parse(t, filepath.Join(dir, MessagesDir, msgs[0]))
	if got := attendees(comps[0]); len(got) != len(r.Attendees) {
		t.Errorf("message lists %v, want all %d", got, len(r.Attendees))
	}
}

// TestPrivateModes: every folder the outbox makes is 0700 and every file
// 0600, since they name people and their addresses; an outbox left open by
// an older rmctl gets its own folder closed.
func TestPrivateModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o := open(t, dir)
	deliver(t, o, target.Delivery{Action: target.Create, Resource: kickoff(), Sequence: 0})
	finish(t, o)
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			files++
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", p, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 4 {
		t.Fatalf("only %d files written", files)
	}

	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	open(t, dir)
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("reopened outbox folder: %v %v", info.Mode().Perm(), err)
	}
}
