// Package match owns `rmctl match`: it proposes mentor/mentee pairs for the
// people of a program marked `role: "mentor"` or `role: "mentee"` who are not
// yet paired, and explains each proposal and each mentee it cannot place.
//
// A proposal never breaks a hard rule: neither person sits in the other's
// reporting line, a mentor takes no more than policy.maxMenteesPerMentor
// active or paused pairs, departments differ under crossDepartment
// "require", the two share a language, and every session of the plan falls
// inside both people's working hours (at the program's slot time or, when
// that does not suit both, another time of the same day). Among the pairs
// the rules allow, it takes the assignment that first places as many
// mentees as possible and then has the highest total score of the soft
// preferences weighted in program.matching.
//
// The assignment is solved exactly, not greedily, by the Hungarian
// algorithm in assign.go: a mentor with room for k more mentees stands for
// k columns. The package carries its own 60-line solver because no
// maintained Go module for it could be used here: gonum has no assignment
// or min-cost-flow solver, and its dense simplex (optimize/convex/lp) would
// need a (mentees+mentors) × pairs tableau, about 2 GB for 500 × 500; the Go
// Hungarian modules (oddg/hungarian-algorithm, arthurkushman/go-hungarian,
// charles-haynes/munkres) are not served by the module proxy. The tests
// check the solver against brute force and against gonum's simplex (the
// assignment polytope is integral, so the LP optimum is the optimum).
//
// The result is a value, Proposal; render.go turns it into text, JSON or
// the CUE file for a pull request. Same program, same proposal: people are
// taken in id order and ties go to the lower id.
package match

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rmctl/rmctl/schema"
)

// Version is the version of the JSON form of a Proposal.
const Version = 1

// The hard rules, in the order a candidate mentor is checked against them;
// they name why a mentor cannot take a mentee.
const (
	RuleAvoid         = "avoid"         // --avoid excludes the pairing
	RuleReportingLine = "reportingLine" // one sits in the other's manager chain
	RuleDepartment    = "crossDepartment"
	RuleLanguage      = "language"
	RuleWorkingHours  = "workingHours"
	RuleLoad          = "load"     // the mentor is full
	RuleTaken         = "taken"    // allowed, but the optimum gave the mentor to others
	RuleCalendar      = "calendar" // no session time left free in both calendars
)

// The soft preferences, named like their weights in program.matching.
const (
	PrefInterests       = "interests"
	PrefCrossDepartment = "crossDepartment"
	PrefSeniority       = "seniority"
	PrefTimezoneOverlap = "timezoneOverlap"
)

// Options are the user's instructions beyond the program.
type Options struct {
	// Pins are [mentor, mentee] pairs that must be part of the proposal.
	Pins [][2]string
	// Avoids are pairings that must not be proposed, in either order.
	Avoids [][2]string
}

// Proposal is what match proposes for one program.
type Proposal struct {
	Program   string          `json:"program"`
	Weights   schema.Matching `json:"weights"`
	Pairs     []Pair          `json:"pairs"`     // new pairs, by id
	Unmatched []Unmatched     `json:"unmatched"` // mentees left without a mentor, by id
	Score     float64         `json:"score"`     // sum of the pairs' scores
}

// Pair is one proposed pair.
type Pair struct {
	ID     string        `json:"id"`
	Mentor string        `json:"mentor"`
	Mentee string        `json:"mentee"`
	Pinned bool          `json:"pinned,omitempty"`
	Time   *schema.Clock `json:"time,omitempty"` // slot time, when the program's does not suit both
	Score  float64       `json:"score"`
	// Reasons are the soft preferences the pair earned points for.
	Reasons []Reason `json:"reasons"`
}

// Reason is one soft preference a pair scores on.
type Reason struct {
	Preference string  `json:"preference"` // a Pref* name
	Points     float64 `json:"points"`
	Detail     string  `json:"detail"`
}

// Unmatched is a mentee match could not place, and why.
type Unmatched struct {
	Mentee string `json:"mentee"`
	Reason string `json:"reason"`
	// Blocked counts the mentors each rule (a Rule* name) rules out.
	Blocked map[string]int `json:"blocked"`
}

