// Package ical owns rmctl's iCalendar encoding: it turns a resource into an
// iTIP message (RFC 5546, METHOD REQUEST or CANCEL), into a stored calendar
// object (for a CalDAV server or a feed), and many objects into one
// subscribable feed; and it compares two objects by meaning for drift
// detection. Every target writes iCalendar through this package so that all
// of them send the same bytes for the same resource.
//
// Encoding builds on github.com/emersion/go-ical, which escapes text and
// quotes parameters but neither folds lines nor sanitises parameter values;
// this package does both. All times are written in UTC ("…Z") so no
// VTIMEZONE is ever needed.
//
// Text is normalised before it is written, and the same normalisation is
// what a reader gets back: invalid UTF-8 becomes U+FFFD, CR LF and lone CR
// become LF, and other ASCII control characters except TAB are dropped
// (RFC 5545 forbids them in TEXT). In parameter values (CN) double quotes
// become single quotes and control characters become spaces, because
// RFC 5545 parameter values can carry neither, and spaces around the name
// are trimmed. E-mail addresses and URLs are never cleaned: one that the
// rules of package address refuse is an error (validate refuses it too).
// FuzzResource holds the encoder to all of this.
package ical

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/internal/address"
)

// ProdID is the PRODID of everything rmctl writes.
const ProdID = "-//rmctl//rmctl//EN"

// iTIP methods.
const (
	MethodRequest = "REQUEST"
	MethodCancel  = "CANCEL"
)

// Statuses (RFC 5545 3.8.1.11) rmctl writes.
const (
	StatusConfirmed   = "CONFIRMED"    // VEVENT default
	StatusNeedsAction = "NEEDS-ACTION" // VTODO default
	StatusCancelled   = "CANCELLED"
)

// Owner markers. rmctl only ever changes or deletes objects that carry
// PropAddress, so a calendar shared with people can hold their own events
// next to rmctl's without risk.
const (
	PropAddress = "X-RMCTL-ADDRESS"
	PropProgram = "X-RMCTL-PROGRAM"
	PropKind    = "X-RMCTL-KIND"
)

// maxLine is the longest content line RFC 5545 3.1 allows, in octets,
// without the CRLF.
const maxLine = 75

// Message returns an iTIP message: a VCALENDAR with the given METHOD
// (REQUEST or CANCEL) holding one VEVENT (session, event) or VTODO
// (assignment) for r, addressed to recipients. A nil recipients slice means
// all attendees of r; to uninvite some attendees, send CANCEL with just
// them and REQUEST with the rest. seq is the SEQUENCE and stamp the DTSTAMP.
func Message(method string, r resource.Resource, seq int, stamp time.Time, recipients []resource.Attendee) ([]byte, error) {
	if method != MethodRequest && method != MethodCancel {
		return nil, fmt.Errorf("ical: message for %s: unsupported method %q", r.Address, method)
	}
	if recipients == nil {
		recipients = r.Attendees
	}
	if len(recipients) == 0 {
		// RFC 5546 requires at least one ATTENDEE in REQUEST and CANCEL.
		return nil, fmt.Errorf("ical: %s message for %s: no recipients", method, r.Address)
	}
	if r.Organizer.Email == "" {
		// RFC 5546 requires ORGANIZER, and mail clients match updates by it.
		return nil, fmt.Errorf("ical: %s message for %s: no organizer e-mail", method, r.Address)
	}
	status := ""
	if method == MethodCancel {
		status = StatusCancelled
	}
	comp, err := component(&r, seq, stamp, status, recipients, method == MethodRequest)
	if err != nil {
		return nil, err
	}
	cal := calendar(comp)
	cal.Props.SetText(goical.PropMethod, method)
	return encode(cal, r.Address)
}

// Object returns r as a stored calendar object: a VCALENDAR without METHOD
// holding one VEVENT or VTODO with all attendees of r. status "" means the
// kind's default (CONFIRMED for events, NEEDS-ACTION for tasks).
func Object(r resource.Resource, seq int, stamp time.Time, status string) ([]byte, error) {
	comp, err := component(&r, seq, stamp, strings.ToUpper(status), r.Attendees, true)
	if err != nil {
		return nil, err
	}
	return encode(calendar(comp), r.Address)
}

