package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	netmail "net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wneessen/go-mail"

	"github.com/rmctl/rmctl/engine/ical"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/internal/address"
)

// outgoing is one e-mail of a delivery: one method (or notice) to one
// recipient set.
type outgoing struct {
	method string   // ical.MethodRequest or ical.MethodCancel
	id     string   // Message-ID without angle brackets
	rcpts  []string // envelope recipients, as in the To header
	msg    *mail.Msg
}

// compose builds the message that tells to about r. Sessions and events
// get what Google Calendar itself sends: a multipart/mixed holding a
// multipart/alternative of text/plain, text/html and the iTIP text/calendar
// part (base64, inline), followed by the same calendar as an invite.ics
// attachment (application/ics) for clients that read only attachments.
// Assignments get text and HTML only, because Google Calendar and Outlook
// ignore VTODO.
func (t *Target) compose(r *resource.Resource, seq int, stamp time.Time, method string, k kindOfMessage, to []resource.Attendee) (*outgoing, error) {
	from := t.from
	if from == "" {
		from = r.Organizer.Email
	}
	if from == "" {
		return nil, fmt.Errorf("no sender: the resource has no organizer e-mail and no from address is configured")
	}
	if err := checkAddress(from); err != nil {
		return nil, fmt.Errorf("sender: %w", err)
	}

	var rcpts []string
	var toAddrs []*netmail.Address
	var seen []string
	for _, a := range to {
		if err := checkAddress(a.Email); err != nil {
			return nil, fmt.Errorf("attendee %s: %w", a.ID, err)
		}
		key := strings.ToLower(a.Email)
		if slices.Contains(seen, key) {
			continue
		}
		seen = append(seen, key)
		rcpts = append(rcpts, a.Email)
		toAddrs = append(toAddrs, &netmail.Address{Name: displayName(a.Name), Address: a.Email})
	}
	if len(rcpts) == 0 {
		return nil, fmt.Errorf("%s message without recipients", method)
	}

	calendar := r.Kind != resource.Assignment
	var cal []byte
	if calendar {
		var err error
		// ORGANIZER is the sender: Gmail and Outlook update or cancel an
		// event in place only when the message comes from its ORGANIZER,
		// and iTIP replies then reach the mailbox rmctl sends from (where
		// `rmctl sync replies` reads them). The organizer's name stays.
		calRes := *r
		calRes.Organizer = resource.Contact{Name: r.Organizer.Name, Email: from}
		// The calendar lists the same attendees as the To header: a CANCEL
		// to removed attendees names only them (RFC 5546 3.2.5).
		if k == withdrawn {
			// Removed from an event that goes on: no STATUS:CANCELLED,
			// which would cancel it for everyone (RFC 5546 3.2.5).
			cal, err = ical.Uninvite(calRes, seq, stamp, to)
		} else {
			cal, err = ical.Message(method, calRes, seq, stamp, to)
		}
		if err != nil {
			return nil, err
		}
	}
	b := bodyFor(r, k, calendar, to)
	htmlBody, err := b.html()
	if err != nil {
		return nil, fmt.Errorf("render HTML: %w", err)
	}

	o := &outgoing{method: method, rcpts: rcpts, id: messageID(r, seq, method, seen, from)}
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	m.SetUserAgent("rmctl")
	m.FromMailAddress(&netmail.Address{Name: displayName(r.Organizer.Name), Address: from})
	m.ToMailAddress(toAddrs...)
	if r.Organizer.Email != "" && !strings.EqualFold(from, r.Organizer.Email) {
		// Sent from a service address on the organizer's behalf: people's
		// answers go to the organizer. (Calendar replies go to ORGANIZER
		// anyway.) See the package documentation for what Gmail makes of it.
		m.ReplyToMailAddress(&netmail.Address{Name: displayName(r.Organizer.Name), Address: r.Organizer.Email})
	}
	m.Subject(headerText(wordingFor(r.Language).subjectFor(r, k)))
	m.SetMessageIDWithValue(o.id)
	m.SetDateWithValue(t.now())
	m.SetBodyString(mail.TypeTextPlain, b.text())
	m.AddAlternativeString(mail.TypeTextHTML, htmlBody)
	if calendar {
		// go-mail appends "; charset=UTF-8" to the part's type, giving
		// "text/calendar; method=REQUEST; charset=UTF-8": the same
		// parameters as RFC 6047's example (their order carries no meaning).
		m.AddAlternativeString(mail.ContentType("text/calendar; method="+method), string(cal),
			mail.WithPartEncoding(mail.EncodingB64))
		m.AttachReadSeeker("invite.ics", bytes.NewReader(cal),
			mail.WithFileContentType("application/ics"), mail.WithFileEncoding(mail.EncodingB64))
	}
	o.msg = m
	return o, nil
}

