package schema

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rmctl/rmctl/internal/address"
)

// The checks in this file need more than one value at a time, so they run
// in Go after the schema: written as CUE comprehensions over the data they
// cost minutes and gigabytes at a thousand pairs (see the design notes);
// here each is one pass over maps.

var idRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// checker collects the diagnostics of one program.
type checker struct {
	p         *Program
	diags     Diagnostics
	shape     *shapeErrors    // nil when the package passed the schema
	ready     map[string]bool // pairReady's answers, by pair
	suggested int             // "did you mean" suggestions made
}

func (c *checker) errorf(path []string, format string, args ...any) {
	c.add(Error, path, format, args...)
}

func (c *checker) warnf(path []string, format string, args ...any) {
	c.add(Warning, path, format, args...)
}

func (c *checker) add(sev Severity, path []string, format string, args ...any) {
	if c.shape.covers(path) {
		return // the schema already reported this field
	}
	c.diags = append(c.diags, Diagnostic{
		Severity: sev,
		Pos:      c.p.pos(path...),
		Path:     FormatPath(path...),
		Message:  fmt.Sprintf(format, args...),
	})
}

func at(segs ...string) []string { return segs }

// check runs the semantic checks of one decoded program.
// shape lists the fields the schema rejected (nil when none): the checks
// then run on the rest (see partial.go).
func (l *Loader) check(p *Program, shape *shapeErrors) Diagnostics {
	c := &checker{p: p, shape: shape}
	c.checkIDs()
	c.checkZones(l.LoadLocation)
	c.checkHolidayRegions()
	p.resolveHolidays()
	c.checkPeople()
	c.checkPairs()
	c.checkReportingLines()
	c.checkProgramDates()
	c.checkTutorials()
	c.checkPairPlans()
	c.checkGuests()
	c.checkMeetingPlaces()
	c.checkAuthors()
	c.checkFeedback()
	c.checkMoved()
	c.checkPairDates()
	c.checkValues()
	// Calendar checks run on the pairs whose people, zones and shape are
	// sound; on the others they would only repeat those errors.
	if c.calendarReady() {
		c.checkSessions()
		c.checkPairPlanFits()
		c.checkSessionDays()
		c.checkOverlaps()
		c.checkEventHours()
		c.checkLocalTimes()
	}
	return c.diags
}

func (c *checker) checkIDs() {
	for _, kind := range []struct {
		field []string
		ids   []string
	}{
		{at("people"), c.p.PersonIDs},
		{at("pairs"), c.p.PairIDs},
		{at("program", "events"), c.p.EventIDs},
		{at("program", "tutorials"), c.p.TutorialIDs},
	} {
		for _, id := range kind.ids {
			if !idRe.MatchString(id) {
				c.errorf(append(kind.field[:len(kind.field):len(kind.field)], id),
					"%s is not a valid id: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit", shortID(id))
			} else if n := len(id); n > maxID {
				c.errorf(append(kind.field[:len(kind.field):len(kind.field)], id),
					"the id %s has %d characters; at most %d are allowed (ids name files and calendar entries)", shortID(id), n, maxID)
			}
		}
	}
}

func (c *checker) checkZones(load func(string) (*time.Location, error)) {
	p := c.p
	resolve := func(name string, at []string) {
		if _, done := p.src.zones[name]; done {
			if p.src.zones[name] == nil {
				c.errorf(at, "unknown time zone %q: use an IANA name such as Europe/Berlin or America/New_York", name)
			}
			return
		}
		loc, err := load(name)
		if err != nil || !zoneName(name) {
			loc = nil
			c.errorf(at, "unknown time zone %q: use an IANA name such as Europe/Berlin or America/New_York", name)
		}
		p.src.zones[name] = loc
	}
	resolve(p.Timezone, at("program", "timezone"))
	p.Location = p.src.zones[p.Timezone]
	for _, id := range p.PersonIDs {
		if tz := p.People[id].Timezone; tz != "" {
			resolve(tz, at("people", id, "timezone"))
		}
	}
	for _, id := range p.PairIDs {
		if tz := p.Pairs[id].Timezone; tz != "" {
			resolve(tz, at("pairs", id, "timezone"))
		}
	}
}

