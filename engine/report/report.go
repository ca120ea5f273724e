// Package report owns the progress report for management: per pair, per
// person and per program, how many sessions are planned, were sent, have
// taken place, were skipped or cancelled, how attendees replied, and how
// many tutorials and feedback requests went out.
//
// It counts a timeline (engine/timeline), so the report and the picture
// always agree on what was sent and what took place. The value is plain
// data with a stable JSON form; engine/view renders it as text, markdown
// and CSV.
package report

import (
	"sort"
	"strings"
	"time"

	"github.com/rmctl/rmctl/engine/timeline"
)

// Counts are the figures of one row.
type Counts struct {
	// Planned sessions: declared to happen (or to have happened), neither
	// skipped nor cancelled.
	Planned int `json:"planned"`
	// Sent sessions: invitations recorded in state.
	Sent int `json:"sent"`
	// Taken sessions: over by the report's date and not skipped or cancelled.
	Taken int `json:"takenPlace"`
	// Skipped sessions: a per-pair override skips them.
	Skipped int `json:"skipped"`
	// Cancelled sessions: the pair is paused or ended.
	Cancelled int `json:"cancelled"`
	// Replies of attendees to sent sessions, as `rmctl sync replies`
	// recorded them; no reply (or a tentative one) counts as NoReply.
	Accepted int `json:"accepted"`
	Declined int `json:"declined"`
	NoReply  int `json:"replyUnknown"`
	// Tutorials assigned (declared or sent, not cancelled).
	Tutorials int `json:"tutorials"`
	// Feedback requests sent (in state, not cancelled). A person's count
	// includes their requests on the whole program; a pair's does not.
	Feedback int `json:"feedbackRequested"`
}

func (c *Counts) add(o Counts) {
	c.Planned += o.Planned
	c.Sent += o.Sent
	c.Taken += o.Taken
	c.Skipped += o.Skipped
	c.Cancelled += o.Cancelled
	c.Accepted += o.Accepted
	c.Declined += o.Declined
	c.NoReply += o.NoReply
	c.Tutorials += o.Tutorials
	c.Feedback += o.Feedback
}

// Report is the progress of the loaded programs at one moment.
type Report struct {
	At       time.Time `json:"at"`
	Programs []Program `json:"programs"`
	// Totals over every program.
	Totals Counts `json:"totals"`
}

// Program is one program's part of the report.
type Program struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Pairs  []Pair   `json:"pairs"`
	People []Person `json:"people"`
	// Events: joint events declared, sent and over.
	Events     int `json:"events"`
	EventsSent int `json:"eventsSent"`
	EventsPast int `json:"eventsPast"`
	// Totals over the program's pairs (people are not added up: two
	// people share each session).
	Totals Counts `json:"totals"`
	// location is the program's zone, for showing the report's date.
	location *time.Location
}

// Location returns the program's time zone (UTC when unknown).
func (p *Program) Location() *time.Location {
	if p.location == nil {
		return time.UTC
	}
	return p.location
}

// Pair is one pair's row.
type Pair struct {
	ID     string `json:"id"`
	Mentor string `json:"mentor"`
	Mentee string `json:"mentee"`
	Status string `json:"status"`
	Counts
}

// Person is one participant's row: the sums over their pairs, with their
// own replies and tutorials only.
type Person struct {
	ID    string   `json:"id"`
	Roles []string `json:"roles"` // "mentor", "mentee" or both
	Pairs []string `json:"pairs"`
	Counts
}

// Build counts tl as of tl.Now.
func Build(tl *timeline.Timeline) *Report {
	r := &Report{At: tl.Now, Programs: []Program{}}
	for i := range tl.Programs {
		p := buildProgram(&tl.Programs[i])
		r.Totals.add(p.Totals)
		r.Programs = append(r.Programs, p)
	}
	return r
}

func buildProgram(tp *timeline.Program) Program {
	p := Program{ID: tp.ID, Title: tp.Title, Pairs: []Pair{}, People: []Person{}, Events: len(tp.Events), location: tp.Location()}
	for _, e := range tp.Events {
		if e.Status == timeline.Sent || e.Status == timeline.Pending {
			p.EventsSent++
		}
		if e.Past {
			p.EventsPast++
		}
	}
	people := map[string]*Person{}
	person := func(id, role, pair string) *Person {
		pp := people[id]
		if pp == nil {
			pp = &Person{ID: id, Roles: []string{}, Pairs: []string{}}
			people[id] = pp
		}
		if !contains(pp.Roles, role) {
			pp.Roles = append(pp.Roles, role)
			sort.Strings(pp.Roles)
		}
		pp.Pairs = append(pp.Pairs, pair)
		return pp
	}
	for _, tpair := range tp.Pairs {
		row := Pair{ID: tpair.ID, Mentor: tpair.Mentor, Mentee: tpair.Mentee, Status: tpair.Status}
		mentor, mentee := person(tpair.Mentor, "mentor", tpair.ID), person(tpair.Mentee, "mentee", tpair.ID)
		for _, s := range tpair.Sessions {
			var c Counts
			switch s.Status {
			case timeline.Skipped:
				c.Skipped = 1
			case timeline.Paused, timeline.Cancelled:
				c.Cancelled = 1
			default:
				c.Planned = 1
			}
			if s.InState {
				c.Sent = 1
			}
			if s.Taken() {
				c.Taken = 1
			}
			row.Counts.add(c)
			// Replies belong to the person who gave them.
			for _, rp := range s.Replies {
				var rc Counts
				if s.InState {
					switch rp.PartStat {
					case timeline.Accepted:
						rc.Accepted = 1
					case timeline.Declined:
						rc.Declined = 1
					default:
						rc.NoReply = 1
					}
				}
				row.Counts.add(rc)
				if who := people[rp.Person]; who != nil {
					c := c
					c.Accepted, c.Declined, c.NoReply = rc.Accepted, rc.Declined, rc.NoReply
					who.Counts.add(c)
				}
			}
			if len(s.Replies) == 0 {
				mentor.Counts.add(c)
				mentee.Counts.add(c)
			}
		}
		for _, a := range tpair.Tutorials {
			if a.Status == timeline.Paused || a.Status == timeline.Cancelled {
				continue
			}
			row.Tutorials++
			if who := people[a.Person]; who != nil {
				who.Tutorials++
			}
		}
		row.Feedback = countFeedback(tpair.Feedback, people)
		p.Totals.add(row.Counts)
		p.Pairs = append(p.Pairs, row)
	}
	// Feedback on the whole program belongs to people, not to a pair.
	p.Totals.Feedback += countFeedback(tp.Feedback, people)
	ids := make([]string, 0, len(people))
	for id := range people {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		p.People = append(p.People, *people[id])
	}
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// RolesString joins a person's roles for display: "mentor", "mentee" or
// "mentee+mentor".
func (p Person) RolesString() string { return strings.Join(p.Roles, "+") }

// countFeedback counts the feedback requests that were sent and not
// cancelled, and adds each to its person's row.
func countFeedback(fs []timeline.Feedback, people map[string]*Person) int {
	n := 0
	for _, f := range fs {
		if !f.InState || f.Status == timeline.Paused || f.Status == timeline.Cancelled {
			continue
		}
		n++
		if who := people[f.Person]; who != nil {
			who.Feedback++
		}
	}
	return n
}
