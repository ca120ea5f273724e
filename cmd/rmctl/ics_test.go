package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// pythonICalendar is the interpreter with Debian's python3-icalendar. It is
// called by full path: another python3 may come first on PATH.
const pythonICalendar = "/usr/bin/python3"

// icsCheckScript reads every file named on the command line with
// python3-icalendar and prints, per file, the top component and, per
// VEVENT/VTODO, the raw values of the properties the test checks and
// whether the decoded date-times are anchored: in UTC, or with a TZID the
// same file defines in a VTIMEZONE.
const icsCheckScript = `
import json, sys, datetime
import icalendar

def raw(c, name):
    v = c.get(name)
    if v is None:
        return None
    return v.to_ical().decode()

def anchored(c, name, tzids):
    v = c.get(name)
    if v is None:
        return None
    dt = v.dt
    if not isinstance(dt, datetime.datetime) or dt.tzinfo is None:
        return False
    tzid = v.params.get('TZID')
    if tzid:
        return str(tzid) in tzids
    return dt.utcoffset() == datetime.timedelta(0)

out = []
for path in sys.argv[1:]:
    res = {'file': path, 'name': None, 'method': None, 'components': [], 'error': None}
    try:
        with open(path, 'rb') as f:
            cal = icalendar.Calendar.from_ical(f.read())
        res['name'] = cal.name
        res['method'] = raw(cal, 'METHOD')
        tzids = set(str(z['TZID']) for z in cal.walk('VTIMEZONE'))
        for c in cal.walk():
            for e in getattr(c, 'errors', []):
                res['error'] = '%s: %s' % (c.name, e)
            if c.name not in ('VEVENT', 'VTODO'):
                continue
            res['components'].append({
                'name': c.name, 'uid': raw(c, 'UID'), 'dtstamp': raw(c, 'DTSTAMP'),
                'dtstart': raw(c, 'DTSTART'), 'dtstart_ok': anchored(c, 'DTSTART', tzids),
                'dtend': raw(c, 'DTEND'), 'dtend_ok': anchored(c, 'DTEND', tzids),
                'due': raw(c, 'DUE'), 'due_ok': anchored(c, 'DUE', tzids),
                'summary': str(c.get('SUMMARY', '')), 'location': str(c.get('LOCATION', '')),
                'conference': [str(x) for x in (c.get('CONFERENCE') if isinstance(c.get('CONFERENCE'), list) else [c.get('CONFERENCE')] if c.get('CONFERENCE') is not None else [])],
                'description': str(c.get('DESCRIPTION', '')),
                'address': raw(c, 'X-RMCTL-ADDRESS'), 'url': raw(c, 'URL'),
            })
    except Exception as e:
        res['error'] = '%s: %s' % (type(e).__name__, e)
    out.append(res)
json.dump(out, sys.stdout)
`

type pyComponent struct {
	Name      string  `json:"name"`
	UID       *string `json:"uid"`
	DTStamp   *string `json:"dtstamp"`
	DTStart   *string `json:"dtstart"`
	DTStartOK *bool   `json:"dtstart_ok"`
	DTEnd     *string `json:"dtend"`
	DTEndOK   *bool   `json:"dtend_ok"`
	Due       *string `json:"due"`
	DueOK     *bool   `json:"due_ok"`
	Address   *string `json:"address"`
	URL       *string `json:"url"`

	Summary     string   `json:"summary"`
	Location    string   `json:"location"`
	Conference  []string `json:"conference"`
	Description string   `json:"description"`
}

type pyCalendar struct {
	File       string        `json:"file"`
	Name       *string       `json:"name"`
	Method     *string       `json:"method"`
	Components []pyComponent `json:"components"`
	Error      *string       `json:"error"`
}

