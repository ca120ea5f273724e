package engine_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/rmctl/rmctl/engine/ical"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/internal/testprog"
)

// sentMessage is one iTIP message the outbox wrote, as a calendar reads it.
type sentMessage struct {
	Method   string
	Sequence int
}

// outboxMessages parses every message in the outbox and returns, by UID,
// what was sent, in the order it was written.
func outboxMessages(t *testing.T, dir string) map[string][]sentMessage {
	t.Helper()
	files, err := os.ReadDir(filepath.Join(dir, "messages"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]sentMessage{}
	for _, f := range files { // names sort in the order they were written
		data, err := os.ReadFile(filepath.Join(dir, "messages", f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
		if err != nil {
			t.Fatalf("%s: %v", f.Name(), err)
		}
		method, err := cal.Props.Text(goical.PropMethod)
		if err != nil {
			t.Fatalf("%s: METHOD: %v", f.Name(), err)
		}
		for _, c := range cal.Children {
			if c.Name != goical.CompEvent && c.Name != goical.CompToDo {
				continue
			}
			uid, _ := c.Props.Text(goical.PropUID)
			seq, err := strconv.Atoi(c.Props.Get(goical.PropSequence).Value)
			if err != nil {
				t.Fatalf("%s: SEQUENCE: %v", f.Name(), err)
			}
			out[uid] = append(out[uid], sentMessage{Method: method, Sequence: seq})
		}
	}
	return out
}

// TestResumedPairOutranksItsCancel: sessions cancelled by a pause come back,
// on resume, with a SEQUENCE above their CANCEL (issue 9); calendars ignore
// a REQUEST whose SEQUENCE is not above the CANCEL they hold. A second pause
// and resume keeps counting up.
func TestResumedPairOutranksItsCancel(t *testing.T) {
	const pre = "demo-2027/pair/klaus-anna/"
	resumed := []string{pre + "session/2", pre + "session/3", pre + "tutorial/practice/anna.schmidt", pre + "tutorial/practice/klaus.mueller"}
	run := newLifecycleRun(t)
	base := testprog.Demo()
	paused := base.Edit(t, "pairs.cue", `"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller"}`,
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", status: "paused"}`)

	jan := time.Date(2027, time.January, 15, 9, 0, 0, 0, time.UTC)
	run.apply(run.plan(base, jan), jan)

	// From 20 March, after session 1: the pause cancels sessions 2 and 3
	// and the tutorial due before session 3.
	now := time.Date(2027, time.March, 20, 12, 0, 0, 0, time.UTC)
	var want []sentMessage
	for round := range 2 {
		cancelSeq, createSeq := 2*round+1, 2*round+2
		if round > 0 {
			now = now.Add(24 * time.Hour)
		}
		p := run.plan(paused, now)
		for _, c := range p.Changes {
			if c.Action != plan.Cancel || c.Sequence != cancelSeq {
				t.Errorf("round %d: pausing: %s %s at SEQUENCE %d, want cancel at %d", round, c.Action, c.Address, c.Sequence, cancelSeq)
			}
		}
		if res := run.apply(p, now); res.Cancelled != len(resumed) {
			t.Fatalf("round %d: pausing cancelled %d, want %d", round, res.Cancelled, len(resumed))
		}
		st := run.state()
		for _, addr := range resumed {
			if r, ok := st.Retired[addr]; !ok || r.Sequence != cancelSeq || r.UID != resource.UID(addr) {
				t.Errorf("round %d: state after the pause: %s retired as %+v (%v), want SEQUENCE %d", round, addr, r, ok, cancelSeq)
			}
			if st.Resources[addr] != nil {
				t.Errorf("round %d: cancelled %s still a managed resource", round, addr)
			}
		}

		now = now.Add(24 * time.Hour)
		p = run.plan(base, now)
		got := map[string]int{}
		for _, c := range p.Changes {
			if c.Action != plan.Create {
				t.Errorf("round %d: resuming: unexpected %s %s", round, c.Action, c.Address)
			}
			got[c.Address] = c.Sequence
		}
		for _, addr := range resumed {
			if seq, ok := got[addr]; !ok || seq != createSeq {
				t.Errorf("round %d: resuming: %s planned at SEQUENCE %d (%v), want a create at %d, above its CANCEL", round, addr, seq, ok, createSeq)
			}
		}
		if res := run.apply(p, now); res.Sent != len(resumed) {
			t.Fatalf("round %d: resuming sent %d, want %d", round, res.Sent, len(resumed))
		}
		st = run.state()
		for _, addr := range resumed {
			if e := st.Resources[addr]; e == nil || e.Sequence != createSeq {
				t.Errorf("round %d: state after resuming: %s %+v, want SEQUENCE %d", round, addr, e, createSeq)
			}
			if _, ok := st.Retired[addr]; ok {
				t.Errorf("round %d: %s still retired after it was sent again", round, addr)
			}
		}
		if again := run.plan(base, now); again.HasChanges() {
			t.Errorf("round %d: plan after resuming has changes: %+v", round, again.Summary)
		}
		want = append(want, sentMessage{"CANCEL", cancelSeq}, sentMessage{"REQUEST", createSeq})
	}

	// What the attendees' calendars received, read back from the files.
	msgs := outboxMessages(t, filepath.Join(run.dir, "outbox"))
	want = append([]sentMessage{{"REQUEST", 0}}, want...)
	objects := 0
	for _, addr := range resumed {
		uid := resource.UID(addr)
		got := msgs[uid]
		if got == nil {
			// Assignments reach calendars as a time block with its own UID.
			got = msgs[ical.BlockUID(uid)]
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: messages sent %v, want %v", addr, got, want)
		}
		for _, person := range []string{"anna.schmidt", "klaus.mueller"} {
			data, err := os.ReadFile(filepath.Join(run.dir, "outbox", "objects", person, uid+".ics"))
			if os.IsNotExist(err) {
				continue // a tutorial is one person's
			}
			if err != nil {
				t.Fatal(err)
			}
			f, err := ical.ReadFacts(data)
			if err != nil {
				t.Fatal(err)
			}
			objects++
			if f.Sequence != 4 {
				t.Errorf("%s: %s's calendar object has SEQUENCE %d, want 4", addr, person, f.Sequence)
			}
		}
	}
	if objects != 6 { // two sessions for two, two tutorials for one each
		t.Errorf("found %d calendar objects of the resumed resources, want 6", objects)
	}
}