func (c *checker) checkPeople() {
	p := c.p
	byEmail := make(map[string]string, len(p.People))
	for _, id := range p.PersonIDs {
		person := p.People[id]
		if err := address.Email(person.Email); err != nil {
			c.errorf(at("people", id, "email"), "%s %v", shorten(fmt.Sprintf("%q", person.Email)), err)
		}
		key := strings.ToLower(person.Email)
		if other, dup := byEmail[key]; dup {
			c.errorf(at("people", id, "email"), "e-mail %q is already used by %s: every person needs their own address", person.Email, FormatPath("people", other))
		} else {
			byEmail[key] = id
		}
		if person.Manager != "" {
			if _, ok := p.People[person.Manager]; !ok {
				c.errorf(at("people", id, "manager"), "%q is not a declared person%s", person.Manager, c.suggestPerson(person.Manager))
			} else if person.Manager == id {
				c.errorf(at("people", id, "manager"), "a person cannot be their own manager")
			}
		}
	}
}

func (c *checker) suggestPerson(id string) string {
	// Each suggestion compares id with every person: past a few, a
	// program with thousands of broken references would take minutes.
	if c.suggested++; c.suggested > maxSuggestions {
		return ""
	}
	if best := closest(id, c.p.PersonIDs); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

func (c *checker) checkPairs() {
	p := c.p
	menteesOf := map[string][]string{}
	mentorsOf := map[string][]string{}
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		okRefs := true
		for _, role := range []struct{ field, person string }{{"mentor", pair.Mentor}, {"mentee", pair.Mentee}} {
			if _, ok := p.People[role.person]; !ok {
				okRefs = false
				c.errorf(at("pairs", id, role.field), "%q is not a declared person%s", role.person, c.suggestPerson(role.person))
			}
		}
		if pair.Mentor == pair.Mentee {
			c.errorf(at("pairs", id, "mentee"), "%q cannot mentor themselves: mentor and mentee must be different people", pair.Mentor)
			continue
		}
		for n := range pair.Sessions {
			i, _ := strconv.Atoi(n)
			if plan := p.PairPlan(id); i > len(plan) {
				c.errorf(at("pairs", id, "sessions", n), "there is no session %s: the session plan has %d sessions", n, len(plan))
			}
		}
		if !okRefs || pair.Status != StatusActive {
			continue
		}
		menteesOf[pair.Mentor] = append(menteesOf[pair.Mentor], id)
		mentorsOf[pair.Mentee] = append(mentorsOf[pair.Mentee], id)

		mentor, mentee := p.People[pair.Mentor], p.People[pair.Mentee]
		if strings.EqualFold(mentor.Department, mentee.Department) {
			msg := "mentor %s and mentee %s are both in %s: reverse mentoring works best across departments"
			switch p.Policy.CrossDepartment {
			case "require":
				c.errorf(at("pairs", id, "mentor"), msg+" (policy.crossDepartment is \"require\")", pair.Mentor, pair.Mentee, mentor.Department)
			case "warn":
				c.warnf(at("pairs", id, "mentor"), msg, pair.Mentor, pair.Mentee, mentor.Department)
			}
		}
	}
	max := p.Policy.MaxMenteesPerMentor
	for _, mentor := range sortedKeys(menteesOf) {
		pairs := menteesOf[mentor]
		if len(pairs) <= max {
			continue
		}
		// One error per mentor, at the first pair over the limit, naming a
		// few pairs: listing all of them in an error per pair made 2,000
		// pairs print 34 MB.
		c.errorf(at("pairs", pairs[max], "mentor"), "%s mentors %s active pairs (%s); policy.maxMenteesPerMentor allows %d",
			mentor, groupDigits(len(pairs)), listSome(pairs, 3), max)
	}
	for _, mentee := range sortedKeys(mentorsOf) {
		if pairs := mentorsOf[mentee]; len(pairs) > 1 {
			c.warnf(at("pairs", pairs[1], "mentee"), "%s is the mentee of %s active pairs (%s)", mentee, groupDigits(len(pairs)), listSome(pairs, 3))
		}
	}
}

