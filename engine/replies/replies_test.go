package replies

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"mime/quotedprintable"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/internal/testserver"
)

var (
	anna  = resource.Attendee{ID: "anna.schmidt", Name: "Anna Schmidt", Email: "anna.schmidt@example.com", Role: resource.Mentor}
	klaus = resource.Attendee{ID: "klaus.mueller", Name: "Klaus Müller", Email: "Klaus.Mueller@example.com", Role: resource.Mentee}
	petra = resource.Attendee{ID: "petra.lang", Name: "Petra Lang", Email: "petra.lang@example.com", Role: resource.Participant}
	start = time.Date(2027, 2, 3, 8, 30, 0, 0, time.UTC)
)

func entry(addr string, seq int, atts ...resource.Attendee) *state.Entry {
	r := resource.Resource{
		Address: addr, UID: resource.UID(addr), Kind: resource.Event, Program: "dl-2027", Title: "Kick-off",
		Location: "HQ", Start: start, End: start.Add(3 * time.Hour), Timezone: "Europe/Berlin", Language: "de",
		Organizer: resource.Contact{Name: "People Development", Email: "reverse-mentoring@example.com"},
		Attendees: atts,
	}
	return &state.Entry{Address: addr, UID: r.UID, Hash: r.Hash(), Sequence: seq, Snapshot: r.Snapshot()}
}

func stamp(day, hour int) time.Time { return time.Date(2027, 2, day, hour, 0, 0, 0, time.UTC) }

// vevent is the REPLY calendar both clients send, in the client's style.
func vevent(prodid, uid, attendee string, seq int, at time.Time) string {
	return "BEGIN:VCALENDAR\r\n" + prodid + "VERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n" +
		attendee + "\r\n" +
		"DTSTART:20270203T083000Z\r\nDTEND:20270203T113000Z\r\n" +
		"UID:" + uid + "\r\n" +
		fmt.Sprintf("SEQUENCE:%d\r\n", seq) +
		"DTSTAMP:" + at.Format("20060102T150405Z") + "\r\n" +
		"SUMMARY:Kick-off\r\nORGANIZER;CN=People Development:mailto:reverse-mentoring@example.com\r\n" +
		"END:VEVENT\r\nEND:VCALENDAR\r\n"
}

