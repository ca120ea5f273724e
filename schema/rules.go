package schema

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Calendar rules: sessions on days off, moved sessions out of order, group
// events outside an invitee's working hours. Each is one pass over the
// pairs or over events × distinct time zones.

// calendarReady reports whether the program-wide inputs of the calendar
// checks are sound: its zone, dates, slot, plan and policy.
func (c *checker) calendarReady() bool {
	p := c.p
	for _, f := range []string{"timezone", "start", "end", "sessions", "policy"} {
		if c.shape.within("program", f) {
			return false
		}
	}
	return p.Location != nil && !p.End.Before(p.Start)
}

// pairReady reports whether a pair's sessions can be placed without
// repeating an error reported elsewhere: both people declared, distinct,
// with valid zones, and no shape error in the pair or its people.
func (c *checker) pairReady(id string) bool {
	// Three checks ask for every pair: answer each once.
	if ok, done := c.ready[id]; done {
		return ok
	}
	if c.ready == nil {
		c.ready = make(map[string]bool, len(c.p.Pairs))
	}
	ok := c.pairSound(id)
	c.ready[id] = ok
	return ok
}

func (c *checker) pairSound(id string) bool {
	p := c.p
	pair := p.Pairs[id]
	if pair.Mentor == pair.Mentee || c.shape.within("pairs", id) {
		return false
	}
	if pair.Timezone != "" && p.src.zones[pair.Timezone] == nil {
		return false
	}
	for _, who := range []string{pair.Mentor, pair.Mentee} {
		person, ok := p.People[who]
		if !ok || c.shape.within("people", who) {
			return false
		}
		if person.Timezone != "" && p.src.zones[person.Timezone] == nil {
			return false
		}
	}
	return true
}

func isWeekend(why string) bool {
	return strings.HasPrefix(why, "Saturday") || strings.HasPrefix(why, "Sunday")
}

// checkSessionDays reports sessions on a participant's day off and moved
// sessions that leave the order of the plan.
func (c *checker) checkSessionDays() {
	p := c.p
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		if !c.pairReady(id) {
			continue
		}
		ss := p.Schedule(id)
		first, count := "", 0
		var numbers []string
		for i, s := range ss {
			if !s.Held() {
				continue
			}
			if len(pair.Sessions) > 0 {
				if o := pair.Sessions[strconv.Itoa(s.Number)]; o.Date != nil {
					c.checkMovedSession(id, pair, ss, i)
					continue
				}
			}
			why := p.pairDayOff(pair, s.Start)
			if why == "" || p.Policy.OnHoliday == "off" {
				continue
			}
			count++
			numbers = append(numbers, strconv.Itoa(s.Number))
			if first == "" {
				first = fmt.Sprintf("session %d on %s %s falls on a day off: %s", s.Number, s.Start.Weekday(), DateOf(s.Start), why)
				if p.Policy.OnHoliday == "shift" {
					first += " and no working day before the next session is free for both"
				}
			}
		}
		if count == 0 {
			continue
		}
		msg := first
		if count > 1 {
			msg += fmt.Sprintf(" (sessions %s all do)", strings.Join(numbers, ", "))
		}
		where := at("pairs", id)
		if pair.Slot != nil {
			where = at("pairs", id, "slot")
		}
		hint := `; move it with sessions: "N": {date: ...}, or set policy.onHoliday: "shift"`
		if p.Policy.OnHoliday == "shift" {
			hint = `; move it with sessions: "N": {date: ...}`
		}
		c.warnf(where, "%s%s", msg, hint)
	}
}

// checkMovedSession checks the session ss[i], dated by hand: it must stay
// between the sessions before and after it (skipped ones aside), and
// should be on a working day.
func (c *checker) checkMovedSession(id string, pair Pair, ss []Session, i int) {
	p := c.p
	s := &ss[i]
	where := at("pairs", id, "sessions", strconv.Itoa(s.Number), "date")
	day := DateOf(s.Start)
	var prev, next *Session
	for j := i - 1; j >= 0 && prev == nil; j-- {
		if ss[j].Held() {
			prev = &ss[j]
		}
	}
	for j := i + 1; j < len(ss) && next == nil; j++ {
		if ss[j].Held() {
			next = &ss[j]
		}
	}
	switch {
	case prev != nil && day.Before(DateOf(prev.Start)):
		c.errorf(where, "session %d moved to %s comes before session %d (%s): sessions follow the order of the plan",
			s.Number, day, prev.Number, DateOf(prev.Start))
		return
	case next != nil && day.After(DateOf(next.Start)):
		c.errorf(where, "session %d moved to %s comes after session %d (%s): sessions follow the order of the plan",
			s.Number, day, next.Number, DateOf(next.Start))
		return
	}
	why := p.pairDayOff(pair, s.Start)
	if why == "" || (!isWeekend(why) && p.Policy.OnHoliday == "off") {
		return
	}
	c.warnf(where, "session %d moved to %s %s falls on a day off: %s", s.Number, s.Start.Weekday(), day, why)
}

// maxNamed is how many people a warning about many invitees names.
const maxNamed = 3

// checkEventHours warns about group events outside the working hours of
// invitees in other time zones (a 09:30 Berlin kick-off is 03:30 in New
// York). Invitees are grouped by zone, so each event costs one conversion
// per zone, and each event gets one warning however many are affected.
func (c *checker) checkEventHours() {
	p := c.p
	wh := p.Policy.WorkingHours
	for _, id := range p.EventIDs {
		if c.shape.within("program", "events", id) {
			continue
		}
		start, end := p.EventTimes(id)
		type verdict struct {
			off      bool
			from, to string
		}
		byZone := map[*time.Location]verdict{}
		var named []string
		affected := 0
		for _, who := range p.EventPeople(id) {
			if _, ok := p.People[who]; !ok {
				continue
			}
			loc := p.PersonZone(who)
			v, done := byZone[loc]
			if !done {
				from := start.In(loc)
				startMin := from.Hour()*60 + from.Minute()
				endMin := startMin + int(end.Sub(start).Minutes())
				v = verdict{off: startMin < wh.From.Minutes() || endMin > wh.To.Minutes(),
					from: from.Format("15:04"), to: end.In(loc).Format("15:04")}
				byZone[loc] = v
			}
			if !v.off {
				continue
			}
			affected++
			if len(named) < maxNamed {
				named = append(named, fmt.Sprintf("%s (%s–%s %s)", who, v.from, v.to, loc))
			}
		}
		if affected == 0 {
			continue
		}
		list := strings.Join(named, ", ")
		if affected > len(named) {
			list += fmt.Sprintf(" and %d more", affected-len(named))
		}
		noun := "invitee"
		if affected > 1 {
			noun = "invitees"
		}
		c.warnf(at("program", "events", id, "time"), "event %s at %s–%s (%s) is outside working hours %s–%s for %d %s: %s",
			id, start.Format("15:04"), end.Format("15:04"), p.Zone(p.Timezone), wh.From, wh.To, affected, noun, list)
	}
}