// checkReportingLines reports cycles in manager chains and pairs whose
// mentor and mentee share a reporting line, in either direction: above all
// the mentee (the executive) anywhere above the mentor, who would then be
// mentoring their own boss, and a mentor above their mentee.
func (c *checker) checkReportingLines() {
	p := c.p
	// 0 = unvisited, 1 = on the current walk, 2 = done. Each person is
	// walked once, so a cycle is found and reported once; the edge that
	// closes it is cut, which leaves a forest for the checks below.
	state := make(map[string]int, len(p.People))
	cut := map[string]bool{}
	for _, start := range p.PersonIDs {
		var walk []string
		id := start
		for id != "" && state[id] == 0 {
			state[id] = 1
			walk = append(walk, id)
			next := p.People[id].Manager
			if _, ok := p.People[next]; !ok || next == id {
				next = ""
			}
			if next != "" && state[next] == 1 {
				i := indexOf(walk, next)
				cycle := append(walk[i:len(walk):len(walk)], next)
				c.errorf(at("people", id, "manager"), "manager chain loops: %s", strings.Join(cycle, " → "))
				cut[id] = true
				break
			}
			id = next
		}
		for _, w := range walk {
			state[w] = 2
		}
	}
	if p.Policy.ReportingLine == "off" {
		return
	}
	tree := newOrgTree(p, cut)
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		if pair.Status != StatusActive || pair.Mentor == pair.Mentee {
			continue
		}
		var msg string
		switch {
		case tree.above(pair.Mentee, pair.Mentor):
			msg = fmt.Sprintf("mentee %s is above mentor %s in the reporting line (%s): a mentor cannot mentor their own manager or anyone above them; pick a mentor from another reporting line",
				pair.Mentee, pair.Mentor, strings.Join(tree.chain(pair.Mentor, pair.Mentee), " → "))
		case tree.above(pair.Mentor, pair.Mentee):
			msg = fmt.Sprintf("mentor %s is above mentee %s in the reporting line (%s): pick a mentor outside the mentee's management chain",
				pair.Mentor, pair.Mentee, strings.Join(tree.chain(pair.Mentee, pair.Mentor), " → "))
		default:
			continue
		}
		if p.Policy.ReportingLine == "forbid" {
			c.errorf(at("pairs", id, "mentor"), "%s", msg)
		} else {
			c.warnf(at("pairs", id, "mentor"), "%s", msg)
		}
	}
}

// orgTree answers "is a above b in the reporting line" in constant time:
// one depth-first walk numbers every person on entry and exit, and a is
// above b when b's interval lies inside a's. That keeps the check linear
// in people and pairs however deep the hierarchy is.
type orgTree struct {
	manager func(string) string
	in, out map[string]int
}

func newOrgTree(p *Program, cut map[string]bool) *orgTree {
	t := &orgTree{in: make(map[string]int, len(p.People)), out: make(map[string]int, len(p.People))}
	t.manager = func(id string) string {
		m := p.People[id].Manager
		if _, ok := p.People[m]; !ok || m == id || cut[id] {
			return ""
		}
		return m
	}
	children := map[string][]string{}
	var roots []string
	for _, id := range p.PersonIDs {
		if m := t.manager(id); m != "" {
			children[m] = append(children[m], id)
		} else {
			roots = append(roots, id)
		}
	}
	type frame struct {
		id   string
		next int
	}
	n := 0
	for _, r := range roots {
		t.in[r] = n
		n++
		stack := []frame{{id: r}}
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if kids := children[top.id]; top.next < len(kids) {
				kid := kids[top.next]
				top.next++
				t.in[kid] = n
				n++
				stack = append(stack, frame{id: kid})
				continue
			}
			t.out[top.id] = n
			n++
			stack = stack[:len(stack)-1]
		}
	}
	return t
}

// above reports whether a is b's manager, or their manager's manager, and so on.
func (t *orgTree) above(a, b string) bool {
	ia, okA := t.in[a]
	ib, okB := t.in[b]
	return okA && okB && a != b && ia < ib && t.out[b] < t.out[a]
}

// maxChain is how many people of a long chain a message names before it
// skips to the top: deep hierarchies would otherwise make every message,
// and the check, as long as the hierarchy.
const maxChain = 4

// chain returns from, their manager, ... up to to, which must be above
// from, shortened to "a → b → c → … → to" when it is long.
func (t *orgTree) chain(from, to string) []string {
	out := []string{from}
	for id := from; id != to && id != ""; {
		id = t.manager(id)
		if len(out) == maxChain && id != to {
			return append(out, "…", to)
		}
		out = append(out, id)
	}
	return out
}

