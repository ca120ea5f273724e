// Package ical owns rmctl's iCalendar encoding: it turns a resource into an
// iTIP message (RFC 5546, METHOD REQUEST or CANCEL), into a stored calendar
// object (for a CalDAV server or a feed), and many objects into one
// subscribable feed; and it compares two objects by meaning for drift
// detection. Every target writes iCalendar through this package so that all
// of them send the same bytes for the same resource.
//
// Encoding builds on github.com/emersion/go-ical, which escapes text and
// quotes parameters but neither folds lines nor sanitises parameter values;
// this package does both. Times of events and tasks are written in the
// resource's zone (TZID) with a VTIMEZONE generated from Go's tz database;
// DTSTAMP and resources without a zone are written in UTC ("…Z").
//
// Text is normalised before it is written, and the same normalisation is
// what a reader gets back: invalid UTF-8 becomes U+FFFD, CR LF and lone CR
// become LF, and other ASCII control characters except TAB are dropped
// (RFC 5545 forbids them in TEXT). In parameter values (CN) double quotes
// are written as RFC 6868's ^' and control characters become spaces,
// because RFC 5545 parameter values can carry neither, and spaces around
// the name are trimmed. E-mail addresses and URLs are never cleaned: one
// that the rules of package address refuse is an error (validate refuses
// it too). FuzzResource holds the encoder to all of this.
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

// Option changes how resources are written.
type Option func(*options)

type options struct{ tasks bool }

// AsTask writes assignments as VTODO, for targets whose calendars hold
// tasks. Without it an assignment is written as its calendar-visible form
// (see BlockUID), because Outlook and Google Calendar ignore VTODO.
func AsTask() Option { return func(o *options) { o.tasks = true } }

