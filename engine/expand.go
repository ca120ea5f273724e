// Package engine turns validated programs into the resources they declare
// (Expand), plans them against state without expanding the programs whose
// inputs state records as applied (Plan, InputDigest), and holds the steps
// after it in sub-packages: plan (desired vs state), apply (plan → target,
// state after every action), state (the record of what was applied),
// target (where invitations go) and view (rendering).
package engine

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/schema"
)

// Expand returns every resource the programs declare: one session per pair
// and plan entry that takes place (schema.Session.Held: not skipped, not
// stopped by the pair's status or end, not past the program's end for a
// late pair), one event per program event for the people it invites
// (schema.Program.EventPeople), and one assignment per tutorial of a held
// session per participant it is meant for. The result is sorted by address.
func Expand(progs []*schema.Program) *plan.Desired {
	d, _ := ExpandExcept(progs, nil, false)
	return d
}

// ExpandExcept is Expand without the own resources (sessions, their
// assignments and feedback requests) of the pairs in skip, by program id
// and pair id; events and program-wide resources are always expanded, as
// they may name any pair's people. With count set it also returns how
// many resources it left out. A diff uses it to expand only the pairs a
// change can touch.
func ExpandExcept(progs []*schema.Program, skip map[string]map[string]bool, count bool) (*plan.Desired, int) {
	d := &plan.Desired{}
	byID := map[string]*schema.Program{}
	n, skipped := 0, 0
	for _, p := range progs {
		n += (len(p.Pairs)-len(skip[p.ID]))*len(p.Sessions.Plan)*2 + len(p.Events)
	}
	d.Resources = make([]resource.Resource, 0, n)
	for _, p := range progs {
		byID[p.ID] = p
		d.Programs = append(d.Programs, p.ID)
		var k int
		d.Resources, k = expandProgram(d.Resources, p, skip[p.ID], count)
		skipped += k
		for _, m := range p.Moved {
			d.Moves = append(d.Moves, plan.Moved{From: p.ID + "/" + m.From, To: p.ID + "/" + m.To})
		}
	}
	sort.Strings(d.Programs)
	d.Resources = sortByAddress(d.Resources)
	e := explainer{programs: byID}
	d.Explain = e.gone
	d.Created = e.created
	d.Note = e.note
	return d, skipped
}

func expandProgram(out []resource.Resource, p *schema.Program, skip map[string]bool, count bool) ([]resource.Resource, int) {
	t := textsFor(p.Language)
	organizer := resource.Contact{Name: p.Organizer.Name, Email: p.Organizer.Email}
	attendee := func(id string, role resource.Role) resource.Attendee {
		person := p.People[id]
		return resource.Attendee{ID: id, Name: person.Name, Email: person.Email, Role: role}
	}

	// A pair's sessions are in its own language (PairLanguage), so the
	// shared part of each session's text is built once per language.
	bodies := map[string][]string{}
	for _, lang := range languages {
		tl := textsFor(lang)
		bodies[lang] = make([]string, len(p.Sessions.Plan))
		for i, e := range p.Sessions.Plan {
			bodies[lang][i] = tl.sessionBody(p, e) // pairs' own entries: expandPair
		}
	}

	for _, id := range p.EventIDs {
		ev := p.Events[id]
		start, end := p.EventTimes(id)
		r := resource.Resource{
			Address: resource.Address(p.ID, "event", id), Kind: resource.Event, Program: p.ID,
			Title: ev.Title, Location: ev.Location,
			Start: start.UTC(), End: end.UTC(), Timezone: p.Timezone, Language: p.Language,
			Organizer: organizer, Description: t.eventText(p, ev),
		}
		invited := p.EventPeople(id)
		r.Attendees = make([]resource.Attendee, 0, len(invited))
		for _, who := range invited {
			r.Attendees = append(r.Attendees, attendee(who, resource.Participant))
			r.PersonZones = otherZone(r.PersonZones, who, p.PersonZone(who).String(), r.Timezone)
		}
		r.UID = resource.UID(r.Address)
		out = append(out, r)
	}

	// Pairs are independent of each other: expand them on every core, each
	// worker into its own slice, joined in pair order. Schedules are
	// computed up front because Schedule caches them in a map.
	for _, id := range p.PairIDs {
		p.Schedule(id)
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(p.PairIDs)/256))
	parts := make([][]resource.Resource, workers)
	skipped := make([]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(p.PairIDs)/workers, (w+1)*len(p.PairIDs)/workers
		wg.Go(func() {
			var part []resource.Resource
			for _, pairID := range p.PairIDs[lo:hi] {
				if skip[pairID] {
					if count {
						n := len(part)
						part = expandPair(part, p, pairID, organizer, bodies, attendee, true)
						skipped[w] += len(part) - n
						part = part[:n]
					}
					continue
				}
				part = expandPair(part, p, pairID, organizer, bodies, attendee, false)
			}
			parts[w] = part
		})
	}
	wg.Wait()
	total := 0
	for w, part := range parts {
		out = append(out, part...)
		total += skipped[w]
	}
	out = expandGuestAuthors(out, p, organizer)
	return expandProgramFeedback(out, p, organizer), total
}

