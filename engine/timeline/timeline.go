// Package timeline owns the program manager's overview of a program: for
// every pair its sessions and tutorial assignments, the joint events, and
// for each mark whether it lies in the past, was sent, is waiting to be
// sent, was moved, skipped or cancelled because the pair is paused or ended.
//
// Build merges two sources: the declarations (what should happen) and
// state (what was sent). Where state holds a resource its snapshot wins,
// because that is what people have in their calendars; the declaration
// only says whether a newer version is still waiting for the next apply.
// The value is plain data; engine/view renders it as HTML, SVG and text,
// and engine/report counts it.
package timeline

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/schema"
)

// Status says what became of a session, event or assignment.
type Status string

// Statuses, from the declarations and state.
const (
	// Planned: declared, not sent yet.
	Planned Status = "planned"
	// Sent: in state, as declared.
	Sent Status = "sent"
	// Pending: in state, but the declaration changed since (the next apply updates it).
	Pending Status = "pending"
	// Skipped: the pair's sessions override skips it.
	Skipped Status = "skipped"
	// Paused: the pair is paused, so the session is not (or no longer) sent.
	Paused Status = "paused"
	// Cancelled: the pair ended or was removed; the session is not (or no longer) sent.
	Cancelled Status = "cancelled"
)

// PartStat is an attendee's reply to an invitation (RFC 5545 PARTSTAT), as
// `rmctl sync replies` recorded it in state; Unknown without a reply (and
// for TENTATIVE or DELEGATED).
type PartStat string

// Replies.
const (
	Unknown  PartStat = "unknown"
	Accepted PartStat = "accepted"
	Declined PartStat = "declined"
)

// Reply is one attendee's answer to an invitation.
type Reply struct {
	Person   string   `json:"person"`
	Role     string   `json:"role"`
	PartStat PartStat `json:"partstat"`
}

// Timeline is the overview of the loaded programs at one moment.
type Timeline struct {
	Now      time.Time `json:"now"`
	Programs []Program `json:"programs"`
}

// Program is one program's part of the timeline.
type Program struct {
	ID       string      `json:"id"`
	Title    string      `json:"title"`
	Timezone string      `json:"timezone"`
	Start    schema.Date `json:"start"`
	End      schema.Date `json:"end"`
	Events   []Event     `json:"events"`
	Pairs    []Pair      `json:"pairs"`
	// Feedback requests on the whole program (program.feedback.program).
	Feedback []Feedback `json:"feedback,omitempty"`
	// location is the program's zone, for rendering dates as people read them.
	location *time.Location
}

// Location returns the program's time zone (UTC when unknown).
func (p *Program) Location() *time.Location {
	if p.location == nil {
		return time.UTC
	}
	return p.location
}

// Event is a joint event of the program.
type Event struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Location string    `json:"location,omitempty"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Past     bool      `json:"past"`
	Status   Status    `json:"status"`
}

// Pair is one row: a mentor/mentee pair and what it has planned.
type Pair struct {
	ID               string       `json:"id"`
	Mentor           string       `json:"mentor"`
	Mentee           string       `json:"mentee"`
	MentorDepartment string       `json:"mentorDepartment"`
	MenteeDepartment string       `json:"menteeDepartment"`
	Timezone         string       `json:"timezone"`
	Status           string       `json:"status"` // active, paused, ended
	Sessions         []Session    `json:"sessions"`
	Tutorials        []Assignment `json:"tutorials"`
	// Feedback requests after the pair's sessions (program.feedback.session).
	Feedback []Feedback `json:"feedback,omitempty"`
	// Warnings validate gave about the pair as a whole (see Warn).
	Warnings []string `json:"warnings,omitempty"`
}

// Session is one 1:1 session of a pair.
type Session struct {
	Number int       `json:"number"`
	Title  string    `json:"title"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	// Past: the session ended before Now.
	Past bool `json:"past"`
	// Moved: a per-pair override set its date or time.
	Moved  bool   `json:"moved"`
	Status Status `json:"status"`
	// InState: an invitation was sent (it may since have been superseded).
	InState bool    `json:"inState"`
	Replies []Reply `json:"replies"`
	// Warnings validate gave about this session, such as a public holiday
	// (see Warn).
	Warnings []string `json:"warnings,omitempty"`
}

