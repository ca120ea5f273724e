package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/state/statetest"
	"github.com/rmctl/rmctl/schema"
)

// The program the shortcut tests start from: the expansion fixture with
// public holidays that move a session (Easter Monday 2027-03-29 in
// Bavaria, the "berlin" pair meeting on last Mondays).
var (
	shortcutProgram = strings.Replace(expandProgram, `policy: duration: maxMonths: 12`,
		`policy: {duration: maxMonths: 12, holidays: ["DE-BY"], onHoliday: "shift"}`, 1)
	shortcutPairs = strings.Replace(expandPairs, `"berlin": {mentor: "mia", mentee: "max"}`,
		`"berlin": {mentor: "mia", mentee: "max", slot: {week: -1, weekday: "monday"}}`, 1)
)

func shortcutFiles() map[string]string {
	return map[string]string{"program.cue": shortcutProgram, "people.cue": expandPeople, "pairs.cue": shortcutPairs}
}

var before2027 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// applyAll writes into a new state file what applying the programs'
// plan at now records: an entry per created resource and the expansions.
func applyAll(t *testing.T, progs []*schema.Program) *state.Local {
	t.Helper()
	ctx := context.Background()
	store := state.NewLocal(filepath.Join(t.TempDir(), "state.json"), state.LocalOptions{})
	st, err := store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.Plan(progs, state.IndexOf(st), plan.Options{Now: before2027, Record: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		if c.Action != plan.Create {
			t.Fatalf("%s: %s from empty state", c.Address, c.Action)
		}
		st.Resources[c.Address] = &state.Entry{Address: c.Address, UID: c.UID, Hash: c.After.Hash(), Snapshot: c.After.Snapshot()}
	}
	if len(p.Expansions) != len(progs) {
		t.Fatalf("the plan records %d expansions, want one per program", len(p.Expansions))
	}
	st.Expansions = p.Expansions
	if err := store.Write(ctx, st); err != nil {
		t.Fatal(err)
	}
	return store
}

func readIndex(t *testing.T, store *state.Local) *state.Index {
	t.Helper()
	ix, err := store.ReadIndex(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// planBoth plans progs against store with the shortcut (engine.Plan over
// the index, recording expansions) and without it (plan.Build over the
// expansion and the whole state), fails when the two differ, and returns
// the plan.
func planBoth(t *testing.T, progs []*schema.Program, store *state.Local, opts plan.Options) *plan.Plan {
	t.Helper()
	shown, err := engine.Plan(progs, readIndex(t, store), opts)
	if err != nil {
		t.Fatal(err)
	}
	if shown.Expansions != nil {
		t.Fatalf("a plan made without Record records %v", shown.Expansions)
	}
	opts.Record = true
	fast, err := engine.Plan(progs, readIndex(t, store), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := planSummary(shown), planSummary(fast); got != want {
		t.Fatalf("recording changed the plan:\n%s\nwant\n%s", got, want)
	}
	opts.Record = false
	st, err := store.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	full := plan.Build(engine.Expand(progs), st, opts)
	if got, want := planSummary(fast), planSummary(full); got != want {
		t.Fatalf("the plan over the index differs from the full plan:\n%s\nwant\n%s", got, want)
	}
	return fast
}

func planSummary(p *plan.Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%+v %s/%d\n", p.Summary, p.Lineage, p.Serial)
	for _, c := range append(p.Changes, p.Frozen...) {
		fmt.Fprintf(&b, "%s %s %d %s %v\n", c.Action, c.Address, c.Sequence, c.Reason, c.Fields)
	}
	return b.String()
}

// A program whose inputs did not change is planned from the state's
// records alone, and the plan is the full plan's: nothing to do.
func TestPlanShortcutNoOp(t *testing.T) {
	progs := loadProgram(t, shortcutFiles())
	store := applyAll(t, progs)
	ix := readIndex(t, store)
	n, _, ok := engine.Unchanged(progs[0], ix, mustDigest(t, progs[0]), &plan.Options{Now: before2027})
	if !ok || n != ix.Len() || n == 0 {
		t.Fatalf("Unchanged = %d, %v; want all %d resources", n, ok, ix.Len())
	}
	for _, now := range []time.Time{before2027, time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)} {
		p := planBoth(t, progs, store, plan.Options{Now: now})
		if p.HasChanges() || p.Unchanged != ix.Len() || len(p.Frozen) != 0 {
			t.Fatalf("no-op plan at %s: %+v", now, p.Summary)
		}
		if got := p.Expansions[progs[0].ID]; got != ix.Expansions[progs[0].ID] {
			t.Fatalf("the plan records %+v, state has %+v", got, ix.Expansions[progs[0].ID])
		}
	}
	// --target and --exclude count what they select.
	p := planBoth(t, progs, store, plan.Options{Now: before2027, Targets: []string{"dst-2027/pair/berlin"}, Excludes: []string{"**/tutorial/**"}})
	if p.Unchanged == 0 || p.Unchanged >= ix.Len() {
		t.Fatalf("targeted no-op plan: %d unchanged of %d", p.Unchanged, ix.Len())
	}
}

func mustDigest(t *testing.T, p *schema.Program) string {
	t.Helper()
	d, err := engine.InputDigest(p)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Every kind of input that changes a resource changes the input digest, so
// the plan expands the program and finds the change; the plan is the full
// plan's, with and without sessions in the past (--now).
func TestPlanShortcutSeesChanges(t *testing.T) {
	base := loadProgram(t, shortcutFiles())
	store := applyAll(t, base)
	digest := mustDigest(t, base[0])
	type edit struct{ file, old, new string }
	for _, c := range []struct {
		name  string
		edits []edit
	}{
		{"person email", []edit{{"people.cue", `"mia@example.com"`, `"mia.berg@example.com"`}}},
		{"person name", []edit{{"people.cue", `"Max Adler"`, `"Max Adler-Stein"`}}},
		{"person timezone", []edit{{"people.cue", `"Meg Gross", email: "meg@example.com"`, `"Meg Gross", email: "meg@example.com", timezone: "Europe/London"`}}},
		{"person holidays", []edit{{"people.cue", `"Max Adler", email: "max@example.com"`, `"Max Adler", email: "max@example.com", holidays: "US"`}}},
		{"pair slot", []edit{{"pairs.cue", `"newyork": {mentor: "nora", mentee: "ned"`, `"newyork": {mentor: "nora", mentee: "ned", slot: {time: "09:00"}`}}},
		{"pair status", []edit{{"pairs.cue", `"newyork": {mentor: "nora", mentee: "ned"`, `"newyork": {mentor: "nora", mentee: "ned", status: "paused", end: "2027-05-01"`}}},
		{"pair session skipped", []edit{{"pairs.cue", `"3": skip: true`, `"4": skip: true`}}},
		{"pair added", []edit{{"pairs.cue", `"paused": {mentor: "pia", mentee: "paul", status: "paused"}`, `"paused": {mentor: "pia", mentee: "paul"}`}}},
		{"pair removed", []edit{{"pairs.cue", `"newyork": {mentor: "nora", mentee: "ned", timezone: "America/New_York"}`, ``}}},
		{"program title", []edit{{"program.cue", `"DST Year 2027"`, `"DST Year 2027/28"`}}},
		{"session plan topic", []edit{{"program.cue", `topics: ["two"]`, `topics: ["two", "more"]`}}},
		{"tutorial minutes", []edit{{"program.cue", `minutes: 20, audience: "mentor"`, `minutes: 25, audience: "mentor"`}}},
		{"event time", []edit{{"program.cue", `time: "14:30"`, `time: "15:00"`}}},
		{"holiday rule", []edit{{"program.cue", `onHoliday: "shift"`, `onHoliday: "off"`}}},
		{"holiday region", []edit{{"program.cue", `holidays: ["DE-BY"]`, `holidays: ["US"]`}}},
		{"slot", []edit{{"program.cue", `time: "16:00", duration: "60m"`, `time: "16:30", duration: "60m"`}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := shortcutFiles()
			for _, e := range c.edits {
				if !strings.Contains(files[e.file], e.old) {
					t.Fatalf("%q not in %s", e.old, e.file)
				}
				files[e.file] = strings.Replace(files[e.file], e.old, e.new, 1)
			}
			progs := loadProgram(t, files)
			changed := mustDigest(t, progs[0])
			if changed == digest {
				t.Fatal("the input digest did not change")
			}
			if _, _, ok := engine.Unchanged(progs[0], readIndex(t, store), changed, &plan.Options{Now: before2027}); ok {
				t.Fatal("the changed program is taken as unchanged")
			}
			p := planBoth(t, progs, store, plan.Options{Now: before2027})
			if !p.HasChanges() {
				t.Fatal("the change changes no resource: the case tests nothing")
			}
			if exp := p.Expansions[progs[0].ID]; exp.Inputs != changed || exp.Resources == "" {
				t.Fatalf("the plan records %+v, want the new input digest", exp)
			}
			// Later, what the change touches lies in the past.
			planBoth(t, progs, store, plan.Options{Now: time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)})
			// Once applied, the changed program is known again.
			again := applyAll(t, progs)
			if _, _, ok := engine.Unchanged(progs[0], readIndex(t, again), changed, &plan.Options{}); !ok {
				t.Fatal("after applying the change the program is not known")
			}
		})
	}
}

// The shortcut needs both the inputs and the entries to match: a state
// whose entries were changed behind the records (an entry removed or
// edited, drift accepted), one without records (written before they
// existed), and one with a declared move still pending all take the full
// plan.
func TestPlanShortcutNeedsMatchingEntries(t *testing.T) {
	progs := loadProgram(t, shortcutFiles())
	ctx := context.Background()
	digest := mustDigest(t, progs[0])
	for _, c := range []struct {
		name   string
		change func(st *state.State)
	}{
		{"entry removed", func(st *state.State) { delete(st.Resources, "dst-2027/event/kickoff") }},
		{"entry edited", func(st *state.State) {
			e := st.Resources["dst-2027/event/kickoff"]
			e.Snapshot.Title = "Old title"
			e.Hash = e.Snapshot.Hash()
		}},
		{"drift accepted", func(st *state.State) {
			e := st.Resources["dst-2027/event/kickoff"]
			e.DeclaredHash = "0123456789abcdef01234567"
		}},
		{"no records", func(st *state.State) { st.Expansions = nil }},
		{"inputs of another version", func(st *state.State) {
			st.Expansions["dst-2027"] = state.Expansion{Inputs: "other", Resources: st.Expansions["dst-2027"].Resources}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			store := applyAll(t, progs)
			st, err := store.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			c.change(st)
			if err := store.Write(ctx, st); err != nil {
				t.Fatal(err)
			}
			if _, _, ok := engine.Unchanged(progs[0], readIndex(t, store), digest, &plan.Options{}); ok {
				t.Fatal("taken as unchanged")
			}
			p := planBoth(t, progs, store, plan.Options{Now: before2027})
			if c.name != "no records" && c.name != "inputs of another version" && !p.HasChanges() {
				t.Fatal("no change planned")
			}
		})
	}

	// A move whose old address still has entries.
	store := applyAll(t, progs)
	files := shortcutFiles()
	files["pairs.cue"] = strings.Replace(files["pairs.cue"], `"berlin":`, `"berlin2":`, 1) + "\nmoved: [{from: \"pair/berlin\", to: \"pair/berlin2\"}]\n"
	moved := loadProgram(t, files)
	ix := readIndex(t, store)
	ix.Expansions = map[string]state.Expansion{"dst-2027": {Inputs: mustDigest(t, moved[0]), Resources: ix.Expansions["dst-2027"].Resources}}
	if _, _, ok := engine.Unchanged(moved[0], ix, mustDigest(t, moved[0]), &plan.Options{}); ok {
		t.Fatal("a pending move taken as unchanged")
	}
	p := planBoth(t, moved, store, plan.Options{Now: before2027})
	if p.Summary.Move == 0 {
		t.Fatalf("no move planned: %+v", p.Summary)
	}
}

// Entries of a program that was not loaded are decoded and planned as
// before (a note, or cancels with --prune) while the loaded program is
// known from its record.
func TestPlanShortcutWithProgramNotLoaded(t *testing.T) {
	progs := loadProgram(t, shortcutFiles())
	store := applyAll(t, progs)
	ctx := context.Background()
	st, err := store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	own := len(st.Resources)
	for i := range 3 {
		a := fmt.Sprintf("dl-2027/pair/klaus-anna/session/%d", i+1)
		st.Resources[a] = statetest.SampleEntry(a, i)
	}
	if err := store.Write(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := engine.Unchanged(progs[0], readIndex(t, store), mustDigest(t, progs[0]), &plan.Options{}); !ok {
		t.Fatal("the loaded program is not known from its record")
	}
	p := planBoth(t, progs, store, plan.Options{Now: before2027})
	if p.HasChanges() || p.Unchanged != own || len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "3 resources of program dl-2027") {
		t.Fatalf("plan with a program not loaded: %+v, notes %q", p.Summary, p.Notes)
	}
	p = planBoth(t, progs, store, plan.Options{Now: before2027, Prune: true})
	if p.Summary.Cancel != 3 || p.Unchanged != own {
		t.Fatalf("pruned plan: %+v", p.Summary)
	}
}
