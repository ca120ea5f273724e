package ical

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/ical/icaltest"
	"github.com/rmctl/rmctl/engine/resource"
)

// zoneScript reads every DTSTART, DTEND and DUE of the files twice with
// python3-icalendar: through the zone the TZID names (its own tz
// database), and through the VTIMEZONE rmctl wrote into the same file
// (Timezone.to_tz), so a wrong transition or offset in the VTIMEZONE shows
// even where the zone name alone would give the right instant.
const zoneScript = `
import json, sys, datetime
import icalendar

utc = datetime.timezone.utc
out = []
for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        cal = icalendar.Calendar.from_ical(f.read())
    zones = {}
    for c in cal.walk('VTIMEZONE'):
        zones[str(c['TZID'])] = c.to_tz()
    for c in cal.walk():
        if c.name not in ('VEVENT', 'VTODO'):
            continue
        for name in ('DTSTART', 'DTEND', 'DUE'):
            p = c.get(name)
            if p is None:
                continue
            tzid = p.params.get('TZID')
            by_name = p.dt.astimezone(utc)
            if tzid:
                if tzid not in zones:
                    raise SystemExit('%s: %s %s has no VTIMEZONE' % (path, c['UID'], name))
                by_vtz = zones[tzid].localize(p.dt.replace(tzinfo=None)).astimezone(utc)
            else:
                by_vtz = by_name
            out.append({'file': path, 'uid': str(c['UID']), 'prop': name, 'tzid': tzid or '',
                        'byName': by_name.strftime('%Y-%m-%dT%H:%M:%SZ'),
                        'byVtimezone': by_vtz.strftime('%Y-%m-%dT%H:%M:%SZ')})
json.dump(out, sys.stdout)
`

