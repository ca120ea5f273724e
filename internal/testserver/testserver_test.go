package testserver_test

import (
	"bytes"
	"net/http"
	"net/smtp"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rmctl/rmctl/internal/testserver"
)

const event = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//rmctl//testserver//EN\r\n" +
	"BEGIN:VEVENT\r\nUID:ts-1@rmctl.test\r\nDTSTAMP:20300101T000000Z\r\n" +
	"DTSTART:20300102T100000Z\r\nDTEND:20300102T110000Z\r\nSUMMARY:Probe\r\nSEQUENCE:2\r\n" +
	"ATTENDEE;CN=A:mailto:a@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

func do(t *testing.T, s *testserver.Server, method, url, ctype string, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if s.Username != "" {
		req.SetBasicAuth(s.Username, s.Password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func checkCalDAV(t *testing.T, s *testserver.Server) {
	cal := s.CalendarURL("probe")
	if got := do(t, s, "MKCALENDAR", cal, "", ""); got != http.StatusCreated {
		t.Fatalf("MKCALENDAR %s: %d", cal, got)
	}
	if got := do(t, s, http.MethodPut, cal+"ts-1.ics", "text/calendar", event); got/100 != 2 {
		t.Fatalf("PUT: %d", got)
	}
	items := s.PyCalDAV(t, cal)
	if len(items) != 1 {
		t.Fatalf("python3-caldav read %d items, want 1: %+v", len(items), items)
	}
	it := items[0]
	if it.Kind != "VEVENT" || it.UID != "ts-1@rmctl.test" || it.Summary != "Probe" ||
		it.DTStart != "20300102T100000Z" || it.Sequence != 2 ||
		len(it.Attendees) != 1 || it.Attendees[0] != "mailto:a@example.org" {
		t.Errorf("python3-caldav read %+v", it)
	}
}

func TestRadicale(t *testing.T) {
	t.Parallel()
	s := testserver.Radicale(t)
	// Wrong credentials must be refused: the config really enables auth.
	bad := *s
	bad.Password = "wrong"
	if got := do(t, &bad, "PROPFIND", s.URL, "", ""); got != http.StatusUnauthorized {
		t.Errorf("PROPFIND with a wrong password: %d, want 401", got)
	}
	checkCalDAV(t, s)
}

func TestXandikos(t *testing.T) {
	t.Parallel()
	checkCalDAV(t, testserver.Xandikos(t))
}

func TestSMTP(t *testing.T) {
	t.Parallel()
	s := testserver.SMTP(t)
	msg1 := "From: a@example.org\r\nTo: b@example.org\r\nSubject: one\r\n\r\nfirst\r\n.dot line\r\n"
	if err := smtp.SendMail(s.Addr, nil, "a@example.org", []string{"b@example.org"}, []byte(msg1)); err != nil {
		t.Fatalf("plain send: %v", err)
	}
	// net/smtp sends PLAIN credentials unencrypted only to localhost/127.0.0.1.
	auth := smtp.PlainAuth("", s.Username, s.Password, s.Host)
	msg2 := "From: a@example.org\r\nTo: c@example.org\r\nSubject: two\r\n\r\nsecond\r\n"
	if err := smtp.SendMail(s.Addr, auth, "a@example.org", []string{"c@example.org", "d@example.org"}, []byte(msg2)); err != nil {
		t.Fatalf("authenticated send: %v", err)
	}
	badAuth := smtp.PlainAuth("", s.Username, "wrong", s.Host)
	if err := smtp.SendMail(s.Addr, badAuth, "a@example.org", []string{"c@example.org"}, []byte(msg2)); err == nil {
		t.Error("send with a wrong password succeeded")
	}

	msgs := s.Messages(t)
	if len(msgs) != 2 || !bytes.Equal(msgs[0], []byte(msg1)) || !bytes.Equal(msgs[1], []byte(msg2)) {
		t.Fatalf("messages = %q", msgs)
	}
	rec := s.Received(t)
	if rec[0].AuthUser != "" || rec[1].AuthUser != s.Username {
		t.Errorf("auth users = %q, %q", rec[0].AuthUser, rec[1].AuthUser)
	}
	if strings.Join(rec[1].RcptTo, ",") != "c@example.org,d@example.org" || rec[1].MailFrom != "a@example.org" {
		t.Errorf("envelope = %+v", rec[1])
	}
}

func TestSMTPRequireAuth(t *testing.T) {
	t.Parallel()
	s := testserver.SMTPWith(t, testserver.SMTPOptions{RequireAuth: true})
	msg := "Subject: x\r\n\r\nx\r\n"
	if err := smtp.SendMail(s.Addr, nil, "a@example.org", []string{"b@example.org"}, []byte(msg)); err == nil {
		t.Error("unauthenticated send accepted")
	}
	auth := smtp.PlainAuth("", s.Username, s.Password, s.Host)
	if err := smtp.SendMail(s.Addr, auth, "a@example.org", []string{"b@example.org"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages(t)); n != 1 {
		t.Errorf("%d messages", n)
	}
}

func TestIMAP(t *testing.T) {
	t.Parallel()
	s := testserver.IMAP(t)
	s.Append(t, "INBOX", []byte("From: a@example.org\nSubject: one\n\nfirst\n"))
	login := func(password string) (*imapclient.Client, error) {
		c, err := imapclient.DialInsecure(s.Addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, c.Login(s.Username, password).Wait()
	}
	c, err := login(s.Password)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if mb.NumMessages != 1 {
		t.Errorf("%d messages in INBOX, want 1", mb.NumMessages)
	}
	// Wrong credentials must be refused: the passwd-file really is used.
	// (Last: Dovecot slows down further logins after a failure.)
	if _, err := login("wrong"); err == nil {
		t.Error("login with a wrong password accepted")
	}
}