func indexOf(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

func (c *checker) checkProgramDates() {
	p := c.p
	if c.shape.within("program", "start") || c.shape.within("program", "end") || c.shape.within("program", "policy", "duration") {
		return // the length and everything dated against it need both ends
	}
	if p.End.Before(p.Start) {
		c.errorf(at("program", "end"), "the program ends (%s) before it starts (%s)", p.End, p.Start)
		return
	}
	if p.End == p.Start {
		c.errorf(at("program", "end"), "the program must end after the day it starts (%s)", p.Start)
		return
	}
	months := p.Start.MonthsUntil(p.End)
	minM, maxM := p.Policy.Duration.MinMonths, p.Policy.Duration.MaxMonths
	if months < float64(minM)-0.05 || months > float64(maxM)+0.05 {
		c.errorf(at("program", "end"), "the program runs %.1f months (%s to %s); a reverse-mentoring program runs %d to %d months (policy.duration)",
			months, p.Start, p.End, minM, maxM)
	}
	for _, id := range p.EventIDs {
		e := p.Events[id]
		if e.Date.Before(p.Start) || e.Date.After(p.End) {
			c.errorf(at("program", "events", id, "date"), "%s is outside the program (%s to %s)", e.Date, p.Start, p.End)
		}
	}
	// Kick-off opens the program and closing ends it; a midpoint lies between.
	order := []string{"kickoff", "midpoint", "closing"}
	for i, a := range order {
		ea, ok := p.Events[a]
		if !ok {
			continue
		}
		for _, b := range order[i+1:] {
			if eb, ok := p.Events[b]; ok && !ea.Date.Before(eb.Date) {
				c.errorf(at("program", "events", b, "date"), "%s (%s) must come after %s (%s)", b, eb.Date, a, ea.Date)
			}
		}
	}
	for _, id := range p.EventIDs {
		e := p.Events[id]
		if contains(order, id) {
			continue // checked against each other above
		}
		if k, ok := p.Events["kickoff"]; ok && e.Date.Before(k.Date) {
			c.errorf(at("program", "events", id, "date"), "%s (%s) is before the kick-off (%s)", id, e.Date, k.Date)
		}
		if cl, ok := p.Events["closing"]; ok && e.Date.After(cl.Date) {
			c.errorf(at("program", "events", id, "date"), "%s (%s) is after the closing event (%s)", id, e.Date, cl.Date)
		}
	}
	for _, id := range p.PairIDs {
		for n, o := range p.Pairs[id].Sessions {
			if o.Date != nil && (o.Date.Before(p.Start) || o.Date.After(p.End)) {
				c.errorf(at("pairs", id, "sessions", n, "date"), "%s is outside the program (%s to %s)", *o.Date, p.Start, p.End)
			}
		}
	}
}

func (c *checker) checkTutorials() {
	p := c.p
	used := map[string]bool{}
	for i, e := range p.Sessions.Plan {
		for j, t := range e.Tutorials {
			used[t] = true
			if _, ok := p.Tutorials[t]; !ok {
				hint := ""
				if best := closest(t, p.TutorialIDs); best != "" {
					hint = fmt.Sprintf(" (did you mean %q?)", best)
				}
				c.errorf(at("program", "sessions", "plan", Index(i), "tutorials", Index(j)), "%q is not a declared tutorial%s", t, hint)
			}
		}
	}
	for t := range c.pairTutorials() {
		used[t] = true
	}
	for _, id := range p.TutorialIDs {
		if !used[id] {
			c.warnf(at("program", "tutorials", id), "tutorial %s is not used by any session of the plan, so nobody receives it", id)
		}
	}
}

func (c *checker) checkMoved() {
	p := c.p
	exists := func(ref string) bool {
		kind, id, _ := strings.Cut(ref, "/")
		if kind == "pair" {
			_, ok := p.Pairs[id]
			return ok
		}
		_, ok := p.Events[id]
		return ok
	}
	from, to := map[string]bool{}, map[string]bool{}
	for _, m := range p.Moved {
		to[m.To] = false
	}
	for i, m := range p.Moved {
		where := at("moved", Index(i))
		fk, _, _ := strings.Cut(m.From, "/")
		tk, _, _ := strings.Cut(m.To, "/")
		switch {
		case fk != tk:
			c.errorf(where, "cannot move a %s to a %s", fk, tk)
		case exists(m.From):
			c.errorf(append(where, "from"), "%s still exists: a moved block renames something that is gone", m.From)
		case !exists(m.To):
			c.errorf(append(where, "to"), "%s is not declared", m.To)
		case from[m.From]:
			c.errorf(append(where, "from"), "%s is moved twice", m.From)
		case to[m.To]:
			c.errorf(append(where, "to"), "%s is the target of two moves: each renamed %s needs its own new id", m.To, fk)
		default:
			if _, chained := to[m.From]; chained {
				c.errorf(append(where, "from"), "%s is also the target of a move: rename in one step, from the oldest id to the newest", m.From)
			}
		}
		from[m.From], to[m.To] = true, true
	}
}

// checkSessions places every session of every active pair and checks it lies
// within the program and within working hours for both participants.
func (c *checker) checkSessions() {
	p := c.p
	wh := p.Policy.WorkingHours
	reportedPlan := map[int]bool{}
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		if !c.pairReady(id) {
			continue
		}
		var offHours, unfit []string
		firstOff := ""
		for _, s := range p.Schedule(id) {
			if s.Unfit && pair.Plan == nil { // an own plan: checkPairPlanFits
				unfit = append(unfit, fmt.Sprintf("%d (%s)", s.Number, s.Entry.Title))
			}
			if !s.Held() {
				continue
			}
			day := DateOf(s.Start)
			if day.After(p.End) || day.Before(p.Start) {
				switch {
				case s.Moved:
					// reported by checkProgramDates
				case pair.Slot == nil:
					if !reportedPlan[s.Number] {
						reportedPlan[s.Number] = true
						c.errorf(at("program", "sessions", "plan", Index(s.Number-1)),
							"session %d falls on %s, after the program ends (%s): shorten the plan or extend the program", s.Number, day, p.End)
					}
				default:
					c.errorf(at("pairs", id, "slot"), "session %d falls on %s, outside the program (%s to %s)", s.Number, day, p.Start, p.End)
				}
				continue
			}
			for _, who := range []string{pair.Mentor, pair.Mentee} {
				loc := p.PersonZone(who)
				from, to := s.Start.In(loc), s.End.In(loc)
				if !p.InWorkingHours(s.Start, s.End, loc) {
					if s.Moved {
						// A session the user moved by hand is reported at
						// its override, on its own.
						c.errorf(at("pairs", id, "sessions", strconv.Itoa(s.Number)),
							"session %d on %s at %s–%s is %s–%s for %s (%s), outside working hours %s–%s; choose another time",
							s.Number, DateOf(from), s.Start.Format("15:04"), s.End.Format("15:04"),
							from.Format("15:04"), to.Format("15:04"), who, loc, wh.From, wh.To)
						break
					}
					if firstOff == "" {
						firstOff = fmt.Sprintf("session %d on %s at %s–%s is %s–%s for %s (%s), outside working hours %s–%s",
							s.Number, DateOf(from), s.Start.Format("15:04"), s.End.Format("15:04"),
							from.Format("15:04"), to.Format("15:04"), who, loc, wh.From, wh.To)
					}
					offHours = append(offHours, strconv.Itoa(s.Number))
					break
				}
			}
		}
		if firstOff != "" {
			where := at("pairs", id)
			if pair.Slot != nil {
				where = at("pairs", id, "slot")
			}
			msg := firstOff
			if len(offHours) > 1 {
				msg += fmt.Sprintf(" (sessions %s all are)", listSome(offHours, 12))
			}
			c.errorf(where, "%s; set a pair slot or time zone that suits both", msg)
		}
		if len(unfit) > 0 {
			which := "session " + unfit[0]
			if n := len(unfit); n > 1 {
				which = "sessions " + strings.Join(unfit[:n-1], ", ") + " and " + unfit[n-1]
			}
			c.warnf(at("pairs", id, "start"), "the pair joins on %s and gets its whole plan from session 1, but it does not fit before the program ends (%s): %s will not take place",
				pair.Start, p.End, which)
		}
	}
}