func calendar(comp *goical.Component) *goical.Calendar {
	cal := goical.NewCalendar()
	cal.Props.SetText(goical.PropProductID, ProdID)
	cal.Props.SetText(goical.PropVersion, "2.0")
	cal.Children = append(cal.Children, comp)
	return cal
}

func encode(cal *goical.Calendar, address string) ([]byte, error) {
	var buf bytes.Buffer
	if err := goical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("ical: encode %s: %w", address, err)
	}
	return fold(buf.Bytes()), nil
}

// component builds the VEVENT or VTODO of r. rsvp asks attendees of events
// to answer; tasks never ask, and neither does a cancellation.
func component(r *resource.Resource, seq int, stamp time.Time, status string, attendees []resource.Attendee, rsvp bool) (*goical.Component, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("ical: %s: %s", r.Address, fmt.Sprintf(format, args...))
	}
	if r.Address == "" {
		return nil, fmt.Errorf("ical: resource %q has no address", r.UID)
	}
	if r.UID == "" {
		return nil, fail("no UID")
	}
	if seq < 0 {
		return nil, fail("negative SEQUENCE %d", seq)
	}
	if stamp.IsZero() {
		return nil, fail("no DTSTAMP")
	}
	if r.Start.IsZero() {
		return nil, fail("no start or due time")
	}

	var comp *goical.Component
	switch r.Kind {
	case resource.Session, resource.Event:
		if !r.End.After(r.Start) {
			return nil, fail("end %s is not after start %s", r.End.UTC().Format(time.RFC3339), r.Start.UTC().Format(time.RFC3339))
		}
		switch status {
		case "":
			status = StatusConfirmed
		case StatusConfirmed, "TENTATIVE", StatusCancelled:
		default:
			return nil, fail("status %q is not one of an event", status)
		}
		comp = goical.NewComponent(goical.CompEvent)
		setTime(comp, goical.PropDateTimeStart, r.Start)
		setTime(comp, goical.PropDateTimeEnd, r.End)
	case resource.Assignment:
		switch status {
		case "":
			status = StatusNeedsAction
		case StatusNeedsAction, "COMPLETED", "IN-PROCESS", StatusCancelled:
		default:
			return nil, fail("status %q is not one of a task", status)
		}
		comp = goical.NewComponent(goical.CompToDo)
		setTime(comp, goical.PropDue, r.Start)
		// Tasks are answered by doing them, not by replying.
		rsvp = false
	default:
		return nil, fail("unknown kind %q", r.Kind)
	}
	if status == StatusCancelled {
		rsvp = false
	}

	setText(comp, goical.PropUID, r.UID, "")
	setTime(comp, goical.PropDateTimeStamp, stamp)
	comp.Props.Set(&goical.Prop{Name: goical.PropSequence, Params: goical.Params{}, Value: strconv.Itoa(seq)})
	comp.Props.Set(&goical.Prop{Name: goical.PropStatus, Params: goical.Params{}, Value: status})
	setText(comp, goical.PropSummary, r.Title, r.Language)
	if r.Private {
		// CLASS:PRIVATE is what Outlook, Google Calendar and Apple Calendar
		// read as "private" (Outlook sets its Sensitivity from it; there is
		// no X-MICROSOFT- property for it), so nothing else is written.
		comp.Props.Set(&goical.Prop{Name: goical.PropClass, Params: goical.Params{}, Value: "PRIVATE"})
	}

	desc := r.Description
	if r.Kind == resource.Assignment && r.URL != "" && !strings.Contains(desc, r.URL) {
		// Task lists rarely show URL; the link must be in the text people read.
		if desc != "" {
			desc += "\n\n"
		}
		desc += r.URL
	}
	if desc != "" {
		setText(comp, goical.PropDescription, desc, r.Language)
	}
	if r.Location != "" {
		setText(comp, goical.PropLocation, r.Location, r.Language)
	}
	if r.URL != "" {
		if err := checkURL(r.URL); err != nil {
			return nil, fail("URL: %v", err)
		}
		comp.Props.Set(&goical.Prop{Name: goical.PropURL, Params: goical.Params{}, Value: r.URL})
	}

	if r.Organizer.Email != "" {
		p, err := person(goical.PropOrganizer, r.Organizer.Name, r.Organizer.Email)
		if err != nil {
			return nil, fail("organizer: %v", err)
		}
		comp.Props.Set(p)
	}
	seen := map[string]bool{}
	for _, a := range attendees {
		key := strings.ToLower(a.Email)
		if seen[key] {
			continue // one ATTENDEE per address, or clients show the person twice
		}
		seen[key] = true
		p, err := person(goical.PropAttendee, a.Name, a.Email)
		if err != nil {
			return nil, fail("attendee %s: %v", a.ID, err)
		}
		p.Params.Set(goical.ParamRole, "REQ-PARTICIPANT")
		p.Params.Set(goical.ParamParticipationStatus, "NEEDS-ACTION")
		if rsvp {
			p.Params.Set(goical.ParamRSVP, "TRUE")
		}
		comp.Props.Add(p)
	}

	setText(comp, PropAddress, r.Address, "")
	setText(comp, PropProgram, r.Program, "")
	setText(comp, PropKind, string(r.Kind), "")
	return comp, nil
}

