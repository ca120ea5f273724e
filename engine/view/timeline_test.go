package view_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/timeline"
	"github.com/rmctl/rmctl/engine/view"
	"github.com/rmctl/rmctl/schema"
)

// exampleDir is the program the README shows and docs/timeline.png draws.
const exampleDir = "../../examples/digital-leadership"

// exampleNow is "today" in the example's goldens: after session 3, before
// session 4, with the skipped and the moved session on either side of it.
var exampleNow = time.Date(2027, time.April, 20, 9, 0, 0, 0, time.UTC)

// loadExample loads examples/digital-leadership.
func loadExample(t *testing.T) []*schema.Program {
	t.Helper()
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Load(context.Background(), exampleDir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Diagnostics.HasErrors() {
		t.Fatalf("%s does not validate: %v", exampleDir, res.Diagnostics)
	}
	return res.Programs
}

// sentBefore is the state after applying everything declared in January,
// except the sessions and tutorials of the pair left out, which are not
// sent yet: the picture then shows sent and unsent marks side by side.
func sentBefore(progs []*schema.Program, leaveOut string) *state.State {
	st := state.New(lineage)
	for _, r := range engine.Expand(progs).Resources {
		if leaveOut != "" && strings.Contains(r.Address, "/pair/"+leaveOut+"/") {
			continue
		}
		st.Resources[r.Address] = &state.Entry{Address: r.Address, UID: r.UID, Hash: r.Hash(), Snapshot: r.Snapshot()}
	}
	return st
}

// exampleTimeline is the example's timeline at exampleNow: applied in
// January except for pair emma-markus.
func exampleTimeline(t *testing.T) *timeline.Timeline {
	t.Helper()
	progs := loadExample(t)
	return timeline.Build(progs, sentBefore(progs, "emma-markus"), engine.Expand(progs), exampleNow)
}

func TestTimelineGoldens(t *testing.T) {
	tl := exampleTimeline(t)
	var txt, html, svg, js bytes.Buffer
	view.TimelineText(&txt, tl, false)
	if err := view.TimelineHTML(&html, tl); err != nil {
		t.Fatal(err)
	}
	if err := view.TimelineSVG(&svg, tl); err != nil {
		t.Fatal(err)
	}
	if err := view.TimelineJSON(&js, tl); err != nil {
		t.Fatal(err)
	}

	// The page must stand alone: nothing fetched, nothing run.
	page := html.String()
	for _, bad := range []string{"<script", "http://", "https://", "@import", "url("} {
		if bad == "http://" {
			page = strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, "")
		}
		if strings.Contains(page, bad) {
			t.Errorf("the HTML page contains %q", bad)
		}
	}
	// People are named by id: no e-mail address in any rendering.
	email := regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	for name, out := range map[string]string{"text": txt.String(), "html": html.String(), "svg": svg.String(), "json": js.String()} {
		if email.MatchString(out) {
			t.Errorf("the %s timeline contains an e-mail address", name)
		}
	}
	if !strings.Contains(page, "@page { size: A4 landscape") {
		t.Error("the HTML page sets no A4 landscape page size")
	}
	var back timeline.Timeline
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("timeline JSON does not decode: %v", err)
	}
	if len(back.Programs) != 1 || len(back.Programs[0].Pairs) != 7 {
		t.Errorf("timeline JSON: %d programs", len(back.Programs))
	}

	golden(t, "timeline.txt", txt.Bytes())
	golden(t, "timeline.html", html.Bytes())
	golden(t, "timeline.svg", svg.Bytes())
	golden(t, "timeline.json", js.Bytes())
}

// A warning shows on its session: a badge and the message in the title in
// the picture, a line under the pair in the text.
func TestTimelineWarnings(t *testing.T) {
	progs := loadExample(t)
	tl := timeline.Build(progs, nil, engine.Expand(progs), exampleNow)
	timeline.Warn(tl, progs, schema.Diagnostics{{
		Severity: schema.Warning, Pos: schema.Pos{Filename: exampleDir + "/pairs.cue", Line: 22},
		Path: "pairs.jonas-thomas.sessions.3.date", Message: "session 3 on 2027-04-15 is a public holiday for thomas.keller (DE-BY)",
	}})
	var svg, txt bytes.Buffer
	if err := view.TimelineSVG(&svg, tl); err != nil {
		t.Fatal(err)
	}
	view.TimelineText(&txt, tl, false)
	if !regexp.MustCompile(`<g class="session [a-z ]*warning" data-pair="jonas-thomas" data-session="3"[^>]*><title>[^<]*warning: session 3 on 2027-04-15 is a public holiday`).Match(svg.Bytes()) {
		t.Error("the SVG does not mark jonas-thomas session 3 with its warning")
	}
	if n := strings.Count(svg.String(), `<path class="warn"`); n != 2 { // the session and the legend
		t.Errorf("%d warning badges, want 2", n)
	}
	if !strings.Contains(txt.String(), "jonas-thomas: 1 ● 02-09 2 ● 03-09 3 ● 04-15 (moved) (!) ") ||
		!strings.Contains(txt.String(), "\n  ! session 3: session 3 on 2027-04-15 is a public holiday for thomas.keller (DE-BY)\n") {
		t.Errorf("the text does not show the warning:\n%s", txt.String())
	}
}

// The states the example does not have: a session moved but not re-sent
// (pending), a session skipped after it was sent, a paused pair and an
// ended one, each in text and SVG.
func TestTimelineStates(t *testing.T) {
	base := baseFiles()
	sent := sentBefore(load(t, base), "")
	edited := base.Edit(t, "pairs.cue",
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller"}`,
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", status: "paused"}`).
		Edit(t, "pairs.cue",
			`"petra-ben": {mentor: "ben.weber", mentee: "petra.lang"}`,
			`"petra-ben": {mentor: "ben.weber", mentee: "petra.lang", sessions: {"2": {date: "2027-04-15"}, "3": skip: true}}`)
	progs := load(t, edited)
	tl := timeline.Build(progs, sent, engine.Expand(progs), time.Date(2027, time.April, 1, 9, 0, 0, 0, time.UTC))
	var txt, svg bytes.Buffer
	view.TimelineText(&txt, tl, false)
	if err := view.TimelineSVG(&svg, tl); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`class="session pending future moved" data-pair="petra-ben" data-session="2"`,
		`class="session skipped future" data-pair="petra-ben" data-session="3"`,
		`class="session paused future" data-pair="klaus-anna" data-session="2"`,
		`class="session sent past" data-pair="klaus-anna" data-session="1"`,
		`<g class="row paused" data-pair-label="klaus-anna">`,
	} {
		if !strings.Contains(svg.String(), want) {
			t.Errorf("the SVG lacks %s", want)
		}
	}
	golden(t, "timeline-states.txt", txt.Bytes())
	golden(t, "timeline-states.svg", svg.Bytes())
}
