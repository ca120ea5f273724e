package schema

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rmctl/rmctl/internal/address"
)

// The checks in this file reject single values the schema's patterns let
// through but apply could not use: addresses with invisible characters or
// more than one mailbox, durations of nothing, time zones that are files of
// the zone database rather than places. Each would otherwise pass validate
// and fail half-way through apply (issue 8 item 11).

// maxID is the longest id in bytes, as the schema's #ID says; keys of
// people, pairs, events and tutorials are checked here because CUE cannot
// bound a map key.
const maxID = 64

// maxOverlaps is the most overlaps reported one by one per person; the
// rest are counted, so one overbooked person cannot flood the output.
const maxOverlaps = 10

// maxSuggestions is how many unknown person references get a "did you
// mean" suggestion; each costs a comparison with every person.
const maxSuggestions = 50

// maxTopics is the most topics one session of the plan lists.
const maxTopics = 20

// shortID quotes an id, cut to a readable length.
func shortID(id string) string {
	return shorten(fmt.Sprintf("%q", id))
}

// zoneName reports whether name names a place (or UTC) in the IANA
// database. time.LoadLocation also opens "Local", "Factory" (the zone of
// unconfigured systems, "-00"), "posixrules" and "localtime" (files, not
// zones) and the posix/ and right/ copies of the database; right/ counts
// leap seconds, which no calendar does.
func zoneName(name string) bool {
	switch name {
	case "Local", "Factory", "posixrules", "localtime", "":
		return false
	}
	return !strings.HasPrefix(name, "posix/") && !strings.HasPrefix(name, "right/")
}

func (c *checker) checkValues() {
	p := c.p
	if err := address.Email(p.Organizer.Email); err != nil {
		c.errorf(at("program", "organizer", "email"), "%s %v", shorten(fmt.Sprintf("%q", p.Organizer.Email)), err)
	}
	for _, id := range p.TutorialIDs {
		// An authored tutorial may have no url (checkTutorialAuthors).
		if u := p.Tutorials[id].URL; u != "" && address.URL(u) != nil {
			c.errorf(at("program", "tutorials", id, "url"), "%s %v", shorten(fmt.Sprintf("%q", u)), address.URL(u))
		}
	}
	// Feedback URLs are checked as they will be sent: with their
	// placeholders filled in by ids (which are plain ASCII).
	sample := map[string]string{PlaceholderPair: "pair", PlaceholderSession: "1", PlaceholderPerson: "person"}
	if f := p.Feedback.Session; f != nil {
		if err := address.URL(ExpandFeedbackURL(f.URL, sample)); err != nil {
			c.errorf(at("program", "feedback", "session", "url"), "%s %v", shorten(fmt.Sprintf("%q", f.URL)), err)
		}
	}
	if f := p.Feedback.Program; f != nil {
		if err := address.URL(ExpandFeedbackURL(f.URL, sample)); err != nil {
			c.errorf(at("program", "feedback", "program", "url"), "%s %v", shorten(fmt.Sprintf("%q", f.URL)), err)
		}
	}
	positive := func(d Duration, where []string, what string) {
		if d.Duration <= 0 {
			c.errorf(where, "%s lasts %s: give it a length of at least 1m", what, formatDuration(d.Duration))
		}
	}
	positive(p.Sessions.Slot.Duration, at("program", "sessions", "slot", "duration"), "a session")
	for _, id := range p.EventIDs {
		positive(p.Events[id].Duration, at("program", "events", id, "duration"), "the event")
	}
	for _, id := range p.PairIDs {
		if s := p.Pairs[id].Slot; s != nil && s.Duration != nil {
			positive(*s.Duration, at("pairs", id, "slot", "duration"), "a session")
		}
	}
	for i, e := range p.Sessions.Plan {
		if n := len(e.Topics); n > maxTopics {
			c.errorf(at("program", "sessions", "plan", Index(i), "topics"),
				"session %d lists %d topics; at most %d fit in an invitation: move details to the agenda", i+1, n, maxTopics)
		}
	}
}

// listSome joins the first n names and counts the others, so that a
// diagnostic stays short however many things it is about: "a, b, c and
// 1,997 more".
func listSome(names []string, n int) string {
	if len(names) <= n+1 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + " and " + groupDigits(len(names)-n) + " more"
}

