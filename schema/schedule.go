package schema

import (
	"fmt"
	"slices"
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
	// Stopped: the pair's status or end stops the session. A paused or
	// ended pair without an end date holds no sessions; with one, none on
	// or after that day.
	Stopped bool
	// Unfit: the session falls after the program's end, because the pair
	// joined late (start) or its own plan is longer than the program, so
	// it does not take place.
	Unfit bool
	// Replanned: the entry is not the program's plan entry n, because the
	// pair has its own plan or re-plans this session (pairs.X.sessions."n").
	Replanned bool
	// Why says, when the session does not take place, why not: plans show
	// it beside a cancellation.
	Why string

	// ShiftedFrom is the slot day the session was moved away from under
	// policy.onHoliday "shift", and ShiftWhy says what made that day a day
	// off ("Whit Monday in DE-BY for klaus.mueller"); both zero otherwise.
	ShiftedFrom Date
	ShiftWhy    string

	// The local day and time asked for; Start differs from them when the
	// time falls in a daylight-saving gap (see checkLocalTimes).
	Day   Date
	Clock Clock
}

// Shift describes a session moved off a day off, for plans and invitations:
// "moved from 2027-05-17 (Whit Monday in DE-BY for klaus.mueller)", or "".
func (s Session) Shift() string {
	if s.ShiftedFrom.IsZero() {
		return ""
	}
	return fmt.Sprintf("moved from %s (%s)", s.ShiftedFrom, s.ShiftWhy)
}

// Held reports whether the session takes place.
func (s Session) Held() bool { return !s.Skipped && !s.Stopped && !s.Unfit }

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

// Schedule returns every session of a pair in plan order, those that do
// not take place included (see Held and Why). Session n falls in the n-th
// month counted from the first month whose slot day is not before the
// program's start, or the pair's start when it joined later, so neither
// gets a session before it begins. A late pair gets its whole plan from
// session 1; the sessions that fall after the program's end are Unfit.
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

	from := p.Start
	late := pair.Start != nil && pair.Start.After(p.Start)
	if late {
		from = *pair.Start
	}
	year, month := from.Year, from.Month
	if SlotDay(year, month, slot).Before(from) {
		year, month = addMonth(year, month, 1)
	}
	plan := p.PairPlan(pairID)
	out := make([]Session, 0, len(plan))
	for i, entry := range plan {
		y, m := addMonth(year, month, i)
		day, clock := SlotDay(y, m, slot), slot.Time
		s := Session{Number: i + 1, Entry: entry, Replanned: pair.Plan != nil}
		if o, ok := pair.Sessions[strconv.Itoa(i+1)]; ok {
			if o.Title != nil || o.Topics != nil || o.Tutorials != nil {
				s.Entry, s.Replanned = o.replan(entry), true
			}
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
		switch {
		case s.Skipped:
			s.Why = "session " + strconv.Itoa(s.Number) + " is skipped"
		case pair.End != nil && !day.Before(*pair.End):
			s.Stopped = true
			s.Why = "pair " + pairID + " stops its sessions on " + pair.End.String()
			if pair.Status != StatusActive {
				s.Why = "pair " + pairID + " is " + pair.Status + " from " + pair.End.String()
			}
		case pair.End == nil && pair.Status != StatusActive:
			s.Stopped = true
			s.Why = "pair " + pairID + " is " + pair.Status
		case pair.Plan != nil && day.After(p.End):
			s.Unfit = true
			s.Why = "session " + strconv.Itoa(s.Number) + " of pair " + pairID + " would fall on " + day.String() +
				", after the program ends (" + p.End.String() + "): the pair's plan has " + strconv.Itoa(len(plan)) + " sessions"
		case late && day.After(p.End):
			s.Unfit = true
			s.Why = "session " + strconv.Itoa(s.Number) + " of pair " + pairID + " would fall on " + day.String() +
				", after the program ends (" + p.End.String() + "): the pair joined on " + pair.Start.String()
		}
		out = append(out, s)
	}
	if p.Policy.OnHoliday == "shift" {
		p.shiftOffDays(pair, out)
	}
	return out
}

// PairPlan returns the session plan of a pair: its own, else the program's.
func (p *Program) PairPlan(pairID string) []PlanEntry {
	if plan := p.Pairs[pairID].Plan; plan != nil {
		return plan
	}
	return p.Sessions.Plan
}

// replan returns e with the override's title, topics and tutorials.
func (o SessionOverride) replan(e PlanEntry) PlanEntry {
	if o.Title != nil {
		e.Title = *o.Title
	}
	if o.Topics != nil {
		e.Topics = *o.Topics
	}
	if o.Tutorials != nil {
		e.Tutorials = *o.Tutorials
	}
	return e
}

// PairLocation returns where a pair's 1:1 sessions take place and the link
// to join them online: the pair's, else the program's, each on its own.
func (p *Program) PairLocation(pairID string) (location, onlineMeeting string) {
	pair := p.Pairs[pairID]
	location, onlineMeeting = pair.Location, pair.OnlineMeeting
	if location == "" {
		location = p.Sessions.Location
	}
	if onlineMeeting == "" {
		onlineMeeting = p.Sessions.OnlineMeeting
	}
	return location, onlineMeeting
}