func optionsOf(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// taskPriority is the PRIORITY of an assignment's VTODO: medium (RFC 5545
// 3.8.1.9); RFC 5546 3.4.2 lists PRIORITY for a VTODO REQUEST.
const taskPriority = "5"

// BlockUID is the UID of an assignment's calendar-visible form: a short
// VEVENT of the assignment's minutes, free/busy transparent, at its Block
// time. It differs from the task's UID so that both forms can live in one
// person's calendars (a feed and a CalDAV task list) without one replacing
// the other; like the task's, it follows from the address alone.
func BlockUID(uid string) string { return "block-" + uid }

// maxLine is the longest content line RFC 5545 3.1 allows, in octets,
// without the CRLF.
const maxLine = 75

// Message returns an iTIP message: a VCALENDAR with the given METHOD
// (REQUEST or CANCEL) holding one VEVENT (session, event) or VTODO
// (assignment) for r, addressed to recipients. A nil recipients slice means
// all attendees of r. A CANCEL made here cancels the whole resource
// (STATUS:CANCELLED), whichever part of its attendees it is sent to (large
// events go out in batches); to uninvite some attendees use Uninvite. seq
// is the SEQUENCE and stamp the DTSTAMP.
func Message(method string, r resource.Resource, seq int, stamp time.Time, recipients []resource.Attendee, opts ...Option) ([]byte, error) {
	if method != MethodRequest && method != MethodCancel {
		return nil, fmt.Errorf("ical: message for %s: unsupported method %q", r.Address, method)
	}
	return message(method, r, seq, stamp, recipients, method == MethodCancel, optionsOf(opts))
}

// Uninvite returns the METHOD:CANCEL that removes the attendees removed
// from r while it goes on for the others: it names only them and carries
// no STATUS, because RFC 5546 3.2.5 reserves STATUS:CANCELLED for
// cancelling the event for everyone, and clients that see it drop the
// event for all. The others get an updated REQUEST.
func Uninvite(r resource.Resource, seq int, stamp time.Time, removed []resource.Attendee, opts ...Option) ([]byte, error) {
	if len(removed) == 0 {
		return nil, fmt.Errorf("ical: uninvite from %s: no recipients", r.Address)
	}
	return message(MethodCancel, r, seq, stamp, removed, false, optionsOf(opts))
}

func message(method string, r resource.Resource, seq int, stamp time.Time, recipients []resource.Attendee, whole bool, o options) ([]byte, error) {
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
	if whole {
		status = StatusCancelled
	}
	var zones zoneSpan
	comp, err := component(&r, seq, stamp, status, recipients, method == MethodRequest, &zones, o)
	if err != nil {
		return nil, err
	}
	if method == MethodCancel && !whole {
		comp.Props.Del(goical.PropStatus)
	}
	cal := calendar(&zones, comp)
	cal.Props.SetText(goical.PropMethod, method)
	return encode(cal, r.Address)
}

// Object returns r as a stored calendar object: a VCALENDAR without METHOD
// holding one VEVENT or VTODO with all attendees of r. status "" means the
// kind's default (CONFIRMED for events, NEEDS-ACTION for tasks).
func Object(r resource.Resource, seq int, stamp time.Time, status string, opts ...Option) ([]byte, error) {
	var zones zoneSpan
	comp, err := component(&r, seq, stamp, strings.ToUpper(status), r.Attendees, true, &zones, optionsOf(opts))
	if err != nil {
		return nil, err
	}
	return encode(calendar(&zones, comp), r.Address)
}

// calendar wraps comps in a VCALENDAR, with a VTIMEZONE for each zone
// their times are written in (RFC 5545 3.6.5 requires it in the object).
func calendar(zones *zoneSpan, comps ...*goical.Component) *goical.Calendar {
	cal := goical.NewCalendar()
	cal.Props.SetText(goical.PropProductID, ProdID)
	cal.Props.SetText(goical.PropVersion, "2.0")
	cal.Children = append(cal.Children, zones.components()...)
	cal.Children = append(cal.Children, comps...)
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
// Its times are written in r's zone, which is added to zones.
// An assignment is a VTODO with o.tasks, else its time-blocked VEVENT.
func component(r *resource.Resource, seq int, stamp time.Time, status string, attendees []resource.Attendee, rsvp bool, zones *zoneSpan, o options) (*goical.Component, error) {
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

	loc := zoneOf(r.Timezone)
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
		setTime(comp, goical.PropDateTimeStart, r.Start, loc)
		setTime(comp, goical.PropDateTimeEnd, r.End, loc)
		zones.add(loc, r.Start)
		zones.add(loc, r.End)
	case resource.Assignment:
		switch status {
		case "":
			status = StatusNeedsAction
		case StatusNeedsAction, "COMPLETED", "IN-PROCESS", StatusCancelled:
		default:
			return nil, fail("status %q is not one of a task", status)
		}
		start, end := blockOf(r)
		if o.tasks {
			comp = goical.NewComponent(goical.CompToDo)
			// RFC 5546 3.4.2 lists DTSTART and PRIORITY for a VTODO
			// REQUEST; DTSTART is when to begin, the calendar block.
			setTime(comp, goical.PropDateTimeStart, start, loc)
			setTime(comp, goical.PropDue, r.Start, loc)
			comp.Props.Set(&goical.Prop{Name: goical.PropPriority, Params: goical.Params{}, Value: taskPriority})
			zones.add(loc, start)
			zones.add(loc, r.Start)
		} else {
			// The calendar-visible form: a block of the assignment's
			// minutes that keeps the time free (TRANSPARENT).
			if status != StatusCancelled {
				status = StatusConfirmed
			}
			comp = goical.NewComponent(goical.CompEvent)
			setTime(comp, goical.PropDateTimeStart, start, loc)
			setTime(comp, goical.PropDateTimeEnd, end, loc)
			comp.Props.Set(&goical.Prop{Name: goical.PropTransparency, Params: goical.Params{}, Value: "TRANSPARENT"})
			zones.add(loc, start)
			zones.add(loc, end)
		}
		// Assignments are answered by doing them, not by replying.
		rsvp = false
	default:
		return nil, fail("unknown kind %q", r.Kind)
	}
	if status == StatusCancelled {
		rsvp = false
	}

	uid := r.UID
	if r.Kind == resource.Assignment && !o.tasks {
		uid = BlockUID(uid)
	}
	setText(comp, goical.PropUID, uid, "")
	setTime(comp, goical.PropDateTimeStamp, stamp, nil) // always UTC (RFC 5545 3.8.7.2)
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
		if r.Kind != resource.Assignment {
			// A session's or event's URL is where to meet online: RFC 7986's
			// CONFERENCE is what clients that offer a "join" button read.
			comp.Props.Set(&goical.Prop{Name: goical.PropConference, Value: r.URL, Params: goical.Params{
				goical.ParamValue: {"URI"}, "FEATURE": {"AUDIO", "VIDEO"},
			}})
		}
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
		if ps := strings.ToUpper(a.PartStat); knownAnswer(ps) {
			// A known answer is kept, and not asked for again (RFC 5546
			// 2.1.5: only a significant change needs new replies).
			p.Params.Set(goical.ParamParticipationStatus, ps)
			if rsvp {
				p.Params.Set(goical.ParamRSVP, "FALSE")
			}
		} else {
			p.Params.Set(goical.ParamParticipationStatus, "NEEDS-ACTION")
			if rsvp {
				p.Params.Set(goical.ParamRSVP, "TRUE")
			}
		}
		comp.Props.Add(p)
	}

	setText(comp, PropAddress, r.Address, "")
	setText(comp, PropProgram, r.Program, "")
	setText(comp, PropKind, string(r.Kind), "")
	return comp, nil
}

// knownAnswer reports whether ps is an attendee's answer to an event
// (RFC 5545 3.2.12) worth keeping in what is sent.
func knownAnswer(ps string) bool {
	switch ps {
	case "ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED":
		return true
	}
	return false
}

// blockOf returns the calendar block of an assignment: from Block for its
// Minutes; without them (an assignment recorded before blocks existed),
// the quarter of an hour before it is due.
func blockOf(r *resource.Resource) (start, end time.Time) {
	minutes := r.Minutes
	if minutes <= 0 {
		minutes = 15
	}
	d := time.Duration(minutes) * time.Minute
	start = r.Block
	if start.IsZero() || !start.Before(r.Start) {
		start = r.Start.Add(-d)
	}
	return start, start.Add(d)
}

// setTime writes t in whole seconds (sub-second precision cannot be
// written), in loc with its name as TZID, or in UTC when loc is nil. The
// caller adds the VTIMEZONE of loc.
func setTime(comp *goical.Component, name string, t time.Time, loc *time.Location) {
	if loc == nil {
		loc = time.UTC
	}
	p := goical.NewProp(name)
	p.SetDateTime(t.In(loc).Truncate(time.Second))
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
// the content line and let a name inject properties. A double quote is
// written as RFC 6868's ^' (and ^ as ^^), so a name like Anna "Nan" Meyer
// reads back as written by clients that decode RFC 6868; control
// characters become spaces.
func cleanParam(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == '"':
			b.WriteString("^'")
		case r == '^':
			b.WriteString("^^")
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
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
