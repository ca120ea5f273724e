package email

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/rmctl/rmctl/engine/ical"
	"github.com/rmctl/rmctl/engine/resource"
)

// kindOfMessage says what a message tells its recipients; it picks the
// subject prefix and the opening sentence.
type kindOfMessage int

const (
	invite    kindOfMessage = iota // REQUEST, first version
	update                         // REQUEST, a later version
	cancelled                      // CANCEL of the whole resource
	withdrawn                      // CANCEL to attendees removed by an update
)

// wording is the text of one language. Participants read it, so it is in
// the program's language (German unless the resource says "en").
type wording struct {
	lang        string
	subject     [4]string // by kindOfMessage, for sessions and events
	subjectTask [4]string // by kindOfMessage, for assignments
	intro       [4]string
	introTask   [4]string
	// introFeedback replaces introTask for feedback requests
	// (resource.IsFeedback): they ask for an opinion, not preparation.
	introFeedback [4]string

	when, due, where, link, organizer             string
	localTime                                     string // label of a time in recipients' zones
	calendarHint, cancelledCalendarHint, taskHint string

	weekdays                           [7]string
	dateLayout, timeLayout, timeSuffix string
	unknownZone                        string // label of UTC when the zone is unknown
}

var german = wording{
	lang:        "de",
	subject:     [4]string{"Einladung: ", "Aktualisiert: ", "Abgesagt: ", "Abgesagt: "},
	subjectTask: [4]string{"Neue Aufgabe: ", "Aktualisiert: ", "Abgesagt: ", "Abgesagt: "},
	intro: [4]string{
		"Einladung zu folgendem Termin:",
		"Dieser Termin wurde geändert:",
		"Dieser Termin wurde abgesagt:",
		"Die Einladung zu diesem Termin wurde zurückgezogen:",
	},
	introTask: [4]string{
		"Neue Aufgabe zur Vorbereitung:",
		"Diese Aufgabe wurde geändert:",
		"Diese Aufgabe entfällt:",
		"Diese Aufgabe entfällt:",
	},
	introFeedback: [4]string{
		"Bitte um Ihr Feedback:",
		"Diese Bitte um Feedback wurde geändert:",
		"Diese Bitte um Feedback entfällt:",
		"Diese Bitte um Feedback entfällt:",
	},
	when: "Wann", due: "Fällig bis", where: "Ort", link: "Link", organizer: "Organisation", localTime: "Ortszeit",
	calendarHint:          "Die Einladung liegt dieser E-Mail als Kalendereintrag bei.",
	cancelledCalendarHint: "Ihr Kalenderprogramm kann den Termin mit dieser E-Mail entfernen.",
	taskHint:              "Bitte bis zum genannten Zeitpunkt erledigen.",
	weekdays:              [7]string{"So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"},
	dateLayout:            "02.01.2006", timeLayout: "15:04", timeSuffix: " Uhr",
	unknownZone: "UTC",
}

var english = wording{
	lang:        "en",
	subject:     [4]string{"Invitation: ", "Updated: ", "Cancelled: ", "Cancelled: "},
	subjectTask: [4]string{"New assignment: ", "Updated: ", "Cancelled: ", "Cancelled: "},
	intro: [4]string{
		"You are invited to:",
		"This event has been updated:",
		"This event has been cancelled:",
		"Your invitation to this event has been withdrawn:",
	},
	introTask: [4]string{
		"New assignment to prepare:",
		"This assignment has been updated:",
		"This assignment has been withdrawn:",
		"This assignment has been withdrawn:",
	},
	introFeedback: [4]string{
		"We would like your feedback:",
		"This feedback request has been updated:",
		"This feedback request has been withdrawn:",
		"This feedback request has been withdrawn:",
	},
	when: "When", due: "Due", where: "Where", link: "Link", organizer: "Organizer", localTime: "Local time",
	calendarHint:          "The invitation is attached to this e-mail as a calendar entry.",
	cancelledCalendarHint: "Your calendar program can remove the event with this e-mail.",
	taskHint:              "Please complete it by then.",
	weekdays:              [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	dateLayout:            "2 Jan 2006", timeLayout: "15:04",
	unknownZone: "UTC",
}

func wordingFor(lang string) *wording {
	if strings.EqualFold(lang, "en") {
		return &english
	}
	return &german
}

// subjectFor returns the subject of a message about r.
func (w *wording) subjectFor(r *resource.Resource, k kindOfMessage) string {
	prefix := w.subject[k]
	if r.Kind == resource.Assignment {
		prefix = w.subjectTask[k]
	}
	return prefix + oneLine(r.Title)
}

// zone returns the location to show times in and its label: the resource's
// IANA zone, or UTC when it is unknown on this machine.
func (w *wording) zone(name string) (*time.Location, string) {
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc, name
		}
	}
	return time.UTC, w.unknownZone
}

func (w *wording) date(t time.Time) string {
	return w.weekdays[t.Weekday()] + ", " + t.Format(w.dateLayout)
}

func (w *wording) clock(t time.Time) string { return t.Format(w.timeLayout) }

// span writes a session's or event's time: "Mi, 03.02.2027, 09:30–12:30 Uhr
// (Europe/Berlin)", with the end date only when it is another day.
func (w *wording) span(start, end time.Time, tz string) string {
	loc, label := w.zone(tz)
	s, e := start.In(loc), end.In(loc)
	var b strings.Builder
	b.WriteString(w.date(s) + ", " + w.clock(s))
	if s.Format(time.DateOnly) == e.Format(time.DateOnly) {
		b.WriteString("–" + w.clock(e) + w.timeSuffix)
	} else {
		b.WriteString(w.timeSuffix + " – " + w.date(e) + ", " + w.clock(e) + w.timeSuffix)
	}
	b.WriteString(" (" + label + ")")
	return b.String()
}

