package schema

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// This file holds the rules of tutorials written by participants and of
// feedback requests: who writes a tutorial for a pair, when feedback is
// due, which placeholders a feedback URL may hold, and the checks of both.

// TutorialAuthor returns the person who writes tutorial tutID for a pair:
// the pair's mentor or mentee when the tutorial names a role, else the
// person id it names; "" when nobody in the program writes it.
func (p *Program) TutorialAuthor(tutID, pairID string) string {
	switch a := p.Tutorials[tutID].Author; a {
	case AuthorMentor:
		return p.Pairs[pairID].Mentor
	case AuthorMentee:
		return p.Pairs[pairID].Mentee
	default:
		return a
	}
}

// FeedbackDue returns when a feedback request is due for a person: days
// after the instant from (a session's or event's end). When that falls on
// the person's weekend or public holiday it moves to the end of working
// hours on the working day before, as long as that is still after from;
// otherwise to the end of working hours on the next working day. why names
// the day off, or is "".
func (p *Program) FeedbackDue(person string, from time.Time, days Days) (due time.Time, why string) {
	due = from.AddDate(0, 0, int(days))
	why = p.dayOffAt(person, due)
	if why == "" {
		return due, ""
	}
	loc := p.PersonZone(person)
	day := DateOf(due.In(loc))
	for k := 1; k <= maxShift; k++ {
		if d := day.AddDays(-k); p.DayOff(person, d) == "" {
			if t := d.In(p.Policy.WorkingHours.To, loc); t.After(from) {
				return t, why
			}
			break
		}
	}
	for k := 1; k <= maxShift; k++ {
		if d := day.AddDays(k); p.DayOff(person, d) == "" {
			return d.In(p.Policy.WorkingHours.To, loc), why
		}
	}
	return due, why
}

// ProgramFeedbackFrom returns the instant program feedback is counted
// from: the end of the event program.feedback.program.after names, else the
// end of working hours on program.end (in the program's zone) plus the
// number of days it gives. ok is false without program feedback or with an
// after that is neither (validation reports it).
func (p *Program) ProgramFeedbackFrom() (from time.Time, days Days, ok bool) {
	f := p.Feedback.Program
	if f == nil {
		return time.Time{}, 0, false
	}
	if _, isEvent := p.Events[f.After]; isEvent {
		_, end := p.EventTimes(f.After)
		return end, 0, true
	}
	var d Days
	if err := d.UnmarshalText([]byte(f.After)); err != nil {
		return time.Time{}, 0, false
	}
	return p.End.In(p.Policy.WorkingHours.To, p.Zone(p.Timezone)), d, true
}

// FeedbackPeople returns, sorted, the participants asked for feedback on
// the whole program: everyone in a pair that is still in the program on
// day (the end of the event feedback follows, or program.end), by the rule
// of EventPeople but without an event's guests, who are not participants.
func (p *Program) FeedbackPeople(day Date) []string {
	return p.ParticipantsOn(day)
}

// Feedback URL placeholders.
const (
	PlaceholderPair    = "pair"
	PlaceholderSession = "session"
	PlaceholderPerson  = "person"
)

var placeholderRe = regexp.MustCompile(`\{([^{}]*)\}`)

// ExpandFeedbackURL replaces the {name} placeholders of a feedback URL with
// vals[name], escaped for where they stand: path-escaped before the query,
// query-escaped in it and in the fragment. Placeholders without a value
// stay as they are (validation rejects them first).
func ExpandFeedbackURL(tmpl string, vals map[string]string) string {
	query := strings.IndexAny(tmpl, "?#")
	var b strings.Builder
	last := 0
	for _, m := range placeholderRe.FindAllStringSubmatchIndex(tmpl, -1) {
		v, ok := vals[tmpl[m[2]:m[3]]]
		if !ok {
			continue
		}
		b.WriteString(tmpl[last:m[0]])
		if query >= 0 && m[0] > query {
			b.WriteString(url.QueryEscape(v))
		} else {
			b.WriteString(url.PathEscape(v))
		}
		last = m[1]
	}
	b.WriteString(tmpl[last:])
	return b.String()
}

// checkAuthors checks tutorials written by participants: the author exists,
// a tutorial without one has a url, a role author does not write for
// themselves alone, and the writing task is due before the readers' task.
func (c *checker) checkAuthors() {
	p := c.p
	for _, id := range p.TutorialIDs {
		t := p.Tutorials[id]
		where := at("program", "tutorials", id)
		if t.Author == "" {
			if t.URL == "" {
				c.errorf(append(where, "url"), "tutorial %s has no url: give one, or an author who writes it", id)
			}
			continue
		}
		switch t.Author {
		case AuthorMentor, AuthorMentee:
			// The author resolves to a person of each pair, and reads
			// nothing they wrote; a tutorial only its author would read
			// reaches nobody.
			if t.Audience == t.Author {
				c.errorf(append(where, "author"), "tutorial %s is written by the %s for the %s: the author is its whole audience, so nobody else reads it (audience %q or %q?)",
					id, t.Author, t.Audience, "both", other(t.Author))
			}
		default:
			if _, ok := p.People[t.Author]; !ok {
				c.errorf(append(where, "author"), "%q is not a declared person, nor %q or %q%s", t.Author, AuthorMentor, AuthorMentee, c.suggestPerson(t.Author))
			}
		}
		if t.WritingDue() <= t.Due {
			c.warnf(append(where, "authorDue"), "the author's writing task (%dd before the session) is not due before the readers' (%dd): raise authorDue above due", t.WritingDue(), t.Due)
		}
	}
}

func other(role string) string {
	if role == AuthorMentor {
		return AuthorMentee
	}
	return AuthorMentor
}

// checkFeedback checks the feedback URLs' placeholders and what program
// feedback follows.
func (c *checker) checkFeedback() {
	p := c.p
	if f := p.Feedback.Session; f != nil {
		c.checkFeedbackURL(at("program", "feedback", "session", "url"), f.URL,
			[]string{PlaceholderPair, PlaceholderSession, PlaceholderPerson})
	}
	if f := p.Feedback.Program; f != nil {
		c.checkFeedbackURL(at("program", "feedback", "program", "url"), f.URL, []string{PlaceholderPerson})
		if _, ok := p.Events[f.After]; !ok {
			var d Days
			if err := d.UnmarshalText([]byte(f.After)); err != nil {
				hint := ""
				if best := closest(f.After, p.EventIDs); best != "" {
					hint = fmt.Sprintf(" (did you mean %q?)", best)
				}
				c.errorf(at("program", "feedback", "program", "after"), "%q is neither an event of the program nor a number of days after its end like \"0d\"%s", f.After, hint)
			}
		}
	}
}

func (c *checker) checkFeedbackURL(where []string, tmpl string, allowed []string) {
	sample := map[string]string{}
	for _, m := range placeholderRe.FindAllStringSubmatch(tmpl, -1) {
		name := m[1]
		known := false
		for _, a := range allowed {
			known = known || a == name
		}
		if !known {
			names := make([]string, len(allowed))
			for i, a := range allowed {
				names[i] = "{" + a + "}"
			}
			hint := ""
			if best := closest(name, allowed); best != "" {
				hint = fmt.Sprintf(" (did you mean {%s}?)", best)
			}
			c.errorf(where, "unknown placeholder {%s}%s: this URL may use %s", name, hint, strings.Join(names, ", "))
			return
		}
		sample[name] = "x"
	}
	if _, err := url.Parse(ExpandFeedbackURL(tmpl, sample)); err != nil {
		c.errorf(where, "not a valid URL once its placeholders are filled in: %v", err)
	}
}