// setTime writes t in UTC, whole seconds: a Go location name as TZID would
// need a VTIMEZONE, and sub-second precision cannot be written at all.
func setTime(comp *goical.Component, name string, t time.Time) {
	p := goical.NewProp(name)
	p.SetDateTime(t.UTC().Truncate(time.Second))
	comp.Props.Set(p)
}

func setText(comp *goical.Component, name, text, lang string) {
	// Set the value directly rather than with Prop.SetText, which would
	// add VALUE=TEXT to X- properties.
	p := goical.NewProp(name)
	p.Value = escapeText(CleanText(text))
	if lang != "" {
		p.Params.Set(goical.ParamLanguage, cleanParam(lang))
	}
	comp.Props.Set(p)
}

// person returns an ORGANIZER or ATTENDEE property: a bare mailto: URI,
// which is what Gmail and Outlook match updates on, with the name as CN.
func person(prop, name, email string) (*goical.Prop, error) {
	if err := checkEmail(email); err != nil {
		return nil, err
	}
	p := goical.NewProp(prop)
	p.Value = "mailto:" + email
	if n := cleanParam(name); n != "" {
		p.Params.Set(goical.ParamCommonName, n)
	}
	return p, nil
}

// checkEmail and checkURL apply the rules validate applies (package
// address), so nothing validate accepted fails here, and nothing that could
// break a content line or hide a second address is ever written.
func checkEmail(email string) error {
	if err := address.Email(email); err != nil {
		return fmt.Errorf("e-mail address %q %w", email, err)
	}
	return nil
}

func checkURL(s string) error {
	if err := address.URL(s); err != nil {
		return fmt.Errorf("%q %w", s, err)
	}
	return nil
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11) as go-ical's
// Prop.SetText does.
func escapeText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '\\', ';', ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CleanText returns text as it will be read back from rmctl's output: valid
// UTF-8, LF line breaks, no control characters other than TAB and LF.
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// cleanParam makes s safe as a parameter value: go-ical quotes values with
// ':' ';' ',' but refuses '"' and passes CR and LF through, which would end
// the content line and let a name inject properties.
func cleanParam(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r < 0x20 || r == 0x7f:
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// fold folds every content line of data (CRLF-separated, as go-ical writes
// them) at 75 octets, never inside a UTF-8 sequence (RFC 5545 3.1).
func fold(data []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(data) + len(data)/maxLine*3)
	for len(data) > 0 {
		line := data
		i := bytes.Index(data, []byte("\r\n"))
		if i >= 0 {
			line, data = data[:i], data[i+2:]
		} else {
			data = nil
		}
		foldLine(&out, line)
	}
	return out.Bytes()
}

func foldLine(out *bytes.Buffer, line []byte) {
	limit := maxLine
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		if cut == 0 {
			cut = limit // not UTF-8 at all; cannot happen with cleaned text
		}
		out.Write(line[:cut])
		out.WriteString("\r\n ")
		line = line[cut:]
		limit = maxLine - 1 // the leading space counts
	}
	out.Write(line)
	out.WriteString("\r\n")
}
