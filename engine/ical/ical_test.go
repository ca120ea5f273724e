package ical

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"
	"github.com/google/go-cmp/cmp"

	"github.com/rmctl/rmctl/engine/ical/icaltest"
	"github.com/rmctl/rmctl/engine/resource"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var stamp = time.Date(2027, 2, 1, 9, 30, 0, 0, time.UTC)

var (
	anna  = resource.Attendee{ID: "anna.schmidt", Name: "Anna Schmidt", Email: "anna.schmidt@example.com", Role: resource.Mentor}
	klaus = resource.Attendee{ID: "klaus.mueller", Name: "Müller, Klaus (Vorstand; IT)", Email: "klaus.mueller@example.com", Role: resource.Mentee}
	petra = resource.Attendee{ID: "petra.lang", Name: "Petra Lang", Email: "petra.lang@example.com", Role: resource.Participant}
	org   = resource.Contact{Name: "People Development", Email: "reverse-mentoring@example.com"}
)

func session() resource.Resource {
	addr := "dl-2027/pair/klaus-anna/session/3"
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2027, 4, 13, 16, 0, 0, 0, berlin) // written as 14:00 UTC
	if berlin == nil {
		start = time.Date(2027, 4, 13, 14, 0, 0, 0, time.UTC)
	}
	return resource.Resource{
		Address: addr, UID: resource.UID(addr), Kind: resource.Session, Program: "dl-2027",
		Title: "Künstliche Intelligenz: Chancen, Risiken; Grenzen – für Führungskräfte",
		Description: "Agenda für die dritte Sitzung:\n" +
			"1. Rückblick: Was hat sich seit dem letzten Treffen in Ihrem Alltag verändert? Welche Übungen haben Sie ausprobiert?\n" +
			"2. Themen: Große Sprachmodelle, Prompting, Datenschutz & Urheberrecht; Grenzen der Systeme\n" +
			"3. Tutorials vorab: https://learn.example.com/tutorials/ki-grundlagen?lang=de&ref=rmctl\n" +
			"Bitte bringen Sie Ihr Notebook mit. Grüße aus der Personalentwicklung — äöüÄÖÜß€ 🚀 漢字",
		Location:  "Besprechungsraum „Spree“, 3. OG",
		URL:       "https://intranet.example.com/reverse-mentoring/dl-2027/pairs/klaus-anna/sessions/3",
		Start:     start,
		End:       start.Add(time.Hour),
		Timezone:  "Europe/Berlin",
		Language:  "de",
		Organizer: org,
		Attendees: []resource.Attendee{anna, klaus},
	}
}

func event() resource.Resource {
	addr := "dl-2027/event/kickoff"
	return resource.Resource{
		Address: addr, UID: resource.UID(addr), Kind: resource.Event, Program: "dl-2027",
		Title: "Kick-off", Location: "HQ, Raum Spree",
		Start: time.Date(2027, 2, 3, 8, 30, 0, 0, time.UTC), End: time.Date(2027, 2, 3, 11, 30, 0, 0, time.UTC),
		Timezone: "Europe/Berlin", Language: "de", Organizer: org,
		Attendees: []resource.Attendee{anna, klaus, petra},
	}
}

func assignment() resource.Resource {
	addr := "dl-2027/pair/klaus-anna/tutorial/sm-basics/klaus.mueller"
	return resource.Resource{
		Address: addr, UID: resource.UID(addr), Kind: resource.Assignment, Program: "dl-2027",
		Title:       "Tutorial: Social Media Basics (20 min)",
		Description: "Bitte vor der Sitzung am 9. März durcharbeiten.",
		URL:         "https://learn.example.com/sm-basics",
		Start:       time.Date(2027, 3, 6, 16, 0, 0, 0, time.UTC),
		Block:       time.Date(2027, 3, 5, 8, 0, 0, 0, time.UTC), Minutes: 20,
		Timezone: "Europe/Berlin", Language: "de", Organizer: org,
		Attendees: []resource.Attendee{klaus},
	}
}