// checkPairDates checks a pair's start and end: inside the program, and
// the end after the start.
func (c *checker) checkPairDates() {
	p := c.p
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		for _, f := range []struct {
			name string
			day  *Date
		}{{"start", pair.Start}, {"end", pair.End}} {
			if f.day != nil && (f.day.Before(p.Start) || f.day.After(p.End)) {
				c.errorf(at("pairs", id, f.name), "%s is outside the program (%s to %s)", *f.day, p.Start, p.End)
			}
		}
		if pair.Start != nil && pair.End != nil && !pair.Start.Before(*pair.End) {
			c.errorf(at("pairs", id, "end"), "the pair's end (%s) must come after its start (%s)", *pair.End, *pair.Start)
		}
		if pair.Start == nil {
			continue
		}
		for _, n := range sortedKeys(pair.Sessions) {
			if o := pair.Sessions[n]; o.Date != nil && o.Date.Before(*pair.Start) {
				c.errorf(at("pairs", id, "sessions", n, "date"), "session %s is moved to %s, before the pair joins (start %s)", n, *o.Date, *pair.Start)
			}
		}
	}
}

// booking is one entry in a person's calendar: a session of a pair or a
// program event. Its description and position are made only when it is
// reported: there are hundreds of thousands in a large program.
type booking struct {
	start, end time.Time
	pair       string // "" for an event
	number     int    // session number
	event      string
	moved      bool // a per-pair override placed it
}

