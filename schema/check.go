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
	suggested int // "did you mean" suggestions made
}

func (c *checker) errorf(path []string, format string, args ...any) {
	c.add(Error, path, format, args...)
}

func (c *checker) warnf(path []string, format string, args ...any) {
	c.add(Warning, path, format, args...)
}

func (c *checker) add(sev Severity, path []string, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{
		Severity: sev,
		Pos:      c.p.pos(path...),
		Path:     FormatPath(path...),
		Message:  fmt.Sprintf(format, args...),
	})
}

func at(segs ...string) []string { return segs }

// check runs the semantic checks of one decoded program.
func (l *Loader) check(p *Program) Diagnostics {
	c := &checker{p: p}
	c.checkIDs()
	c.checkZones(l.LoadLocation)
	c.checkPeople()
	c.checkPairs()
	c.checkReportingLines()
	c.checkProgramDates()
	c.checkTutorials()
	c.checkMoved()
	c.checkValues()
	// Calendar checks build on valid references and zones; on a program
	// with broken references they would only repeat those errors.
	if !c.diags.HasErrors() {
		c.checkSessions()
		c.checkOverlaps()
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
			if i > len(p.Sessions.Plan) {
				c.errorf(at("pairs", id, "sessions", n), "there is no session %s: the session plan has %d sessions", n, len(p.Sessions.Plan))
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

// checkReportingLines reports cycles in manager chains and mentors who sit
// in their mentee's chain: a mentee's boss cannot be the junior mentor the
// program relies on.
func (c *checker) checkReportingLines() {
	p := c.p
	// 0 = unvisited, 1 = on the current walk, 2 = done. Each person is
	// walked once, so a cycle is found and reported once.
	state := make(map[string]int, len(p.People))
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
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		if pair.Status != StatusActive {
			continue
		}
		seen := map[string]bool{}
		for m := p.People[pair.Mentee].Manager; m != "" && !seen[m]; m = p.People[m].Manager {
			seen[m] = true
			if m != pair.Mentor {
				continue
			}
			msg := "%s is in the reporting line of their mentee %s; pick a mentor outside the mentee's management chain"
			if p.Policy.ReportingLine == "forbid" {
				c.errorf(at("pairs", id, "mentor"), msg, pair.Mentor, pair.Mentee)
			} else {
				c.warnf(at("pairs", id, "mentor"), msg, pair.Mentor, pair.Mentee)
			}
			break
		}
	}
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
		if pair.Status != StatusActive {
			continue
		}
		var offHours []string
		firstOff := ""
		for _, s := range p.Schedule(id) {
			if s.Skipped {
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
				startMin := from.Hour()*60 + from.Minute()
				endMin := startMin + int(s.End.Sub(s.Start).Minutes())
				if startMin < wh.From.Minutes() || endMin > wh.To.Minutes() {
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
		if pair.Status != StatusActive {
			continue
		}
		for _, s := range p.Schedule(id) {
			if s.Skipped {
				continue
			}
			b := booking{start: s.Start, end: s.End, pair: id, number: s.Number, moved: s.Moved}
			byPerson[pair.Mentor] = append(byPerson[pair.Mentor], b)
			byPerson[pair.Mentee] = append(byPerson[pair.Mentee], b)
		}
	}
	active := p.ActivePeople()
	for _, id := range p.EventIDs {
		start, end := p.EventTimes(id)
		b := booking{start: start, end: end, event: id}
		for _, who := range active {
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