// messageID derives the Message-ID of a message from the resource's UID,
// the SEQUENCE, the method, the recipients (lower-cased, sorted) and the
// resource's content hash, with the sender's domain on the right. The same
// message sent again (a retry, or a run repeated after a crash) carries
// the same Message-ID, which receiving systems use to drop duplicates;
// the content hash makes a corrected text at the same SEQUENCE (possible
// after a crash) a new message rather than a dropped duplicate.
func messageID(r *resource.Resource, seq int, method string, rcpts []string, from string) string {
	sorted := slices.Clone(rcpts)
	for i := range sorted {
		sorted[i] = strings.ToLower(sorted[i])
	}
	slices.Sort(sorted)
	uid := sha256.Sum256([]byte(r.UID))
	sum := sha256.Sum256([]byte(strings.Join(sorted, "\n") + "\n" + r.Hash()))
	return fmt.Sprintf("rmctl.%x.s%d.%s.%x@%s", uid[:8], seq, strings.ToLower(method), sum[:6], idDomain(from))
}

// idDomain is the right-hand side of Message-IDs: the sender's domain when
// it is a plain dot-atom, else a reserved name.
func idDomain(from string) string {
	_, d, ok := strings.Cut(from, "@")
	if !ok || d == "" || len(d) > 200 || strings.ContainsFunc(d, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-')
	}) {
		return "rmctl.invalid"
	}
	return strings.ToLower(d)
}

// checkAddress accepts a bare addr-spec, nothing that would need quoting
// or could smuggle a second address into a header.
func checkAddress(addr string) error {
	// The rules validate applies, so a program that validates sends.
	if err := address.Email(addr); err != nil {
		return fmt.Errorf("invalid e-mail address %q: %w", addr, err)
	}
	return nil
}

// maxName is the longest display name written, in runes: names are not
// folded inside words, so this also keeps header lines short.
const maxName = 64

func displayName(name string) string {
	name = oneLine(name)
	if utf8.RuneCountInString(name) > maxName {
		name = string([]rune(name)[:maxName-1]) + "…"
	}
	return name
}

// headerText prepares an unstructured header value (the subject). go-mail
// encodes non-ASCII text as RFC 2047 encoded-words of at most 75 octets
// and folds between words, but leaves pure ASCII alone; a word too long to
// fold could then break SMTP's 998-octet line limit. Such text is encoded
// here in short base64 encoded-words instead, which decode to the same
// string.
func headerText(s string) string {
	long := false
	for _, w := range strings.Fields(s) {
		if len(w) > 60 {
			long = true
			break
		}
	}
	if !long || strings.ContainsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf }) {
		return s // short words, or go-mail encodes it anyway
	}
	const chunk = 45 // 60 base64 characters, 72 with "=?UTF-8?B?" and "?="
	var words []string
	for len(s) > 0 {
		n := min(chunk, len(s))
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	// Whitespace between adjacent encoded-words is ignored when decoding
	// (RFC 2047 6.2), so the spaces only give the header places to fold.
	return strings.Join(words, " ")
}