// Propose matches the unpaired mentees of p with mentors. p must be valid
// (loaded without errors). Pins that break a hard rule or name people who
// cannot be paired are errors; nothing is proposed then.
func Propose(p *schema.Program, opts Options) (*Proposal, error) {
	m, err := newMatcher(p, opts)
	if err != nil {
		return nil, err
	}
	return m.propose(), nil
}

// matcher holds one program's people as indexes, and what it learned
// about them.
type matcher struct {
	p    *schema.Program
	opts Options

	mentors, mentees []string       // free mentors (room left) and unpaired mentees, by id
	capacity         map[string]int // room left per mentor, after pins
	avoid            map[[2]string]bool
	above            map[string]map[string]bool // person → everyone above them
	depth            map[string]int             // managers above a person
	maxDepth         int
	fits             map[[2]string]fit // by pair zone and mentor zone
	langs            map[string][]string
	topics           map[string]interestSet
	zone             map[string]string // time zone name
	pins             []Pair
	usedIDs          map[string]bool
}

func newMatcher(p *schema.Program, opts Options) (*matcher, error) {
	m := &matcher{
		p: p, opts: opts,
		capacity: map[string]int{},
		avoid:    map[[2]string]bool{},
		above:    make(map[string]map[string]bool, len(p.People)),
		depth:    make(map[string]int, len(p.People)),
		fits:     map[[2]string]fit{},
		langs:    make(map[string][]string, len(p.People)),
		topics:   make(map[string]interestSet, len(p.People)),
		zone:     make(map[string]string, len(p.People)),
		usedIDs:  map[string]bool{},
	}
	for _, id := range p.PersonIDs {
		chain := schema.ManagerChain(p.People, id)
		set := make(map[string]bool, len(chain))
		for _, c := range chain {
			set[c] = true
		}
		m.above[id], m.depth[id] = set, len(chain)
		m.maxDepth = max(m.maxDepth, len(chain))
		m.langs[id] = languagesOf(p, id)
		m.topics[id] = interests(p.People[id].Interests)
		m.zone[id] = p.PersonZone(id).String()
	}
	for _, id := range p.PairIDs {
		m.usedIDs[id] = true
	}
	for _, mv := range p.Moved {
		// A new pair must not take an id a moved block names.
		for _, ref := range []string{mv.From, mv.To} {
			if id, ok := strings.CutPrefix(ref, "pair/"); ok {
				m.usedIDs[id] = true
			}
		}
	}

	// Who is taken: a mentee in an active or paused pair has a mentor; a
	// mentor's load counts those pairs too, so a paused pair that resumes
	// does not overload its mentor.
	paired := map[string]bool{}
	load := map[string]int{}
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		if pair.Status == schema.StatusEnded {
			continue
		}
		paired[pair.Mentee] = true
		load[pair.Mentor]++
	}
	for _, a := range opts.Avoids {
		for _, id := range a {
			if _, ok := p.People[id]; !ok {
				return nil, fmt.Errorf("--avoid %s,%s: %q is not a declared person", a[0], a[1], id)
			}
		}
		m.avoid[[2]string{a[0], a[1]}], m.avoid[[2]string{a[1], a[0]}] = true, true
	}
	maxLoad := p.Policy.MaxMenteesPerMentor
	for _, id := range p.PersonIDs {
		if p.People[id].Role == schema.RoleMentor {
			m.capacity[id] = max(0, maxLoad-load[id])
		}
	}
	pinned := map[string]bool{}
	for _, pin := range opts.Pins {
		mentor, mentee := pin[0], pin[1]
		what := fmt.Sprintf("--pin %s,%s", mentor, mentee)
		for _, id := range pin {
			if _, ok := p.People[id]; !ok {
				return nil, fmt.Errorf("%s: %q is not a declared person", what, id)
			}
		}
		switch {
		case mentor == mentee:
			return nil, fmt.Errorf("%s: a person cannot mentor themselves", what)
		case paired[mentee] || pinned[mentee]:
			return nil, fmt.Errorf("%s: %s already has a mentor", what, mentee)
		case p.People[mentor].Role == schema.RoleMentee || p.People[mentee].Role == schema.RoleMentor:
			return nil, fmt.Errorf("%s: give the mentor first, then the mentee (their roles say otherwise)", what)
		}
		if _, ok := m.capacity[mentor]; !ok {
			// A pinned mentor without role "mentor" has room like anyone.
			m.capacity[mentor] = max(0, maxLoad-load[mentor])
		}
		if rule, detail := m.check(mentor, mentee); rule != "" {
			return nil, fmt.Errorf("%s breaks a hard rule: %s", what, detail)
		}
		m.capacity[mentor]--
		pinned[mentee] = true
		m.pins = append(m.pins, Pair{Mentor: mentor, Mentee: mentee, Pinned: true})
	}
	for _, id := range p.PersonIDs {
		person := p.People[id]
		switch {
		case person.Role == schema.RoleMentee && !paired[id] && !pinned[id]:
			m.mentees = append(m.mentees, id)
		case person.Role == schema.RoleMentor:
			m.mentors = append(m.mentors, id)
		}
	}
	return m, nil
}

