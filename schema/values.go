package schema

import (
	"fmt"
	"strings"

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
		c.errorf(at("program", "organizer", "email"), "%q %v", p.Organizer.Email, err)
	}
	for _, id := range p.TutorialIDs {
		if u := p.Tutorials[id].URL; address.URL(u) != nil {
			c.errorf(at("program", "tutorials", id, "url"), "%s %v", shorten(fmt.Sprintf("%q", u)), address.URL(u))
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
