package testserver

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

//go:embed testdata/pycaldav_list.py
var pycaldavScript []byte

// Item is one VEVENT or VTODO as python3-caldav reads it.
type Item struct {
	Kind    string `json:"kind"` // "VEVENT" or "VTODO"
	Href    string `json:"href"` // absolute URL of the calendar object
	UID     string `json:"uid"`
	Summary string `json:"summary"`
	// DTStart is in iCalendar text form, e.g. "20300101T100000Z"; "" when
	// absent (to-dos often have none).
	DTStart string `json:"dtstart"`
	// Instant is DTSTART (a to-do's DUE when it has no DTSTART) as
	// python3-icalendar resolves it through its TZID and VTIMEZONE; zero
	// when absent.
	Instant   time.Time `json:"instant,omitzero"`
	Status    string    `json:"status"`
	Sequence  int       `json:"sequence"`
	Attendees []string  `json:"attendees"` // e.g. "mailto:a@example.org"
}

// PyCalDAV lists the events and to-dos of the calendar at calendarURL with
// python3-caldav (run by Debian's /usr/bin/python3), so a test can check what
// a server holds with a client independent of rmctl's. user and pass may be
// empty for servers without authentication.
func PyCalDAV(t testing.TB, serverURL, user, pass, calendarURL string) []Item {
	t.Helper()
	if _, err := os.Stat(Python); err != nil {
		missing(t, Python, "python3")
	}
	script := filepath.Join(t.TempDir(), "pycaldav_list.py")
	if err := os.WriteFile(script, pycaldavScript, 0o600); err != nil {
		t.Fatalf("testserver: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, Python, script, serverURL, calendarURL)
	cmd.Env = append(os.Environ(), "RMCTL_CALDAV_USER="+user, "RMCTL_CALDAV_PASSWORD="+pass)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		t.Logf("%s", stderr.Bytes())
		missing(t, "python module caldav", "python3-caldav")
	}
	if err != nil {
		t.Fatalf("testserver: python3-caldav listing %s: %v\n%s", calendarURL, err, stderr.Bytes())
	}
	items := []Item{}
	if err := json.Unmarshal(stdout.Bytes(), &items); err != nil {
		t.Fatalf("testserver: python3-caldav output: %v\n%s\n%s", err, stdout.Bytes(), stderr.Bytes())
	}
	return items
}
