package ical

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"
)

// Feed returns one VCALENDAR named name (X-WR-CALNAME) holding the VEVENT
// and VTODO components of objects (as written by Object), for a
// subscribable per-person calendar. Components are sorted by start (DUE for
// tasks), then UID, so a feed rebuilt from the same objects is the same
// bytes whatever order they were read in. A feed without objects is still
// a valid calendar (holding only a VTIMEZONE for UTC), so subscribers see
// removals.
func Feed(name string, objects [][]byte) ([]byte, error) {
	type item struct {
		start time.Time
		uid   string
		comp  *goical.Component
	}
	var items []item
	// One VTIMEZONE per zone, covering every time written in it: objects
	// bring their own, but each only for its own dates.
	var zones zoneSpan
	locs := map[string]*time.Location{}
	for i, data := range objects {
		cal, err := decode(data)
		if err != nil {
			return nil, fmt.Errorf("ical: feed %q: object %d: %w", name, i, err)
		}
		for _, c := range cal.Children {
			if c.Name != goical.CompEvent && c.Name != goical.CompToDo {
				// Objects rmctl writes hold nothing else; their
				// VTIMEZONEs are written anew below.
				continue
			}
			for _, name := range []string{goical.PropDateTimeStart, goical.PropDateTimeEnd, goical.PropDue} {
				if p := c.Props.Get(name); p != nil {
					if t, loc, ok := zonedTime(p, locs); ok {
						zones.add(loc, t)
					}
				}
			}
			it := item{comp: c, start: startOf(c, locs)}
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
	if len(items) == 0 {
		// RFC 5545 requires at least one component; a VTIMEZONE for UTC
		// is one every client accepts and none shows.
		zones.add(time.UTC, time.Time{})
	}
	for _, tz := range zones.components() {
		if err := enc.Encode(&goical.Calendar{Component: tz}); err != nil {
			return nil, fmt.Errorf("ical: feed %q: %w", name, err)
		}
	}
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
func startOf(c *goical.Component, locs map[string]*time.Location) time.Time {
	for _, name := range []string{goical.PropDateTimeStart, goical.PropDue} {
		if p := c.Props.Get(name); p != nil {
			if t, _, ok := zonedTime(p, locs); ok {
				return t
			}
		}
	}
	return time.Time{}
}

// zonedTime parses a DATE-TIME property and returns its zone: nil for UTC
// (and floating) times, else the TZID's location, loaded once per feed
// into locs (time.LoadLocation reads the tz database every time).
func zonedTime(p *goical.Prop, locs map[string]*time.Location) (time.Time, *time.Location, bool) {
	tzid := p.Params.Get(goical.PropTimezoneID)
	if tzid == "" || strings.HasSuffix(p.Value, "Z") {
		t, err := p.DateTime(time.UTC)
		return t, nil, err == nil
	}
	loc, ok := locs[tzid]
	if !ok {
		loc = zoneOf(tzid)
		locs[tzid] = loc
	}
	if loc == nil {
		return time.Time{}, nil, false
	}
	t, err := time.ParseInLocation(localLayout, p.Value, loc)
	return t, loc, err == nil
}
