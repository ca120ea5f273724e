package ical

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"time"

	goical "github.com/emersion/go-ical"
)

// Feed returns one VCALENDAR named name (X-WR-CALNAME) holding the VEVENT
// and VTODO components of objects (as written by Object), for a
// subscribable per-person calendar. Components are sorted by start (DUE for
// tasks), then UID, so a feed rebuilt from the same objects is the same
// bytes whatever order they were read in. A feed without objects is still
// a valid calendar, so subscribers see removals.
func Feed(name string, objects [][]byte) ([]byte, error) {
	type item struct {
		start time.Time
		uid   string
		comp  *goical.Component
	}
	var items []item
	for i, data := range objects {
		cal, err := decode(data)
		if err != nil {
			return nil, fmt.Errorf("ical: feed %q: object %d: %w", name, i, err)
		}
		for _, c := range cal.Children {
			if c.Name != goical.CompEvent && c.Name != goical.CompToDo {
				// Objects rmctl writes hold nothing else; a VTIMEZONE
				// would not be needed by UTC times anyway.
				continue
			}
			it := item{comp: c, start: startOf(c)}
			if p := c.Props.Get(goical.PropUID); p != nil {
				it.uid = p.Value
			}
			items = append(items, it)
		}
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		return cmp.Compare(a.uid, b.uid)
	})

	// The calendar header is written by hand: go-ical refuses to encode a
	// VCALENDAR without components, and an empty feed is legitimate.
	var raw bytes.Buffer
	raw.WriteString("BEGIN:VCALENDAR\r\n")
	raw.WriteString("PRODID:" + ProdID + "\r\n")
	raw.WriteString("VERSION:2.0\r\n")
	// Ask subscribing clients to poll hourly rather than daily.
	raw.WriteString("REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n")
	raw.WriteString("X-PUBLISHED-TTL:PT1H\r\n")
	raw.WriteString("X-WR-CALNAME:" + escapeText(CleanText(name)) + "\r\n")
	enc := goical.NewEncoder(&raw)
	for _, it := range items {
		// Encode checks and writes the component on its own, without a
		// VCALENDAR around it.
		if err := enc.Encode(&goical.Calendar{Component: it.comp}); err != nil {
			return nil, fmt.Errorf("ical: feed %q: %w", name, err)
		}
	}
	raw.WriteString("END:VCALENDAR\r\n")
	return fold(raw.Bytes()), nil
}

// startOf is when a component begins (DTSTART, else DUE); the zero time,
// which sorts first, when it has neither or they do not parse.
func startOf(c *goical.Component) time.Time {
	for _, name := range []string{goical.PropDateTimeStart, goical.PropDue} {
		if p := c.Props.Get(name); p != nil {
			if t, err := p.DateTime(time.UTC); err == nil {
				return t
			}
		}
	}
	return time.Time{}
}
