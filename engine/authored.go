package engine

import (
	"strconv"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/schema"
)

// Tutorials written by participants and feedback requests are assignments
// (resource.Assignment), like tutorials to read: every target already sends,
// updates and cancels those, so neither needs code of its own in a target.
//
// Addresses:
//
//	<prog>/pair/<pair>/tutorial/<tut>/<person>        reading a tutorial
//	<prog>/pair/<pair>/tutorial/<tut>/write/<person>  writing it (author "mentor" or "mentee")
//	<prog>/tutorial/<tut>/write/<person>              writing it (author a person id: one text for every pair)
//	<prog>/pair/<pair>/feedback/<n>/<person>          feedback on session n
//	<prog>/feedback/program/<person>                  feedback on the whole program

// expandTutorial appends the assignments of tutorial tutID, handed out
// before held session s of a pair: one per reader, and, when the pair's
// mentor or mentee writes it, the author's writing task. The author does
// not read what they wrote.
func expandTutorial(out []resource.Resource, p *schema.Program, pairID, tutID string, s schema.Session,
	people []resource.Attendee, organizer resource.Contact, countOnly bool) []resource.Resource {
	tut := p.Tutorials[tutID]
	author := p.TutorialAuthor(tutID, pairID)
	authorName := ""
	if author != "" {
		authorName = p.People[author].Name
	}
	var readers []resource.Attendee
	for _, who := range people {
		if (tut.Audience != "both" && tut.Audience != string(who.Role)) || who.ID == author {
			continue
		}
		readers = append(readers, who)
		tt := textsFor(p.PersonLanguage(who.ID))
		due, _ := p.DueTime(who.ID, s.Start, tut.Due) // off a weekend or holiday
		zone := p.PersonZone(who.ID)
		a := resource.Resource{
			Address: resource.Address(p.ID, "pair", pairID, "tutorial", tutID, who.ID),
			Kind:    resource.Assignment, Program: p.ID,
			URL:   tut.URL,
			Start: due.UTC(), Timezone: zone.String(), Language: tt.lang,
			Organizer: organizer, Attendees: []resource.Attendee{who},
		}
		if !countOnly {
			a.Title = tt.assignmentTitle(tut.Title)
			a.Description = tt.assignmentText(tut, s, zone, authorName)
			a.Block, a.Minutes = blockBefore(p, who.ID, due, tut.Minutes)
			a.UID = resource.UID(a.Address)
		}
		out = append(out, a)
	}
	if tut.Author != schema.AuthorMentor && tut.Author != schema.AuthorMentee {
		return out // nobody, or a person id: see expandGuestAuthors
	}
	who := people[0]
	if tut.Author == schema.AuthorMentee {
		who = people[1]
	}
	address := resource.Address(p.ID, "pair", pairID, "tutorial", tutID, "write", who.ID)
	if countOnly {
		return append(out, resource.Resource{Address: address})
	}
	return append(out, writingTask(p, address, tutID, who, readers, s, organizer))
}

// expandGuestAuthors appends the writing task of each tutorial a person id
// writes: one text for every pair, so one task, due authorDue before the
// first held session that hands the tutorial out.
func expandGuestAuthors(out []resource.Resource, p *schema.Program, organizer resource.Contact) []resource.Resource {
	for _, tutID := range p.TutorialIDs {
		tut := p.Tutorials[tutID]
		if tut.Author == "" || tut.Author == schema.AuthorMentor || tut.Author == schema.AuthorMentee {
			continue
		}
		if _, ok := p.People[tut.Author]; !ok {
			continue // reported by validation
		}
		var first *schema.Session
		var readers []resource.Attendee
		for _, pairID := range p.PairIDs {
			pair := p.Pairs[pairID]
			for _, s := range p.Schedule(pairID) {
				if !s.Held() || !hands(s, tutID) {
					continue
				}
				if first == nil || s.Start.Before(first.Start) {
					first = &s
				}
				for _, r := range []struct {
					id   string
					role resource.Role
				}{{pair.Mentor, resource.Mentor}, {pair.Mentee, resource.Mentee}} {
					if (tut.Audience == "both" || tut.Audience == string(r.role)) && r.id != tut.Author {
						readers = append(readers, resource.Attendee{ID: r.id, Name: p.People[r.id].Name, Role: r.role})
					}
				}
				break // the pair's first held session hands it out
			}
		}
		if first == nil {
			continue // no pair receives it, so nobody waits for it
		}
		person := p.People[tut.Author]
		who := resource.Attendee{ID: tut.Author, Name: person.Name, Email: person.Email, Role: resource.Participant}
		out = append(out, writingTask(p, resource.Address(p.ID, "tutorial", tutID, "write", who.ID), tutID, who, readers, *first, organizer))
	}
	return out
}

func hands(s schema.Session, tutID string) bool {
	for _, t := range s.Entry.Tutorials {
		if t == tutID {
			return true
		}
	}
	return false
}

// writingTask is the author's assignment to write tutorial tutID for
// readers, due authorDue before session s (off the author's days off).
func writingTask(p *schema.Program, address, tutID string, who resource.Attendee, readers []resource.Attendee,
	s schema.Session, organizer resource.Contact) resource.Resource {
	tut := p.Tutorials[tutID]
	tt := textsFor(p.PersonLanguage(who.ID))
	due, _ := p.DueTime(who.ID, s.Start, tut.WritingDue())
	zone := p.PersonZone(who.ID)
	r := resource.Resource{
		Address: address, Kind: resource.Assignment, Program: p.ID,
		Title: tt.writeTitle(tut.Title), URL: tut.URL,
		Start: due.UTC(), Timezone: zone.String(), Language: tt.lang,
		Organizer: organizer, Attendees: []resource.Attendee{who},
		Description: tt.writeText(tut, readers, s, zone),
	}
	// Writing a tutorial takes longer than reading it: the calendar block
	// is twice the reading time.
	r.Block, r.Minutes = blockBefore(p, who.ID, due, 2*tut.Minutes)
	r.UID = resource.UID(r.Address)
	return r
}