// requirePythonICalendar skips the test without python3-icalendar, or
// fails it when CI is set: CI must not silently lose the check.
func requirePythonICalendar(t *testing.T) {
	t.Helper()
	out, err := exec.Command(pythonICalendar, "-c", "import icalendar").CombinedOutput()
	if err == nil {
		return
	}
	msg := "python3-icalendar is not available at " + pythonICalendar + ": " + strings.TrimSpace(string(out)) + " " + err.Error()
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// TestExamplesICalendar applies the example programs into an outbox and
// has python3-icalendar read every .ics file written: messages, objects and
// feeds.
func TestExamplesICalendar(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rmctl")
	}
	requirePythonICalendar(t)
	bin := buildRmctlBinary(t)

	var files []string
	kinds := map[string]map[string]int{} // example -> directory -> files
	dlObjects := map[string]bool{}       // digital-leadership's calendar objects
	for _, example := range []string{"digital-leadership", "global-pilot"} {
		prog, err := filepath.Abs(filepath.Join("..", "..", "examples", example))
		if err != nil {
			t.Fatal(err)
		}
		work := t.TempDir()
		planned := planSummary(t, bin, work, prog)["create"]
		res := mustRmctl(t, bin, work, 0, "apply", "--auto-approve", "--now", crashNow, prog)
		if !strings.Contains(res.stdout, "Apply complete:") {
			t.Fatalf("%s: apply printed no summary:\n%s", example, lastLines(res.stdout, 10))
		}
		kinds[example] = map[string]int{}
		outbox := filepath.Join(work, ".rmctl", "outbox")
		err = filepath.WalkDir(outbox, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".ics") {
				return err
			}
			rel, _ := filepath.Rel(outbox, path)
			kinds[example][strings.Split(filepath.ToSlash(rel), "/")[0]]++
			files = append(files, path)
			if example == "digital-leadership" && strings.Contains(filepath.ToSlash(rel), "objects/") {
				dlObjects[path] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		k := kinds[example]
		t.Logf("%s: %d resources, %d messages, %d objects, %d feeds", example, planned, k["messages"], k["objects"], k["feeds"])
		if k["messages"] < planned || k["objects"] == 0 || k["feeds"] == 0 {
			t.Errorf("%s: %d resources planned but %d messages, %d objects, %d feeds written", example, planned, k["messages"], k["objects"], k["feeds"])
		}
	}

	// Line structure, checked on the bytes: CRLF everywhere, at most 75
	// octets per line without the CRLF (RFC 5545, 3.1).
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(data, []byte("\r\n")) {
			t.Errorf("%s: does not end with CRLF", f)
		}
		for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\r\n")), []byte("\r\n")) {
			if bytes.ContainsAny(line, "\r\n") {
				t.Errorf("%s:%d: bare CR or LF: %q", f, i+1, line)
			}
			if len(line) > 75 {
				t.Errorf("%s:%d: %d octets, more than 75: %q", f, i+1, len(line), line)
			}
		}
	}

	// One python process for all files.
	cmd := exec.Command(pythonICalendar, append([]string{"-c", icsCheckScript}, files...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3-icalendar: %v\n%s", err, stderr.String())
	}
	var cals []pyCalendar
	if err := json.Unmarshal(out, &cals); err != nil {
		t.Fatalf("python output: %v\n%s", err, out)
	}
	if len(cals) != len(files) {
		t.Fatalf("python read %d files, want %d", len(cals), len(files))
	}
	components := 0
	// Where each pair of examples/digital-leadership meets, as python read
	// it from the session objects: the program's place and link, or the
	// pair's own (leon-andrea).
	places := map[string]bool{}
	tasks := map[string]int{}
	for _, c := range cals {
		name := filepath.Base(filepath.Dir(c.File)) + "/" + filepath.Base(c.File)
		if c.Error != nil {
			t.Errorf("%s: python3-icalendar: %s", name, *c.Error)
			continue
		}
		if c.Name == nil || *c.Name != "VCALENDAR" {
			t.Errorf("%s: top component %v, want VCALENDAR", name, deref(c.Name))
		}
		isMessage := strings.Contains(filepath.ToSlash(c.File), "/messages/")
		if isMessage && (c.Method == nil || (*c.Method != "REQUEST" && *c.Method != "CANCEL")) {
			t.Errorf("%s: METHOD %s, want REQUEST or CANCEL", name, deref(c.Method))
		}
		if !isMessage && c.Method != nil {
			t.Errorf("%s: a calendar object or feed must not carry METHOD (has %s)", name, *c.Method)
		}
		if len(c.Components) == 0 {
			t.Errorf("%s: no VEVENT or VTODO", name)
		}
		for _, comp := range c.Components {
			components++
			where := name + " " + comp.Name + " " + deref(comp.UID)
			if comp.UID == nil || *comp.UID == "" {
				t.Errorf("%s: no UID", where)
			}
			if comp.DTStamp == nil || !strings.HasSuffix(*comp.DTStamp, "Z") {
				t.Errorf("%s: DTSTAMP %s, want a UTC time ending in Z", where, deref(comp.DTStamp))
			}
			// Times are in the pair's or event's zone with its
			// VTIMEZONE in the same file (RFC 5545 3.2.19), or UTC.
			checkTime := func(prop string, raw *string, ok *bool, required bool) {
				if raw == nil {
					if required {
						t.Errorf("%s: no %s", where, prop)
					}
					return
				}
				if ok == nil || !*ok {
					t.Errorf("%s: %s %s is neither UTC nor in a zone the file defines", where, prop, *raw)
				}
			}
			if comp.Name == "VEVENT" && strings.HasPrefix(comp.Summary, "Reverse Mentoring:") && dlObjects[c.File] {
				if len(comp.Conference) != 1 || !strings.Contains(comp.Description, comp.Conference[0]) {
					t.Errorf("%s: CONFERENCE %v, want one link that the text shows too", where, comp.Conference)
				} else {
					places[comp.Location+" "+comp.Conference[0]] = true
				}
			}
			// Tutorials participants write and feedback requests are
			// assignments too (a calendar block, or a task); a feedback
			// request's filled-in URL must survive.
			addr := deref(comp.Address)
			switch {
			case strings.Contains(addr, "/write/"):
				tasks["write"]++
			case strings.Contains(addr, "/feedback/") && strings.Contains(deref(comp.URL), "person="):
				tasks["feedback"]++
			}
			switch comp.Name {
			case "VEVENT":
				checkTime("DTSTART", comp.DTStart, comp.DTStartOK, true)
				checkTime("DTEND", comp.DTEnd, comp.DTEndOK, false)
			case "VTODO":
				checkTime("DUE", comp.Due, comp.DueOK, true)
				checkTime("DTSTART", comp.DTStart, comp.DTStartOK, false)
			}
		}
	}
	want := map[string]bool{
		"Büro der Führungskraft oder online https://teams.nordwerk.example.com/l/reverse-mentoring": true,
		"Personalabteilung, Raum 3.14 https://teams.nordwerk.example.com/l/rm-leon-andrea":          true,
	}
	if !reflect.DeepEqual(places, want) {
		t.Errorf("session places read by python3-icalendar: %v, want %v", places, want)
	}
	if authored, feedback := tasks["write"], tasks["feedback"]; authored == 0 || feedback == 0 {
		t.Errorf("python3-icalendar read %d writing tasks and %d feedback requests with their URL, want some of each (examples/digital-leadership)", authored, feedback)
	}
	t.Logf("python3-icalendar read %d files with %d components", len(cals), components)
}

func deref(s *string) string {
	if s == nil {
		return "(none)"
	}
	return *s
}
