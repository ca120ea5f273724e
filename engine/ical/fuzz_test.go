package ical

import (
	"bytes"
	"fmt"
	"testing"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"
	"github.com/google/go-cmp/cmp"

	"github.com/rmctl/rmctl/engine/resource"
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