// localTime places clock c on day d in loc. gap reports that the time does
// not exist that day (the clocks skip it; Go then moves it forward by the
// size of the gap); other, when not zero, is the second instant showing the
// same local time (the clocks go back over it).
func localTime(d Date, c Clock, loc *time.Location) (t time.Time, gap bool, other time.Time) {
	t = d.In(c, loc)
	if t.Hour() != c.Hour || t.Minute() != c.Minute || DateOf(t) != d {
		return t, true, time.Time{}
	}
	_, before := t.Add(-12 * time.Hour).Zone()
	_, after := t.Add(12 * time.Hour).Zone()
	if before == after {
		return t, false, time.Time{}
	}
	wall := time.Date(d.Year, d.Month, d.Day, c.Hour, c.Minute, 0, 0, time.UTC)
	for _, off := range []int{before, after} {
		u := wall.Add(-time.Duration(off) * time.Second).In(loc)
		if !u.Equal(t) && u.Hour() == c.Hour && u.Minute() == c.Minute && DateOf(u) == d {
			return t, false, u
		}
	}
	return t, false, time.Time{}
}

// checkLocalTimes warns about sessions and events whose local time does
// not exist (a daylight-saving gap: 02:30 on the night clocks skip from
// 02:00 to 03:00) or exists twice (the night they go back). rmctl would
// otherwise silently send 03:30, or pick one of the two. One warning per
// field and night, naming a few of the pairs it concerns.
func (c *checker) checkLocalTimes() {
	p := c.p
	type issue struct {
		where []string
		day   Date
		clock Clock
		loc   *time.Location
		t     time.Time
		gap   bool
		other time.Time
		whats []string
	}
	var order []string
	issues := map[string]*issue{}
	add := func(where []string, what string, day Date, clock Clock, loc *time.Location) {
		t, gap, other := localTime(day, clock, loc)
		if !gap && other.IsZero() {
			return
		}
		key := strings.Join(where, "\x00") + "\x00" + loc.String() + "\x00" + day.String() + clock.String()
		is, ok := issues[key]
		if !ok {
			is = &issue{where: where, day: day, clock: clock, loc: loc, t: t, gap: gap, other: other}
			issues[key] = is
			order = append(order, key)
		}
		is.whats = append(is.whats, what)
	}
	for _, id := range p.EventIDs {
		e := p.Events[id]
		add(at("program", "events", id, "time"), "event "+id, e.Date, e.Time, p.Zone(p.Timezone))
	}
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		if pair.Status != StatusActive {
			continue
		}
		loc := p.PairZone(id)
		for _, s := range p.Schedule(id) {
			if s.Skipped {
				continue
			}
			where := at("program", "sessions", "slot", "time")
			switch {
			case s.Moved:
				where = at("pairs", id, "sessions", strconv.Itoa(s.Number))
			case pair.Slot != nil || pair.Timezone != "":
				where = at("pairs", id)
			}
			add(where, fmt.Sprintf("session %d of pair %s", s.Number, id), s.Day, s.Clock, loc)
		}
	}
	for _, key := range order {
		is := issues[key]
		what := listSome(is.whats, 3)
		if len(is.whats) > 1 {
			what = fmt.Sprintf("%s appointments (%s)", groupDigits(len(is.whats)), what)
		}
		used := fmt.Sprintf("%s %s, %s UTC", is.t.Format("15:04"), abbrev(is.t), is.t.UTC().Format("15:04"))
		if is.gap {
			c.warnf(is.where, "%s on %s does not exist in %s (the clocks skip forward that night): %s will be at %s",
				is.clock, is.day, is.loc, what, used)
			continue
		}
		which := "first"
		if is.other.Before(is.t) {
			which = "second"
		}
		c.warnf(is.where, "%s on %s happens twice in %s (the clocks go back that night): %s will be at the %s of them, %s",
			is.clock, is.day, is.loc, what, which, used)
	}
}

// abbrev is a zone abbreviation people recognise (CEST), or the offset
// when the database has none (+08).
func abbrev(t time.Time) string {
	name, _ := t.Zone()
	return name
}
