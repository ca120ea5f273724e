package ical

import (
	"fmt"
	"time"

	goical "github.com/emersion/go-ical"
)

// Times of events and tasks are written in the zone people plan them in
// (the pair's or the program's), with TZID and a VTIMEZONE in the same
// object: written in UTC, Outlook shows only the viewer's zone, and a later
// tz rule change would move the event. State keeps UTC; only the encoding
// carries the zone.

// localLayout is a DATE-TIME in local form (RFC 5545 3.3.5, form #3).
const localLayout = "20060102T150405"

// zoneOf returns the location times of a resource in zone are written in,
// or nil for UTC: no zone, UTC itself, or a name the tz database does not
// know (the schema checks zone names; UTC keeps the instant right).
func zoneOf(zone string) *time.Location {
	if zone == "" || zone == "UTC" {
		return nil
	}
	loc, err := time.LoadLocation(zone)
	if err != nil || loc == time.UTC {
		return nil
	}
	return loc
}

// vtimezone returns a VTIMEZONE for loc that holds every observance in
// effect between from and to: the one in effect at from (with the onset it
// had) and each transition up to to. The span is widened to whole years
// so that an object and a feed holding it describe a zone alike, and
// clients that expect both a STANDARD and a DAYLIGHT part find them.
//
// Go's time package has no transition list, but Time.ZoneBounds gives the
// bounds of the zone period holding an instant, which walks the
// transitions exactly, rules beyond the last listed transition included.
func vtimezone(loc *time.Location, from, to time.Time) *goical.Component {
	tz := goical.NewComponent(goical.CompTimezone)
	tz.Props.Set(&goical.Prop{Name: goical.PropTimezoneID, Params: goical.Params{}, Value: loc.String()})

	from = time.Date(from.In(loc).Year(), 1, 1, 0, 0, 0, 0, loc)
	to = time.Date(to.In(loc).Year()+1, 1, 1, 0, 0, 0, 0, loc)
	t := from
	for i := 0; i < 1000; i++ { // a bound, not a limit any zone reaches
		name, offset := t.Zone()
		start, end := t.ZoneBounds()
		prev := offset
		var onset time.Time
		if start.IsZero() {
			// No transition before: the zone has always been this.
			onset = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
		} else {
			_, prev = start.Add(-time.Second).Zone()
			onset = start.In(time.FixedZone("", prev))
		}
		kind := goical.CompTimezoneStandard
		if t.IsDST() {
			kind = goical.CompTimezoneDaylight
		}
		obs := goical.NewComponent(kind)
		obs.Props.Set(&goical.Prop{Name: goical.PropDateTimeStart, Params: goical.Params{}, Value: onset.Format(localLayout)})
		obs.Props.Set(&goical.Prop{Name: goical.PropTimezoneOffsetFrom, Params: goical.Params{}, Value: utcOffset(prev)})
		obs.Props.Set(&goical.Prop{Name: goical.PropTimezoneOffsetTo, Params: goical.Params{}, Value: utcOffset(offset)})
		if name != "" {
			obs.Props.Set(&goical.Prop{Name: goical.PropTimezoneName, Params: goical.Params{}, Value: escapeText(name)})
		}
		tz.Children = append(tz.Children, obs)
		if end.IsZero() || !end.Before(to) {
			break
		}
		t = end
	}
	return tz
}

// utcOffset formats an offset in seconds as RFC 5545 UTC-OFFSET: ±hhmm,
// with seconds only when there are any (local mean times of the past).
func utcOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	s := fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

// zoneSpan collects, per zone, the earliest and latest time written in it,
// so that one VTIMEZONE per zone covers all of them.
type zoneSpan struct {
	order []*time.Location
	spans map[string][2]time.Time
}

// A nil loc is UTC as written ("…Z"), which needs no VTIMEZONE; only
// time.UTC itself asks for one (for a feed that must hold a component).
func (z *zoneSpan) add(loc *time.Location, t time.Time) {
	if loc == nil {
		return
	}
	if z.spans == nil {
		z.spans = map[string][2]time.Time{}
	}
	s, ok := z.spans[loc.String()]
	if !ok {
		z.order = append(z.order, loc)
		s = [2]time.Time{t, t}
	}
	if t.Before(s[0]) {
		s[0] = t
	}
	if t.After(s[1]) {
		s[1] = t
	}
	z.spans[loc.String()] = s
}

// components returns one VTIMEZONE per zone, in the order zones were
// first used.
func (z *zoneSpan) components() []*goical.Component {
	out := make([]*goical.Component, 0, len(z.order))
	for _, loc := range z.order {
		s := z.spans[loc.String()]
		out = append(out, vtimezone(loc, s[0], s[1]))
	}
	return out
}