// expandPair appends one pair's sessions and tutorial assignments. With
// countOnly the resources it appends have addresses but no texts or UIDs:
// enough to count them, at a fraction of the cost.
func expandPair(out []resource.Resource, p *schema.Program, pairID string, organizer resource.Contact,
	bodies map[string][]string, attendee func(string, resource.Role) resource.Attendee, countOnly bool) []resource.Resource {
	pair := p.Pairs[pairID]
	lang := p.PairLanguage(pairID)
	t := textsFor(lang)
	zone := p.PairZone(pairID).String()
	people := []resource.Attendee{attendee(pair.Mentor, resource.Mentor), attendee(pair.Mentee, resource.Mentee)}
	var zones map[string]string
	for _, who := range []string{pair.Mentor, pair.Mentee} {
		zones = otherZone(zones, who, p.PersonZone(who).String(), zone)
	}
	handedOut := map[string]bool{}
	sessions := p.Schedule(pairID)
	place, meeting := p.PairLocation(pairID)
	for _, s := range sessions {
		if !s.Held() {
			continue
		}
		r := resource.Resource{
			Address: resource.Address(p.ID, "pair", pairID, "session", strconv.Itoa(s.Number)),
			Kind:    resource.Session, Program: p.ID,
			Start: s.Start.UTC(), End: s.End.UTC(), Timezone: zone, Language: t.lang,
			Organizer: organizer, Attendees: people, Private: p.PrivateSessions(),
			Location: place, URL: meeting,
			PersonZones: zones,
		}
		if !countOnly {
			body := ""
			if s.Replanned {
				body = t.sessionBody(p, s.Entry) // the pair's own entry
			} else {
				body = bodies[t.lang][s.Number-1]
			}
			r.Title = t.sessionTitle(s.Entry.Title, people[0].Name, people[1].Name)
			r.Description = t.sessionText(p, s, len(sessions), people, t.meetingLines(place, meeting)+body)
			r.UID = resource.UID(r.Address)
		}
		out = append(out, r)

		for _, tutID := range s.Entry.Tutorials {
			if handedOut[tutID] {
				continue // a tutorial is handed out once, before its first session
			}
			handedOut[tutID] = true
			out = expandTutorial(out, p, pairID, tutID, s, people, organizer, countOnly)
		}
		out = expandSessionFeedback(out, p, pairID, s, people, organizer, countOnly)
	}
	return out
}

// otherZone records a person's zone in m when it differs from the
// resource's: messages show the time in the resource's zone anyway, and
// most people share it, so most resources carry no map at all.
func otherZone(m map[string]string, person, personZone, zone string) map[string]string {
	if personZone == zone {
		return m
	}
	if m == nil {
		m = map[string]string{}
	}
	m[person] = personZone
	return m
}

// defaultBlockMinutes is the calendar block of a tutorial that names no
// time to spend on it.
const defaultBlockMinutes = 15

// blockBefore returns where an assignment due at due shows in calendars
// without tasks: at the start of working hours on the person's working day
// before the due day, for the tutorial's minutes.
func blockBefore(p *schema.Program, person string, due time.Time, minutes int) (time.Time, int) {
	if minutes <= 0 {
		minutes = defaultBlockMinutes
	}
	loc := p.PersonZone(person)
	day := schema.DateOf(due.In(loc))
	for k := 1; k <= 31; k++ {
		d := day.AddDays(-k)
		if p.DayOff(person, d) == "" {
			return d.In(p.Policy.WorkingHours.From, loc).UTC(), minutes
		}
	}
	// Nothing but days off for a month: block the time just before it is due.
	return due.Add(-time.Duration(minutes) * time.Minute).UTC(), minutes
}

