package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/rmctl/rmctl/engine/resource"
)

// diffSnapshots lists the fields that differ, formatted for people: times
// in the resource's own zone, attendees as names with addresses.
func diffSnapshots(z *Zones, a, b *resource.Snapshot) []FieldChange {
	var out []FieldChange
	add := func(field, old, new string) {
		if old != new {
			out = append(out, FieldChange{Field: field, Old: old, New: new})
		}
	}
	add("title", a.Title, b.Title)
	add("start", z.Format(a.Start, a.Timezone), z.Format(b.Start, b.Timezone))
	if !a.End.IsZero() || !b.End.IsZero() {
		add("duration", formatDuration(a.End.Sub(a.Start)), formatDuration(b.End.Sub(b.Start)))
	}
	add("location", a.Location, b.Location)
	add("url", a.URL, b.URL)
	add("timezone", a.Timezone, b.Timezone)
	add("language", a.Language, b.Language)
	add("organizer", contact(a.Organizer), contact(b.Organizer))
	if left, joined := attendeeChange(a.Attendees, b.Attendees); left != "" || joined != "" {
		out = append(out, FieldChange{Field: "attendees", Old: left, New: joined})
	}
	if a.DescriptionHash != b.DescriptionHash {
		out = append(out, FieldChange{Field: "description", Old: "(previous text)", New: "(new text)"})
	}
	return out
}

func updateReason(fields []FieldChange, movedFrom string) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Field
	}
	r := strings.Join(names, ", ") + " changed"
	if movedFrom != "" {
		r = "renamed from " + movedFrom + "; " + r
	}
	return r
}

// FormatTime shows an instant in the zone people read it in, e.g.
// "Tue 2027-03-09 16:00 CET". Code formatting many times should keep a
// Zones instead: loading a zone reads the time zone database.
func FormatTime(t time.Time, zone string) string {
	var z Zones
	return z.Format(t, zone)
}

// Zones formats instants in named zones, loading each zone once.
type Zones struct {
	locs map[string]*time.Location
}

// Format is FormatTime with the zones cached.
func (z *Zones) Format(t time.Time, zone string) string {
	if t.IsZero() {
		return ""
	}
	loc, ok := z.locs[zone]
	if !ok {
		loc = time.UTC
		if l, err := time.LoadLocation(zone); err == nil && zone != "" {
			loc = l
		}
		if z.locs == nil {
			z.locs = map[string]*time.Location{}
		}
		z.locs[zone] = loc
	}
	return t.In(loc).Format("Mon 2006-01-02 15:04 MST")
}

func formatDuration(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}

func contact(c resource.Contact) string {
	return fmt.Sprintf("%s <%s>", c.Name, c.Email)
}

// attendeeChange names who is no longer invited (old) and who is newly
// invited (new), by address: a group event lists everyone, so showing both
// whole lists would bury the change.
func attendeeChange(before, after []resource.Attendee) (left, joined string) {
	was, is := emailSet(before), emailSet(after)
	var gone, came []resource.Attendee
	for _, a := range before {
		if !is[strings.ToLower(a.Email)] {
			gone = append(gone, a)
		}
	}
	for _, a := range after {
		if !was[strings.ToLower(a.Email)] {
			came = append(came, a)
		}
	}
	return attendeeList(gone), attendeeList(came)
}

func attendeeList(as []resource.Attendee) string {
	const show = 5
	parts := make([]string, 0, show+1)
	for i, a := range as {
		if i == show {
			parts = append(parts, fmt.Sprintf("and %d more", len(as)-show))
			break
		}
		parts = append(parts, fmt.Sprintf("%s <%s>", a.Name, a.Email))
	}
	return strings.Join(parts, ", ")
}