// outlookReply is a reply as Outlook/Exchange writes it: multipart/
// alternative with a quoted-printable text/calendar part, the attendee
// as "MAILTO:" in upper case with a quoted CN.
func outlookReply(uid string, who resource.Attendee, partstat string, seq int, at time.Time) []byte {
	cal := vevent("PRODID:Microsoft Exchange Server 2010\r\n", uid,
		`ATTENDEE;PARTSTAT=`+partstat+`;CN="`+who.Name+`":MAILTO:`+who.Email, seq, at)
	var qp bytes.Buffer
	w := quotedprintable.NewWriter(&qp)
	w.Write([]byte(cal))
	w.Close()
	verb := map[string]string{"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentative"}[partstat]
	return []byte("From: " + who.Name + " <" + who.Email + ">\r\n" +
		"To: People Development <reverse-mentoring@example.com>\r\n" +
		"Subject: " + verb + ": Kick-off\r\n" +
		"Date: " + at.Format(time.RFC1123Z) + "\r\n" +
		"Message-ID: <" + fmt.Sprint(at.Unix()) + "." + who.ID + "@outlook.example.com>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=\"_000_AM0PR_\"\r\n\r\n" +
		"--_000_AM0PR_\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\r\n" +
		"--_000_AM0PR_\r\nContent-Type: text/calendar; charset=\"utf-8\"; method=REPLY\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		qp.String() + "\r\n--_000_AM0PR_--\r\n")
}

// gmailReply is a reply as Gmail writes it: multipart/mixed holding a
// multipart/alternative with a base64 text/calendar; method=REPLY part,
// and the same calendar as an invite.ics attachment.
func gmailReply(uid string, who resource.Attendee, partstat string, seq int, at time.Time) []byte {
	cal := vevent("PRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nCALSCALE:GREGORIAN\r\n", uid,
		"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT="+partstat+";CN="+who.Email+";X-NUM-GUESTS=0:mailto:"+who.Email, seq, at)
	b64 := base64.StdEncoding.EncodeToString([]byte(cal))
	var lines []string
	for len(b64) > 76 {
		lines = append(lines, b64[:76])
		b64 = b64[76:]
	}
	lines = append(lines, b64)
	body := strings.Join(lines, "\r\n")
	return []byte("From: " + who.Name + " <" + who.Email + ">\r\n" +
		"To: reverse-mentoring@example.com\r\n" +
		"Subject: Invitation: Kick-off @ Wed Feb 3, 2027 (" + who.Email + ")\r\n" +
		"Date: " + at.Format(time.RFC1123Z) + "\r\n" +
		"Message-ID: <" + fmt.Sprint(at.Unix()) + "." + who.ID + "@google.com>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"000000000000mixed\"\r\n\r\n" +
		"--000000000000mixed\r\nContent-Type: multipart/alternative; boundary=\"000000000000alt\"\r\n\r\n" +
		"--000000000000alt\r\nContent-Type: text/plain; charset=\"UTF-8\"; format=flowed; delsp=yes\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte(who.Name+" has declined this invitation.\n")) + "\r\n" +
		"--000000000000alt\r\nContent-Type: text/html; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>reply</p>\r\n" +
		"--000000000000alt\r\nContent-Type: text/calendar; charset=\"UTF-8\"; method=REPLY\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		body + "\r\n--000000000000alt--\r\n" +
		"--000000000000mixed\r\nContent-Type: application/ics; name=\"invite.ics\"\r\nContent-Disposition: attachment; filename=\"invite.ics\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		body + "\r\n--000000000000mixed--\r\n")
}

// plainMail is ordinary mail in the same mailbox, mentioning a reply.
func plainMail() []byte {
	return []byte("From: someone@example.com\r\nTo: reverse-mentoring@example.com\r\nSubject: Re: please reply\r\n" +
		"Date: Mon, 01 Feb 2027 10:00:00 +0000\r\nMessage-ID: <plain@example.com>\r\n\r\nSee my REPLY below.\r\n")
}

// TestFetchFromDovecot reads Outlook and Gmail replies from a real
// Dovecot and records them: uninvited and unknown senders are ignored,
// the reply to the highest SEQUENCE and then the latest DTSTAMP wins.
func TestFetchFromDovecot(t *testing.T) {
	t.Parallel()
	srv := testserver.IMAP(t)
	kick := entry("dl-2027/event/kickoff", 1, anna, klaus, petra)
	sess := entry("dl-2027/pair/klaus-anna/session/3", 0, anna, klaus)
	st := state.New("test")
	st.Resources[kick.Address] = kick
	st.Resources[sess.Address] = sess

	outsider := resource.Attendee{ID: "x", Name: "Eve", Email: "eve@example.org"}
	srv.Append(t, "Replies",
		outlookReply(kick.UID, klaus, "ACCEPTED", 0, stamp(2, 9)),   // an answer to SEQUENCE 0 ...
		outlookReply(kick.UID, klaus, "DECLINED", 1, stamp(2, 8)),   // ... loses to one to SEQUENCE 1
		gmailReply(kick.UID, anna, "ACCEPTED", 1, stamp(2, 10)),     // Gmail, base64
		gmailReply(kick.UID, anna, "TENTATIVE", 1, stamp(2, 11)),    // later DTSTAMP wins
		gmailReply(kick.UID, outsider, "ACCEPTED", 1, stamp(2, 12)), // not invited
		outlookReply(resource.UID("other/event"), petra, "ACCEPTED", 0, stamp(2, 9)),
		outlookReply(sess.UID, anna, "DECLINED", 0, stamp(3, 9)),
		plainMail(),
	)
	srv.Append(t, "INBOX", outlookReply(sess.UID, klaus, "ACCEPTED", 0, stamp(3, 9))) // another mailbox

	res, err := Fetch(context.Background(), Config{Addr: srv.Addr, TLS: TLSNone, Username: srv.Username, Password: srv.Password, Mailbox: "Replies"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unreadable != 0 {
		t.Errorf("%d unreadable: %v", res.Unreadable, res.FirstError)
	}
	// Gmail's replies carry the calendar twice (inline and attached).
	if len(res.Replies) != 10 {
		t.Errorf("%d replies, want 10 (7 messages, 3 of them Gmail's with two calendars): %+v", len(res.Replies), res.Replies)
	}
	for _, r := range res.Replies {
		if r.Attendee != strings.ToLower(r.Attendee) || strings.Contains(strings.ToLower(r.Attendee), "mailto") {
			t.Errorf("attendee %q not normalised", r.Attendee)
		}
	}

	out := Record(st, res.Replies)
	want := []Change{
		{Address: kick.Address, Person: "anna.schmidt", PartStat: "TENTATIVE"},
		{Address: kick.Address, Person: "klaus.mueller", PartStat: "DECLINED"},
		{Address: sess.Address, Person: "anna.schmidt", PartStat: "DECLINED"},
	}
	if !slices.Equal(out.Changes, want) {
		t.Errorf("changes %+v, want %+v", out.Changes, want)
	}
	if out.Unknown != 1 || out.Uninvited != 1 || out.Stale != 0 {
		t.Errorf("unknown %d, uninvited %d, stale %d; want 1, 1 (Gmail's two copies count once), 0", out.Unknown, out.Uninvited, out.Stale)
	}
	if st.Resources[kick.Address].Replies != nil {
		t.Error("Record changed the state it was given")
	}
	got := out.Entries[kick.Address].Replies
	if got == nil || got.By["klaus.mueller"] != (state.Reply{PartStat: "DECLINED", Sequence: 1, Stamp: stamp(2, 8)}) {
		t.Errorf("klaus's reply %+v", got)
	}

	// Reading again after recording changes nothing.
	for addr, e := range out.Entries {
		st.Resources[addr] = e
	}
	if again := Record(st, res.Replies); len(again.Changes) != 0 || len(again.Entries) != 0 || again.Known != 3 || again.Stale != 2 {
		t.Errorf("second run: changes %+v, known %d, stale %d; want none, 3, 2", again.Changes, again.Known, again.Stale)
	}

	// A wrong password fails with the server's word, not the password.
	_, err = Fetch(context.Background(), Config{Addr: srv.Addr, TLS: TLSNone, Username: srv.Username, Password: "wrong-secret"})
	if err == nil || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestFetchRefusesPlainRemote(t *testing.T) {
	_, err := Fetch(context.Background(), Config{Addr: "imap.example.com:143", TLS: TLSNone, Username: "u", Password: "p"})
	if err == nil || !strings.Contains(err.Error(), "only allowed") {
		t.Errorf("err %v", err)
	}
}

// TestKeep: an update that keeps time and place sends known answers back
// and keeps them; a move asks again and makes older replies stale.
func TestKeep(t *testing.T) {
	prev := entry("dl-2027/event/kickoff", 1, anna, klaus, petra)
	prev.Replies = &state.Replies{By: map[string]state.Reply{
		"anna.schmidt": {PartStat: "DECLINED", Sequence: 1, Stamp: stamp(2, 8)},
		"petra.lang":   {PartStat: "ACCEPTED", Sequence: 0, Stamp: stamp(2, 8)},
	}}
	r := resource.FromSnapshot(prev.Address, prev.UID, prev.Snapshot)
	r.Title = "Kick-off (new title)"
	r.Attendees = []resource.Attendee{anna, klaus} // petra uninvited

	kept, sent := Keep(prev, r, 2)
	if kept == nil || len(kept.By) != 1 || kept.By["anna.schmidt"].PartStat != "DECLINED" {
		t.Errorf("kept %+v, want anna's answer only", kept)
	}
	if sent.Attendees[0].PartStat != "DECLINED" || sent.Attendees[1].PartStat != "" {
		t.Errorf("sent attendees %+v", sent.Attendees)
	}
	if r.Attendees[0].PartStat != "" {
		t.Error("Keep changed the caller's attendees")
	}

	moved := r
	moved.Start, moved.End = r.Start.Add(time.Hour), r.End.Add(time.Hour)
	kept, sent = Keep(prev, moved, 2)
	if kept == nil || kept.Since != 2 || len(kept.By) != 0 || sent.Attendees[0].PartStat != "" {
		t.Errorf("after a move: kept %+v, sent %+v", kept, sent.Attendees)
	}
	// A reply to the old time, read after the move, does not count.
	st := state.New("x")
	e := *prev
	e.Replies = kept
	e.Sequence = 2
	st.Resources[e.Address] = &e
	out := Record(st, []Reply{{UID: e.UID, Attendee: "klaus.mueller@example.com", PartStat: "ACCEPTED", Sequence: 1, Stamp: stamp(2, 12)}})
	if len(out.Changes) != 0 || out.Stale != 1 {
		t.Errorf("stale reply recorded: %+v", out)
	}
}

// TestFetchTLS reads a reply over implicit TLS and over STARTTLS from a
// Dovecot with a self-signed certificate, and refuses an untrusted one.
func TestFetchTLS(t *testing.T) {
	t.Parallel()
	srv := testserver.IMAPWith(t, testserver.IMAPOptions{TLS: true})
	uid := resource.UID("dl-2027/event/kickoff")
	srv.Append(t, "INBOX", gmailReply(uid, anna, "ACCEPTED", 0, stamp(2, 10)))
	trust := &tls.Config{RootCAs: srv.RootCAs}
	for _, tc := range []struct{ mode, addr string }{{TLSImplicit, srv.TLSAddr}, {TLSStartTLS, srv.Addr}} {
		res, err := Fetch(context.Background(), Config{Addr: tc.addr, TLS: tc.mode, TLSConfig: trust, Username: srv.Username, Password: srv.Password})
		if err != nil {
			t.Errorf("%s: %v", tc.mode, err)
			continue
		}
		if len(res.Replies) != 2 || res.Replies[0].PartStat != "ACCEPTED" || res.Replies[0].UID != uid {
			t.Errorf("%s: replies %+v", tc.mode, res.Replies)
		}
	}
	// The system's roots do not trust the test certificate.
	if _, err := Fetch(context.Background(), Config{Addr: srv.TLSAddr, Username: srv.Username, Password: srv.Password}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %v", err)
	}
}

// TestParseMethod: METHOD in the calendar decides; without one, the
// part's Content-Type method does; a REQUEST is no reply.
func TestParseMethod(t *testing.T) {
	uid := resource.UID("dl-2027/event/kickoff")
	msg := func(ctype, method string) []byte {
		cal := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + method +
			"BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20270202T100000Z\r\n" +
			"ATTENDEE;PARTSTAT=ACCEPTED:mailto:anna.schmidt@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		return []byte("From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: " + ctype + "\r\n\r\n" + cal)
	}
	for _, tc := range []struct {
		name  string
		raw   []byte
		count int
	}{
		{"both", msg("text/calendar; method=REPLY", "METHOD:REPLY\r\n"), 1},
		{"body only", msg("text/calendar", "METHOD:REPLY\r\n"), 1},
		{"content type only", msg("text/calendar; method=REPLY", ""), 1},
		{"request", msg("text/calendar; method=REQUEST", "METHOD:REQUEST\r\n"), 0},
		{"neither", msg("text/calendar", ""), 0},
		{"not a calendar", []byte("Subject: x\r\n\r\nMETHOD:REPLY\r\n"), 0},
	} {
		rs, err := Parse(tc.raw)
		if err != nil || len(rs) != tc.count {
			t.Errorf("%s: %d replies (%v), want %d", tc.name, len(rs), err, tc.count)
		}
	}
}

// FuzzParse: no input makes Parse panic; every reply it returns is
// normalised.
func FuzzParse(f *testing.F) {
	uid := resource.UID("dl-2027/event/kickoff")
	f.Add(outlookReply(uid, klaus, "DECLINED", 1, stamp(2, 8)))
	f.Add(gmailReply(uid, anna, "ACCEPTED", 0, stamp(2, 10)))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		rs, _ := Parse(raw)
		for _, r := range rs {
			if !Answer(r.PartStat) || r.UID == "" || r.Attendee != strings.ToLower(r.Attendee) {
				t.Errorf("reply %+v", r)
			}
		}
	})
}