// Taken reports whether the session has taken place: it is over and was
// neither skipped nor cancelled.
func (s Session) Taken() bool {
	return s.Past && (s.Status == Planned || s.Status == Sent || s.Status == Pending)
}

// Assignment is one tutorial handed to one person before a session.
type Assignment struct {
	Tutorial string    `json:"tutorial"`
	Title    string    `json:"title"`
	Person   string    `json:"person"`
	Due      time.Time `json:"due"`
	Past     bool      `json:"past"`
	Status   Status    `json:"status"`
}

// Build makes the timeline of progs at now. st may be nil (nothing sent).
func Build(progs []*schema.Program, st *state.State, desired *plan.Desired, now time.Time) *Timeline {
	want := make(map[string]*resource.Resource, len(desired.Resources))
	for i := range desired.Resources {
		want[desired.Resources[i].Address] = &desired.Resources[i]
	}
	var sent map[string]*state.Entry
	if st != nil {
		sent = st.Resources
	}
	// Tutorial assignments by pair, declared or sent, so each pair finds
	// its own without scanning every address.
	tutorials := map[string][]string{}
	feedback := map[string][]string{} // see indexFeedback
	index := func(addr string) {
		// program/pair/<id>/tutorial/<tutorial>/<person>
		segs := strings.SplitN(addr, "/", 5)
		if len(segs) == 5 && segs[1] == "pair" && segs[3] == "tutorial" {
			key := resource.Address(segs[0], segs[1], segs[2])
			tutorials[key] = append(tutorials[key], addr)
		}
		indexFeedback(feedback, addr, segs)
	}
	for addr := range want {
		index(addr)
	}
	for addr := range sent {
		if want[addr] == nil {
			index(addr)
		}
	}
	tl := &Timeline{Now: now}
	sorted := append([]*schema.Program(nil), progs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	for _, p := range sorted {
		tl.Programs = append(tl.Programs, buildProgram(p, want, sent, tutorials, now))
	}
	addFeedback(tl, sorted, feedback, want, sent, now)
	return tl
}

func buildProgram(p *schema.Program, want map[string]*resource.Resource, sent map[string]*state.Entry, tutorials map[string][]string, now time.Time) Program {
	out := Program{
		ID: p.ID, Title: p.Title, Timezone: p.Timezone, Start: p.Start, End: p.End,
		location: p.Location, Events: []Event{}, Pairs: []Pair{},
	}
	for _, id := range p.EventIDs {
		ev := p.Events[id]
		addr := resource.Address(p.ID, "event", id)
		start, end := p.EventTimes(id)
		e := Event{ID: id, Title: ev.Title, Location: ev.Location, Start: start, End: end}
		e.Status, e.Start, e.End = status(addr, want, sent, start, end, now, Cancelled)
		e.Past = !e.End.After(now)
		out.Events = append(out.Events, e)
	}
	sort.SliceStable(out.Events, func(i, j int) bool { return out.Events[i].Start.Before(out.Events[j].Start) })
	for _, id := range p.PairIDs {
		out.Pairs = append(out.Pairs, buildPair(p, id, want, sent, tutorials[resource.Address(p.ID, "pair", id)], now))
	}
	return out
}

func buildPair(p *schema.Program, id string, want map[string]*resource.Resource, sent map[string]*state.Entry, tutorials []string, now time.Time) Pair {
	pair := p.Pairs[id]
	loc := p.PairZone(id)
	row := Pair{
		ID: id, Mentor: pair.Mentor, Mentee: pair.Mentee,
		MentorDepartment: p.People[pair.Mentor].Department, MenteeDepartment: p.People[pair.Mentee].Department,
		Timezone: loc.String(), Status: pair.Status, Sessions: []Session{}, Tutorials: []Assignment{},
	}
	// Sessions that are not declared (any more) are cancelled for a reason
	// the pair's status gives.
	gone := Cancelled
	if pair.Status == schema.StatusPaused {
		gone = Paused
	}
	for _, s := range p.Schedule(id) {
		addr := resource.Address(p.ID, "pair", id, "session", strconv.Itoa(s.Number))
		ses := Session{Number: s.Number, Title: s.Entry.Title, Moved: s.Moved}
		ses.Status, ses.Start, ses.End = status(addr, want, sent, s.Start, s.End, now, gone)
		if s.Skipped {
			ses.Status = Skipped
		}
		_, ses.InState = sent[addr]
		ses.Start, ses.End = ses.Start.In(loc), ses.End.In(loc)
		ses.Past = !ses.End.After(now)
		ses.Replies = []Reply{
			{Person: pair.Mentor, Role: string(resource.Mentor), PartStat: answer(sent[addr], pair.Mentor)},
			{Person: pair.Mentee, Role: string(resource.Mentee), PartStat: answer(sent[addr], pair.Mentee)},
		}
		row.Sessions = append(row.Sessions, ses)
	}
	// Assignments: what is declared, and what state holds for this pair
	// that is no longer declared (it was sent, then cancelled).
	prefix := resource.Address(p.ID, "pair", id, "tutorial") + "/"
	for _, addr := range tutorials {
		var r resource.Resource
		if w := want[addr]; w != nil {
			r = *w
		} else {
			e := sent[addr]
			r = resource.FromSnapshot(addr, e.UID, e.Snapshot)
		}
		rest := strings.Split(strings.TrimPrefix(addr, prefix), "/")
		if len(rest) != 2 {
			continue
		}
		a := Assignment{Tutorial: rest[0], Person: rest[1], Title: p.Tutorials[rest[0]].Title}
		if a.Title == "" {
			a.Title = r.Title
		}
		a.Status, a.Due, _ = status(addr, want, sent, r.Start, r.End, now, gone)
		a.Due = a.Due.In(p.PersonZone(a.Person))
		a.Past = !a.Due.After(now)
		row.Tutorials = append(row.Tutorials, a)
	}
	sort.Slice(row.Tutorials, func(i, j int) bool {
		a, b := row.Tutorials[i], row.Tutorials[j]
		if !a.Due.Equal(b.Due) {
			return a.Due.Before(b.Due)
		}
		if a.Tutorial != b.Tutorial {
			return a.Tutorial < b.Tutorial
		}
		return a.Person < b.Person
	})
	return row
}

// status decides a resource's status and the times to show: state's when
// it was sent (that is what calendars hold), else the declaration's.
func status(addr string, want map[string]*resource.Resource, sent map[string]*state.Entry, start, end, now time.Time, gone Status) (Status, time.Time, time.Time) {
	w, declared := want[addr]
	e, inState := sent[addr]
	if declared {
		start, end = w.Start, w.End
	}
	switch {
	case inState && declared:
		declaredHash := e.Hash
		if e.DeclaredHash != "" {
			declaredHash = e.DeclaredHash
		}
		if w.Hash() != declaredHash {
			return Pending, e.Snapshot.Start, e.Snapshot.End
		}
		return Sent, e.Snapshot.Start, e.Snapshot.End
	case declared:
		return Planned, start, end
	case inState && !e.Snapshot.Start.After(now):
		// Sent and begun before the declaration dropped it: plans never
		// change the past, so it stays in calendars and took place.
		return Sent, e.Snapshot.Start, e.Snapshot.End
	case inState:
		// Sent once, no longer declared: the next apply cancels it.
		return gone, e.Snapshot.Start, e.Snapshot.End
	}
	return gone, start, end
}

// answer is person's recorded reply to the invitation e stands for.
func answer(e *state.Entry, person string) PartStat {
	if e == nil || e.Replies == nil {
		return Unknown
	}
	switch e.Replies.By[person].PartStat {
	case "ACCEPTED":
		return Accepted
	case "DECLINED":
		return Declined
	}
	return Unknown
}
