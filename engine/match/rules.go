package match

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/rmctl/rmctl/schema"
)

// check returns the first hard rule that forbids mentor to take mentee, with
// a sentence saying why, or "" when the pair is allowed.
func (m *matcher) check(mentor, mentee string) (rule, detail string) {
	p := m.p
	if m.avoid[[2]string{mentor, mentee}] {
		return RuleAvoid, fmt.Sprintf("--avoid excludes %s with %s", mentor, mentee)
	}
	if m.above[mentor][mentee] {
		return RuleReportingLine, fmt.Sprintf("mentee %s is above mentor %s in the reporting line (%s)",
			mentee, mentor, strings.Join(schema.ReportingChain(p.People, mentor, mentee), " → "))
	}
	if m.above[mentee][mentor] {
		return RuleReportingLine, fmt.Sprintf("mentor %s is above mentee %s in the reporting line (%s)",
			mentor, mentee, strings.Join(schema.ReportingChain(p.People, mentee, mentor), " → "))
	}
	if p.Policy.CrossDepartment == "require" && strings.EqualFold(p.People[mentor].Department, p.People[mentee].Department) {
		return RuleDepartment, fmt.Sprintf("%s and %s are both in %s and policy.crossDepartment is \"require\"", mentor, mentee, p.People[mentee].Department)
	}
	if !shareAny(m.languages(mentor), m.languages(mentee)) {
		return RuleLanguage, fmt.Sprintf("%s speaks %s, %s speaks %s", mentor, strings.Join(m.languages(mentor), ", "),
			mentee, strings.Join(m.languages(mentee), ", "))
	}
	if !m.fit(mentor, mentee).ok {
		return RuleWorkingHours, fmt.Sprintf("no session time lies inside working hours for both %s (%s) and %s (%s) every month",
			mentor, p.PersonZone(mentor), mentee, p.PersonZone(mentee))
	}
	if m.capacity[mentor] <= 0 {
		return RuleLoad, fmt.Sprintf("%s already mentors policy.maxMenteesPerMentor (%d) pairs", mentor, p.Policy.MaxMenteesPerMentor)
	}
	return "", ""
}