type golden struct {
	file string
	data func() ([]byte, error)
}

func goldens() []golden {
	return []golden{
		{"session-request.ics", func() ([]byte, error) { return Message(MethodRequest, session(), 2, stamp, nil) }},
		{"event-cancel.ics", func() ([]byte, error) { return Message(MethodCancel, event(), 4, stamp, nil) }},
		{"assignment-request.ics", func() ([]byte, error) { return Message(MethodRequest, assignment(), 0, stamp, nil, AsTask()) }},
		{"assignment-block-request.ics", func() ([]byte, error) { return Message(MethodRequest, assignment(), 0, stamp, nil) }},
		{"session-object.ics", func() ([]byte, error) { return Object(session(), 2, stamp, "") }},
	}
}

func TestGolden(t *testing.T) {
	for _, g := range goldens() {
		t.Run(g.file, func(t *testing.T) {
			got, err := g.data()
			if err != nil {
				t.Fatal(err)
			}
			checkLines(t, got)
			path := filepath.Join("testdata", g.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s differs from golden (-want +got; -update refreshes):\n%s", g.file, diff)
			}
		})
	}
}

// checkLines asserts the physical shape RFC 5545 3.1 demands.
func checkLines(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Fatalf("output does not end in CRLF")
	}
	lines := bytes.Split(data[:len(data)-2], []byte("\r\n"))
	for i, l := range lines {
		if len(l) > maxLine {
			t.Errorf("line %d has %d octets: %q", i+1, len(l), l)
		}
		if !utf8.Valid(l) {
			t.Errorf("line %d splits a UTF-8 sequence or is not UTF-8: %q", i+1, l)
		}
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) == 0 {
			t.Errorf("line %d is empty", i+1)
		}
	}
}

