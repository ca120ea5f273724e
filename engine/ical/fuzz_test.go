package ical

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"
	"github.com/google/go-cmp/cmp"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/internal/address"
)

// FuzzText checks that no title, description or name breaks the output:
// every physical line is at most 75 octets of valid UTF-8, nothing is
// injected, and go-ical reads back exactly the normalised text.
func FuzzText(f *testing.F) {
	f.Add("Kick-off", "Agenda", "Anna")
	f.Add("Termin\r\nATTENDEE:mailto:evil@example.com", "a;b,c\\d\n", "Müller, Klaus; \"Chef\"")
	f.Add(string(bytes.Repeat([]byte("ä"), 80)), string(bytes.Repeat([]byte("🚀x"), 40)), "漢字")
	f.Add("\xff\xfe broken \xc3", "\x00\x01\x7f\t tab", "\r\n")
	f.Add("a\\", "\\n\\,", ":;,")
	f.Fuzz(func(t *testing.T, title, desc, name string) {
		r := session()
		r.Title, r.Description, r.Location = title, desc, desc
		r.Attendees = []resource.Attendee{{ID: "x", Name: name, Email: "x@example.com"}, anna}
		data, err := Message(MethodRequest, r, 1, stamp, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\r\n")), []byte("\r\n")) {
			if len(l) > maxLine {
				t.Fatalf("line %d: %d octets", i+1, len(l))
			}
			if !utf8.Valid(l) {
				t.Fatalf("line %d: invalid UTF-8 %q", i+1, l)
			}
			if bytes.ContainsAny(l, "\r\n") {
				t.Fatalf("line %d: bare CR or LF %q", i+1, l)
			}
		}
		c := parse(t, data)
		if got, want := text(t, c, "SUMMARY"), CleanText(title); got != want {
			t.Fatalf("SUMMARY %q, want %q", got, want)
		}
		if got, want := text(t, c, "DESCRIPTION"), CleanText(desc); desc != "" && got != want {
			t.Fatalf("DESCRIPTION %q, want %q", got, want)
		}
		atts := c.Props.Values("ATTENDEE")
		if len(atts) != 2 || atts[0].Value != "mailto:x@example.com" {
			t.Fatalf("attendees %+v", atts)
		}
		if got, want := atts[0].Params.Get("CN"), cleanParam(name); got != want {
			t.Fatalf("CN %q, want %q", got, want)
		}
		for _, p := range []string{"UID", "DTSTART", "DTEND", "ORGANIZER", "STATUS", PropAddress} {
			if n := len(c.Props.Values(p)); n != 1 {
				t.Fatalf("%d %s properties", n, p)
			}
		}
	})
}

// FuzzEquivalent checks that whatever a server sends back, comparing it
// returns an answer or an error and never panics, and that an object is
// always equivalent to itself.
func FuzzEquivalent(f *testing.F) {
	obj, err := Object(session(), 1, stamp, "")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(obj)
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;CN=\"a\"b:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;TZID=Nowhere/X:20270101T000000\r\nX;P=:\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if eq, diffs, err := Equivalent(data, data); err == nil && !eq {
			t.Fatalf("object differs from itself in %v", diffs)
		}
		_, _, _ = Equivalent(obj, data)
	})
}

// FuzzDecode holds decode to go-ical's Decoder: for any input both fail, or
// both return the same calendar. Where go-ical panics, decode must fail.
func FuzzDecode(f *testing.F) {
	obj, err := Object(session(), 1, stamp, "")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(obj)
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;CN=\"a\"b:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Add([]byte("BEGIN:VCALENDAR\nX;A=1,\"2\";B=:v\n \tcont\nEND:vcalendar\n"))
	f.Add([]byte("begin:VCALENDAR\r\nX;A:b\r\nEND:VCALENDAR\r\n "))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, wantErr := goicalDecode(data)
		got, err := decode(data)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("decode error %v, go-ical error %v", err, wantErr)
		}
		if err == nil {
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("decode differs from go-ical (-go-ical +decode):\n%s", d)
			}
		}
	})
}

func goicalDecode(data []byte) (cal *goical.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			cal, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	return goical.NewDecoder(bytes.NewReader(data)).Decode()
}