// maxShift bounds the search for a working day: no run of days off is
// longer, and a monthly session must not drift into the next month.
const maxShift = 14

// shiftOffDays moves sessions that fall on a day off of either participant
// to the same local time on the next working day of both, as long as that
// day comes before the pair's next session and within the program. A
// session the user dated by hand stays where it was put; one that cannot be
// moved stays too, and the checks warn about it.
func (p *Program) shiftOffDays(pair Pair, ss []Session) {
	for i := range ss {
		s := &ss[i]
		if !s.Held() || (len(pair.Sessions) > 0 && pair.Sessions[strconv.Itoa(s.Number)].Date != nil) {
			continue
		}
		why := p.pairDayOff(pair, s.Start)
		if why == "" {
			continue
		}
		limit := p.End.AddDays(1)
		if pair.End != nil && pair.End.Before(limit) {
			limit = *pair.End
		}
		for _, next := range ss[i+1:] {
			if next.Held() {
				limit = DateOf(next.Start)
				break
			}
		}
		day := DateOf(s.Start)
		clock := Clock{s.Start.Hour(), s.Start.Minute()}
		length := s.End.Sub(s.Start)
		for k := 1; k <= maxShift; k++ {
			d := day.AddDays(k)
			if !d.Before(limit) {
				break
			}
			t := d.In(clock, s.Start.Location())
			if p.pairDayOff(pair, t) == "" {
				s.ShiftedFrom, s.ShiftWhy = day, why
				s.Start, s.End = t, t.Add(length)
				break
			}
		}
	}
}

// pairDayOff says why the local day of instant t is a day off for the
// mentor or the mentee ("Saturday for anna.schmidt"), or "".
func (p *Program) pairDayOff(pair Pair, t time.Time) string {
	for _, who := range []string{pair.Mentor, pair.Mentee} {
		if why := p.dayOffAt(who, t); why != "" {
			return why + " for " + who
		}
	}
	return ""
}

// DueTime returns when a tutorial is due for a person: days before the
// session starts, or, when that falls on the person's weekend or public
// holiday, the start of working hours on the working day before, in the
// person's zone. why names the day off ("Saturday"), or is "".
func (p *Program) DueTime(person string, session time.Time, days Days) (due time.Time, why string) {
	due = session.AddDate(0, 0, -int(days))
	why = p.dayOffAt(person, due)
	if why == "" {
		return due, ""
	}
	loc := p.PersonZone(person)
	day := DateOf(due.In(loc))
	for k := 1; k <= maxShift; k++ {
		d := day.AddDays(-k)
		if p.DayOff(person, d) == "" {
			return d.In(p.Policy.WorkingHours.From, loc), why
		}
	}
	return due, why
}

// EventTimes returns the start and end of a program event, in the program's zone.
func (p *Program) EventTimes(id string) (start, end time.Time) {
	e := p.Events[id]
	start = e.Date.In(e.Time, p.Zone(p.Timezone))
	return start, start.Add(e.Duration.Duration)
}

// EventPeople returns the ids of the people a program event invites,
// sorted: everyone in a pair that takes part in it, and its guests (people
// in no pair, such as sponsors; a guest's id that is not in people is an
// error the checks report, and is left out here). A pair takes part in
// the events on or after its start. A paused pair keeps its events (its
// people are still in the program); an ended pair keeps only those before
// its end, or none without an end date (the plan leaves the ones already
// past as they were sent).
func (p *Program) EventPeople(eventID string) []string {
	e := p.Events[eventID]
	people := p.ParticipantsOn(e.Date)
	if len(e.Guests) == 0 {
		return people
	}
	for _, g := range e.Guests {
		if _, ok := p.People[g]; ok && !slices.Contains(people, g) {
			people = append(people, g)
		}
	}
	sort.Strings(people)
	return people
}

// ParticipantsOn returns, sorted, everyone in a pair that takes part in the
// program on day: pairs that joined by then, and are not ended by then. A
// paused pair's people still take part.
func (p *Program) ParticipantsOn(day Date) []string {
	seen := map[string]bool{}
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		if pair.Start != nil && day.Before(*pair.Start) {
			continue
		}
		if pair.Status == StatusEnded && (pair.End == nil || !day.Before(*pair.End)) {
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

// PersonLanguage returns the language of what is addressed to one person
// alone (tutorial assignments): their own, else the program's.
func (p *Program) PersonLanguage(id string) string {
	if l := p.People[id].Language; l != "" {
		return l
	}
	return p.Language
}

// PairLanguage returns the language of a pair's 1:1 sessions: the pair's,
// else the mentee's, else the program's.
func (p *Program) PairLanguage(pairID string) string {
	if l := p.Pairs[pairID].Language; l != "" {
		return l
	}
	return p.PersonLanguage(p.Pairs[pairID].Mentee)
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