// moment writes a single point in time, such as when an assignment is due.
func (w *wording) moment(t time.Time, tz string) string {
	loc, label := w.zone(tz)
	t = t.In(loc)
	return w.date(t) + ", " + w.clock(t) + w.timeSuffix + " (" + label + ")"
}

// body is what both the text and the HTML part show.
type body struct {
	Lang        string
	Intro       string
	Title       string
	Fields      []field
	Description string
	Hint        string
	Organizer   string
}

type field struct {
	Label, Value string
	Link         bool
}

// bodyFor collects the content of a message about r to the recipients to.
func bodyFor(r *resource.Resource, k kindOfMessage, calendar bool, to []resource.Attendee) body {
	w := wordingFor(r.Language)
	b := body{Lang: w.lang, Title: oneLine(r.Title), Description: strings.TrimSpace(ical.CleanText(r.Description))}
	if r.Kind == resource.Assignment {
		b.Intro = w.introTask[k]
		if resource.IsFeedback(r.Address) {
			b.Intro = w.introFeedback[k]
		}
		b.Fields = append(b.Fields, field{Label: w.due, Value: w.moment(r.Start, r.Timezone)})
		for _, z := range recipientZones(r, to) {
			b.Fields = append(b.Fields, field{Label: w.localTime, Value: w.moment(r.Start, z.zone) + " – " + z.who()})
		}
		if k == invite || k == update {
			b.Hint = w.taskHint
		}
	} else {
		b.Intro = w.intro[k]
		b.Fields = append(b.Fields, field{Label: w.when, Value: w.span(r.Start, r.End, r.Timezone)})
		for _, z := range recipientZones(r, to) {
			b.Fields = append(b.Fields, field{Label: w.localTime, Value: w.span(r.Start, r.End, z.zone) + " – " + z.who()})
		}
		if calendar {
			b.Hint = w.calendarHint
			if k == cancelled || k == withdrawn {
				b.Hint = w.cancelledCalendarHint
			}
		}
	}
	if loc := oneLine(r.Location); loc != "" {
		b.Fields = append(b.Fields, field{Label: w.where, Value: loc})
	}
	if r.URL != "" {
		b.Fields = append(b.Fields, field{Label: w.link, Value: oneLine(r.URL), Link: true})
	}
	if r.Organizer.Email != "" {
		org := r.Organizer.Email
		if n := oneLine(r.Organizer.Name); n != "" {
			org = n + " <" + r.Organizer.Email + ">"
		}
		b.Organizer = w.organizer + ": " + org
	}
	return b
}

// zoneOfRecipients is one zone some recipients read times in, with the
// names of up to three of them.
type zoneOfRecipients struct {
	zone  string
	names []string
	more  bool
}

func (z zoneOfRecipients) who() string {
	s := strings.Join(z.names, "; ")
	if z.more {
		s += "; …"
	}
	return s
}

// recipientZones returns the zones of the recipients to that differ from
// the resource's (which the message shows first), in the order of to:
// everyone reads the time in their own zone next to the pair's or event's.
func recipientZones(r *resource.Resource, to []resource.Attendee) []zoneOfRecipients {
	var out []zoneOfRecipients
	index := map[string]int{}
	for _, a := range to {
		z := r.PersonZones[a.ID]
		if z == "" || z == r.Timezone {
			continue
		}
		name := oneLine(a.Name)
		if name == "" {
			name = a.ID
		}
		i, ok := index[z]
		if !ok {
			i = len(out)
			index[z] = i
			out = append(out, zoneOfRecipients{zone: z})
		}
		// A message to a batch of a large event names a few per zone.
		if len(out[i].names) < 3 {
			out[i].names = append(out[i].names, name)
		} else {
			out[i].more = true
		}
	}
	return out
}

// text renders the text/plain part.
func (b *body) text() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s\n\n%s\n\n", b.Intro, b.Title)
	for _, f := range b.Fields {
		fmt.Fprintf(&s, "%s: %s\n", f.Label, f.Value)
	}
	if b.Description != "" {
		fmt.Fprintf(&s, "\n%s\n", b.Description)
	}
	if b.Hint != "" {
		fmt.Fprintf(&s, "\n%s\n", b.Hint)
	}
	if b.Organizer != "" {
		fmt.Fprintf(&s, "\n-- \n%s\n", b.Organizer)
	}
	return s.String()
}

// htmlTemplate renders the text/html part. html/template escapes every
// value for its context, so titles, descriptions and names cannot inject
// markup, and URLs with a scheme other than http(s) or mailto are replaced
// by "#ZgotmplZ".
var htmlTemplate = template.Must(template.New("body").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head><meta charset="UTF-8"><title>{{.Title}}</title></head>
<body>
<p>{{.Intro}}</p>
<h2>{{.Title}}</h2>
<table>
{{- range .Fields}}
<tr><th align="left" valign="top">{{.Label}}</th><td>{{if .Link}}<a href="{{.Value}}">{{.Value}}</a>{{else}}{{.Value}}{{end}}</td></tr>
{{- end}}
</table>
{{- if .Description}}
<div style="white-space: pre-wrap">{{.Description}}</div>
{{- end}}
{{- if .Hint}}
<p>{{.Hint}}</p>
{{- end}}
{{- if .Organizer}}
<p style="color: #666">{{.Organizer}}</p>
{{- end}}
</body>
</html>
`))

// html renders the text/html part.
func (b *body) html() (string, error) {
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, b); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// oneLine makes s fit a header or a single line: cleaned like iCalendar
// text, with line breaks and tabs as spaces and surrounding space removed.
func oneLine(s string) string {
	s = ical.CleanText(s)
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}