func (b booking) what() string {
	if b.pair == "" {
		return "event " + b.event
	}
	return fmt.Sprintf("session %d of pair %s", b.number, b.pair)
}

func (b booking) at() []string {
	switch {
	case b.pair == "":
		return at("program", "events", b.event)
	case b.moved:
		return at("pairs", b.pair, "sessions", strconv.Itoa(b.number))
	}
	return at("pairs", b.pair)
}

// checkOverlaps reports two calendar entries of one person that overlap.
func (c *checker) checkOverlaps() {
	p := c.p
	byPerson := make(map[string][]booking, len(p.People))
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		if !c.pairReady(id) {
			continue
		}
		for _, s := range p.Schedule(id) {
			if !s.Held() {
				continue
			}
			b := booking{start: s.Start, end: s.End, pair: id, number: s.Number, moved: s.Moved}
			byPerson[pair.Mentor] = append(byPerson[pair.Mentor], b)
			byPerson[pair.Mentee] = append(byPerson[pair.Mentee], b)
		}
	}
	for _, id := range p.EventIDs {
		if c.shape.within("program", "events", id) {
			continue
		}
		start, end := p.EventTimes(id)
		b := booking{start: start, end: end, event: id}
		for _, who := range p.EventPeople(id) {
			byPerson[who] = append(byPerson[who], b)
		}
	}
	reported := map[string]bool{}
	for _, who := range sortedKeys(byPerson) {
		bs := byPerson[who]
		// Ties broken by name keep the output stable run to run.
		sort.SliceStable(bs, func(i, j int) bool {
			if !bs[i].start.Equal(bs[j].start) {
				return bs[i].start.Before(bs[j].start)
			}
			return bs[i].what() < bs[j].what()
		})
		// Compare each booking with the one ending last so far, not just its
		// neighbour: a long session can overlap several that follow it.
		latest, perPerson := 0, 0
		for i := 1; i < len(bs); i++ {
			blame, other := bs[i], bs[latest]
			if bs[i].end.After(bs[latest].end) {
				latest = i
			}
			if !blame.start.Before(other.end) {
				continue
			}
			// Blame the entry the user placed by hand, a moved session,
			// rather than the regular slot or event it ran into.
			if other.moved && !blame.moved {
				blame, other = other, blame
			}
			key := blame.what() + "|" + other.what()
			if reported[key] {
				continue
			}
			reported[key] = true
			if perPerson++; perPerson > maxOverlaps {
				continue
			}
			c.errorf(blame.at(), "%s overlaps %s for %s on %s", blame.what(), other.what(), who, DateOf(blame.start.In(p.PersonZone(who))))
		}
		if more := perPerson - maxOverlaps; more > 0 {
			c.errorf(at("people", who), "%s has %s more overlapping appointments than the %d listed", who, groupDigits(more), maxOverlaps)
		}
	}
}

// checkAcross runs the checks that span programs.
func checkAcross(progs []*Program) Diagnostics {
	var diags Diagnostics
	seen := map[string]*Program{}
	for _, p := range progs {
		if other, dup := seen[p.ID]; dup {
			diags = append(diags, Diagnostic{Severity: Error, Pos: p.pos("program", "id"), Path: "program.id",
				Message: fmt.Sprintf("program id %q is already used by %s: ids must be unique across the repository", p.ID, other.src.dir)})
			continue
		}
		seen[p.ID] = p
	}
	return diags
}