// TestZonesReadBack writes sessions, events and a task in three zones, on
// both sides of daylight-saving changes and across one, as objects, as an
// iTIP message and as one feed, and checks that python3-icalendar reads
// each time as the instant meant, through the TZID and through the
// VTIMEZONE alike.
func TestZonesReadBack(t *testing.T) {
	icaltest.Parse(t) // skips (or fails in CI) without python3-icalendar
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	berlin, newYork, singapore := load("Europe/Berlin"), load("America/New_York"), load("Asia/Singapore")
	type tc struct {
		zone       *time.Location
		start, end time.Time
		kind       resource.Kind
	}
	cases := []tc{
		// Berlin: the day before and after the spring change (28 March
		// 2027), one session across it, one after the autumn change.
		{berlin, time.Date(2027, 3, 27, 10, 0, 0, 0, berlin), time.Date(2027, 3, 27, 11, 0, 0, 0, berlin), resource.Session},
		{berlin, time.Date(2027, 3, 29, 10, 0, 0, 0, berlin), time.Date(2027, 3, 29, 11, 0, 0, 0, berlin), resource.Session},
		{berlin, time.Date(2027, 3, 28, 1, 30, 0, 0, berlin), time.Date(2027, 3, 28, 3, 30, 0, 0, berlin), resource.Event},
		{berlin, time.Date(2027, 11, 2, 15, 0, 0, 0, berlin), time.Time{}, resource.Assignment},
		// New York changes on other days (14 March, 7 November 2027).
		{newYork, time.Date(2027, 3, 12, 9, 0, 0, 0, newYork), time.Date(2027, 3, 12, 10, 0, 0, 0, newYork), resource.Session},
		{newYork, time.Date(2027, 3, 16, 9, 0, 0, 0, newYork), time.Date(2027, 3, 16, 10, 0, 0, 0, newYork), resource.Session},
		{newYork, time.Date(2027, 11, 8, 9, 0, 0, 0, newYork), time.Date(2027, 11, 8, 10, 0, 0, 0, newYork), resource.Event},
		// Singapore has no daylight saving time.
		{singapore, time.Date(2027, 6, 1, 14, 0, 0, 0, singapore), time.Date(2027, 6, 1, 15, 0, 0, 0, singapore), resource.Session},
		// A program running into the next year.
		{berlin, time.Date(2028, 1, 10, 9, 0, 0, 0, berlin), time.Date(2028, 1, 10, 10, 0, 0, 0, berlin), resource.Session},
	}
	dir := t.TempDir()
	want := map[string]time.Time{} // uid + " " + property
	var files []string
	var objs [][]byte
	for i, c := range cases {
		r := session()
		r.Address = r.Address + "/" + string(rune('a'+i))
		r.UID = resource.UID(r.Address)
		r.Kind, r.Timezone = c.kind, c.zone.String()
		r.Start, r.End = c.start.UTC(), c.end.UTC()
		if c.kind == resource.Assignment {
			// Its calendar-visible form: the quarter hour before.
			want[BlockUID(r.UID)+" DTSTART"], want[BlockUID(r.UID)+" DTEND"] = c.start.Add(-15*time.Minute), c.start
		} else {
			want[r.UID+" DTSTART"], want[r.UID+" DTEND"] = c.start, c.end
		}
		obj, err := Object(r, 0, stamp, "")
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, obj)
		files = append(files, filepath.Join(dir, "object-"+string(rune('a'+i))+".ics"))
		if err := writeFile(files[len(files)-1], obj); err != nil {
			t.Fatal(err)
		}
		msg, err := Message(MethodRequest, r, 0, stamp, nil)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.Join(dir, "message-"+string(rune('a'+i))+".ics"))
		if err := writeFile(files[len(files)-1], msg); err != nil {
			t.Fatal(err)
		}
	}
	feed, err := Feed("Zones", objs)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(feed), "BEGIN:VTIMEZONE"); n != 3 {
		t.Errorf("feed holds %d VTIMEZONEs, want one per zone (3)", n)
	}
	files = append(files, filepath.Join(dir, "feed.ics"))
	if err := writeFile(files[len(files)-1], feed); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(icaltest.Python, append([]string{"-c", zoneScript}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python3-icalendar: %v\n%s", err, out)
	}
	var got []struct {
		File, UID, Prop, TZID string
		ByName                time.Time `json:"byName"`
		ByVtimezone           time.Time `json:"byVtimezone"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	seen := map[string]int{}
	for _, g := range got {
		key := g.UID + " " + g.Prop
		w, ok := want[key]
		if !ok {
			t.Errorf("%s: unexpected %s", filepath.Base(g.File), key)
			continue
		}
		seen[key]++
		if g.TZID != w.Location().String() || !g.ByName.Equal(w) || !g.ByVtimezone.Equal(w) {
			t.Errorf("%s: %s in %q read as %s (by name) and %s (by VTIMEZONE), want %s",
				filepath.Base(g.File), g.Prop, g.TZID, g.ByName, g.ByVtimezone, w.UTC())
		}
	}
	for key := range want {
		if seen[key] != 3 { // object, message, feed
			t.Errorf("%s read %d times, want 3", key, seen[key])
		}
	}
}

// TestVTimezoneTransitions checks the observances written for zones with
// and without daylight saving time against the tz rules.
func TestVTimezoneTransitions(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tz := vtimezone(ny, time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC))
	var got []string
	for _, c := range tz.Children {
		got = append(got, c.Name+" "+c.Props.Get("DTSTART").Value+" "+c.Props.Get("TZOFFSETFROM").Value+" "+c.Props.Get("TZOFFSETTO").Value)
	}
	want := []string{
		"STANDARD 20261101T020000 -0400 -0500",
		"DAYLIGHT 20270314T020000 -0500 -0400",
		"STANDARD 20271107T020000 -0400 -0500",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("New York 2027:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	sg, err := time.LoadLocation("Asia/Singapore")
	if err != nil {
		t.Fatal(err)
	}
	tz = vtimezone(sg, time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC))
	if len(tz.Children) != 1 || tz.Children[0].Name != "STANDARD" || tz.Children[0].Props.Get("TZOFFSETTO").Value != "+0800" {
		t.Errorf("Singapore: %+v", tz.Children)
	}
}
