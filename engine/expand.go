// Package engine turns validated programs into the resources they declare
// (Expand) and holds the steps after it in sub-packages: plan (desired vs
// state), apply (plan → target, state after every action), state (the record
// of what was applied), target (where invitations go) and view (rendering).
package engine

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

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
	d := &plan.Desired{}
	byID := map[string]*schema.Program{}
	n := 0
	for _, p := range progs {
		n += len(p.Pairs)*len(p.Sessions.Plan)*2 + len(p.Events)
	}
	d.Resources = make([]resource.Resource, 0, n)
	for _, p := range progs {
		byID[p.ID] = p
		d.Programs = append(d.Programs, p.ID)
		d.Resources = expandProgram(d.Resources, p)
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
	return d
}

func expandProgram(out []resource.Resource, p *schema.Program) []resource.Resource {
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
			bodies[lang][i] = tl.sessionBody(p, e)
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
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(p.PairIDs)/workers, (w+1)*len(p.PairIDs)/workers
		wg.Go(func() {
			var part []resource.Resource
			for _, pairID := range p.PairIDs[lo:hi] {
				part = expandPair(part, p, pairID, organizer, bodies, attendee)
			}
			parts[w] = part
		})
	}
	wg.Wait()
	for _, part := range parts {
		out = append(out, part...)
	}
	return out
}

// expandPair appends one pair's sessions and tutorial assignments.
func expandPair(out []resource.Resource, p *schema.Program, pairID string, organizer resource.Contact,
	bodies map[string][]string, attendee func(string, resource.Role) resource.Attendee) []resource.Resource {
	pair := p.Pairs[pairID]
	lang := p.PairLanguage(pairID)
	t := textsFor(lang)
	zone := p.PairZone(pairID).String()
	people := []resource.Attendee{attendee(pair.Mentor, resource.Mentor), attendee(pair.Mentee, resource.Mentee)}
	handedOut := map[string]bool{}
	sessions := p.Schedule(pairID)
	for _, s := range sessions {
		if !s.Held() {
			continue
		}
		r := resource.Resource{
			Address: resource.Address(p.ID, "pair", pairID, "session", strconv.Itoa(s.Number)),
			Kind:    resource.Session, Program: p.ID,
			Title: t.sessionTitle(s.Entry.Title, people[0].Name, people[1].Name),
			Start: s.Start.UTC(), End: s.End.UTC(), Timezone: zone, Language: t.lang,
			Organizer: organizer, Attendees: people, Private: p.PrivateSessions(),
			Description: t.sessionText(p, s, len(sessions), people, bodies[t.lang][s.Number-1]),
		}
		r.UID = resource.UID(r.Address)
		out = append(out, r)

		for _, tutID := range s.Entry.Tutorials {
			if handedOut[tutID] {
				continue // a tutorial is handed out once, before its first session
			}
			handedOut[tutID] = true
			tut := p.Tutorials[tutID]
			for _, who := range people {
				if tut.Audience != "both" && tut.Audience != string(who.Role) {
					continue
				}
				tt := textsFor(p.PersonLanguage(who.ID))
				due, _ := p.DueTime(who.ID, s.Start, tut.Due) // off a weekend or holiday
				zone := p.PersonZone(who.ID)
				a := resource.Resource{
					Address: resource.Address(p.ID, "pair", pairID, "tutorial", tutID, who.ID),
					Kind:    resource.Assignment, Program: p.ID,
					Title: tt.assignmentTitle(tut.Title), URL: tut.URL,
					Start: due.UTC(), Timezone: zone.String(), Language: tt.lang,
					Organizer: organizer, Attendees: []resource.Attendee{who},
					Description: tt.assignmentText(tut, s, zone),
				}
				a.UID = resource.UID(a.Address)
				out = append(out, a)
			}
		}
	}
	return out
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
			return fmt.Sprintf("the session plan now has %d sessions", len(p.Sessions.Plan))
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