func parse(t testing.TB, data []byte) *goical.Component {
	t.Helper()
	cal, err := decode(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return mainOf(t, cal)
}

// mainOf returns the one VEVENT or VTODO of cal, next to its VTIMEZONEs.
func mainOf(t testing.TB, cal *goical.Calendar) *goical.Component {
	t.Helper()
	var found []*goical.Component
	for _, c := range cal.Children {
		switch c.Name {
		case goical.CompEvent, goical.CompToDo:
			found = append(found, c)
		case goical.CompTimezone:
		default:
			t.Errorf("unexpected component %s", c.Name)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want 1 VEVENT or VTODO, got %d", len(found))
	}
	return found[0]
}

func text(t testing.TB, c *goical.Component, name string) string {
	t.Helper()
	s, err := c.Props.Text(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func TestSessionRequest(t *testing.T) {
	r := session()
	data, err := Message(MethodRequest, r, 2, stamp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("\r\n ")) {
		t.Error("long description was not folded")
	}
	cal, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for prop, want := range map[string]string{"PRODID": ProdID, "VERSION": "2.0", "METHOD": "REQUEST"} {
		if got := cal.Props.Get(prop); got == nil || got.Value != want {
			t.Errorf("%s = %v, want %q", prop, got, want)
		}
	}
	c := mainOf(t, cal)
	if c.Name != "VEVENT" {
		t.Fatalf("component %s, want VEVENT", c.Name)
	}
	for name, want := range map[string]string{
		"UID": r.UID, "SUMMARY": r.Title, "DESCRIPTION": r.Description, "LOCATION": r.Location,
		"STATUS": "CONFIRMED", PropAddress: r.Address, PropProgram: "dl-2027", PropKind: "session",
	} {
		if got := text(t, c, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// Start and end in the pair's zone (16:00 Berlin is 14:00 UTC),
	// DTSTAMP in UTC as RFC 5545 requires.
	for name, want := range map[string]string{
		"DTSTART": "20270413T160000", "DTEND": "20270413T170000",
	} {
		if p := c.Props.Get(name); p == nil || p.Value != want || p.Params.Get("TZID") != "Europe/Berlin" {
			t.Errorf("%s = %v, want %q in Europe/Berlin", name, p, want)
		}
	}
	for name, want := range map[string]string{
		"DTSTAMP":  "20270201T093000Z",
		"SEQUENCE": "2", "URL": r.URL, "ORGANIZER": "mailto:reverse-mentoring@example.com",
	} {
		if p := c.Props.Get(name); p == nil || p.Value != want {
			t.Errorf("%s = %v, want %q", name, p, want)
		} else if p.Params.Get("TZID") != "" {
			t.Errorf("%s has a TZID", name)
		}
	}
	if n := len(cal.Children); n != 2 || cal.Children[0].Name != goical.CompTimezone ||
		cal.Children[0].Props.Get(goical.PropTimezoneID).Value != "Europe/Berlin" {
		t.Errorf("want one VTIMEZONE Europe/Berlin before the VEVENT, got %d components", n)
	}
	if cn := c.Props.Get("ORGANIZER").Params.Get("CN"); cn != "People Development" {
		t.Errorf("ORGANIZER CN = %q", cn)
	}
	atts := c.Props.Values("ATTENDEE")
	if len(atts) != 2 {
		t.Fatalf("%d attendees, want 2", len(atts))
	}
	k := atts[1]
	if k.Value != "mailto:klaus.mueller@example.com" || k.Params.Get("CN") != klaus.Name ||
		k.Params.Get("ROLE") != "REQ-PARTICIPANT" || k.Params.Get("PARTSTAT") != "NEEDS-ACTION" || k.Params.Get("RSVP") != "TRUE" {
		t.Errorf("attendee: %+v", k)
	}
	// go-ical must have quoted the CN with ',' ';' — unquoted it would not
	// have parsed back to the same name above.
	if !bytes.Contains(unfold(data), []byte(`CN="Müller, Klaus (Vorstand; IT)"`)) {
		t.Errorf("CN with , and ; not quoted:\n%s", data)
	}
}

func unfold(data []byte) []byte {
	return bytes.ReplaceAll(data, []byte("\r\n "), nil)
}

func TestCancel(t *testing.T) {
	r := event()
	data, err := Message(MethodCancel, r, 4, stamp, []resource.Attendee{petra})
	if err != nil {
		t.Fatal(err)
	}
	cal, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if m := cal.Props.Get("METHOD").Value; m != "CANCEL" {
		t.Errorf("METHOD %s", m)
	}
	c := mainOf(t, cal)
	if got := c.Props.Get("STATUS").Value; got != "CANCELLED" {
		t.Errorf("STATUS %s", got)
	}
	if got := c.Props.Get("SEQUENCE").Value; got != "4" {
		t.Errorf("SEQUENCE %s", got)
	}
	atts := c.Props.Values("ATTENDEE")
	if len(atts) != 1 || atts[0].Value != "mailto:petra.lang@example.com" {
		t.Errorf("attendees %+v, want only Petra", atts)
	}
	if atts[0].Params.Get("RSVP") != "" {
		t.Error("a cancellation asks for RSVP")
	}

	// A cancelled task says so too, in both forms.
	data, err = Message(MethodCancel, assignment(), 1, stamp, nil, AsTask())
	if err != nil {
		t.Fatal(err)
	}
	if c := parse(t, data); c.Name != "VTODO" || c.Props.Get("STATUS").Value != "CANCELLED" {
		t.Errorf("cancelled task: %s STATUS %v", c.Name, c.Props.Get("STATUS"))
	}
	data, err = Message(MethodCancel, assignment(), 1, stamp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := parse(t, data); c.Name != "VEVENT" || c.Props.Get("STATUS").Value != "CANCELLED" {
		t.Errorf("cancelled assignment block: %s STATUS %v", c.Name, c.Props.Get("STATUS"))
	}
}

func TestAssignment(t *testing.T) {
	r := assignment()
	data, err := Message(MethodRequest, r, 0, stamp, nil, AsTask())
	if err != nil {
		t.Fatal(err)
	}
	c := parse(t, data)
	if c.Name != "VTODO" {
		t.Fatalf("component %s", c.Name)
	}
	if c.Props.Get("DTEND") != nil {
		t.Error("a task has DTEND")
	}
	// RFC 5546 3.4.2: a VTODO REQUEST carries DTSTART and PRIORITY.
	if p := c.Props.Get("DTSTART"); p == nil || p.Value != "20270305T090000" || p.Params.Get("TZID") != "Europe/Berlin" {
		t.Errorf("DTSTART %v, want the block at 09:00 on the day before", p)
	}
	if p := c.Props.Get("PRIORITY"); p == nil || p.Value != "5" {
		t.Errorf("PRIORITY %v", p)
	}
	if c.Props.Get("UID").Value != r.UID {
		t.Errorf("task UID %s, want %s", c.Props.Get("UID").Value, r.UID)
	}
	if p := c.Props.Get("DUE"); p == nil || p.Value != "20270306T170000" || p.Params.Get("TZID") != "Europe/Berlin" {
		t.Errorf("DUE %v", p)
	}
	if d := text(t, c, "DESCRIPTION"); !strings.Contains(d, r.URL) {
		t.Errorf("description %q lacks the link", d)
	}
	if c.Props.Get("URL").Value != r.URL {
		t.Error("URL")
	}
	if c.Props.Get("ATTENDEE").Params.Get("RSVP") != "" {
		t.Error("a task asks for RSVP")
	}
	if c.Props.Get("STATUS").Value != "NEEDS-ACTION" {
		t.Error("STATUS")
	}
}

// TestAssignmentBlock checks an assignment's calendar-visible form: a
// VEVENT of its minutes at its block, free/busy transparent, with the
// link, a UID of its own derived from the address, no RSVP.
func TestAssignmentBlock(t *testing.T) {
	r := assignment()
	data, err := Message(MethodRequest, r, 0, stamp, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := parse(t, data)
	if c.Name != "VEVENT" {
		t.Fatalf("component %s, want VEVENT", c.Name)
	}
	for name, want := range map[string]string{
		"DTSTART": "20270305T090000", "DTEND": "20270305T092000", // 20 minutes, Berlin
	} {
		if p := c.Props.Get(name); p == nil || p.Value != want || p.Params.Get("TZID") != "Europe/Berlin" {
			t.Errorf("%s %v, want %s in Europe/Berlin", name, p, want)
		}
	}
	for name, want := range map[string]string{
		"TRANSP": "TRANSPARENT", "STATUS": "CONFIRMED", "UID": BlockUID(r.UID), "URL": r.URL, PropKind: "assignment",
	} {
		if p := c.Props.Get(name); p == nil || p.Value != want {
			t.Errorf("%s %v, want %s", name, p, want)
		}
	}
	if c.Props.Get("DUE") != nil || c.Props.Get("PRIORITY") != nil {
		t.Error("the block has DUE or PRIORITY")
	}
	if d := text(t, c, "DESCRIPTION"); !strings.Contains(d, r.URL) {
		t.Errorf("description %q lacks the link", d)
	}
	if c.Props.Get("ATTENDEE").Params.Get("RSVP") != "" {
		t.Error("the block asks for RSVP")
	}
	// Stable: the same address gives the same UID again.
	again, _ := Object(r, 3, stamp.Add(time.Hour), "")
	if u := parse(t, again).Props.Get("UID").Value; u != BlockUID(resource.UID(r.Address)) {
		t.Errorf("UID %s not derived from the address", u)
	}
}

// A title or name can never add a property: newlines are escaped or
// replaced, separators escaped, quotes in parameters neutralised.
func TestInjection(t *testing.T) {
	evil := "Termin\r\nATTENDEE:mailto:evil@example.com\r\nX-INJECT:1;a,b\\c\rEND:VEVENT\n"
	r := session()
	r.Title = evil
	r.Description = evil
	r.Location = evil
	r.Attendees = []resource.Attendee{{ID: "x", Name: "Eve\r\nATTENDEE:mailto:evil@example.com\"; x=\"y", Email: "eve@example.com"}}
	r.Organizer.Name = "Org\nORGANIZER:mailto:evil@example.com"
	data, err := Message(MethodRequest, r, 0, stamp, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, data)
	for _, l := range strings.Split(string(unfold(data)), "\r\n") {
		if strings.HasPrefix(l, "X-INJECT") || strings.HasPrefix(l, "ATTENDEE:mailto:evil") || strings.HasPrefix(l, "END:VEVENT") && l != "END:VEVENT" {
			t.Errorf("injected line %q", l)
		}
	}
	c := parse(t, data)
	if got, want := text(t, c, "SUMMARY"), "Termin\nATTENDEE:mailto:evil@example.com\nX-INJECT:1;a,b\\c\nEND:VEVENT\n"; got != want {
		t.Errorf("SUMMARY %q, want %q", got, want)
	}
	if n := len(c.Props.Values("ATTENDEE")); n != 1 {
		t.Errorf("%d attendees", n)
	}
	if c.Props.Get("X-INJECT") != nil {
		t.Error("X-INJECT")
	}
	// Quotes in RFC 6868 form, which ends neither the value nor the line.
	if cn := c.Props.Get("ATTENDEE").Params.Get("CN"); cn != "Eve  ATTENDEE:mailto:evil@example.com^'; x=^'y" {
		t.Errorf("CN %q", cn)
	}
	if o := c.Props.Get("ORGANIZER"); o.Value != "mailto:reverse-mentoring@example.com" {
		t.Errorf("ORGANIZER %v", o)
	}
}

// TestQuotedNames checks that double quotes and carets in names are
// written in RFC 6868 form (^' and ^^), not changed into apostrophes.
func TestQuotedNames(t *testing.T) {
	r := session()
	r.Attendees = []resource.Attendee{{ID: "nan", Name: `Anna "Nan" Meyer^2`, Email: "nan@example.com"}}
	data, err := Object(r, 0, stamp, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(unfold(data), []byte(`ATTENDEE;CN=Anna ^'Nan^' Meyer^^2;`)) {
		t.Errorf("CN not in RFC 6868 form:\n%s", unfold(data))
	}
	if cn := parse(t, data).Props.Get("ATTENDEE").Params.Get("CN"); cn != `Anna ^'Nan^' Meyer^^2` {
		t.Errorf("CN read back %q", cn)
	}
}

func TestInvalid(t *testing.T) {
	cases := map[string]func(r *resource.Resource){
		"no uid":        func(r *resource.Resource) { r.UID = "" },
		"no address":    func(r *resource.Resource) { r.Address = "" },
		"end <= start":  func(r *resource.Resource) { r.End = r.Start },
		"unknown kind":  func(r *resource.Resource) { r.Kind = "meeting" },
		"bad email":     func(r *resource.Resource) { r.Attendees[0].Email = "a@b\r\nX:y" },
		"no email":      func(r *resource.Resource) { r.Attendees[0].Email = "" },
		"url with CRLF": func(r *resource.Resource) { r.URL = "https://x/\r\nX:y" },
		"no organizer":  func(r *resource.Resource) { r.Organizer.Email = "" },
		"no attendees":  func(r *resource.Resource) { r.Attendees = nil },
	}
	for name, mutate := range cases {
		r := session()
		r.Attendees = slices.Clone(r.Attendees)
		mutate(&r)
		if _, err := Message(MethodRequest, r, 0, stamp, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Message("PUBLISH", session(), 0, stamp, nil); err == nil {
		t.Error("PUBLISH accepted")
	}
	if _, err := Message(MethodRequest, session(), -1, stamp, nil); err == nil {
		t.Error("negative sequence accepted")
	}
	if _, err := Object(session(), 0, stamp, "COMPLETED"); err == nil {
		t.Error("task status on an event accepted")
	}
}

func TestFold(t *testing.T) {
	for _, s := range []string{"", "a", strings.Repeat("a", 75), strings.Repeat("a", 76), strings.Repeat("ä", 100), strings.Repeat("🚀", 50), "x" + strings.Repeat("€", 60)} {
		line := []byte("SUMMARY:" + s)
		var out bytes.Buffer
		foldLine(&out, line)
		checkLines(t, out.Bytes())
		if got := unfold(bytes.TrimSuffix(out.Bytes(), []byte("\r\n"))); !bytes.Equal(got, line) {
			t.Errorf("unfold(fold(%q)) = %q", line, got)
		}
	}
}

func TestFeed(t *testing.T) {
	var objs [][]byte
	for _, r := range []resource.Resource{session(), assignment(), event()} {
		o, err := Object(r, 1, stamp, "")
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	feed, err := Feed("Reverse Mentoring – Klaus, Müller", objs)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, feed)
	cal, err := decode(feed)
	if err != nil {
		t.Fatal(err)
	}
	if cal.Props.Get("METHOD") != nil {
		t.Error("feed has METHOD")
	}
	if name, _ := cal.Props.Text("X-WR-CALNAME"); name != "Reverse Mentoring – Klaus, Müller" {
		t.Errorf("X-WR-CALNAME %q", name)
	}
	var got []string
	for _, c := range cal.Children {
		if c.Name == goical.CompTimezone {
			got = append(got, c.Name+" "+text(t, c, goical.PropTimezoneID))
			continue
		}
		got = append(got, c.Name+" "+text(t, c, PropAddress))
	}
	// One VTIMEZONE for the zone all three are written in.
	want := []string{"VTIMEZONE Europe/Berlin", "VEVENT dl-2027/event/kickoff", "VEVENT " + assignment().Address, "VEVENT " + session().Address}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("feed components (-want +got):\n%s", diff)
	}
	// Order of the input does not matter.
	slices.Reverse(objs)
	again, err := Feed("Reverse Mentoring – Klaus, Müller", objs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(feed, again) {
		t.Error("feed depends on object order")
	}
	empty, err := Feed("leer", nil)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, empty)
	// RFC 5545 3.6: a calendar holds at least one component; an empty
	// feed holds a VTIMEZONE and nothing to show.
	if cal, err := decode(empty); err != nil {
		t.Errorf("empty feed: %v", err)
	} else if len(cal.Children) != 1 || cal.Children[0].Name != goical.CompTimezone {
		t.Errorf("empty feed holds %d components, want one VTIMEZONE", len(cal.Children))
	}
	path := filepath.Join(t.TempDir(), "empty.ics")
	if err := writeFile(path, empty); err != nil {
		t.Fatal(err)
	}
	if cals := icaltest.Parse(t, path); len(cals) == 1 && (len(cals[0].Components) != 0 || cals[0].Name != "leer") {
		t.Errorf("python3-icalendar read the empty feed as %+v", cals[0])
	}
	if _, err := Feed("x", [][]byte{[]byte("garbage")}); err == nil {
		t.Error("garbage object accepted")
	}
}

func TestEquivalent(t *testing.T) {
	base, err := Object(session(), 1, stamp, "")
	if err != nil {
		t.Fatal(err)
	}
	// What a server might hand back: other DTSTAMP and SEQUENCE, a PARTSTAT
	// answered, its own X- properties, the time in a TZID, properties in
	// another order, lines folded differently, upper-case mailto.
	rewritten := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Radicale//NONSGML Radicale Server//EN\r\nBEGIN:VEVENT\r\n" +
		"X-RADICALE-NAME:foo.ics\r\n" +
		"UID:" + session().UID + "\r\n" +
		"DTSTART;TZID=Europe/Berlin:20270413T160000\r\n" +
		"DURATION:PT1H\r\n" +
		"DTSTAMP:20300101T000000Z\r\nSEQUENCE:7\r\n" +
		"SUMMARY;LANGUAGE=de:K\r\n ünstliche Intelligenz: Chancen\\, Risiken\\; Grenzen – für Führungskräfte\r\n" +
		"LOCATION:Besprechungsraum „Spree“\\, 3. OG\r\n" +
		"DESCRIPTION:" + escapeText(session().Description) + "\r\n" +
		"URL:" + session().URL + "\r\n" +
		"STATUS:confirmed\r\n" +
		"ORGANIZER:MAILTO:Reverse-Mentoring@example.com\r\n" +
		"ATTENDEE;PARTSTAT=ACCEPTED:mailto:KLAUS.MUELLER@example.com\r\n" +
		"ATTENDEE;CN=Anna:mailto:anna.schmidt@example.com\r\n" +
		"END:VEVENT\r\nEND:VCALENDAR\r\n"
	if _, err := time.LoadLocation("Europe/Berlin"); err != nil {
		t.Skip("no time zone data")
	}
	eq, diffs, err := Equivalent(base, []byte(rewritten))
	if err != nil || !eq {
		t.Fatalf("Equivalent = %v %v %v", eq, diffs, err)
	}

	changed := session()
	changed.Title = "Neu"
	changed.Start = changed.Start.Add(time.Hour)
	changed.End = changed.End.Add(2 * time.Hour)
	changed.Attendees = []resource.Attendee{anna, petra}
	other, err := Object(changed, 1, stamp, "")
	if err != nil {
		t.Fatal(err)
	}
	eq, diffs, err = Equivalent(base, other)
	if err != nil || eq {
		t.Fatalf("Equivalent = %v %v", eq, err)
	}
	if want := []string{"SUMMARY", "DTSTART", "DTEND", "ATTENDEE"}; !slices.Equal(diffs, want) {
		t.Errorf("diffs %v, want %v", diffs, want)
	}

	todo, err := Object(assignment(), 0, stamp, "", AsTask())
	if err != nil {
		t.Fatal(err)
	}
	if _, diffs, _ := Equivalent(base, todo); !slices.Contains(diffs, "COMPONENT") || !slices.Contains(diffs, "DUE") {
		t.Errorf("event vs task diffs %v", diffs)
	}
	if _, _, err := Equivalent(base, []byte("BEGIN:VCALENDAR\r\nX;A=\"b\"c:d\r\nEND:VCALENDAR\r\n")); err == nil {
		t.Error("malformed object compared without error")
	}

	addr, prog, err := Owner([]byte(rewritten))
	if err != nil || addr != "" || prog != "" {
		t.Errorf("Owner of foreign object = %q %q %v", addr, prog, err)
	}
	addr, prog, err = Owner(base)
	if err != nil || addr != session().Address || prog != "dl-2027" {
		t.Errorf("Owner = %q %q %v", addr, prog, err)
	}
}

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o644) }

// TestUninvite checks the CANCEL to attendees removed from an event that
// goes on: it names only them and carries no STATUS, while cancelling the
// whole event does (RFC 5546 3.2.5), also when sent to some of them only.
func TestUninvite(t *testing.T) {
	r := event()
	r.Attendees = []resource.Attendee{anna, klaus} // Petra was removed
	data, err := Uninvite(r, 5, stamp, []resource.Attendee{petra})
	if err != nil {
		t.Fatal(err)
	}
	cal, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	c := mainOf(t, cal)
	if m := cal.Props.Get("METHOD"); m == nil || m.Value != "CANCEL" {
		t.Errorf("METHOD %v, want CANCEL", m)
	}
	if st := c.Props.Get("STATUS"); st != nil {
		t.Errorf("uninviting CANCEL has STATUS:%s, which cancels the event for everyone", st.Value)
	}
	atts := c.Props.Values("ATTENDEE")
	if len(atts) != 1 || atts[0].Value != "mailto:petra.lang@example.com" || atts[0].Params.Get("RSVP") != "" {
		t.Errorf("attendees %+v, want only Petra without RSVP", atts)
	}
	if seq := c.Props.Get("SEQUENCE"); seq == nil || seq.Value != "5" {
		t.Errorf("SEQUENCE %v", seq)
	}
	path := filepath.Join(t.TempDir(), "uninvite.ics")
	if err := writeFile(path, data); err != nil {
		t.Fatal(err)
	}
	if got := icaltest.Parse(t, path); len(got) == 1 && len(got[0].Components) == 1 && got[0].Components[0].Status != "" {
		t.Errorf("python3-icalendar read STATUS %q", got[0].Components[0].Status)
	}
	if _, err := Uninvite(r, 5, stamp, nil); err == nil {
		t.Error("uninvite without recipients: no error")
	}

	// A whole cancellation says CANCELLED to every batch of recipients.
	data, err = Message(MethodCancel, r, 5, stamp, []resource.Attendee{anna})
	if err != nil {
		t.Fatal(err)
	}
	if st := parse(t, data).Props.Get("STATUS"); st == nil || st.Value != "CANCELLED" {
		t.Errorf("whole cancel STATUS %v", st)
	}
}

// TestKnownAnswerKept: an update to attendees who answered sends their
// PARTSTAT back and does not ask them again; the others are asked.
func TestKnownAnswerKept(t *testing.T) {
	r := session()
	r.Attendees = slices.Clone(r.Attendees)
	r.Attendees[0].PartStat = "DECLINED"
	r.Attendees[1].PartStat = "bogus" // not an answer: asked again
	data, err := Message(MethodRequest, r, 3, stamp, nil)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	atts := mainOf(t, cal).Props.Values("ATTENDEE")
	if len(atts) != 2 {
		t.Fatalf("%d attendees", len(atts))
	}
	if a := atts[0].Params; a.Get("PARTSTAT") != "DECLINED" || a.Get("RSVP") != "FALSE" {
		t.Errorf("answered attendee: PARTSTAT %q RSVP %q, want DECLINED FALSE", a.Get("PARTSTAT"), a.Get("RSVP"))
	}
	if k := atts[1].Params; k.Get("PARTSTAT") != "NEEDS-ACTION" || k.Get("RSVP") != "TRUE" {
		t.Errorf("other attendee: PARTSTAT %q RSVP %q, want NEEDS-ACTION TRUE", k.Get("PARTSTAT"), k.Get("RSVP"))
	}
	if bytes.Contains(data, []byte("bogus")) {
		t.Errorf("unknown PARTSTAT written:\n%s", data)
	}
}

// TestWithoutAttendee takes one attendee out of a stored object and keeps
// everything else as it was.
func TestWithoutAttendee(t *testing.T) {
	r := event()
	obj, err := Object(r, 1, stamp, "")
	if err != nil {
		t.Fatal(err)
	}
	gone := r.Attendees[0]
	out, removed, err := WithoutAttendee(obj, []string{strings.ToUpper(gone.Email)})
	if err != nil || !removed {
		t.Fatalf("removed %v, err %v", removed, err)
	}
	r.Attendees = r.Attendees[1:]
	want, err := Object(r, 1, stamp, "")
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(want) {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	if _, removed, _ := WithoutAttendee(want, []string{gone.Email}); removed {
		t.Errorf("removed an attendee that was not there")
	}
}
