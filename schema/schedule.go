package schema

import (
	"sort"
	"strconv"
	"time"
)

// Session is one scheduled 1:1 session of a pair: the Number-th entry of the
// session plan at its concrete time.
type Session struct {
	Number  int // 1-based position in the session plan
	Entry   PlanEntry
	Start   time.Time // in the pair's location
	End     time.Time
	Moved   bool // a per-pair override set its date or time
	Skipped bool // a per-pair override skips it
	// The local day and time asked for; Start differs from them when the
	// time falls in a daylight-saving gap (see checkLocalTimes).
	Day   Date
	Clock Clock
}

// Location returns the time zone named name, falling back to the program's
// zone and then UTC for names that did not resolve (those were reported as
// diagnostics when the program was loaded).
func (p *Program) Zone(name string) *time.Location {
	if name != "" && p.src != nil {
		if loc, ok := p.src.zones[name]; ok && loc != nil {
			return loc
		}
	}
	if p.Location != nil {
		return p.Location
	}
	return time.UTC
}

// PersonZone returns the time zone a person lives in: their own, else the program's.
func (p *Program) PersonZone(id string) *time.Location {
	return p.Zone(p.People[id].Timezone)
}

// PairZone returns the time zone a pair's sessions are scheduled in: the
// pair's, else the mentee's, else the program's.
func (p *Program) PairZone(pairID string) *time.Location {
	pair := p.Pairs[pairID]
	if pair.Timezone != "" {
		return p.Zone(pair.Timezone)
	}
	return p.PersonZone(pair.Mentee)
}

// PairSlot returns the program's slot with the pair's overrides applied.
func (p *Program) PairSlot(pairID string) Slot {
	s := p.Sessions.Slot
	o := p.Pairs[pairID].Slot
	if o == nil {
		return s
	}
	if o.Week != nil {
		s.Week = *o.Week
	}
	if o.Weekday != nil {
		s.Weekday = *o.Weekday
	}
	if o.Time != nil {
		s.Time = *o.Time
	}
	if o.Duration != nil {
		s.Duration = *o.Duration
	}
	return s
}

// Schedule returns every session of a pair in plan order, skipped ones
// included (marked Skipped). Session n falls in the n-th month counted from
// the first month whose slot day is not before the program's start, so a
// program starting mid-month does not get a session before it begins.
func (p *Program) Schedule(pairID string) []Session {
	// Validation and expansion both walk every pair's sessions: compute
	// them once. The slice is shared; callers must not modify it.
	if s, ok := p.schedules[pairID]; ok {
		return s
	}
	s := p.schedule(pairID)
	if p.schedules == nil {
		p.schedules = make(map[string][]Session, len(p.Pairs))
	}
	p.schedules[pairID] = s
	return s
}

func (p *Program) schedule(pairID string) []Session {
	pair := p.Pairs[pairID]
	slot := p.PairSlot(pairID)
	loc := p.PairZone(pairID)

	year, month := p.Start.Year, p.Start.Month
	if SlotDay(year, month, slot).Before(p.Start) {
		year, month = addMonth(year, month, 1)
	}
	out := make([]Session, 0, len(p.Sessions.Plan))
	for i, entry := range p.Sessions.Plan {
		y, m := addMonth(year, month, i)
		day, clock := SlotDay(y, m, slot), slot.Time
		s := Session{Number: i + 1, Entry: entry}
		if o, ok := pair.Sessions[strconv.Itoa(i+1)]; ok {
			if o.Date != nil {
				day, s.Moved = *o.Date, true
			}
			if o.Time != nil {
				clock, s.Moved = *o.Time, true
			}
			s.Skipped = o.Skip
		}
		s.Start, s.Day, s.Clock = day.In(clock, loc), day, clock
		s.End = s.Start.Add(slot.Duration.Duration)
		out = append(out, s)
	}
	return out
}

// EventTimes returns the start and end of a program event, in the program's zone.
func (p *Program) EventTimes(id string) (start, end time.Time) {
	e := p.Events[id]
	start = e.Date.In(e.Time, p.Zone(p.Timezone))
	return start, start.Add(e.Duration.Duration)
}

// ActivePeople returns the ids of everyone in an active pair, sorted.
func (p *Program) ActivePeople() []string {
	seen := map[string]bool{}
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		if pair.Status != StatusActive {
			continue
		}
		seen[pair.Mentor], seen[pair.Mentee] = true, true
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// SlotDay returns the day the slot falls on in the given month.
func SlotDay(year int, month time.Month, s Slot) Date {
	wd := time.Weekday(s.Weekday)
	if s.Week < 0 {
		last := time.Date(year, month+1, 0, 12, 0, 0, 0, time.UTC)
		back := (int(last.Weekday()) - int(wd) + 7) % 7
		return DateOf(last.AddDate(0, 0, -back))
	}
	first := time.Date(year, month, 1, 12, 0, 0, 0, time.UTC)
	ahead := (int(wd) - int(first.Weekday()) + 7) % 7
	return DateOf(first.AddDate(0, 0, ahead+7*(s.Week-1)))
}

func addMonth(year int, month time.Month, n int) (int, time.Month) {
	t := time.Date(year, month+time.Month(n), 1, 12, 0, 0, 0, time.UTC)
	return t.Year(), t.Month()
}
