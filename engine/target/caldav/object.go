package caldav

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/rmctl/rmctl/engine/ical"
)

// object is what drift detection needs of a stored calendar object, read
// the way ical.Equivalent reads it: text unescaped with CRLF as LF, times
// as instants, attendees as lower-case addresses.
type object struct {
	component   string // VEVENT or VTODO
	uid         string
	address     string // X-RMCTL-ADDRESS; "" when rmctl did not write it
	summary     string
	description string
	location    string
	start, end  time.Time // DTSTART and DTEND (or DTSTART+DURATION); DUE as start for a VTODO
	status      string    // upper case; "" when absent
	sequence    int
	attendees   []string // sorted, lower case, without mailto:
}

// parseObject reads the VEVENT or VTODO of a calendar object (the one
// without RECURRENCE-ID: rmctl never writes overrides). go-ical panics on
// some malformed input; what a server returns must not crash rmctl.
func parseObject(data []byte) (o *object, err error) {
	defer func() {
		if r := recover(); r != nil {
			o, err = nil, fmt.Errorf("malformed iCalendar: %v", r)
		}
	}()
	cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		return nil, fmt.Errorf("parse iCalendar: %w", err)
	}
	var comp *goical.Component
	for _, c := range cal.Children {
		if (c.Name == goical.CompEvent || c.Name == goical.CompToDo) && c.Props.Get(goical.PropRecurrenceID) == nil {
			if comp != nil {
				return nil, fmt.Errorf("more than one VEVENT or VTODO")
			}
			comp = c
		}
	}
	if comp == nil {
		return nil, fmt.Errorf("no VEVENT or VTODO")
	}
	o = &object{
		component:   comp.Name,
		uid:         value(comp, goical.PropUID),
		address:     text(comp, ical.PropAddress),
		summary:     text(comp, goical.PropSummary),
		description: text(comp, goical.PropDescription),
		location:    text(comp, goical.PropLocation),
		status:      strings.ToUpper(strings.TrimSpace(value(comp, goical.PropStatus))),
	}
	if s, err := strconv.Atoi(strings.TrimSpace(value(comp, goical.PropSequence))); err == nil {
		o.sequence = s
	}
	if comp.Name == goical.CompToDo {
		o.start = instant(comp, goical.PropDue)
	} else {
		o.start = instant(comp, goical.PropDateTimeStart)
		o.end = instant(comp, goical.PropDateTimeEnd)
		if o.end.IsZero() && !o.start.IsZero() {
			if p := comp.Props.Get(goical.PropDuration); p != nil {
				if d, err := p.Duration(); err == nil {
					o.end = o.start.Add(d)
				}
			}
		}
	}
	for i := range comp.Props[goical.PropAttendee] {
		o.attendees = append(o.attendees, mailAddress(comp.Props[goical.PropAttendee][i].Value))
	}
	slices.Sort(o.attendees)
	o.attendees = slices.Compact(o.attendees)
	return o, nil
}

func value(c *goical.Component, name string) string {
	if p := c.Props.Get(name); p != nil {
		return p.Value
	}
	return ""
}

// text is a property's unescaped text; servers may store line breaks as
// CRLF. The raw value when it does not unescape.
func text(c *goical.Component, name string) string {
	p := c.Props.Get(name)
	if p == nil {
		return ""
	}
	if t, err := p.Text(); err == nil {
		return strings.ReplaceAll(t, "\r\n", "\n")
	}
	return p.Value
}

// instant is a time property as an instant in UTC; zero when absent or
// unreadable. A TZID time is the same instant as its UTC form.
func instant(c *goical.Component, name string) time.Time {
	p := c.Props.Get(name)
	if p == nil {
		return time.Time{}
	}
	t, err := p.DateTime(time.UTC)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func mailAddress(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	return strings.ToLower(v)
}
