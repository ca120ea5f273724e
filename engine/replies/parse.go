// Package replies reads attendees' answers to rmctl's invitations back:
// iTIP REPLY messages (RFC 5546 3.2.3, carried in e-mail as RFC 6047
// describes) from the organizer's IMAP mailbox, and records each
// attendee's PARTSTAT per resource in state. It also owns the rule that
// keeps those answers across updates: an update that changes neither time
// nor place sends the known PARTSTAT back instead of asking again.
//
// Mail clients write replies differently: Outlook sends a text/calendar
// body or part (often quoted-printable, "MAILTO:" in upper case), Gmail a
// multipart/alternative whose text/calendar; method=REPLY part is base64,
// plus the same calendar as an attachment. Parse reads any MIME layout and
// takes every calendar part whose METHOD is REPLY; nothing else in the
// mailbox is touched (it is opened read-only, so no \Seen flag is set).
package replies

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"
)

// Reply is one attendee's answer found in a message.
type Reply struct {
	// UID is the iCalendar UID of the event answered.
	UID string
	// Attendee is the answering address, lower case, without "mailto:".
	Attendee string
	// PartStat is ACCEPTED, DECLINED, TENTATIVE or DELEGATED.
	PartStat string
	// Sequence is the SEQUENCE answered (0 when the reply has none).
	Sequence int
	// Stamp is the reply's DTSTAMP.
	Stamp time.Time
}

// maxDepth bounds MIME nesting: real replies nest two or three levels.
const maxDepth = 8

// Parse returns the replies in one raw RFC 5322 message: every attendee
// with a known PARTSTAT in every calendar part whose METHOD is REPLY.
// A message that is no reply gives none and no error.
func Parse(raw []byte) ([]Reply, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("reading message: %w", err)
	}
	var out []Reply
	err = walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, 0, &out)
	return out, err
}

func walk(contentType, cte string, body io.Reader, depth int, out *[]Reply) error {
	if depth > maxDepth {
		return fmt.Errorf("MIME parts nested deeper than %d", maxDepth)
	}
	typ, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil // an unreadable part cannot be a reply worth reading
	}
	switch {
	case strings.HasPrefix(typ, "multipart/"):
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("reading %s: %w", typ, err)
			}
			if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1, out); err != nil {
				return err
			}
		}
	case typ == "text/calendar" || typ == "application/ics":
		data, err := io.ReadAll(decode(cte, body))
		if err != nil {
			return fmt.Errorf("decoding %s part: %w", typ, err)
		}
		rs, err := parseCalendar(data, params["method"])
		if err != nil {
			return err
		}
		*out = append(*out, rs...)
	}
	return nil
}

func decode(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r) // skips CR and LF
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// parseCalendar returns the answers in one calendar object when its
// METHOD is REPLY, or, when it has no METHOD, when the part's Content-Type
// says method=REPLY (some clients write only one of the two).
func parseCalendar(data []byte, partMethod string) ([]Reply, error) {
	cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		return nil, fmt.Errorf("reading calendar: %w", err)
	}
	method := partMethod
	if m := cal.Props.Get(goical.PropMethod); m != nil {
		method = m.Value
	}
	if !strings.EqualFold(strings.TrimSpace(method), "REPLY") {
		return nil, nil
	}
	return answers(cal), nil
}

// FromObject returns the answers in a stored calendar object (a CalDAV
// server's copy, which has no METHOD): every attendee whose PARTSTAT is
// an answer, stamped with the later of DTSTAMP and LAST-MODIFIED, which
// clients move on when someone answers.
func FromObject(data []byte) ([]Reply, error) {
	cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		return nil, fmt.Errorf("reading calendar: %w", err)
	}
	return answers(cal), nil
}

func answers(cal *goical.Calendar) []Reply {
	var out []Reply
	for _, c := range cal.Children {
		if c.Name != goical.CompEvent {
			continue
		}
		uid := c.Props.Get(goical.PropUID)
		if uid == nil || uid.Value == "" {
			continue
		}
		r := Reply{UID: uid.Value}
		if p := c.Props.Get(goical.PropSequence); p != nil {
			if n, err := strconv.Atoi(strings.TrimSpace(p.Value)); err == nil && n >= 0 {
				r.Sequence = n
			}
		}
		for _, name := range []string{goical.PropDateTimeStamp, goical.PropLastModified} {
			if p := c.Props.Get(name); p != nil {
				if t, err := p.DateTime(time.UTC); err == nil && t.After(r.Stamp) {
					r.Stamp = t.UTC()
				}
			}
		}
		for _, a := range c.Props.Values(goical.PropAttendee) {
			addr := strings.TrimSpace(a.Value)
			if len(addr) < 7 || !strings.EqualFold(addr[:7], "mailto:") {
				continue
			}
			ps := strings.ToUpper(strings.TrimSpace(a.Params.Get(goical.ParamParticipationStatus)))
			if !Answer(ps) {
				continue
			}
			r.Attendee, r.PartStat = strings.ToLower(addr[7:]), ps
			out = append(out, r)
		}
	}
	return out
}

// Answer reports whether ps is an answer worth recording (RFC 5545
// 3.2.12 for events); NEEDS-ACTION is no answer.
func Answer(ps string) bool {
	switch ps {
	case "ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED":
		return true
	}
	return false
}