func (m *matcher) propose() *Proposal {
	prop := &Proposal{Program: m.p.ID, Weights: m.p.Matching, Pairs: []Pair{}, Unmatched: []Unmatched{}}
	pairs, blocked := m.solve()
	matched := map[string]bool{}
	for _, pr := range pairs {
		matched[pr.Mentee] = true
	}

	// Session times: a mentor with several mentees, or with pairs already,
	// must not meet two of them at once.
	pairs, lost := m.placeSessions(pairs)
	for i := range pairs {
		pr := &pairs[i]
		s, reasons := m.score(pr.Mentor, pr.Mentee)
		pr.Score, pr.Reasons = float64(s)/1000, reasons
		pr.ID = m.pairID(pr.Mentor, pr.Mentee)
		prop.Score += pr.Score
	}
	slices.SortFunc(pairs, func(a, b Pair) int { return strings.Compare(a.ID, b.ID) })
	prop.Pairs = pairs

	for _, mentee := range sortedKeys(lost) {
		prop.Unmatched = append(prop.Unmatched, Unmatched{Mentee: mentee, Reason: lost[mentee], Blocked: map[string]int{RuleCalendar: 1}})
	}
	for i, mentee := range m.mentees {
		switch {
		case lost[mentee] != "":
			// listed above
		case !matched[mentee]:
			b := blocked[i]
			if allowed := len(m.mentors) - total(b); allowed > 0 {
				b[RuleTaken] = allowed
			}
			prop.Unmatched = append(prop.Unmatched, Unmatched{Mentee: mentee, Reason: m.explain(mentee, b), Blocked: b})
		}
	}
	slices.SortFunc(prop.Unmatched, func(a, b Unmatched) int { return strings.Compare(a.Mentee, b.Mentee) })
	return prop
}

// solve returns the pins and the optimal assignment of the other mentees,
// and per mentee how many mentors each hard rule ruled out.
func (m *matcher) solve() ([]Pair, []map[string]int) {
	// Which mentor may take which mentee, and for how many points.
	nm := len(m.mentors)
	score := make([]int64, len(m.mentees)*nm) // milli-points + 1; 0 = not allowed
	blocked := make([]map[string]int, len(m.mentees))
	for i, mentee := range m.mentees {
		blocked[i] = map[string]int{}
		for j, mentor := range m.mentors {
			if rule, _ := m.check(mentor, mentee); rule != "" {
				blocked[i][rule]++
				continue
			}
			s, _ := m.score(mentor, mentee)
			score[i*nm+j] = s + 1
		}
	}

	// Rows are the mentees some mentor may take; a mentor with room for k
	// stands for min(k, the mentees it may take) columns.
	var rows []int
	for i := range m.mentees {
		for j := range nm {
			if score[i*nm+j] > 0 {
				rows = append(rows, i)
				break
			}
		}
	}
	var cols []int // mentor index per column
	for j, mentor := range m.mentors {
		n := 0
		for _, i := range rows {
			if score[i*nm+j] > 0 {
				n++
			}
		}
		for range min(n, m.capacity[mentor]) {
			cols = append(cols, j)
		}
	}
	// Placing one more mentee is worth more than any sum of scores, so the
	// optimum places as many as possible first and scores second.
	var best int64
	for _, s := range score {
		best = max(best, s)
	}
	placed := best*int64(len(rows)+1) + 1
	got := assign(len(rows), len(cols), func(r, c int) int64 {
		if s := score[rows[r]*nm+cols[c]]; s > 0 {
			return placed + s
		}
		return 0
	})

	pairs := slices.Clone(m.pins)
	for r, c := range got {
		if c >= 0 {
			pairs = append(pairs, Pair{Mentor: m.mentors[cols[c]], Mentee: m.mentees[rows[r]]})
		}
	}
	return pairs, blocked
}