// FuzzResource is the encoder's fuzz target (issue 8): arbitrary texts in
// every field a user writes (title, description, location, the
// organizer's and an attendee's name, an e-mail address, a URL), for each
// kind of resource. The output must be well-formed content lines that
// go-ical's own Decoder reads, and read back every text as written, up to
// the cleaning the package documents. An address or URL the encoder
// refuses must be one validate refuses too (package address).
//
//	go test ./engine/ical -run '^$' -fuzz '^FuzzResource$' -fuzztime 20s
func FuzzResource(f *testing.F) {
	f.Add(uint8(0), "Kick-off", "Agenda", "HQ", "People Development", "Anna", "x@example.com", "https://example.com/a")
	f.Add(uint8(1), "Termin\r\nATTENDEE:mailto:evil@example.com", "a;b,c\\d\n", "Raum \"Spree\"; 3. OG", "Org\r\nX: y", "Müller, Klaus; \"Chef\"", "müller@example.de", "")
	f.Add(uint8(2), "\xff\xfe broken \xc3", "\x00\x01\x7f\t tab", "\u2028\u0085", " ", "\r\n", "r,evil@x.com", "https://example.com/\u202e")
	f.Add(uint8(0), string(bytes.Repeat([]byte("ä"), 80)), string(bytes.Repeat([]byte("🚀x"), 40)), "漢字", "a\\", "\\n\\,", "\"a b\"@example.com", "http://h/?q=a;b,c:d")
	f.Fuzz(func(t *testing.T, kind uint8, title, desc, location, orgName, name, email, url string) {
		var r resource.Resource
		switch kind % 3 {
		case 0:
			r = session()
		case 1:
			r = event()
		default:
			r = assignment()
		}
		r.Title, r.Description, r.Location, r.URL = title, desc, location, url
		r.Organizer.Name = orgName
		r.Attendees = []resource.Attendee{{ID: "x", Name: name, Email: email}, anna}
		data, err := Message(MethodRequest, r, 1, stamp, nil)
		if address.Email(email) != nil || url != "" && address.URL(url) != nil {
			if err == nil {
				t.Fatalf("encoded an address or URL validate refuses: %q, %q", email, url)
			}
			return
		}
		if err != nil {
			t.Fatalf("refused what validate accepts: %v", err)
		}
		for i, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\r\n")), []byte("\r\n")) {
			if len(l) > maxLine || !utf8.Valid(l) || bytes.ContainsAny(l, "\r\n") || len(l) == 0 {
				t.Fatalf("line %d is not a well-formed content line: %q", i+1, l)
			}
		}
		cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
		if err != nil {
			t.Fatalf("go-ical cannot read the output: %v\n%s", err, data)
		}
		if ours, err := decode(data); err != nil || !cmp.Equal(ours, cal) {
			t.Fatalf("decode reads the output differently from go-ical: %v", err)
		}
		// One event or task, besides the VTIMEZONE of its zone.
		var main []*goical.Component
		for _, child := range cal.Children {
			if child.Name != goical.CompTimezone {
				main = append(main, child)
			}
		}
		if len(main) != 1 {
			t.Fatalf("%d components besides VTIMEZONE", len(main))
		}
		c := main[0]
		for _, p := range []string{"UID", "DTSTAMP", "ORGANIZER", "STATUS", "SUMMARY", PropAddress} {
			if n := len(c.Props.Values(p)); n != 1 {
				t.Fatalf("%d %s properties", n, p)
			}
		}
		if got, want := text(t, c, "SUMMARY"), CleanText(title); got != want {
			t.Fatalf("SUMMARY %q, want %q", got, want)
		}
		wantDesc := CleanText(desc)
		if r.Kind == resource.Assignment && url != "" && !strings.Contains(desc, url) {
			wantDesc = CleanText(strings.TrimPrefix(desc+"\n\n"+url, "\n\n"))
			if desc == "" {
				wantDesc = url
			}
		}
		if got := optText(t, c, "DESCRIPTION"); got != wantDesc {
			t.Fatalf("DESCRIPTION %q, want %q", got, wantDesc)
		}
		if got, want := optText(t, c, "LOCATION"), CleanText(location); got != want {
			t.Fatalf("LOCATION %q, want %q", got, want)
		}
		if got := c.Props.Get("URL"); (got == nil) != (url == "") || got != nil && got.Value != url {
			t.Fatalf("URL %v, want %q", got, url)
		}
		if got, want := c.Props.Get("ORGANIZER").Params.Get("CN"), cleanParam(orgName); got != want {
			t.Fatalf("organizer CN %q, want %q", got, want)
		}
		atts := c.Props.Values("ATTENDEE")
		if len(atts) == 0 || atts[0].Value != "mailto:"+email {
			t.Fatalf("attendees %+v, want mailto:%s first", atts, email)
		}
		if got, want := atts[0].Params.Get("CN"), cleanParam(name); got != want {
			t.Fatalf("attendee CN %q, want %q", got, want)
		}
		if len(atts) != 2 && !strings.EqualFold(email, anna.Email) {
			t.Fatalf("%d attendees, want 2", len(atts))
		}
	})
}

// optText is the text of an optional property, "" when it is absent.
func optText(t testing.TB, c *goical.Component, name string) string {
	if c.Props.Get(name) == nil {
		return ""
	}
	return text(t, c, name)
}