// sortByAddress sorts resources by address. A Resource is a few hundred
// bytes, so sorting the slice itself would spend its time moving them;
// sorting indexes and copying once does not.
func sortByAddress(rs []resource.Resource) []resource.Resource {
	if slices.IsSortedFunc(rs, func(a, b resource.Resource) int { return strings.Compare(a.Address, b.Address) }) {
		return rs
	}
	idx := make([]int32, len(rs))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int { return strings.Compare(rs[a].Address, rs[b].Address) })
	out := make([]resource.Resource, len(rs))
	for i, j := range idx {
		out[i] = rs[j]
	}
	return out
}

// explainer says, for plan output, why a resource appears or disappears.
type explainer struct{ programs map[string]*schema.Program }

func (e explainer) created(addr string) string {
	segs := strings.Split(addr, "/")
	switch {
	case len(segs) >= 2 && segs[1] == "event":
		return "new event"
	case len(segs) >= 4 && segs[3] == "session":
		return "session " + segs[4] + " of pair " + segs[2]
	case len(segs) == 7 && segs[3] == "tutorial" && segs[5] == "write",
		len(segs) == 5 && segs[1] == "tutorial" && segs[3] == "write":
		return "tutorial " + segs[len(segs)-3] + " written by " + segs[len(segs)-1]
	case len(segs) == 6 && segs[3] == "feedback":
		return "feedback on session " + segs[4] + " for " + segs[5]
	case len(segs) == 4 && segs[1] == "feedback":
		return "feedback on the program for " + segs[3]
	case len(segs) >= 6 && segs[3] == "tutorial":
		return "tutorial " + segs[4] + " for " + segs[5]
	}
	return "new"
}

// note says why a session is not at its slot: it was moved off a day off.
func (e explainer) note(addr string) string {
	segs := strings.Split(addr, "/")
	if len(segs) != 5 || segs[1] != "pair" || segs[3] != "session" {
		return ""
	}
	p := e.programs[segs[0]]
	n, err := strconv.Atoi(segs[4])
	if p == nil || err != nil {
		return ""
	}
	if ss := p.Schedule(segs[2]); n >= 1 && n <= len(ss) {
		return ss[n-1].Shift()
	}
	return ""
}

func (e explainer) gone(addr string) string {
	segs := strings.Split(addr, "/")
	p := e.programs[segs[0]]
	if p == nil {
		return "program " + segs[0] + " is no longer declared"
	}
	if len(segs) >= 3 && segs[1] == "event" {
		return "event " + segs[2] + " was removed"
	}
	if why := e.goneAuthoredOrFeedback(p, segs); why != "" {
		return why
	}
	if len(segs) < 5 || segs[1] != "pair" {
		return "no longer declared"
	}
	pairID := segs[2]
	if _, ok := p.Pairs[pairID]; !ok {
		return "pair " + pairID + " was removed"
	}
	// The schedule knows why a session does not take place (skipped, the
	// pair's status or end, a late pair's plan past the program's end).
	sessions := p.Schedule(pairID)
	if segs[3] == "session" {
		n, _ := strconv.Atoi(segs[4])
		if n < 1 || n > len(sessions) {
			return fmt.Sprintf("the session plan now has %d sessions", len(p.PairPlan(pairID)))
		}
		if s := sessions[n-1]; s.Why != "" {
			return s.Why
		}
	}
	if segs[3] == "tutorial" {
		// A tutorial goes out before the first held session listing it;
		// when none is held, the first one's reason is the tutorial's.
		why := ""
		for _, s := range sessions {
			if !slices.Contains(s.Entry.Tutorials, segs[4]) {
				continue
			}
			if s.Held() {
				why = ""
				break
			}
			if why == "" {
				why = s.Why
			}
		}
		if why != "" {
			return why
		}
		return "tutorial " + segs[4] + " is no longer handed to " + segs[len(segs)-1]
	}
	return "no longer declared"
}
