package email

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/ical/icaltest"
	"github.com/rmctl/rmctl/engine/resource"
)

var (
	clock     = time.Date(2027, 2, 1, 9, 30, 0, 0, time.UTC)
	organizer = resource.Contact{Name: "People Development", Email: "reverse-mentoring@example.com"}
	anna      = resource.Attendee{ID: "anna.schmidt", Name: "Anna Schmidt", Email: "anna.schmidt@example.com", Role: resource.Participant}
	klaus     = resource.Attendee{ID: "klaus.mueller", Name: "Klaus Müller", Email: "klaus.mueller@example.com", Role: resource.Participant}
	petra     = resource.Attendee{ID: "petra.lang", Name: "Petra Lang", Email: "petra.lang@example.com", Role: resource.Participant}
)

func kickoff() resource.Resource {
	addr := "dl-2027/event/kickoff"
	start := time.Date(2027, 2, 3, 8, 30, 0, 0, time.UTC)
	return resource.Resource{
		Address: addr, UID: resource.UID(addr), Kind: resource.Event, Program: "dl-2027",
		Title: "Kick-off", Description: "Begrüßung, Programm, Paare lernen sich kennen.", Location: "HQ, Raum Spree",
		URL:   "https://intranet.example.com/rm/kickoff",
		Start: start, End: start.Add(3 * time.Hour), Timezone: "Europe/Berlin", Language: "de",
		Organizer: organizer,
		Attendees: []resource.Attendee{anna, klaus, petra},
	}
}

func tutorial() resource.Resource {
	addr := "dl-2027/pair/klaus-anna/tutorial/sm-basics/klaus.mueller"
	return resource.Resource{
		Address: addr, UID: resource.UID(addr), Kind: resource.Assignment, Program: "dl-2027",
		Title: "Tutorial: Social Media Basics", URL: "https://learn.example.com/sm-basics",
		Start: time.Date(2027, 2, 2, 16, 0, 0, 0, time.UTC), Timezone: "Europe/Berlin", Language: "de",
		Organizer: organizer,
		Attendees: []resource.Attendee{klaus},
	}
}

// part is one decoded MIME part.
type part struct {
	Type   string
	Params map[string]string
	CTE    string
	Header map[string][]string
	Body   []byte
}

// message is a received message read with net/mail and mime/multipart.
type message struct {
	Raw     []byte
	Header  netmail.Header
	Subject string // decoded
	Type    string
	Params  map[string]string
	Parts   []part // the alternatives
	// Attachments are the parts of a multipart/mixed after the alternatives.
	Attachments []part
}

func (m *message) part(t *testing.T, typ string) *part {
	t.Helper()
	for i := range m.Parts {
		if m.Parts[i].Type == typ {
			return &m.Parts[i]
		}
	}
	t.Fatalf("no %s part in %q", typ, m.Raw)
	return nil
}

func (m *message) has(typ string) bool {
	for _, p := range m.Parts {
		if p.Type == typ {
			return true
		}
	}
	return false
}

// parseMessage reads raw with the standard library's parsers and checks
// what every message must satisfy: CRLF lines of at most 998 octets,
// 7-bit content, a multipart/alternative body, or a multipart/mixed one
// whose first part is the multipart/alternative and whose further parts
// are attachments.
func parseMessage(t *testing.T, raw []byte) *message {
	t.Helper()
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("line %d has %d octets (limit 998)", i+1, len(line))
		}
		if bytes.IndexByte(line, '\n') >= 0 || bytes.IndexByte(line, '\r') >= 0 {
			t.Errorf("line %d has a bare CR or LF", i+1)
		}
		for _, c := range line {
			if c >= 0x80 {
				t.Errorf("line %d has 8-bit data: %q", i+1, line)
				break
			}
		}
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail: %v\n%s", err, raw)
	}
	m := &message{Raw: raw, Header: msg.Header}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("subject: %v", err)
	}
	if m.Type, m.Params, err = mime.ParseMediaType(msg.Header.Get("Content-Type")); err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	switch m.Type {
	case "multipart/alternative":
		m.Parts = readParts(t, msg.Body, m.Params["boundary"])
	case "multipart/mixed":
		mr := multipart.NewReader(msg.Body, m.Params["boundary"])
		p, err := mr.NextRawPart()
		if err != nil {
			t.Fatalf("multipart/mixed: %v", err)
		}
		typ, params, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil || typ != "multipart/alternative" {
			t.Fatalf("first part of multipart/mixed is %q (%v), want multipart/alternative", typ, err)
		}
		m.Parts = readParts(t, p, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("multipart/mixed: %v", err)
			}
			m.Attachments = append(m.Attachments, readPart(t, p))
		}
	default:
		t.Fatalf("Content-Type %s, want multipart/alternative or multipart/mixed", m.Type)
	}
	return m
}

