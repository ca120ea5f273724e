package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/schema"
)

// texts holds the invitation wording of one language. Participants read
// these, so they are full sentences in the program's language.
type texts struct {
	lang                                                   string
	session, of, mentor, mentee, topics, agenda, tutorials string
	minutes, due, program, footer, prepare                 string
	location, join                                         string
	weekdays                                               [7]string
}

var german = texts{
	lang: "de", session: "Reverse-Mentoring-Session", of: "von", mentor: "Mentor", mentee: "Mentee",
	topics: "Themen", agenda: "Ablauf", tutorials: "Tutorials zur Vorbereitung", minutes: "Min.",
	due: "fällig bis", program: "Programm", prepare: "Bitte vor der Session durcharbeiten",
	location: "Ort", join: "Online teilnehmen",
	footer:   "Diese Einladung verwaltet rmctl für %s. Fragen und Änderungswünsche bitte an %s <%s>.",
	weekdays: [7]string{"So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"},
}

var english = texts{
	lang: "en", session: "Reverse mentoring session", of: "of", mentor: "Mentor", mentee: "Mentee",
	topics: "Topics", agenda: "Agenda", tutorials: "Tutorials to prepare", minutes: "min",
	due: "due", program: "Program", prepare: "Please work through this before the session",
	location: "Location", join: "Join online",
	footer:   "This invitation is managed by rmctl for %s. Questions and change requests: %s <%s>.",
	weekdays: [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
}

// languages are the languages texts exist in (schema's #Language).
var languages = []string{german.lang, english.lang}

func textsFor(lang string) *texts {
	if lang == "en" {
		return &english
	}
	return &german
}

func (t *texts) when(at time.Time) string {
	return t.weekdays[at.Weekday()] + " " + at.Format("2006-01-02 15:04 MST")
}

func (t *texts) sessionTitle(entry, mentor, mentee string) string {
	return fmt.Sprintf("Reverse Mentoring: %s (%s & %s)", entry, mentor, mentee)
}

func (t *texts) assignmentTitle(tutorial string) string {
	return "Tutorial: " + tutorial
}

// sessionBody is the part of a session's invitation that is the same for
// every pair: topics, agenda, tutorials and the footer. Expansion builds it
// once per plan entry, not once per pair.
func (t *texts) sessionBody(p *schema.Program, e schema.PlanEntry) string {
	var b strings.Builder
	if len(e.Topics) > 0 {
		fmt.Fprintf(&b, "\n%s:\n", t.topics)
		for _, topic := range e.Topics {
			fmt.Fprintf(&b, "- %s\n", topic)
		}
	}
	if e.Agenda != "" {
		fmt.Fprintf(&b, "\n%s:\n%s\n", t.agenda, strings.TrimSpace(e.Agenda))
	}
	if len(e.Tutorials) > 0 {
		fmt.Fprintf(&b, "\n%s:\n", t.tutorials)
		for _, id := range e.Tutorials {
			tut := p.Tutorials[id]
			fmt.Fprintf(&b, "- %s (%d %s): %s\n", tut.Title, tut.Minutes, t.minutes, tut.URL)
		}
	}
	fmt.Fprintf(&b, "\n"+t.footer+"\n", p.Title, p.Organizer.Name, p.Organizer.Email)
	return b.String()
}

// meetingLines says where a session takes place and links its online
// meeting: clients show LOCATION and CONFERENCE differently or not at all,
// and the text is what every participant reads.
func (t *texts) meetingLines(location, onlineMeeting string) string {
	var b strings.Builder
	if location != "" {
		b.WriteString(t.location + ": " + location + "\n")
	}
	if onlineMeeting != "" {
		b.WriteString(t.join + ": " + onlineMeeting + "\n")
	}
	return b.String()
}

// sessionText is a session's invitation text: the pair's header, then body.
func (t *texts) sessionText(p *schema.Program, s schema.Session, total int, people []resource.Attendee, body string) string {
	return t.session + " " + strconv.Itoa(s.Number) + " " + t.of + " " + strconv.Itoa(total) + ": " + s.Entry.Title + "\n" +
		t.program + ": " + p.Title + "\n\n" +
		t.mentor + ": " + people[0].Name + "\n" + t.mentee + ": " + people[1].Name + "\n" + body
}

func (t *texts) eventText(p *schema.Program, e schema.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s: %s\n", e.Title, t.program, p.Title)
	if e.Description != "" {
		fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(e.Description))
	}
	fmt.Fprintf(&b, "\n"+t.footer+"\n", p.Title, p.Organizer.Name, p.Organizer.Email)
	return b.String()
}

func (t *texts) assignmentText(tut schema.Tutorial, s schema.Session, loc *time.Location) string {
	at := s.Start.In(loc)
	return t.prepare + ": " + tut.Title + " (" + strconv.Itoa(tut.Minutes) + " " + t.minutes + ")\n" + tut.URL + "\n\n" +
		t.session + " " + strconv.Itoa(s.Number) + ": " + s.Entry.Title + ", " + t.when(at) + "\n"
}
