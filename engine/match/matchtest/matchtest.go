// Package matchtest generates random programs for `rmctl match` tests and
// benchmarks: mentees and mentors in several time zones and departments,
// with reporting chains that cross between the two groups, languages,
// interests and a few pairs declared already. The same seed gives the same
// files; every program validates.
package matchtest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Config says how large a program to make.
type Config struct {
	Seed    uint64
	Mentees int
	Mentors int
	// MaxLoad is policy.maxMenteesPerMentor; 0 picks 1 or 2 at random.
	MaxLoad int
	// Declared is how many pairs to declare already (at most one per mentor).
	Declared int
}

var (
	zones       = []string{"Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "Asia/Singapore", "America/Los_Angeles"}
	departments = []string{"IT", "Marketing", "Finance", "Sales", "HR", "Production", "Data"}
	topics      = []string{"AI", "Social Media", "Cloud", "Data", "Podcasts", "Gaming", "Video", "Security", "Remote Work", "Automation", "Design", "Open Source"}
	policies    = []string{"warn", "require", "off"}
)

type person struct {
	id, dept, zone, manager, role string
	langs                         []string
	single                        bool // write the one language as `language`
	interests                     []string
}

// Program returns the files of a generated program, by name.
func Program(c Config) map[string]string {
	r := rand.New(rand.NewPCG(c.Seed, 0x6d61746368))
	maxLoad := c.MaxLoad
	if maxLoad == 0 {
		maxLoad = 1 + r.IntN(2)
	}
	cross := policies[r.IntN(len(policies))]

	var people []*person
	mk := func(prefix string, i int, role string) *person {
		p := &person{id: fmt.Sprintf("%s%03d", prefix, i), role: role,
			dept: departments[r.IntN(len(departments))], zone: zones[r.IntN(len(zones))]}
		switch x := r.IntN(10); {
		case x < 6:
			p.langs = []string{"en"}
		case x < 8:
			p.langs = []string{"de", "en"}
		default:
			p.langs = []string{"de"}
		}
		p.single = len(p.langs) == 1 && r.IntN(2) == 0
		for range r.IntN(4) {
			t := topics[r.IntN(len(topics))]
			if r.IntN(3) == 0 {
				t = strings.ToLower(t)
			}
			p.interests = append(p.interests, t)
		}
		return p
	}
	var mentees, mentors []*person
	for i := range c.Mentees {
		p := mk("exec", i, "mentee")
		if i > 0 && r.IntN(5) > 0 {
			p.manager = mentees[r.IntN(i)].id // executives report to executives
		}
		mentees = append(mentees, p)
	}
	for i := range c.Mentors {
		p := mk("dev", i, "mentor")
		switch x := r.IntN(3); {
		case x == 0 && i > 0:
			p.manager = mentors[r.IntN(i)].id
		case x == 1 && len(mentees) > 0:
			p.manager = mentees[r.IntN(len(mentees))].id // a mentor below an executive
		}
		mentors = append(mentors, p)
	}
	people = append(append(people, mentees...), mentors...)
	byID := map[string]*person{}
	for _, p := range people {
		byID[p.id] = p
	}
	above := func(a, b string) bool { // is b above a?
		for m := byID[a].manager; m != ""; m = byID[m].manager {
			if m == b {
				return true
			}
		}
		return false
	}

	// Declared pairs: both in Berlin at the default slot, so they validate
	// without a slot of their own; one per mentor and mentee.
	var pairs [][2]string
	used := map[string]bool{}
	for _, e := range mentees {
		if len(pairs) >= c.Declared {
			break
		}
		for _, m := range mentors {
			if used[m.id] || used[e.id] || m.zone != "Europe/Berlin" || e.zone != "Europe/Berlin" ||
				above(m.id, e.id) || above(e.id, m.id) || cross == "require" && strings.EqualFold(m.dept, e.dept) {
				continue
			}
			used[m.id], used[e.id] = true, true
			pairs = append(pairs, [2]string{m.id, e.id})
			break
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "package gen\n\npeople: {\n")
	for _, p := range people {
		fmt.Fprintf(&b, "\t%q: {name: %q, email: \"%s@example.com\", department: %q, timezone: %q, role: %q",
			p.id, strings.ToUpper(p.id[:1])+p.id[1:], p.id, p.dept, p.zone, p.role)
		if p.manager != "" {
			fmt.Fprintf(&b, ", manager: %q", p.manager)
		}
		if p.single {
			fmt.Fprintf(&b, ", language: %q", p.langs[0])
		} else {
			fmt.Fprintf(&b, ", languages: [%s]", quoteAll(p.langs))
		}
		if len(p.interests) > 0 {
			fmt.Fprintf(&b, ", interests: [%s]", quoteAll(p.interests))
		}
		b.WriteString("}\n")
	}
	b.WriteString("}\n")
	peopleCUE := b.String()

	b.Reset()
	b.WriteString("package gen\n\npairs: {\n")
	for _, pr := range pairs {
		fmt.Fprintf(&b, "\t%q: {mentor: %q, mentee: %q}\n", "declared-"+pr[0], pr[0], pr[1])
	}
	b.WriteString("}\n")

	return map[string]string{
		"program.cue": fmt.Sprintf(programCUE, maxLoad, cross),
		"people.cue":  peopleCUE,
		"pairs.cue":   b.String(),
	}
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

const programCUE = `package gen

program: {
	id:       "gen"
	title:    "Generated"
	language: "en"
	timezone: "Europe/Berlin"
	start:    "2027-03-01"
	end:      "2027-07-31"
	organizer: {name: "HR", email: "hr@example.com"}
	events: kickoff: {title: "Kick-off", date: "2027-03-03", time: "10:00", duration: "2h"}
	sessions: {
		slot: {week: 2, weekday: "tuesday", time: "16:00", duration: "60m"}
		plan: [for n in [1, 2, 3, 4, 5] {title: "Session \(n)", topics: [], tutorials: []}]
	}
	policy: {maxMenteesPerMentor: %d, crossDepartment: %q}
}
`
