// Package icaltest checks rmctl's iCalendar output in tests with an
// independent parser, Debian's python3-icalendar, so that what go-ical
// happens to accept is not the only judge of what rmctl writes.
package icaltest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Python is the interpreter with python3-icalendar. It is called by full
// path because another python3 may come first on PATH.
const Python = "/usr/bin/python3"

// Component is what python3-icalendar read from one VEVENT or VTODO.
type Component struct {
	File      string    `json:"file"`
	Name      string    `json:"name"`
	UID       string    `json:"uid"`
	Summary   string    `json:"summary"`
	Status    string    `json:"status"`
	Class     string    `json:"class"`
	Start     time.Time `json:"dtstart"`
	End       time.Time `json:"dtend"`
	Due       time.Time `json:"due"`
	Attendees []string  `json:"attendees"`
}

// Calendar is what python3-icalendar read from one file.
type Calendar struct {
	File       string      `json:"file"`
	Method     string      `json:"method"`
	Name       string      `json:"calname"`
	Components []Component `json:"components"`
	// Errors are property values the parser could not read; it collects
	// them instead of failing.
	Errors []string `json:"errors"`
}

const script = `
import json, sys
import icalendar

def iso(v):
    if v is None:
        return None
    return v.dt.isoformat()

out = []
for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        data = f.read()
    cal = icalendar.Calendar.from_ical(data)
    res = {'file': path, 'method': str(cal.get('METHOD', '')), 'calname': str(cal.get('X-WR-CALNAME', '')),
           'components': [], 'errors': []}
    for c in cal.walk():
        for e in getattr(c, 'errors', []):
            res['errors'].append('%s: %s' % (c.name, e))
        if c.name not in ('VEVENT', 'VTODO'):
            continue
        att = c.get('ATTENDEE', [])
        if not isinstance(att, list):
            att = [att]
        res['components'].append({
            'file': path, 'name': c.name, 'uid': str(c.get('UID')), 'summary': str(c.get('SUMMARY', '')),
            'status': str(c.get('STATUS', '')), 'class': str(c.get('CLASS', '')),
            'dtstart': iso(c.get('DTSTART')), 'dtend': iso(c.get('DTEND')), 'due': iso(c.get('DUE')),
            'attendees': [str(a) for a in att],
        })
    out.append(res)
json.dump(out, sys.stdout)
`

// Parse parses files with python3-icalendar. Without the interpreter or
// the module it fails the test when the environment variable CI is set
// (CI must not silently lose the check) and skips it otherwise.
func Parse(t testing.TB, files ...string) []Calendar {
	t.Helper()
	unavailable := func(why string) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-icalendar check: %s", why)
		}
		t.Skipf("python3-icalendar check skipped: %s", why)
	}
	if _, err := os.Stat(Python); err != nil {
		unavailable(err.Error())
	}
	if out, err := exec.Command(Python, "-c", "import icalendar").CombinedOutput(); err != nil {
		unavailable("import icalendar: " + string(bytes.TrimSpace(out)))
	}
	if len(files) == 0 {
		return nil
	}
	cmd := exec.Command(Python, append([]string{"-c", script}, files...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3-icalendar: %v\n%s", err, stderr.Bytes())
	}
	var cals []Calendar
	if err := json.Unmarshal(out, &cals); err != nil {
		t.Fatalf("python3-icalendar output: %v\n%s", err, out)
	}
	for _, c := range cals {
		if len(c.Errors) > 0 {
			t.Errorf("python3-icalendar: %s: %v", c.File, c.Errors)
		}
	}
	return cals
}