func total(b map[string]int) int {
	n := 0
	for _, v := range b {
		n += v
	}
	return n
}

// pairID names a new pair the way the examples do, mentor's first name then
// the mentee's ("lena-katharina"), falling back to both full ids, then to a
// number, when that is taken.
func (m *matcher) pairID(mentor, mentee string) string {
	first := func(id string) string {
		if i := strings.IndexAny(id, "._-"); i > 0 {
			return id[:i]
		}
		return id
	}
	for _, id := range []string{first(mentor) + "-" + first(mentee), mentor + "-" + mentee} {
		if !m.usedIDs[id] {
			m.usedIDs[id] = true
			return id
		}
	}
	for n := 2; ; n++ {
		if id := fmt.Sprintf("%s-%s-%d", mentor, mentee, n); !m.usedIDs[id] {
			m.usedIDs[id] = true
			return id
		}
	}
}

// languages returns the languages a person can hold a session in.
func (m *matcher) languages(id string) []string { return m.langs[id] }

func languagesOf(p *schema.Program, id string) []string {
	person := p.People[id]
	switch {
	case len(person.Languages) > 0:
		return person.Languages
	case person.Language != "":
		return []string{person.Language}
	}
	return []string{p.Language}
}

// explain turns the count of blocked mentors into one sentence.
func (m *matcher) explain(mentee string, b map[string]int) string {
	n := total(b)
	if n == 0 {
		return "no person has role \"mentor\""
	}
	if len(b) == 1 {
		for rule := range b {
			return m.explainAll(mentee, rule, n)
		}
	}
	var parts []string
	for _, rule := range []string{RuleAvoid, RuleReportingLine, RuleDepartment, RuleLanguage, RuleWorkingHours, RuleLoad, RuleTaken} {
		if c := b[rule]; c > 0 {
			parts = append(parts, m.explainSome(mentee, rule, c))
		}
	}
	return fmt.Sprintf("none of the %d mentors fits: %s", n, strings.Join(parts, ", "))
}

func (m *matcher) explainAll(mentee, rule string, n int) string {
	person := m.p.People[mentee]
	switch rule {
	case RuleAvoid:
		return "every mentor is excluded by --avoid"
	case RuleReportingLine:
		if n == 1 {
			return "the only mentor is in their reporting line"
		}
		return fmt.Sprintf("all %d mentors are in their reporting line", n)
	case RuleDepartment:
		return fmt.Sprintf("every mentor is in %s too, and policy.crossDepartment is \"require\"", person.Department)
	case RuleLanguage:
		return fmt.Sprintf("no mentor shares a language (%s)", strings.Join(m.languages(mentee), ", "))
	case RuleWorkingHours:
		return fmt.Sprintf("no mentor has a session time inside both working hours (%s–%s) every month; %s works in %s",
			m.p.Policy.WorkingHours.From, m.p.Policy.WorkingHours.To, mentee, m.p.PersonZone(mentee))
	case RuleLoad:
		return fmt.Sprintf("every mentor is full (policy.maxMenteesPerMentor is %d)", m.p.Policy.MaxMenteesPerMentor)
	case RuleTaken:
		return fmt.Sprintf("the %d mentors who fit are needed by other mentees (no matching places everyone)", n)
	}
	return rule
}

func (m *matcher) explainSome(mentee, rule string, n int) string {
	switch rule {
	case RuleAvoid:
		return fmt.Sprintf("%d excluded by --avoid", n)
	case RuleReportingLine:
		return fmt.Sprintf("%d in their reporting line", n)
	case RuleDepartment:
		return fmt.Sprintf("%d in the same department (%s)", n, m.p.People[mentee].Department)
	case RuleLanguage:
		return fmt.Sprintf("%d share no language (%s)", n, strings.Join(m.languages(mentee), ", "))
	case RuleWorkingHours:
		return fmt.Sprintf("%d without a session time in both working hours", n)
	case RuleLoad:
		return fmt.Sprintf("%d full", n)
	case RuleTaken:
		return fmt.Sprintf("%d needed by other mentees", n)
	}
	return rule
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