func shareAny(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// fit is what two time zones allow: the session times that lie inside
// working hours for both every month (the program's slot time first), and
// the working hours they share.
type fit struct {
	ok      bool
	times   []schema.Clock
	overlap time.Duration
}

// fit answers for a mentor and mentee by their zones: a new pair is
// scheduled in the mentee's zone, and only the two zones decide the answer.
func (m *matcher) fit(mentor, mentee string) fit {
	key := [2]string{m.zone[mentee], m.zone[mentor]}
	if f, ok := m.fits[key]; ok {
		return f
	}
	var f fit
	for _, t := range m.candidateTimes() {
		if m.fitsAt(mentor, mentee, t, nil) {
			f.times = append(f.times, t)
		}
	}
	f.ok = len(f.times) > 0
	f.overlap = m.sharedHours(mentor, mentee)
	m.fits[key] = f
	return f
}

// candidateTimes are the slot times tried: the program's, then every half
// hour of the working day at which a session ends by its end.
func (m *matcher) candidateTimes() []schema.Clock {
	p := m.p
	slot := p.Sessions.Slot
	out := []schema.Clock{slot.Time}
	wh := p.Policy.WorkingHours
	dur := int(slot.Duration.Minutes())
	for t := wh.From.Minutes(); t+dur <= wh.To.Minutes(); t += 30 {
		if c := (schema.Clock{Hour: t / 60, Minute: t % 60}); c != slot.Time {
			out = append(out, c)
		}
	}
	return out
}

// fitsAt reports whether every session of a pair at slot time t lies inside
// working hours for both people and, with busy, clear of their bookings.
func (m *matcher) fitsAt(mentor, mentee string, t schema.Clock, busy map[string][]interval) bool {
	p := m.p
	mentorLoc, menteeLoc := p.PersonZone(mentor), p.PersonZone(mentee)
	for _, s := range m.sessions(mentor, mentee, t) {
		// A plan longer than the program is reported by validate; it
		// must not slip in through a new pair.
		if day := schema.DateOf(s.Start); day.Before(p.Start) || day.After(p.End) {
			return false
		}
		if !p.InWorkingHours(s.Start, s.End, mentorLoc) || !p.InWorkingHours(s.Start, s.End, menteeLoc) {
			return false
		}
		for _, who := range []string{mentor, mentee} {
			for _, b := range busy[who] {
				if s.Start.Before(b.end) && b.start.Before(s.End) {
					return false
				}
			}
		}
	}
	return true
}

func (m *matcher) sessions(mentor, mentee string, t schema.Clock) []schema.Session {
	return m.p.ProposedSchedule(schema.Pair{Mentor: mentor, Mentee: mentee, Status: schema.StatusActive, Slot: &schema.SlotOverride{Time: &t}})
}

// sharedHours returns how much of the working day the two people share on
// the day of the first session.
func (m *matcher) sharedHours(mentor, mentee string) time.Duration {
	p := m.p
	ss := m.sessions(mentor, mentee, p.Sessions.Slot.Time)
	if len(ss) == 0 {
		return 0
	}
	day := ss[0].Start
	_, a := day.In(p.PersonZone(mentor)).Zone()
	_, b := day.In(p.PersonZone(mentee)).Zone()
	wh := p.Policy.WorkingHours
	length := time.Duration(wh.To.Minutes()-wh.From.Minutes()) * time.Minute
	diff := time.Duration(a-b) * time.Second
	return max(0, length-diff.Abs())
}

// score returns a pair's soft score in thousandths of a point, and the
// preferences it earned points for.
func (m *matcher) score(mentor, mentee string) (int64, []Reason) {
	p := m.p
	w := p.Matching
	reasons := []Reason{}
	var total float64
	add := func(pref string, points float64, detail string) {
		if points <= 0 {
			return
		}
		points = math.Round(points*1000) / 1000
		total += points
		reasons = append(reasons, Reason{Preference: pref, Points: points, Detail: detail})
	}

	a, b := m.topics[mentor], m.topics[mentee]
	var shared []string
	for _, k := range b.keys {
		if _, ok := a.byKey[k]; ok {
			shared = append(shared, b.byKey[k])
		}
	}
	if len(shared) > 0 {
		add(PrefInterests, w.Interests*float64(len(shared))/float64(min(len(a.keys), len(b.keys))),
			"shared interests: "+strings.Join(shared, ", "))
	}

	mDept, eDept := p.People[mentor].Department, p.People[mentee].Department
	if p.Policy.CrossDepartment == "warn" && !strings.EqualFold(mDept, eDept) {
		add(PrefCrossDepartment, w.CrossDepartment, fmt.Sprintf("departments %s / %s", mDept, eDept))
	}

	if levels := m.depth[mentor] - m.depth[mentee]; levels > 0 && m.maxDepth > 0 {
		word := "levels"
		if levels == 1 {
			word = "level"
		}
		add(PrefSeniority, w.Seniority*float64(levels)/float64(m.maxDepth), fmt.Sprintf("mentee %d %s more senior", levels, word))
	}

	wh := p.Policy.WorkingHours
	if day := wh.To.Minutes() - wh.From.Minutes(); day > 0 {
		shared := m.fit(mentor, mentee).overlap
		add(PrefTimezoneOverlap, w.TimezoneOverlap*shared.Minutes()/float64(day), fmt.Sprintf("%s of working hours shared", hours(shared)))
	}
	return int64(math.Round(total * 1000)), reasons
}

func hours(d time.Duration) string {
	h, m := int(d.Hours()), int(d.Minutes())%60
	if m == 0 {
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}

type interestSet struct {
	keys  []string          // lower-case, in the person's order, no duplicates
	byKey map[string]string // lower-case → as written
}

// interests folds case and surrounding space, so "AI" and "ai " match.
func interests(list []string) interestSet {
	s := interestSet{byKey: make(map[string]string, len(list))}
	for _, x := range list {
		k := strings.ToLower(strings.TrimSpace(x))
		if _, dup := s.byKey[k]; dup || k == "" {
			continue
		}
		s.keys = append(s.keys, k)
		s.byKey[k] = strings.TrimSpace(x)
	}
	return s
}

type interval struct{ start, end time.Time }

// placeSessions gives each pair a session time free in both calendars:
// the first time that fits (the program's slot time when it does), clear
// of the pairs already declared, the program's events and the pairs placed
// before it. Pins go first, then pairs by mentor and mentee id. A pair
// that finds no free time is dropped; lost says why, by mentee.
func (m *matcher) placeSessions(pairs []Pair) (placed []Pair, lost map[string]string) {
	p := m.p
	// Everyone in a pair has the program's events in their calendar, as
	// validation sees it, besides the sessions of their active pairs.
	var events []interval
	for _, id := range p.EventIDs {
		start, end := p.EventTimes(id)
		events = append(events, interval{start, end})
	}
	busy := map[string][]interval{}
	book := func(who string, iv ...interval) {
		if _, ok := busy[who]; !ok {
			busy[who] = slices.Clone(events)
		}
		busy[who] = append(busy[who], iv...)
	}
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		if pair.Status != schema.StatusActive {
			continue
		}
		for _, s := range p.Schedule(id) {
			if !s.Skipped {
				book(pair.Mentor, interval{s.Start, s.End})
				book(pair.Mentee, interval{s.Start, s.End})
			}
		}
	}
	order := slices.Clone(pairs)
	slices.SortStableFunc(order, func(a, b Pair) int {
		if a.Pinned != b.Pinned {
			if a.Pinned {
				return -1
			}
			return 1
		}
		if c := strings.Compare(a.Mentor, b.Mentor); c != 0 {
			return c
		}
		return strings.Compare(a.Mentee, b.Mentee)
	})
	lost = map[string]string{}
	for _, pr := range order {
		book(pr.Mentor)
		book(pr.Mentee)
		found := false
		for _, t := range m.fit(pr.Mentor, pr.Mentee).times {
			if !m.fitsAt(pr.Mentor, pr.Mentee, t, busy) {
				continue
			}
			if t != p.Sessions.Slot.Time {
				pr.Time = &t
			}
			for _, s := range m.sessions(pr.Mentor, pr.Mentee, t) {
				book(pr.Mentor, interval{s.Start, s.End})
				book(pr.Mentee, interval{s.Start, s.End})
			}
			found = true
			break
		}
		if !found {
			lost[pr.Mentee] = fmt.Sprintf("%s fits, but no session time is free in both calendars every month", pr.Mentor)
			continue
		}
		placed = append(placed, pr)
	}
	return placed, lost
}
