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
			if tut.URL == "" { // written by a participant, who shares it
				fmt.Fprintf(&b, "- %s (%d %s)\n", tut.Title, tut.Minutes, t.minutes)
				continue
			}
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

func (t *texts) assignmentText(tut schema.Tutorial, s schema.Session, loc *time.Location, author string) string {
	at := s.Start.In(loc)
	var b strings.Builder
	b.WriteString(t.prepare + ": " + tut.Title + " (" + strconv.Itoa(tut.Minutes) + " " + t.minutes + ")\n")
	if author != "" {
		fmt.Fprintf(&b, t.authored().writtenBy+"\n", author)
	}
	if tut.URL != "" {
		b.WriteString(tut.URL + "\n")
	} else {
		fmt.Fprintf(&b, t.authored().sharesIt+"\n", author, s.Number)
	}
	b.WriteString("\n" + t.session + " " + strconv.Itoa(s.Number) + ": " + s.Entry.Title + ", " + t.when(at) + "\n")
	return b.String()
}

// authoredTexts is the wording of tutorials participants write and of
// feedback requests; kept apart from texts so the two grow independently.
type authoredTexts struct {
	writtenBy, sharesIt, write, writeFor, writePrepares, writeShare string
	and, feedback, feedbackSession, feedbackAsk, programFeedback    string
	programFeedbackAsk                                              string
}

var germanAuthored = authoredTexts{
	writtenBy: "Geschrieben von %s.", sharesIt: "%s stellt es in Session %d vor.",
	write:         "Tutorial schreiben",
	writeFor:      "Bitte schreiben Sie das Tutorial „%s“ (%d %s Lesezeit) für %s.",
	writePrepares: "Es bereitet Session %d vor: %s, %s.",
	writeShare:    "Schicken Sie den Link vor der Session herum oder stellen Sie es in der Session vor.",
	and:           "und", feedback: "Feedback",
	feedbackSession:    "Feedback zu Session %d: %s",
	feedbackAsk:        "Wie war Session %d (%s, %s) mit %s? Bitte sagen Sie es uns hier:",
	programFeedback:    "Feedback zum Programm: %s",
	programFeedbackAsk: "Wie war das Programm „%s“ für Sie? Bitte sagen Sie es uns hier:",
}

var englishAuthored = authoredTexts{
	writtenBy: "Written by %s.", sharesIt: "%s will share it in session %d.",
	write:         "Write a tutorial",
	writeFor:      "Please write the tutorial “%s” (%d %s to read) for %s.",
	writePrepares: "It prepares session %d: %s, %s.",
	writeShare:    "Send the link round before the session, or share it in the session.",
	and:           "and", feedback: "Feedback",
	feedbackSession:    "Feedback on session %d: %s",
	feedbackAsk:        "How was session %d (%s, %s) with %s? Please tell us here:",
	programFeedback:    "Feedback on the program: %s",
	programFeedbackAsk: "How was the program “%s” for you? Please tell us here:",
}

// authored returns the wording of authored tutorials and feedback in t's language.
func (t *texts) authored() *authoredTexts {
	if t.lang == english.lang {
		return &englishAuthored
	}
	return &germanAuthored
}

func (t *texts) writeTitle(tutorial string) string { return t.authored().write + ": " + tutorial }

// writeText is the author's task: what to write, for whom, for which session.
func (t *texts) writeText(tut schema.Tutorial, readers []resource.Attendee, s schema.Session, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, t.authored().writeFor+"\n", tut.Title, tut.Minutes, t.minutes, joinNames(t.readerNames(readers), t.authored().and))
	fmt.Fprintf(&b, t.authored().writePrepares+"\n", s.Number, s.Entry.Title, t.when(s.Start.In(loc)))
	if len(s.Entry.Topics) > 0 {
		fmt.Fprintf(&b, "\n%s:\n", t.topics)
		for _, topic := range s.Entry.Topics {
			fmt.Fprintf(&b, "- %s\n", topic)
		}
	}
	b.WriteString("\n" + t.authored().writeShare + "\n")
	return b.String()
}

func (t *texts) sessionFeedbackTitle(s schema.Session) string {
	return fmt.Sprintf(t.authored().feedbackSession, s.Number, s.Entry.Title)
}

func (t *texts) sessionFeedbackText(p *schema.Program, s schema.Session, partner, url string, loc *time.Location) string {
	return fmt.Sprintf(t.authored().feedbackAsk, s.Number, s.Entry.Title, t.when(s.Start.In(loc)), partner) + "\n" + url + "\n\n" +
		fmt.Sprintf(t.footer, p.Title, p.Organizer.Name, p.Organizer.Email) + "\n"
}

func (t *texts) programFeedbackTitle(program string) string {
	return fmt.Sprintf(t.authored().programFeedback, program)
}

func (t *texts) programFeedbackText(p *schema.Program, url string) string {
	return fmt.Sprintf(t.authored().programFeedbackAsk, p.Title) + "\n" + url + "\n\n" +
		fmt.Sprintf(t.footer, p.Title, p.Organizer.Name, p.Organizer.Email) + "\n"
}

// joinNames joins names as "A", "A and B", "A, B and C".
func joinNames(names []string, and string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + and + " " + names[len(names)-1]
}