// readParts reads the leaf parts of one multipart body.
func readParts(t *testing.T, body io.Reader, boundary string) []part {
	t.Helper()
	var out []part
	mr := multipart.NewReader(body, boundary)
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		out = append(out, readPart(t, p))
	}
}

func readPart(t *testing.T, p *multipart.Part) part {
	t.Helper()
	var pp part
	var err error
	pp.Header = p.Header
	if pp.Type, pp.Params, err = mime.ParseMediaType(p.Header.Get("Content-Type")); err != nil {
		t.Fatalf("part Content-Type: %v", err)
	}
	pp.CTE = strings.ToLower(p.Header.Get("Content-Transfer-Encoding"))
	var r io.Reader = p
	switch pp.CTE {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, p)
	case "quoted-printable":
		r = quotedprintable.NewReader(p)
	default:
		t.Errorf("%s part has Content-Transfer-Encoding %q", pp.Type, pp.CTE)
	}
	if pp.Body, err = io.ReadAll(r); err != nil {
		t.Fatalf("%s part: %v", pp.Type, err)
	}
	return pp
}

// vevent is what python3-icalendar read from an iTIP message.
type vevent struct {
	Method    string   `json:"method"`
	Name      string   `json:"name"`
	UID       string   `json:"uid"`
	Sequence  int      `json:"sequence"`
	Status    string   `json:"status"`
	Summary   string   `json:"summary"`
	Organizer string   `json:"organizer"`
	Attendees []string `json:"attendees"`
	Start     string   `json:"dtstart"`
	Errors    []string `json:"errors"`
}

const pyScript = `
import json, sys
import icalendar
out = []
for path in sys.argv[1:]:
    cal = icalendar.Calendar.from_ical(open(path, 'rb').read())
    comps = [c for c in cal.walk() if c.name in ('VEVENT', 'VTODO')]
    errs = []
    for c in cal.walk():
        errs += ['%s: %s' % (c.name, e) for e in getattr(c, 'errors', [])]
    if len(comps) != 1:
        errs.append('%d components' % len(comps))
    c = comps[0]
    att = c.get('ATTENDEE', [])
    if not isinstance(att, list):
        att = [att]
    out.append({'method': str(cal.get('METHOD', '')), 'name': c.name, 'uid': str(c.get('UID')),
                'sequence': int(c.get('SEQUENCE', -1)), 'status': str(c.get('STATUS', '')),
                'summary': str(c.get('SUMMARY', '')), 'organizer': str(c.get('ORGANIZER', '')),
                'attendees': [str(a) for a in att], 'dtstart': c.decoded('DTSTART').isoformat(),
                'errors': errs})
json.dump(out, sys.stdout)
`

// pythonICal reports whether python3-icalendar can be imported, checked
// once per test binary.
var pythonICal = sync.OnceValue(func() error {
	return exec.Command(icaltest.Python, "-c", "import icalendar").Run()
})

// parseCalendar parses a calendar part with python3-icalendar, an
// iCalendar parser independent of the Go code that wrote it.
func parseCalendar(t *testing.T, data []byte) vevent {
	t.Helper()
	return parseCalendars(t, data)[0]
}

// parseCalendars parses several calendar parts with one python run.
func parseCalendars(t *testing.T, data ...[]byte) []vevent {
	t.Helper()
	if pythonICal() != nil {
		icaltest.Parse(t) // skips, or fails in CI, naming what is missing
	}
	dir := t.TempDir()
	var paths []string
	for i, d := range data {
		path := filepath.Join(dir, fmt.Sprintf("invite-%d.ics", i))
		if err := os.WriteFile(path, d, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	cmd := exec.Command(icaltest.Python, append([]string{"-c", pyScript}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3-icalendar: %v\n%s", err, stderr.Bytes())
	}
	var evs []vevent
	if err := json.Unmarshal(out, &evs); err != nil || len(evs) != len(data) {
		t.Fatalf("python3-icalendar output %s: %v", out, err)
	}
	for i, ev := range evs {
		if len(ev.Errors) > 0 {
			t.Errorf("python3-icalendar, calendar %d: %v", i, ev.Errors)
		}
	}
	return evs
}

func mailtos(as ...resource.Attendee) []string {
	var out []string
	for _, a := range as {
		out = append(out, "mailto:"+a.Email)
	}
	return out
}

func emails(as ...resource.Attendee) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Email)
	}
	return out
}
