package ical

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"
)

// Equivalent compares two calendar objects by meaning, for drift detection:
// what rmctl wrote against what a server holds after it rewrote it. It
// compares the component kind, UID, SUMMARY, DESCRIPTION, LOCATION, URL,
// DTSTART, DTEND and DUE as instants (a TZID time equals the same instant in
// UTC; DURATION counts as DTEND), STATUS, the ORGANIZER address and the set
// of ATTENDEE addresses (case-insensitive). It ignores what servers and
// clients change without changing the meaning: DTSTAMP, SEQUENCE, PARTSTAT
// and other parameters, property order, line folding, and properties not
// named above (server-added X- properties among them). diffs names the
// properties that differ, in the order above ("COMPONENT" for the kind).
//
// A VTODO's STATUS changes when its assignee completes it; callers that do
// not want to call that drift can drop "STATUS" from diffs.
func Equivalent(a, b []byte) (equal bool, diffs []string, err error) {
	ca, err := mainComponent(a)
	if err != nil {
		return false, nil, fmt.Errorf("ical: compare: first object: %w", err)
	}
	cb, err := mainComponent(b)
	if err != nil {
		return false, nil, fmt.Errorf("ical: compare: second object: %w", err)
	}
	if ca.Name != cb.Name {
		diffs = append(diffs, "COMPONENT")
	}
	for _, name := range []string{goical.PropUID, goical.PropSummary, goical.PropDescription, goical.PropLocation} {
		if textOf(ca, name) != textOf(cb, name) {
			diffs = append(diffs, name)
		}
	}
	if valueOf(ca, goical.PropURL) != valueOf(cb, goical.PropURL) {
		diffs = append(diffs, goical.PropURL)
	}
	for _, name := range []string{goical.PropDateTimeStart, goical.PropDateTimeEnd, goical.PropDue} {
		if !sameInstant(ca, cb, name) {
			diffs = append(diffs, name)
		}
	}
	if !strings.EqualFold(valueOf(ca, goical.PropStatus), valueOf(cb, goical.PropStatus)) {
		diffs = append(diffs, goical.PropStatus)
	}
	if addressOf(ca.Props.Get(goical.PropOrganizer)) != addressOf(cb.Props.Get(goical.PropOrganizer)) {
		diffs = append(diffs, goical.PropOrganizer)
	}
	if !slices.Equal(attendeeSet(ca), attendeeSet(cb)) {
		diffs = append(diffs, goical.PropAttendee)
	}
	return len(diffs) == 0, diffs, nil
}

// Owner returns the rmctl address and program an object is marked with
// (PropAddress, PropProgram), or "" for an object rmctl did not write.
func Owner(data []byte) (address, program string, err error) {
	c, err := mainComponent(data)
	if err != nil {
		return "", "", fmt.Errorf("ical: owner: %w", err)
	}
	return textOf(c, PropAddress), textOf(c, PropProgram), nil
}

// mainComponent returns the VEVENT or VTODO of an object: the one without
// RECURRENCE-ID, since rmctl never writes overrides.
func mainComponent(data []byte) (*goical.Component, error) {
	cal, err := decode(data)
	if err != nil {
		return nil, err
	}
	var found *goical.Component
	for _, c := range cal.Children {
		if c.Name != goical.CompEvent && c.Name != goical.CompToDo {
			continue
		}
		if c.Props.Get(goical.PropRecurrenceID) != nil {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("more than one VEVENT or VTODO")
		}
		found = c
	}
	if found == nil {
		return nil, fmt.Errorf("no VEVENT or VTODO")
	}
	return found, nil
}

func valueOf(c *goical.Component, name string) string {
	if p := c.Props.Get(name); p != nil {
		return p.Value
	}
	return ""
}

// textOf is the unescaped text of a property; the raw value if it does not
// unescape, so a malformed value still compares.
func textOf(c *goical.Component, name string) string {
	p := c.Props.Get(name)
	if p == nil {
		return ""
	}
	if t, err := p.Text(); err == nil {
		// Servers may store line breaks as CRLF.
		return strings.ReplaceAll(t, "\r\n", "\n")
	}
	return p.Value
}

func sameInstant(a, b *goical.Component, name string) bool {
	ta, oka := instant(a, name)
	tb, okb := instant(b, name)
	if oka && okb {
		return ta.Equal(tb)
	}
	if oka != okb {
		return false
	}
	return valueOf(a, name) == valueOf(b, name)
}

// instant parses a time property; ok is false when it is absent or does
// not parse. A missing DTEND is DTSTART plus DURATION when there is one.
func instant(c *goical.Component, name string) (t time.Time, ok bool) {
	p := c.Props.Get(name)
	if p == nil {
		if name == goical.PropDateTimeEnd {
			start, okStart := instant(c, goical.PropDateTimeStart)
			if d := c.Props.Get(goical.PropDuration); okStart && d != nil {
				if dur, err := d.Duration(); err == nil {
					return start.Add(dur), true
				}
			}
		}
		return time.Time{}, false
	}
	t, err := p.DateTime(time.UTC)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// addressOf is the lower-cased e-mail address of a calendar user.
func addressOf(p *goical.Prop) string {
	if p == nil {
		return ""
	}
	v := strings.TrimSpace(p.Value)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	return strings.ToLower(v)
}

func attendeeSet(c *goical.Component) []string {
	var out []string
	for i := range c.Props[goical.PropAttendee] {
		out = append(out, addressOf(&c.Props[goical.PropAttendee][i]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Facts is what a calendar object means, read the way Equivalent compares
// objects: text unescaped with CRLF as LF, times as UTC instants (a VTODO's
// DUE as Start; a missing DTEND from DURATION), addresses lower case
// without mailto:.
type Facts struct {
	Component   string // VEVENT or VTODO
	UID         string
	Address     string // PropAddress; "" when rmctl did not write it
	Program     string // PropProgram
	Summary     string
	Description string
	Location    string
	URL         string
	Start, End  time.Time
	Status      string // upper case; "" when absent
	Sequence    int
	Organizer   string
	Attendees   []string // sorted, without duplicates
}

// ReadFacts reads the VEVENT or VTODO of a calendar object. It never panics
// on what a server returns.
func ReadFacts(data []byte) (*Facts, error) {
	c, err := mainComponent(data)
	if err != nil {
		return nil, fmt.Errorf("ical: %w", err)
	}
	f := &Facts{
		Component:   c.Name,
		UID:         valueOf(c, goical.PropUID),
		Address:     textOf(c, PropAddress),
		Program:     textOf(c, PropProgram),
		Summary:     textOf(c, goical.PropSummary),
		Description: textOf(c, goical.PropDescription),
		Location:    textOf(c, goical.PropLocation),
		URL:         valueOf(c, goical.PropURL),
		Status:      strings.ToUpper(strings.TrimSpace(valueOf(c, goical.PropStatus))),
		Organizer:   addressOf(c.Props.Get(goical.PropOrganizer)),
		Attendees:   attendeeSet(c),
	}
	if s, err := strconv.Atoi(strings.TrimSpace(valueOf(c, goical.PropSequence))); err == nil {
		f.Sequence = s
	}
	if c.Name == goical.CompToDo {
		f.Start, _ = instant(c, goical.PropDue)
	} else {
		f.Start, _ = instant(c, goical.PropDateTimeStart)
		f.End, _ = instant(c, goical.PropDateTimeEnd)
	}
	f.Start, f.End = f.Start.UTC(), f.End.UTC()
	return f, nil
}
