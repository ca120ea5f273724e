package email

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/target"
	"github.com/rmctl/rmctl/internal/testserver"
)

func newTarget(t *testing.T, cfg Config) *Target {
	t.Helper()
	if cfg.TLS == "" {
		cfg.TLS = TLSNone // aiosmtpd on loopback offers no STARTTLS
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return clock }
	}
	if cfg.RetryDelay == 0 {
		cfg.RetryDelay = 10 * time.Millisecond
	}
	tg, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func deliver(t *testing.T, tg *Target, d target.Delivery) {
	t.Helper()
	if d.Stamp.IsZero() {
		d.Stamp = clock
	}
	refs, err := tg.Deliver(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if refs != nil {
		t.Errorf("refs %v, want none", refs)
	}
}

// received returns the messages after the first skip, parsed, with their
// envelopes.
func received(t *testing.T, s *testserver.SMTPServer, skip, want int) ([]*message, []testserver.Received) {
	t.Helper()
	all := s.Received(t)
	if len(all) != skip+want {
		t.Fatalf("server holds %d messages, want %d", len(all), skip+want)
	}
	var msgs []*message
	for _, r := range all[skip:] {
		msgs = append(msgs, parseMessage(t, r.Data))
	}
	return msgs, all[skip:]
}

// checkInvitation checks an iMIP message: envelope, headers, the three
// alternatives, and the calendar read by python3-icalendar.
func checkInvitation(t *testing.T, m *message, env testserver.Received, r resource.Resource, method string, seq int, subject string, to []resource.Attendee) {
	t.Helper()
	if got, want := env.RcptTo, emails(to...); !slices.Equal(got, want) {
		t.Errorf("envelope recipients %v, want %v", got, want)
	}
	if env.MailFrom != r.Organizer.Email {
		t.Errorf("envelope sender %q, want %q", env.MailFrom, r.Organizer.Email)
	}
	from, err := mail.ParseAddress(m.Header.Get("From"))
	if err != nil || from.Address != r.Organizer.Email || from.Name != r.Organizer.Name {
		t.Errorf("From %q (%v), want the organizer", m.Header.Get("From"), err)
	}
	toHdr, err := m.Header.AddressList("To")
	if err != nil {
		t.Fatalf("To: %v", err)
	}
	var toAddrs []string
	for _, a := range toHdr {
		toAddrs = append(toAddrs, a.Address)
	}
	if !slices.Equal(toAddrs, emails(to...)) {
		t.Errorf("To %v, want %v", toAddrs, emails(to...))
	}
	if m.Subject != subject {
		t.Errorf("Subject %q, want %q", m.Subject, subject)
	}
	if m.Header.Get("Reply-To") != "" {
		t.Errorf("Reply-To %q although From is the organizer", m.Header.Get("Reply-To"))
	}
	if d, err := m.Header.Date(); err != nil || !d.Equal(clock) {
		t.Errorf("Date %q (%v), want %v", m.Header.Get("Date"), err, clock)
	}
	id := m.Header.Get("Message-Id")
	wantID := "<" + messageID(&r, seq, method, emails(to...), r.Organizer.Email) + ">"
	if id != wantID {
		t.Errorf("Message-ID %q, want %q", id, wantID)
	}

	// Structured as Google Calendar sends it: multipart/mixed of the
	// alternatives and an invite.ics attachment with the same calendar.
	if m.Type != "multipart/mixed" {
		t.Errorf("Content-Type %s, want multipart/mixed", m.Type)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("%d attachments, want invite.ics", len(m.Attachments))
	}
	att := m.Attachments[0]
	disp, dparams, _ := mime.ParseMediaType(textproto.MIMEHeader(att.Header).Get("Content-Disposition"))
	if att.Type != "application/ics" || att.Params["name"] != "invite.ics" || disp != "attachment" || dparams["filename"] != "invite.ics" {
		t.Errorf("attachment %s %v, disposition %s %v: want application/ics invite.ics", att.Type, att.Params, disp, dparams)
	}
	if att.CTE != "base64" && att.CTE != "quoted-printable" {
		t.Errorf("invite.ics encoded %q", att.CTE)
	}
	if len(m.Parts) != 3 || m.Parts[0].Type != "text/plain" || m.Parts[1].Type != "text/html" || m.Parts[2].Type != "text/calendar" {
		var types []string
		for _, p := range m.Parts {
			types = append(types, p.Type)
		}
		t.Fatalf("parts %v, want text/plain, text/html, text/calendar", types)
	}
	cal := m.Parts[2]
	if cal.Params["method"] != method || !strings.EqualFold(cal.Params["charset"], "UTF-8") {
		t.Errorf("calendar Content-Type params %v, want method=%s charset=UTF-8", cal.Params, method)
	}
	if cal.CTE != "base64" && cal.CTE != "quoted-printable" {
		t.Errorf("calendar part encoded %q", cal.CTE)
	}
	if d := cal.Header["Content-Disposition"]; len(d) > 0 && !strings.HasPrefix(d[0], "inline") {
		t.Errorf("calendar part Content-Disposition %q, want inline", d)
	}
	for _, p := range m.Parts[:2] {
		if !strings.EqualFold(p.Params["charset"], "UTF-8") {
			t.Errorf("%s charset %q", p.Type, p.Params["charset"])
		}
	}

	if !bytes.Equal(att.Body, cal.Body) {
		t.Errorf("invite.ics differs from the inline calendar part")
	}

	ev := parseCalendar(t, cal.Body)
	if ev.Method != method || cal.Params["method"] != ev.Method {
		t.Errorf("METHOD %q, Content-Type method %q, want %s", ev.Method, cal.Params["method"], method)
	}
	if ev.Name != "VEVENT" || ev.UID != r.UID || ev.Sequence != seq {
		t.Errorf("%s UID %q SEQUENCE %d, want VEVENT %q %d", ev.Name, ev.UID, ev.Sequence, r.UID, seq)
	}
	if ev.Organizer != "mailto:"+from.Address {
		t.Errorf("ORGANIZER %q, From %q: Gmail updates only when they match", ev.Organizer, from.Address)
	}
	if !slices.Equal(ev.Attendees, mailtos(to...)) {
		t.Errorf("ATTENDEE %v, want %v", ev.Attendees, mailtos(to...))
	}
	wantStatus := "CONFIRMED"
	if method == "CANCEL" {
		wantStatus = "CANCELLED"
		// A CANCEL only to people no longer invited uninvites them while
		// the event goes on: no STATUS (RFC 5546 3.2.5).
		if !slices.ContainsFunc(to, func(a resource.Attendee) bool { return slices.Contains(r.Attendees, a) }) {
			wantStatus = ""
		}
	}
	if ev.Status != wantStatus || ev.Summary != r.Title {
		t.Errorf("STATUS %q SUMMARY %q, want %q %q", ev.Status, ev.Summary, wantStatus, r.Title)
	}
	// Written in the resource's zone; the instant is what counts.
	if start, err := time.Parse(time.RFC3339, ev.Start); err != nil || !start.Equal(r.Start) {
		t.Errorf("DTSTART %s, want %s", ev.Start, r.Start)
	}
}

func TestInvitationLifecycle(t *testing.T) {
	t.Parallel()
	s := testserver.SMTP(t)
	tg := newTarget(t, Config{Addr: s.Addr})
	r := kickoff()

	// Create: one REQUEST to all three.
	deliver(t, tg, target.Delivery{Action: target.Create, Resource: r, Sequence: 0})
	msgs, env := received(t, s, 0, 1)
	checkInvitation(t, msgs[0], env[0], r, "REQUEST", 0, "Einladung: Kick-off", r.Attendees)
	text := string(msgs[0].part(t, "text/plain").Body)
	for _, want := range []string{
		"Einladung zu folgendem Termin:", "Mi, 03.02.2027, 09:30–12:30 Uhr (Europe/Berlin)",
		"Ort: HQ, Raum Spree", "Link: https://intranet.example.com/rm/kickoff", r.Description,
		"People Development <reverse-mentoring@example.com>",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	html := string(msgs[0].part(t, "text/html").Body)
	if !strings.Contains(html, `<a href="https://intranet.example.com/rm/kickoff">`) || !strings.Contains(html, "Begrüßung") {
		t.Errorf("HTML part lacks link or agenda:\n%s", html)
	}

	// Update: a new time, SEQUENCE 1.
	r.Start = r.Start.Add(time.Hour)
	r.End = r.End.Add(time.Hour)
	deliver(t, tg, target.Delivery{Action: target.Update, Resource: r, Sequence: 1})
	msgs, env = received(t, s, 1, 1)
	checkInvitation(t, msgs[0], env[0], r, "REQUEST", 1, "Aktualisiert: Kick-off", r.Attendees)
	if text := string(msgs[0].part(t, "text/plain").Body); !strings.Contains(text, "10:30–13:30 Uhr") || !strings.Contains(text, "geändert") {
		t.Errorf("update text:\n%s", text)
	}

	// Update that uninvites Petra: REQUEST to the rest, CANCEL to her.
	r.Attendees = []resource.Attendee{anna, klaus}
	deliver(t, tg, target.Delivery{Action: target.Update, Resource: r, Sequence: 2, Removed: []resource.Attendee{petra}})
	msgs, env = received(t, s, 2, 2)
	checkInvitation(t, msgs[0], env[0], r, "REQUEST", 2, "Aktualisiert: Kick-off", []resource.Attendee{anna, klaus})
	checkInvitation(t, msgs[1], env[1], r, "CANCEL", 2, "Abgesagt: Kick-off", []resource.Attendee{petra})

	// Cancel, as apply sends it: rebuilt from the snapshot, no description.
	snap := r.Snapshot()
	gone := resource.FromSnapshot(r.Address, r.UID, snap)
	deliver(t, tg, target.Delivery{Action: target.Cancel, Resource: gone, Sequence: 3})
	msgs, env = received(t, s, 4, 1)
	checkInvitation(t, msgs[0], env[0], gone, "CANCEL", 3, "Abgesagt: Kick-off", []resource.Attendee{anna, klaus})
	if text := string(msgs[0].part(t, "text/plain").Body); !strings.Contains(text, "abgesagt") {
		t.Errorf("cancel text:\n%s", text)
	}

	// The same delivery again (apply did not learn the outcome): this
	// Target knows the server accepted it and sends nothing.
	deliver(t, tg, target.Delivery{Action: target.Cancel, Resource: gone, Sequence: 3})
	received(t, s, 5, 0)

	// After a crash a new Target cannot know: it sends again, with the
	// same Message-ID for receivers to drop the duplicate.
	again := newTarget(t, Config{Addr: s.Addr, Now: func() time.Time { return clock.Add(time.Minute) }})
	deliver(t, again, target.Delivery{Action: target.Cancel, Resource: gone, Sequence: 3, Stamp: clock.Add(time.Minute)})
	all := s.Received(t)
	if len(all) != 6 {
		t.Fatalf("%d messages, want 6", len(all))
	}
	first, repeat := parseMessage(t, all[4].Data), parseMessage(t, all[5].Data)
	if a, b := first.Header.Get("Message-Id"), repeat.Header.Get("Message-Id"); a != b || a == "" {
		t.Errorf("Message-IDs of a repeated message differ: %q, %q", a, b)
	}

	// Every Message-ID of a distinct message is distinct.
	seen := map[string]bool{}
	for _, r := range all[:5] {
		id := parseMessage(t, r.Data).Header.Get("Message-Id")
		if seen[id] {
			t.Errorf("Message-ID %s used twice", id)
		}
		seen[id] = true
	}
}

func TestAssignmentNotice(t *testing.T) {
	t.Parallel()
	s := testserver.SMTP(t)
	tg := newTarget(t, Config{Addr: s.Addr})

	de := tutorial()
	en := tutorial()
	en.Address += "-en"
	en.UID = resource.UID(en.Address)
	en.Language = "en"
	deliver(t, tg, target.Delivery{Action: target.Create, Resource: de})
	deliver(t, tg, target.Delivery{Action: target.Create, Resource: en})
	deliver(t, tg, target.Delivery{Action: target.Cancel, Resource: de, Sequence: 1})
	msgs, env := received(t, s, 0, 3)

	cases := []struct {
		subject string
		texts   []string
	}{
		{"Neue Aufgabe: Tutorial: Social Media Basics", []string{
			"Fällig bis: Di, 02.02.2027, 17:00 Uhr (Europe/Berlin)", "Link: https://learn.example.com/sm-basics"}},
		{"New assignment: Tutorial: Social Media Basics", []string{
			"Due: Tue, 2 Feb 2027, 17:00 (Europe/Berlin)", "Link: https://learn.example.com/sm-basics"}},
		{"Abgesagt: Tutorial: Social Media Basics", []string{"Diese Aufgabe entfällt"}},
	}
	for i, c := range cases {
		m := msgs[i]
		if m.Subject != c.subject {
			t.Errorf("message %d: Subject %q, want %q", i, m.Subject, c.subject)
		}
		if m.has("text/calendar") || len(m.Parts) != 2 || m.Parts[0].Type != "text/plain" || m.Parts[1].Type != "text/html" {
			t.Errorf("message %d: parts %+v, want text/plain and text/html only", i, m.Parts)
		}
		if !slices.Equal(env[i].RcptTo, []string{klaus.Email}) || env[i].MailFrom != organizer.Email {
			t.Errorf("message %d: envelope %v from %s", i, env[i].RcptTo, env[i].MailFrom)
		}
		text := string(m.part(t, "text/plain").Body)
		for _, want := range c.texts {
			if !strings.Contains(text, want) {
				t.Errorf("message %d: text lacks %q:\n%s", i, want, text)
			}
		}
	}
	if html := string(msgs[0].part(t, "text/html").Body); !strings.Contains(html, `<a href="https://learn.example.com/sm-basics">`) {
		t.Errorf("HTML lacks the link:\n%s", html)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	s := testserver.SMTPWith(t, testserver.SMTPOptions{RequireAuth: true})
	for i, mech := range []string{AuthPlain, AuthLogin, AuthAuto} {
		tg := newTarget(t, Config{Addr: s.Addr, Username: s.Username, Password: s.Password, Auth: mech})
		r := kickoff()
		r.Address = fmt.Sprintf("dl-2027/event/auth-%d", i)
		r.UID = resource.UID(r.Address)
		deliver(t, tg, target.Delivery{Action: target.Create, Resource: r})
		msgs, env := received(t, s, i, 1)
		if env[0].AuthUser != s.Username {
			t.Errorf("%q: authenticated as %q", mech, env[0].AuthUser)
		}
		checkInvitation(t, msgs[0], env[0], r, "REQUEST", 0, "Einladung: Kick-off", r.Attendees)
	}

	// A wrong password is a permanent failure: one attempt, the reply code
	// and the resource named, the password not.
	const secret = "wrong-secret-Pa55"
	tg := newTarget(t, Config{Addr: s.Addr, Username: s.Username, Password: secret, Attempts: 3})
	r := kickoff()
	_, err := tg.Deliver(context.Background(), target.Delivery{Action: target.Create, Resource: r, Stamp: clock})
	var e *Error
	if !errors.As(err, &e) || e.Code != 535 || e.Attempts != 1 || e.Temporary {
		t.Fatalf("wrong password: %#v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, r.Address) || !strings.Contains(msg, "SMTP 535") || strings.Contains(msg, secret) {
		t.Errorf("error %q: want the address and the code, not the password", msg)
	}

	// Without credentials the server refuses MAIL FROM with 530.
	tg = newTarget(t, Config{Addr: s.Addr, Attempts: 3})
	_, err = tg.Deliver(context.Background(), target.Delivery{Action: target.Create, Resource: r, Stamp: clock})
	if !errors.As(err, &e) || e.Code != 530 || e.Attempts != 1 {
		t.Fatalf("no credentials: %v", err)
	}
	if n := len(s.Received(t)); n != 3 {
		t.Errorf("%d messages stored, want 3", n)
	}
}

func TestEscapingAndEncoding(t *testing.T) {
	t.Parallel()
	s := testserver.SMTP(t)
	tg := newTarget(t, Config{Addr: s.Addr})

	r := kickoff()
	r.Title = `Über <script>alert("x")</script> & Grüße`
	r.Description = "Agenda <b>fett</b>\n" + strings.Repeat("Wort ", 400) + strings.Repeat("ä", 700)
	r.Location = `<img src=x onerror=alert(1)>`
	r.URL = "https://example.com/a?b=1&c=<2>"
	deliver(t, tg, target.Delivery{Action: target.Create, Resource: r})

	long := kickoff()
	long.Address, long.UID = "dl-2027/event/long", resource.UID("dl-2027/event/long")
	long.Language = "en"
	long.Title = strings.Repeat("x", 1500)
	long.Organizer.Name = strings.Repeat("N", 300)
	deliver(t, tg, target.Delivery{Action: target.Create, Resource: long})

	msgs, env := received(t, s, 0, 2) // parseMessage checks the 998-octet limit
	m := msgs[0]
	if m.Subject != "Einladung: "+r.Title {
		t.Errorf("Subject %q", m.Subject)
	}
	rawSubject := m.Header.Get("Subject")
	if !strings.Contains(strings.ToUpper(rawSubject), "=?UTF-8?") || strings.Contains(rawSubject, "Ü") {
		t.Errorf("Subject not RFC 2047 encoded: %q", rawSubject)
	}
	html := string(m.part(t, "text/html").Body)
	for _, bad := range []string{"<script>", "<b>", "<img"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML part contains %q:\n%s", bad, html)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "&lt;b&gt;fett&lt;/b&gt;", "&lt;img"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
	text := string(m.part(t, "text/plain").Body)
	if !strings.Contains(text, r.Title) || !strings.Contains(text, strings.Repeat("ä", 700)) {
		t.Errorf("text part lost the title or the long line")
	}
	checkInvitation(t, m, env[0], r, "REQUEST", 0, "Einladung: "+r.Title, r.Attendees)

	lm := msgs[1]
	if lm.Subject != "Invitation: "+long.Title {
		t.Errorf("long subject decoded to %d bytes", len(lm.Subject))
	}
	ev := parseCalendar(t, lm.part(t, "text/calendar").Body)
	if ev.Summary != long.Title {
		t.Errorf("long SUMMARY lost")
	}
}

func TestFromOtherThanOrganizer(t *testing.T) {
	t.Parallel()
	s := testserver.SMTP(t)
	const svc = "svc-rmctl@mail.example.com"
	tg := newTarget(t, Config{Addr: s.Addr, From: svc})
	r := kickoff()
	deliver(t, tg, target.Delivery{Action: target.Create, Resource: r})
	msgs, env := received(t, s, 0, 1)
	m := msgs[0]
	from, _ := mail.ParseAddress(m.Header.Get("From"))
	reply, _ := mail.ParseAddress(m.Header.Get("Reply-To"))
	if env[0].MailFrom != svc || from == nil || from.Address != svc || reply == nil || reply.Address != organizer.Email {
		t.Errorf("envelope %q, From %q, Reply-To %q", env[0].MailFrom, m.Header.Get("From"), m.Header.Get("Reply-To"))
	}
	if id := m.Header.Get("Message-Id"); !strings.HasSuffix(id, "@mail.example.com>") {
		t.Errorf("Message-ID %q", id)
	}
	// ORGANIZER is the sender, with the organizer's name: Gmail and
	// Outlook update in place only messages from the ORGANIZER.
	for _, body := range [][]byte{m.part(t, "text/calendar").Body, m.Attachments[0].Body} {
		ev := parseCalendar(t, body)
		if ev.Organizer != "mailto:"+svc {
			t.Errorf("ORGANIZER %q, want the sender mailto:%s", ev.Organizer, svc)
		}
		if !bytes.Contains(body, []byte("ORGANIZER;CN=People Development:mailto:"+svc)) {
			t.Errorf("ORGANIZER lacks the organizer's name:\n%s", body)
		}
	}
}

func TestConcurrentDeliveries(t *testing.T) {
	t.Parallel()
	s := testserver.SMTP(t)
	tg := newTarget(t, Config{Addr: s.Addr})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			r := kickoff()
			r.Address = fmt.Sprintf("dl-2027/pair/p%d/session/1", i)
			r.UID = resource.UID(r.Address)
			r.Kind = resource.Session
			r.Attendees = []resource.Attendee{anna, klaus}
			_, err := tg.Deliver(context.Background(), target.Delivery{Action: target.Create, Resource: r, Stamp: clock})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	msgs, _ := received(t, s, 0, 16)
	var cals [][]byte
	for _, m := range msgs {
		cals = append(cals, m.part(t, "text/calendar").Body)
	}
	uids := map[string]bool{}
	for _, ev := range parseCalendars(t, cals...) {
		uids[ev.UID] = true
	}
	if len(uids) != 16 {
		t.Errorf("%d distinct UIDs, want 16", len(uids))
	}
}

// TestKnownAnswersSentBack: an update carrying known answers (apply sets
// PartStat from the replies in state) sends them back instead of asking
// again, in the inline part and in invite.ics alike.
func TestKnownAnswersSentBack(t *testing.T) {
	t.Parallel()
	s := testserver.SMTP(t)
	tg := newTarget(t, Config{Addr: s.Addr})
	r := kickoff()
	r.Attendees = slices.Clone(r.Attendees)
	r.Attendees[0].PartStat = "DECLINED"
	deliver(t, tg, target.Delivery{Action: target.Update, Resource: r, Sequence: 1})
	msgs, _ := received(t, s, 0, 1)
	for _, body := range [][]byte{msgs[0].part(t, "text/calendar").Body, msgs[0].Attachments[0].Body} {
		text := strings.ReplaceAll(string(body), "\r\n ", "")
		if !strings.Contains(text, "PARTSTAT=DECLINED;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:"+anna.Email) ||
			!strings.Contains(text, "PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:"+klaus.Email) {
			t.Errorf("answers not kept:\n%s", text)
		}
	}
}

// TestTextShowsRecipientZones checks that the text shows the time in the
// event's zone and in each recipient's own zone, once per zone.
func TestTextShowsRecipientZones(t *testing.T) {
	r := kickoff() // 08:30 UTC on 3 February 2027: 09:30 in Berlin
	r.PersonZones = map[string]string{
		anna.ID: "Europe/Berlin", klaus.ID: "America/New_York", petra.ID: "America/New_York",
	}
	b := bodyFor(&r, invite, true, r.Attendees)
	text := b.text()
	for _, want := range []string{
		"Mi, 03.02.2027, 09:30–12:30 Uhr (Europe/Berlin)",
		"Ortszeit: Mi, 03.02.2027, 03:30–06:30 Uhr (America/New_York) – Klaus Müller; Petra Lang",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if strings.Count(text, "Ortszeit") != 1 {
		t.Errorf("want one local time (New York), got:\n%s", text)
	}
	// A recipient in the event's zone gets no second line.
	b = bodyFor(&r, invite, true, []resource.Attendee{anna})
	if text := b.text(); strings.Contains(text, "Ortszeit") {
		t.Errorf("local time for a recipient in the event's zone:\n%s", text)
	}
}

// TestBatches checks that a message to many goes out in batches of at most
// BatchSize recipients, each calendar listing its own batch, and that a
// whole-event cancellation says CANCELLED in every batch.
func TestBatches(t *testing.T) {
	t.Parallel()
	s := testserver.SMTP(t)
	tg := newTarget(t, Config{Addr: s.Addr, BatchSize: 2})
	r := kickoff() // three attendees

	deliver(t, tg, target.Delivery{Action: target.Create, Resource: r, Sequence: 0})
	msgs, env := received(t, s, 0, 2)
	checkInvitation(t, msgs[0], env[0], r, "REQUEST", 0, "Einladung: Kick-off", r.Attendees[:2])
	checkInvitation(t, msgs[1], env[1], r, "REQUEST", 0, "Einladung: Kick-off", r.Attendees[2:])

	// Delivered again: nothing new goes out.
	deliver(t, tg, target.Delivery{Action: target.Create, Resource: r, Sequence: 0})

	gone := resource.FromSnapshot(r.Address, r.UID, r.Snapshot())
	deliver(t, tg, target.Delivery{Action: target.Cancel, Resource: gone, Sequence: 1})
	msgs, env = received(t, s, 2, 2)
	checkInvitation(t, msgs[0], env[0], gone, "CANCEL", 1, "Abgesagt: Kick-off", r.Attendees[:2])
	checkInvitation(t, msgs[1], env[1], gone, "CANCEL", 1, "Abgesagt: Kick-off", r.Attendees[2:])

	if _, err := New(Config{Addr: s.Addr, BatchSize: -1}); err == nil {
		t.Error("negative batch size accepted")
	}
}
