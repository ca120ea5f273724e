package apply_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/apply"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target"
	"github.com/rmctl/rmctl/engine/target/outbox"
	"github.com/rmctl/rmctl/internal/testprog"
)

var now = time.Date(2027, time.January, 15, 9, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

const lineage = "00000000-0000-4000-8000-000000000002"

// The fixture program is internal/testprog's: 16 resources.
const total = testprog.Total

type files = testprog.Files

func base() files { return testprog.Demo() }

func desired(t *testing.T, f files) *plan.Desired {
	t.Helper()
	return engine.Expand(f.Load(t))
}

// workspace is a state file and an outbox in a temporary directory.
type workspace struct {
	store  *state.Local
	outbox string
}

func newWorkspace(t *testing.T) *workspace {
	dir := t.TempDir()
	return &workspace{
		store:  state.NewLocal(filepath.Join(dir, "state.json"), state.LocalOptions{Now: clock, NewLineage: func() string { return lineage }}),
		outbox: filepath.Join(dir, "outbox"),
	}
}

func (w *workspace) read(t *testing.T) *state.State {
	t.Helper()
	st, err := w.store.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (w *workspace) target(t *testing.T) *outbox.Outbox {
	t.Helper()
	o, err := outbox.New(w.outbox, outbox.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// plan reads state and plans f against it.
func (w *workspace) plan(t *testing.T, f files) (*plan.Plan, *state.State) {
	t.Helper()
	st := w.read(t)
	return plan.Build(desired(t, f), st, plan.Options{Now: now}), st
}

// apply plans f and applies it to the outbox, failing the test on errors.
func (w *workspace) apply(t *testing.T, f files, opts apply.Options) (*plan.Plan, *apply.Result) {
	t.Helper()
	p, st := w.plan(t, f)
	if opts.Now == nil {
		opts.Now = clock
	}
	res, err := apply.Apply(context.Background(), p, st, w.store, w.target(t), opts)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return p, res
}

// messages lists the message files of the outbox, in the order written.
func (w *workspace) messages(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(w.outbox, outbox.MessagesDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// messageKey strips the run stamp and counter from a message file name,
// leaving <address>-s<seq>-<method>-<recipients hash>.ics.
func messageKey(name string) string {
	parts := strings.SplitN(name, "-", 3)
	if len(parts) != 3 {
		return name
	}
	return parts[2]
}

func safe(address string) string { return strings.ReplaceAll(address, "/", "_") }

func TestApplyTwiceHasNoChanges(t *testing.T) {
	w := newWorkspace(t)
	p, res := w.apply(t, base(), apply.Options{})
	if res.Sent != total || len(p.Changes) != total || len(res.Failed) != 0 {
		t.Fatalf("first apply: %+v of %d changes", res, len(p.Changes))
	}
	msgs := w.messages(t)
	if len(msgs) != total {
		t.Errorf("first apply wrote %d messages, want %d", len(msgs), total)
	}

	st := w.read(t)
	if st.Lineage != lineage || len(st.Resources) != total {
		t.Errorf("state: lineage %q, %d resources", st.Lineage, len(st.Resources))
	}
	for addr, e := range st.Resources {
		if e.Sequence != 0 || e.Address != addr || !e.AppliedAt.Equal(now) {
			t.Errorf("%s: sequence %d, address %q, applied %v", addr, e.Sequence, e.Address, e.AppliedAt)
		}
	}

	p2, res2 := w.apply(t, base(), apply.Options{})
	if p2.HasChanges() || p2.Summary.Unchanged != total {
		t.Errorf("second plan: %+v", p2.Summary)
	}
	if diff := cmp.Diff(&apply.Result{}, res2); diff != "" {
		t.Errorf("second apply did something (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(msgs, w.messages(t)); diff != "" {
		t.Errorf("second apply changed the messages (-before +after):\n%s", diff)
	}
}

func TestApplySendsOnlyTheDifference(t *testing.T) {
	w := newWorkspace(t)
	w.apply(t, base(), apply.Options{})
	before := w.messages(t)

	const addr = "demo-2027/pair/klaus-anna/session/2"
	moved := base().Edit(t, "pairs.cue",
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller"}`,
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", sessions: "2": {date: "2027-04-15", time: "10:00"}}`)
	p, res := w.apply(t, moved, apply.Options{})
	if len(p.Changes) != 1 || p.Changes[0].Address != addr || p.Changes[0].Sequence != 1 {
		t.Fatalf("plan: %+v", p.Changes)
	}
	if res.Updated != 1 || res.Sent+res.Cancelled+len(res.Failed) != 0 {
		t.Errorf("result %+v, want one update", res)
	}
	after := w.messages(t)
	if len(after) != len(before)+1 {
		t.Fatalf("%d messages after, %d before: want exactly one more", len(after), len(before))
	}
	if diff := cmp.Diff(before, after[:len(before)]); diff != "" {
		t.Errorf("earlier messages changed:\n%s", diff)
	}
	newest := after[len(after)-1]
	if !strings.HasPrefix(messageKey(newest), safe(addr)+"-s1-request-") {
		t.Errorf("new message %s, want the REQUEST of %s with SEQUENCE 1", newest, addr)
	}
	data, err := os.ReadFile(filepath.Join(w.outbox, outbox.MessagesDir, newest))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"METHOD:REQUEST", "SEQUENCE:1", "DTSTART;TZID=Europe/Berlin:20270415T100000"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("message lacks %s:\n%s", want, data)
		}
	}
	st := w.read(t)
	if e := st.Resources[addr]; e == nil || e.Sequence != 1 || !e.Snapshot.Start.Equal(time.Date(2027, 4, 15, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("state of %s: %+v", addr, e)
	}

	// A second move raises SEQUENCE again.
	again := moved.Edit(t, "pairs.cue", `time: "10:00"`, `time: "11:00"`)
	p, _ = w.apply(t, again, apply.Options{})
	if len(p.Changes) != 1 || p.Changes[0].Sequence != 2 {
		t.Fatalf("second move: %+v", p.Changes)
	}
	if e := w.read(t).Resources[addr]; e.Sequence != 2 {
		t.Errorf("sequence in state %d, want 2", e.Sequence)
	}
	if p, _ := w.plan(t, again); p.HasChanges() {
		t.Errorf("plan after the second move has changes: %+v", p.Summary)
	}
}

// TestApplyCancelsForOldAddress changes a person's e-mail: the updates go to
// the new address and the old one gets a CANCEL (plan.Change.Removed).
func TestApplyCancelsForOldAddress(t *testing.T) {
	w := newWorkspace(t)
	w.apply(t, base(), apply.Options{})
	before := len(w.messages(t))

	changed := base().Edit(t, "people.cue", `email: "anna.schmidt@example.com"`, `email: "anna.schmidt@newco.example.com"`)
	p, res := w.apply(t, changed, apply.Options{})
	if res.Updated != 7 || len(p.Changes) != 7 {
		t.Fatalf("result %+v for %d changes, want 7 updates", res, len(p.Changes))
	}
	var requests, cancels []string
	for _, name := range w.messages(t)[before:] {
		data, err := os.ReadFile(filepath.Join(w.outbox, outbox.MessagesDir, name))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.Contains(messageKey(name), "-s1-request-"):
			requests = append(requests, name)
			if !strings.Contains(unfold(data), "anna.schmidt@newco.example.com") {
				t.Errorf("%s does not invite the new address", name)
			}
		case strings.Contains(messageKey(name), "-s1-cancel-"):
			cancels = append(cancels, name)
			if !strings.Contains(unfold(data), "mailto:anna.schmidt@example.com") || !strings.Contains(string(data), "METHOD:CANCEL") {
				t.Errorf("%s is not a CANCEL to the old address:\n%s", name, data)
			}
		default:
			t.Errorf("unexpected message %s", name)
		}
	}
	if len(requests) != 7 {
		t.Errorf("%d REQUEST messages, want 7", len(requests))
	}
	if len(cancels) != 7 {
		t.Errorf("%d CANCEL messages to anna.schmidt@example.com, want 7 (one per update whose Change.Removed lists the old address)", len(cancels))
	}
}

func unfold(b []byte) string {
	return strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(string(b))
}

// flaky fails every third delivery. Odd failures never reach the outbox;
// even ones are delivered and then reported as failed, as when a response
// is lost: the next apply must not send a second copy.
type flaky struct {
	next target.Target
	n    atomic.Int64

	mu        sync.Mutex
	succeeded map[string]bool
	failed    map[string]bool
}

var errInjected = errors.New("injected failure")

func (f *flaky) Deliver(ctx context.Context, d target.Delivery) ([]state.Ref, error) {
	n := f.n.Add(1)
	fail := n%3 == 0
	if fail && (n/3)%2 == 1 {
		f.note(d.Resource.Address, false)
		return nil, errInjected
	}
	refs, err := f.next.Deliver(ctx, d)
	if err != nil {
		return nil, err
	}
	if fail {
		f.note(d.Resource.Address, false)
		return nil, fmt.Errorf("after delivering: %w", errInjected)
	}
	f.note(d.Resource.Address, true)
	return refs, nil
}

func (f *flaky) note(addr string, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ok {
		f.succeeded[addr] = true
	} else {
		f.failed[addr] = true
	}
}

func (f *flaky) Finish(ctx context.Context) error { return f.next.(target.Finisher).Finish(ctx) }

func TestApplyWithFailingTargetConverges(t *testing.T) {
	for _, par := range []int{1, 8} {
		t.Run(fmt.Sprintf("parallelism-%d", par), func(t *testing.T) {
			w := newWorkspace(t)
			ctx := context.Background()
			p, st := w.plan(t, base())
			f := &flaky{next: w.target(t), succeeded: map[string]bool{}, failed: map[string]bool{}}
			res, err := apply.Apply(ctx, p, st, w.store, f, apply.Options{Now: clock, Parallelism: par, MaxFailures: 100})
			if !errors.Is(err, errInjected) {
				t.Fatalf("apply error %v, want the injected failures", err)
			}
			wantFailed := total / 3
			if len(res.Failed) != wantFailed || res.Sent != total-wantFailed {
				t.Errorf("result: %d sent, %d failed; want %d, %d", res.Sent, len(res.Failed), total-wantFailed, wantFailed)
			}
			var failed []string
			for _, fl := range res.Failed {
				failed = append(failed, fl.Address)
				if !errors.Is(fl.Err, errInjected) {
					t.Errorf("%s failed with %v", fl.Address, fl.Err)
				}
			}
			sort.Strings(failed)
			if diff := cmp.Diff(keys(f.failed), failed); diff != "" {
				t.Errorf("reported failures (-injected +reported):\n%s", diff)
			}

			// State holds exactly the successes, on disk as in memory.
			disk := w.read(t)
			if diff := cmp.Diff(keys(f.succeeded), disk.Addresses()); diff != "" {
				t.Errorf("state after the failing run (-succeeded +state):\n%s", diff)
			}
			if diff := cmp.Diff(st.Addresses(), disk.Addresses()); diff != "" {
				t.Errorf("state in memory and on disk differ:\n%s", diff)
			}

			// The real target finishes the job.
			p2, res2 := w.apply(t, base(), apply.Options{Parallelism: par})
			var retried []string
			for _, c := range p2.Changes {
				retried = append(retried, c.Address)
				if c.Action != plan.Create {
					t.Errorf("retry of %s is a %s", c.Address, c.Action)
				}
			}
			if diff := cmp.Diff(failed, retried); diff != "" {
				t.Errorf("second plan (-failed +planned):\n%s", diff)
			}
			if res2.Sent != wantFailed || len(res2.Failed) != 0 {
				t.Errorf("second apply: %+v", res2)
			}
			if p3, _ := w.plan(t, base()); p3.HasChanges() {
				t.Errorf("third plan has changes: %+v", p3.Summary)
			}
			if n := len(w.read(t).Resources); n != total {
				t.Errorf("state holds %d resources, want %d", n, total)
			}

			// Every resource's message exists exactly once, even those
			// delivered by the failing run whose outcome was lost.
			seen := map[string]int{}
			for _, name := range w.messages(t) {
				seen[messageKey(name)]++
			}
			if len(seen) != total {
				t.Errorf("%d distinct messages, want %d", len(seen), total)
			}
			for k, n := range seen {
				if n != 1 || !strings.Contains(k, "-s0-request-") {
					t.Errorf("message %s written %d times", k, n)
				}
			}
			for addr := range f.failed {
				found := 0
				for k := range seen {
					if strings.HasPrefix(k, safe(addr)+"-s0-") {
						found++
					}
				}
				if found != 1 {
					t.Errorf("%s has %d messages, want 1", addr, found)
				}
			}
		})
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestCancelGuard(t *testing.T) {
	w := newWorkspace(t)
	w.apply(t, base(), apply.Options{})

	// Removing one of two pairs cancels 7 of 16 (44 %).
	removed := base().Edit(t, "pairs.cue", "\t\"petra-ben\": {mentor: \"ben.weber\", mentee: \"petra.lang\"}\n", "")
	removed = removed.Edit(t, "people.cue", "\t\"ben.weber\": {name: \"Ben Weber\", email: \"ben.weber@example.com\", department: \"IT\"}\n", "")
	removed = removed.Edit(t, "people.cue", "\t\"petra.lang\": {name: \"Petra Lang\", email: \"petra.lang@example.com\", department: \"Finance\"}\n", "")
	p, st := w.plan(t, removed)
	managed := len(st.Resources)
	if p.Summary.Cancel != 7 || managed != total {
		t.Fatalf("plan cancels %d of %d", p.Summary.Cancel, managed)
	}
	if err := apply.CancelGuard(p, managed, 25); err == nil || !strings.Contains(err.Error(), "7 of 16") {
		t.Errorf("CancelGuard(7 of 16, 25%%) = %v, want a refusal naming 7 of 16", err)
	}
	for _, pct := range []int{44, 50, 100} {
		if err := apply.CancelGuard(p, managed, pct); err != nil {
			t.Errorf("CancelGuard(7 of 16, %d%%) = %v", pct, err)
		}
	}

	// Not loading the program (with --prune) cancels everything.
	all := plan.Build(&plan.Desired{}, st, plan.Options{Now: now, Prune: true})
	if all.Summary.Cancel != total {
		t.Fatalf("prune plan cancels %d", all.Summary.Cancel)
	}
	for _, pct := range []int{25, 99} {
		if err := apply.CancelGuard(all, managed, pct); err == nil || !strings.Contains(err.Error(), "all 16") {
			t.Errorf("CancelGuard(all, %d%%) = %v, want a refusal to cancel all", pct, err)
		}
	}
	if err := apply.CancelGuard(all, managed, 100); err != nil {
		t.Errorf("CancelGuard(all, 100%%) = %v", err)
	}
	// Without --prune the unloaded program is left alone, with a note.
	if left := plan.Build(&plan.Desired{}, st, plan.Options{Now: now}); left.HasChanges() || len(left.Notes) != 1 {
		t.Errorf("plan without the program: %d changes, notes %q", len(left.Changes), left.Notes)
	}

	// The boundary: exactly 25 % passes, one more does not.
	for _, tc := range []struct {
		cancels, managed, pct int
		ok                    bool
	}{
		{4, 16, 25, true}, {5, 16, 25, false}, {0, 16, 0, true}, {1, 1, 99, false}, {1, 1, 100, true}, {3, 0, 25, true},
	} {
		p := &plan.Plan{Summary: plan.Summary{Cancel: tc.cancels}}
		if err := apply.CancelGuard(p, tc.managed, tc.pct); (err == nil) != tc.ok {
			t.Errorf("CancelGuard(%d of %d, %d%%) = %v, want ok=%v", tc.cancels, tc.managed, tc.pct, err, tc.ok)
		}
	}
}

func TestApplyParallelismGivesSameState(t *testing.T) {
	run := func(par int) (*state.State, map[string]string) {
		w := newWorkspace(t)
		w.apply(t, base(), apply.Options{Parallelism: par})
		changed := base().Edit(t, "program.cue", `{title: "Collaboration"`, `{title: "Social collaboration"`)
		changed = changed.Edit(t, "pairs.cue", "\t\"petra-ben\": {mentor: \"ben.weber\", mentee: \"petra.lang\"}\n", "")
		w.apply(t, changed, apply.Options{Parallelism: par})
		return w.read(t), outboxContents(t, w.outbox)
	}
	st1, out1 := run(1)
	st8, out8 := run(8)
	if diff := cmp.Diff(st1, st8); diff != "" {
		t.Errorf("state with parallelism 1 and 8 differs (-1 +8):\n%s", diff)
	}
	if diff := cmp.Diff(out1, out8); diff != "" {
		t.Errorf("outbox objects and feeds with parallelism 1 and 8 differ (-1 +8):\n%s", diff)
	}
	if len(st1.Resources) != total-7 {
		t.Errorf("%d resources in state, want %d", len(st1.Resources), total-7)
	}
}

// outboxContents returns the outbox's objects and feeds by path, and its
// messages by idempotency key (their names also hold the order of writing,
// which depends on scheduling).
func outboxContents(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasPrefix(rel, outbox.MessagesDir+string(filepath.Separator)) {
			rel = outbox.MessagesDir + "/" + messageKey(filepath.Base(rel))
		}
		out[rel] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestApplyRenameWithCancelConverges renames a pair and, in the same
// change, skips one of its sessions: the cancellation is planned at the new
// address and must remove the entry recorded at the old one.
func TestApplyRenameWithCancelConverges(t *testing.T) {
	w := newWorkspace(t)
	w.apply(t, base(), apply.Options{})

	renamed := base().Edit(t, "pairs.cue", `"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller"}`,
		`"klaus-and-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", sessions: "3": skip: true}`)
	renamed = renamed.Edit(t, "pairs.cue", "pairs: {", `moved: [{from: "pair/klaus-anna", to: "pair/klaus-and-anna"}]
pairs: {`)
	p, res := w.apply(t, renamed, apply.Options{})
	if p.Summary.Cancel == 0 || res.Moved == 0 {
		t.Fatalf("plan %+v, result %+v: want renames and a cancellation", p.Summary, res)
	}
	st := w.read(t)
	for addr := range st.Resources {
		if strings.Contains(addr, "/pair/klaus-anna/") {
			t.Errorf("state still holds the old address %s", addr)
		}
	}
	if again, _ := w.plan(t, renamed); again.HasChanges() {
		t.Fatalf("plan after applying the rename has %d changes, want none: %+v", len(again.Changes), again.Changes[0])
	}
}

// TestApplyRecordsWhatWasDoneWhenInterrupted cancels the run while a
// delivery is in flight: the delivery that completed must be recorded, or
// the next apply would send it again.
func TestApplyRecordsWhatWasDoneWhenInterrupted(t *testing.T) {
	w := newWorkspace(t)
	p, st := w.plan(t, base())
	ctx, cancel := context.WithCancel(context.Background())
	slow := &cancelling{next: w.target(t), cancel: cancel}
	_, err := apply.Apply(ctx, p, st, w.store, slow, apply.Options{Now: clock, Parallelism: 1})
	if err == nil {
		t.Fatal("apply: want an interruption error")
	}
	if got := len(w.read(t).Resources); got != slow.delivered {
		t.Fatalf("state holds %d resources after the interruption, want the %d delivered", got, slow.delivered)
	}
	if slow.delivered == 0 {
		t.Fatal("nothing was delivered before the interruption")
	}
}

// cancelling delivers through next and cancels the run during its first
// delivery, after the delivery has happened.
type cancelling struct {
	next      target.Target
	cancel    context.CancelFunc
	delivered int
}

func (c *cancelling) Deliver(ctx context.Context, d target.Delivery) ([]state.Ref, error) {
	refs, err := c.next.Deliver(ctx, d)
	if err == nil {
		c.delivered++
		c.cancel()
	}
	return refs, err
}

// TestApplyKeepsRepliesUnlessMoved: an update that changes neither time
// nor place sends the known answer back (PARTSTAT, no RSVP) and keeps it
// in state; a move asks everyone again.
func TestApplyKeepsRepliesUnlessMoved(t *testing.T) {
	w := newWorkspace(t)
	w.apply(t, base(), apply.Options{})
	const addr = "demo-2027/pair/klaus-anna/session/2"
	st := w.read(t)
	e := *st.Resources[addr]
	e.Replies = &state.Replies{By: map[string]state.Reply{"anna.schmidt": {PartStat: "DECLINED", Stamp: now}}}
	if err := w.store.Record(context.Background(), state.Op{Address: addr, Entry: &e}); err != nil {
		t.Fatal(err)
	}

	renamed := base().Edit(t, "people.cue", `name: "Klaus Müller"`, `name: "Klaus M. Müller"`)
	w.apply(t, renamed, apply.Options{})
	text := w.request(t, addr, 1)
	if !strings.Contains(text, "PARTSTAT=DECLINED;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:anna.schmidt@example.com") ||
		!strings.Contains(text, "PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:klaus.mueller@example.com") {
		t.Errorf("update after a rename does not keep anna's answer:\n%s", text)
	}
	if r := w.read(t).Resources[addr].Replies; r == nil || r.By["anna.schmidt"].PartStat != "DECLINED" {
		t.Errorf("replies in state after the rename: %+v", r)
	}

	moved := renamed.Edit(t, "pairs.cue",
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller"}`,
		`"klaus-anna": {mentor: "anna.schmidt", mentee: "klaus.mueller", sessions: "2": {date: "2027-04-15", time: "10:00"}}`)
	w.apply(t, moved, apply.Options{})
	if text := w.request(t, addr, 2); strings.Contains(text, "DECLINED") || !strings.Contains(text, "PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:anna.schmidt@example.com") {
		t.Errorf("a move must ask again:\n%s", text)
	}
	if r := w.read(t).Resources[addr].Replies; r == nil || len(r.By) != 0 || r.Since != 2 {
		t.Errorf("replies in state after the move: %+v, want none since SEQUENCE 2", r)
	}
}

// request returns the unfolded REQUEST of addr with SEQUENCE seq from the outbox.
func (w *workspace) request(t *testing.T, addr string, seq int) string {
	t.Helper()
	for _, name := range w.messages(t) {
		if strings.HasPrefix(messageKey(name), fmt.Sprintf("%s-s%d-request-", safe(addr), seq)) {
			data, err := os.ReadFile(filepath.Join(w.outbox, outbox.MessagesDir, name))
			if err != nil {
				t.Fatal(err)
			}
			return unfold(data)
		}
	}
	t.Fatalf("no REQUEST of %s with SEQUENCE %d in %v", addr, seq, w.messages(t))
	return ""
}