// expandSessionFeedback appends, after held session s of a pair, one
// feedback request per participant, due program.feedback.session.after
// days after the session ends. A session that is not held (skipped, a
// paused or ended pair) asks for none, so its requests are cancelled with it.
func expandSessionFeedback(out []resource.Resource, p *schema.Program, pairID string, s schema.Session,
	people []resource.Attendee, organizer resource.Contact, countOnly bool) []resource.Resource {
	f := p.Feedback.Session
	if f == nil || !s.Held() {
		return out
	}
	for i, who := range people {
		if countOnly {
			out = append(out, resource.Resource{Address: resource.Address(p.ID, "pair", pairID, "feedback", strconv.Itoa(s.Number), who.ID)})
			continue
		}
		partner := people[1-i]
		tt := textsFor(p.PersonLanguage(who.ID))
		due, _ := p.FeedbackDue(who.ID, s.End, f.After)
		zone := p.PersonZone(who.ID)
		url := schema.ExpandFeedbackURL(f.URL, map[string]string{
			schema.PlaceholderPair: pairID, schema.PlaceholderSession: strconv.Itoa(s.Number), schema.PlaceholderPerson: who.ID,
		})
		r := resource.Resource{
			Address: resource.Address(p.ID, "pair", pairID, "feedback", strconv.Itoa(s.Number), who.ID),
			Kind:    resource.Assignment, Program: p.ID,
			Title: tt.sessionFeedbackTitle(s), URL: url,
			Start: due.UTC(), Timezone: zone.String(), Language: tt.lang,
			Organizer: organizer, Attendees: []resource.Attendee{who},
			Description: tt.sessionFeedbackText(p, s, partner.Name, url, zone),
		}
		r.UID = resource.UID(r.Address)
		out = append(out, r)
	}
	return out
}

// expandProgramFeedback appends one request for feedback on the whole
// program per participant still in it when it ends (schema.FeedbackPeople).
func expandProgramFeedback(out []resource.Resource, p *schema.Program, organizer resource.Contact) []resource.Resource {
	from, days, ok := p.ProgramFeedbackFrom()
	if !ok {
		return out
	}
	f := p.Feedback.Program
	for _, id := range p.FeedbackPeople(schema.DateOf(from.In(p.Zone(p.Timezone)))) {
		person := p.People[id]
		tt := textsFor(p.PersonLanguage(id))
		due, _ := p.FeedbackDue(id, from, days)
		zone := p.PersonZone(id)
		url := schema.ExpandFeedbackURL(f.URL, map[string]string{schema.PlaceholderPerson: id})
		r := resource.Resource{
			Address: resource.Address(p.ID, "feedback", "program", id),
			Kind:    resource.Assignment, Program: p.ID,
			Title: tt.programFeedbackTitle(p.Title), URL: url,
			Start: due.UTC(), Timezone: zone.String(), Language: tt.lang,
			Organizer:   organizer,
			Attendees:   []resource.Attendee{{ID: id, Name: person.Name, Email: person.Email, Role: resource.Participant}},
			Description: tt.programFeedbackText(p, url),
		}
		r.UID = resource.UID(r.Address)
		out = append(out, r)
	}
	return out
}

// readerNames lists readers as "Anna Schmidt (Mentee)".
func (t *texts) readerNames(readers []resource.Attendee) []string {
	names := make([]string, 0, len(readers))
	for _, r := range readers {
		role := t.mentor
		if r.Role == resource.Mentee {
			role = t.mentee
		}
		names = append(names, r.Name+" ("+role+")")
	}
	return names
}

// goneAuthoredOrFeedback says why a writing task or feedback request is no
// longer declared, or "" for other addresses.
func (e explainer) goneAuthoredOrFeedback(p *schema.Program, segs []string) string {
	switch {
	case len(segs) == 5 && segs[1] == "tutorial" && segs[3] == "write":
		return segs[4] + " no longer writes tutorial " + segs[2]
	case len(segs) == 4 && segs[1] == "feedback":
		if p.Feedback.Program == nil {
			return "program.feedback.program was removed"
		}
		return segs[3] + " is no longer asked for feedback on the program"
	case len(segs) == 6 && segs[1] == "pair" && segs[3] == "feedback":
		if _, ok := p.Pairs[segs[2]]; !ok {
			return "pair " + segs[2] + " was removed"
		}
		if p.Feedback.Session == nil {
			return "program.feedback.session was removed"
		}
		n, _ := strconv.Atoi(segs[4])
		if ss := p.Schedule(segs[2]); n >= 1 && n <= len(ss) && ss[n-1].Why != "" {
			return ss[n-1].Why
		}
		return segs[5] + " is no longer asked for feedback on session " + segs[4]
	case len(segs) == 6 && segs[1] == "pair" && segs[3] == "tutorial":
		if _, ok := p.Pairs[segs[2]]; ok && p.TutorialAuthor(segs[4], segs[2]) == segs[5] {
			return segs[5] + " writes tutorial " + segs[4] + ", so is not given it to read"
		}
	case len(segs) == 7 && segs[1] == "pair" && segs[3] == "tutorial" && segs[5] == "write":
		if _, ok := p.Pairs[segs[2]]; ok && p.TutorialAuthor(segs[4], segs[2]) != segs[6] {
			return segs[6] + " no longer writes tutorial " + segs[4]
		}
	}
	return ""
}
