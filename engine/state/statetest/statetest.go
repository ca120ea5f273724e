// Package statetest holds the conformance tests every state.Store backend
// must pass, and sample entries for tests and benchmarks of backends.
package statetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
)

// TestStore runs the conformance tests against stores made by newStore,
// which must return a new, empty store on every call.
func TestStore(t *testing.T, newStore func(t *testing.T) state.Store) {
	t.Run("ReadEmpty", func(t *testing.T) { testReadEmpty(t, newStore(t)) })
	t.Run("WriteReadRoundtrip", func(t *testing.T) { testRoundtrip(t, newStore(t)) })
	t.Run("RecordThenRead", func(t *testing.T) { testRecordThenRead(t, newStore(t)) })
	t.Run("WriteFoldsJournal", func(t *testing.T) { testWriteFoldsJournal(t, newStore(t)) })
	t.Run("WriteKeepsCallerChanges", func(t *testing.T) { testWriteKeepsCallerChanges(t, newStore(t)) })
	t.Run("WriteRefusesStale", func(t *testing.T) { testWriteRefusesStale(t, newStore(t)) })
	t.Run("ConcurrentRecords", func(t *testing.T) { testConcurrentRecords(t, newStore(t)) })
	t.Run("Canceled", func(t *testing.T) { testCanceled(t, newStore(t)) })
	t.Run("LockUnlock", func(t *testing.T) { testLockUnlock(t, newStore(t)) })
	t.Run("SecondLock", func(t *testing.T) { testSecondLock(t, newStore(t)) })
	t.Run("UnlockWrongID", func(t *testing.T) { testUnlockWrongID(t, newStore(t)) })
	t.Run("ExpiredLockTakenOver", func(t *testing.T) { testExpiredLock(t, newStore(t)) })
	t.Run("DeadHolderTakenOver", func(t *testing.T) { testDeadHolder(t, newStore(t)) })
	t.Run("OtherMachineHolderKept", func(t *testing.T) { testOtherMachineHolder(t, newStore(t)) })
	t.Run("InvalidEntriesRefused", func(t *testing.T) { testInvalidEntries(t, newStore(t)) })
	t.Run("RecordedCountsAsReplayed", func(t *testing.T) { testReplayed(t, newStore(t)) })
	t.Run("RetiredRecords", func(t *testing.T) { testRetired(t, newStore(t)) })
	t.Run("InvalidRetiredRefused", func(t *testing.T) { testInvalidRetired(t, newStore(t)) })
}

// SampleEntry returns a realistic entry for address: a session snapshot
// with two attendees and one CalDAV ref. n varies its times and tags.
func SampleEntry(address string, n int) *state.Entry {
	start := time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(n%500) * 24 * time.Hour)
	snap := resource.Snapshot{
		Kind:      resource.Session,
		Program:   "dl-2027",
		Title:     fmt.Sprintf("Reverse Mentoring: Session %d – Klaus & Anna", n%12+1),
		Location:  "Raum 4.07, Gebäude B",
		URL:       "https://meet.example.com/rm/klaus-anna",
		Start:     start,
		End:       start.Add(time.Hour),
		Timezone:  "Europe/Berlin",
		Language:  "de",
		Organizer: resource.Contact{Name: "People Development", Email: "reverse-mentoring@example.com"},
		Attendees: []resource.Attendee{
			{ID: "klaus", Name: "Klaus Müller", Email: "klaus.mueller@example.com", Role: resource.Mentee},
			{ID: "anna", Name: "Anna Schmidt", Email: "anna.schmidt@example.com", Role: resource.Mentor},
		},
		DescriptionHash: "3f2a9c0d1e4b5a6978c1d2e3",
	}
	return &state.Entry{
		Address:  address,
		UID:      resource.UID(address),
		Hash:     snap.Hash(),
		Sequence: n % 4,
		Snapshot: snap,
		Refs: []state.Ref{{
			Target:   "caldav",
			Calendar: "https://cal.example.com/dav/anna/reverse-mentoring/",
			Href:     "https://cal.example.com/dav/anna/reverse-mentoring/" + resource.UID(address) + ".ics",
			ETag:     fmt.Sprintf(`"%08x"`, n),
		}},
		Commit:    "9fceb02d0ae598e95dc970b74767f19372d61af8",
		AppliedAt: time.Date(2027, 1, 15, 10, 30, 0, 0, time.UTC).Add(time.Duration(n) * time.Second),
	}
}

func read(t *testing.T, s state.Store) *state.State {
	t.Helper()
	st, err := s.Read(context.Background())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if st == nil || st.Resources == nil {
		t.Fatalf("Read returned %#v, want a state with a resources map", st)
	}
	return st
}

func write(t *testing.T, s state.Store, st *state.State) {
	t.Helper()
	if err := s.Write(context.Background(), st); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func record(t *testing.T, s state.Store, op state.Op) {
	t.Helper()
	if err := s.Record(context.Background(), op); err != nil {
		t.Fatalf("Record(%s): %v", op.Address, err)
	}
}

func set(addr string, n int) state.Op { return state.Op{Address: addr, Entry: SampleEntry(addr, n)} }
func del(addr string) state.Op        { return state.Op{Address: addr} }

// retire is the Op apply records for a cancel sent with SEQUENCE seq.
func retire(addr string, seq int) state.Op {
	return state.Op{Address: addr, Retired: &state.Retirement{UID: resource.UID(addr), Sequence: seq}}
}
func addrs(st *state.State) []string { return st.Addresses() }

func must(t *testing.T, ok bool, f string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(f, args...)
	}
}

// sameEntries compares resources exactly, reporting both as JSON.
func sameEntries(t *testing.T, got, want map[string]*state.Entry) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	t.Fatalf("resources differ\ngot:  %s\nwant: %s", g, w)
}

func testReadEmpty(t *testing.T, s state.Store) {
	a := read(t, s)
	must(t, a.Version == state.FormatVersion, "Version = %d, want %d", a.Version, state.FormatVersion)
	must(t, a.Serial == 0, "Serial = %d, want 0", a.Serial)
	must(t, a.Lineage != "", "empty lineage")
	must(t, len(a.Resources) == 0, "resources = %v, want none", addrs(a))
	b := read(t, s)
	must(t, b.Lineage == a.Lineage, "lineage changed between Reads without Write: %s, then %s", a.Lineage, b.Lineage)
}

func testRoundtrip(t *testing.T, s state.Store) {
	st := read(t, s)
	lineage := st.Lineage
	for i, a := range []string{"p/pair/a-b/session/1", "p/pair/a-b/session/2", "p/event/kickoff"} {
		st.Apply(set(a, i))
	}
	st.Resources["p/event/kickoff"].Refs = nil // an entry without refs, too
	want := st.Resources
	write(t, s, st)
	must(t, st.Serial == 1, "after the first Write, Serial = %d, want 1", st.Serial)

	got := read(t, s)
	must(t, got.Serial == 1, "read Serial = %d, want 1", got.Serial)
	must(t, got.Lineage == lineage, "lineage = %s, want %s", got.Lineage, lineage)
	sameEntries(t, got.Resources, want)

	got.Apply(del("p/event/kickoff"))
	write(t, s, got)
	again := read(t, s)
	must(t, again.Serial == 2, "after the second Write, Serial = %d, want 2", again.Serial)
	must(t, again.Lineage == lineage, "lineage = %s, want %s", again.Lineage, lineage)
	must(t, reflect.DeepEqual(addrs(again), []string{"p/pair/a-b/session/1", "p/pair/a-b/session/2"}), "addresses = %v", addrs(again))
}

func testRecordThenRead(t *testing.T, s state.Store) {
	st := read(t, s)
	st.Apply(set("x/old", 0))
	write(t, s, st)

	record(t, s, set("x/a", 1))
	record(t, s, set("x/b", 2))
	record(t, s, del("x/a"))
	record(t, s, del("x/old"))
	record(t, s, set("x/b", 3)) // a later op on the same address wins
	got := read(t, s)
	must(t, got.Serial == 1, "Serial = %d, want 1: Record does not write state", got.Serial)
	sameEntries(t, got.Resources, map[string]*state.Entry{"x/b": SampleEntry("x/b", 3)})
}

func testWriteFoldsJournal(t *testing.T, s state.Store) {
	read(t, s)
	record(t, s, set("f/a", 1))
	st := read(t, s) // has f/a
	record(t, s, set("f/b", 2))
	// st lacks f/b: Write must fold what was recorded since the Read, or it
	// would be lost with the journal.
	write(t, s, st)
	got := read(t, s)
	must(t, got.Serial == 1, "Serial = %d, want 1", got.Serial)
	sameEntries(t, got.Resources, map[string]*state.Entry{"f/a": SampleEntry("f/a", 1), "f/b": SampleEntry("f/b", 2)})

	// Ops recorded after a Write go on top of the written state.
	record(t, s, del("f/a"))
	got = read(t, s)
	must(t, got.Serial == 1, "Serial = %d, want 1", got.Serial)
	sameEntries(t, got.Resources, map[string]*state.Entry{"f/b": SampleEntry("f/b", 2)})
	write(t, s, got)
	got = read(t, s)
	must(t, got.Serial == 2, "Serial = %d, want 2", got.Serial)
	sameEntries(t, got.Resources, map[string]*state.Entry{"f/b": SampleEntry("f/b", 2)})
}

func testWriteKeepsCallerChanges(t *testing.T, s state.Store) {
	read(t, s)
	record(t, s, set("k/a", 1))
	record(t, s, set("k/b", 2))
	st := read(t, s)
	// Like `state rm`: the caller drops an entry that came from the journal.
	delete(st.Resources, "k/a")
	write(t, s, st)
	got := read(t, s)
	sameEntries(t, got.Resources, map[string]*state.Entry{"k/b": SampleEntry("k/b", 2)})
}

func testWriteRefusesStale(t *testing.T, s state.Store) {
	old := read(t, s)
	cur := read(t, s)
	write(t, s, cur)
	if err := s.Write(context.Background(), old); err == nil {
		t.Fatal("Write of a state read before the last Write succeeded, want an error")
	}
	other := state.New(cur.Lineage + "-other")
	other.Serial = cur.Serial
	if err := s.Write(context.Background(), other); err == nil {
		t.Fatal("Write of a state of another lineage succeeded, want an error")
	}
	got := read(t, s)
	must(t, got.Serial == 1 && got.Lineage == cur.Lineage, "after refused Writes: serial %d lineage %s, want 1 %s", got.Serial, got.Lineage, cur.Lineage)
}

func testConcurrentRecords(t *testing.T, s state.Store) {
	read(t, s)
	const workers, each = 8, 40
	want := map[string]*state.Entry{}
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		for i := range each {
			a := fmt.Sprintf("c/w%d/%d", w, i)
			want[a] = SampleEntry(a, i)
		}
		wg.Go(func() {
			for i := range each {
				a := fmt.Sprintf("c/w%d/%d", w, i)
				if err := s.Record(context.Background(), set(a, i)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Record: %v", err)
	}
	sameEntries(t, read(t, s).Resources, want)
}

func testCanceled(t *testing.T, s state.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Read(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with canceled context: %v, want context.Canceled", err)
	}
	if err := s.Record(ctx, set("z/a", 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Record with canceled context: %v, want context.Canceled", err)
	}
	if err := s.Write(ctx, state.New("l")); !errors.Is(err, context.Canceled) {
		t.Errorf("Write with canceled context: %v, want context.Canceled", err)
	}
	if err := s.Lock(ctx, lockInfo("z")); !errors.Is(err, context.Canceled) {
		t.Errorf("Lock with canceled context: %v, want context.Canceled", err)
	}
	must(t, len(read(t, s).Resources) == 0, "a canceled Record left an op behind")
}

func lockInfo(id string) state.LockInfo {
	return state.LockInfo{ID: id, Operation: "apply", Who: "ci@runner-" + id, PID: 4242}
}

func testLockUnlock(t *testing.T, s state.Store) {
	ctx := context.Background()
	if err := s.Lock(ctx, lockInfo("one")); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	if err := s.Unlock(ctx, "one"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if err := s.Lock(ctx, lockInfo("two")); err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	if err := s.Unlock(ctx, "two"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if err := s.Unlock(ctx, "two"); !errors.Is(err, state.ErrNotLocked) {
		t.Fatalf("Unlock of a released lock: %v, want ErrNotLocked", err)
	}
}

func testSecondLock(t *testing.T, s state.Store) {
	ctx := context.Background()
	first := lockInfo("first")
	first.Created = time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	first.Expires = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.Lock(ctx, first); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	err := s.Lock(ctx, lockInfo("second"))
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Lock: %v, want *state.LockedError", err)
	}
	if le.Info.ID != first.ID || le.Info.Who != first.Who || le.Info.PID != first.PID ||
		le.Info.Operation != first.Operation || !le.Info.Created.Equal(first.Created) || !le.Info.Expires.Equal(first.Expires) {
		t.Fatalf("LockedError.Info = %+v, want the holder %+v", le.Info, first)
	}
	if err := s.Unlock(ctx, "first"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
}

func testUnlockWrongID(t *testing.T, s state.Store) {
	ctx := context.Background()
	if err := s.Unlock(ctx, "nobody"); !errors.Is(err, state.ErrNotLocked) {
		t.Fatalf("Unlock without a lock: %v, want ErrNotLocked", err)
	}
	if err := s.Lock(ctx, lockInfo("right")); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	if err := s.Unlock(ctx, "wrong"); !errors.Is(err, state.ErrNotLocked) {
		t.Fatalf("Unlock with the wrong ID: %v, want ErrNotLocked", err)
	}
	var le *state.LockedError
	if err := s.Lock(ctx, lockInfo("other")); !errors.As(err, &le) {
		t.Fatalf("Lock after a wrong Unlock: %v, want *state.LockedError (the lock must still be held)", err)
	}
	if err := s.Unlock(ctx, "right"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
}

func testExpiredLock(t *testing.T, s state.Store) {
	ctx := context.Background()
	stale := lockInfo("stale")
	stale.Created = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	stale.Expires = time.Date(2000, 1, 1, 0, 15, 0, 0, time.UTC)
	if err := s.Lock(ctx, stale); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	if err := s.Lock(ctx, lockInfo("fresh")); err != nil {
		t.Fatalf("Lock over an expired lock: %v, want it taken over", err)
	}
	if err := s.Unlock(ctx, "stale"); !errors.Is(err, state.ErrNotLocked) {
		t.Fatalf("Unlock by the former holder: %v, want ErrNotLocked", err)
	}
	var le *state.LockedError
	if err := s.Lock(ctx, lockInfo("third")); !errors.As(err, &le) || le.Info.ID != "fresh" {
		t.Fatalf("Lock while the new holder holds it: %v, want *state.LockedError naming fresh", err)
	}
	if err := s.Unlock(ctx, "fresh"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
}

// DeadProcess returns the lock identity (see state.Identify) of a process
// that ran on this machine and was killed, as an apply killed with
// SIGKILL leaves in its lock. It skips the test where process identities
// are not supported.
func DeadProcess(t *testing.T) state.LockInfo {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a process to kill: %v", err)
	}
	info := state.LockInfo{ID: "dead-holder", Operation: "apply", Who: "ci@this-machine", PID: cmd.Process.Pid,
		Created: time.Now().UTC().Truncate(time.Second), Expires: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}
	err := state.Identify(&info)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("process identities: %v", err)
	}
	if err != nil {
		t.Fatalf("Identify: %v", err)
	}
	return info
}

func testDeadHolder(t *testing.T, s state.Store) {
	ctx := context.Background()
	dead := DeadProcess(t)
	if err := s.Lock(ctx, dead); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	// Far from expired, but its holder is gone: taken over at once.
	if err := s.Lock(ctx, lockInfo("next")); err != nil {
		t.Fatalf("Lock over a dead holder's lock: %v, want it taken over", err)
	}
	var le *state.LockedError
	if err := s.Lock(ctx, lockInfo("third")); !errors.As(err, &le) || le.Info.ID != "next" {
		t.Fatalf("Lock while the new holder holds it: %v, want *state.LockedError naming next", err)
	}
	if err := s.Unlock(ctx, "next"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
}

func testOtherMachineHolder(t *testing.T, s state.Store) {
	ctx := context.Background()
	dead := DeadProcess(t)
	for name, edit := range map[string]func(*state.LockInfo){
		"host":          func(i *state.LockInfo) { i.Host += "-elsewhere" },
		"boot":          func(i *state.LockInfo) { i.BootID = "00000000-0000-0000-0000-000000000000" },
		"pid namespace": func(i *state.LockInfo) { i.PIDNamespace = "pid:[1]" },
		"no identity":   func(i *state.LockInfo) { i.Host, i.BootID, i.PIDNamespace, i.Start = "", "", "", 0 },
	} {
		held := dead
		edit(&held)
		if err := s.Lock(ctx, held); err != nil {
			t.Fatalf("%s: Lock: %v", name, err)
		}
		// The PID means nothing on another machine (or unchecked): the
		// lock waits for its TTL or force-unlock.
		var le *state.LockedError
		if err := s.Lock(ctx, lockInfo("next")); !errors.As(err, &le) || le.Info.ID != held.ID {
			t.Fatalf("%s: Lock over another machine's lock: %v, want *state.LockedError naming it", name, err)
		}
		if err := s.Unlock(ctx, held.ID); err != nil {
			t.Fatalf("%s: Unlock: %v", name, err)
		}
	}
}

func testInvalidEntries(t *testing.T, s state.Store) {
	ctx := context.Background()
	st := read(t, s)
	bad := map[string]*state.Entry{
		"negative sequence": SampleEntry("i/a", 1),
		"other address":     SampleEntry("i/elsewhere", 1),
		"no uid":            SampleEntry("i/a", 1),
	}
	bad["negative sequence"].Sequence = -5
	bad["no uid"].UID = ""
	for name, e := range bad {
		if err := s.Record(ctx, state.Op{Address: "i/a", Entry: e}); err == nil {
			t.Errorf("Record of an entry with %s succeeded, want an error", name)
		}
		st.Resources["i/a"] = e
		if err := s.Write(ctx, st); err == nil {
			t.Fatalf("Write of an entry with %s succeeded, want an error", name)
		}
	}
	delete(st.Resources, "i/a")
	got := read(t, s)
	must(t, len(got.Resources) == 0 && got.Serial == 0, "after refused Records and Writes: %v at serial %d, want nothing", addrs(got), got.Serial)
}

// testReplayed checks that Read reports actions recorded since the last
// Write: apply writes such a state before it checks a saved plan against
// it, so that a plan made before an interrupted apply counts as stale.
func testReplayed(t *testing.T, s state.Store) {
	st := read(t, s)
	must(t, st.Replayed == 0, "Replayed = %d on a new store, want 0", st.Replayed)
	record(t, s, set("r/a", 1))
	record(t, s, set("r/b", 2))
	st = read(t, s)
	must(t, st.Replayed == 2, "Replayed = %d after two Records, want 2", st.Replayed)
	write(t, s, st)
	got := read(t, s)
	must(t, got.Replayed == 0, "Replayed = %d after Write, want 0", got.Replayed)
	must(t, got.Serial == 1, "Serial = %d, want 1", got.Serial)
}

// sameRetired compares retired records exactly; nil and empty are equal.
func sameRetired(t *testing.T, got, want map[string]state.Retirement) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 || reflect.DeepEqual(got, want) {
		return
	}
	t.Fatalf("retired records differ\ngot:  %v\nwant: %v", got, want)
}

// testRetired: a cancel Op removes the entry and keeps its retired record
// in the same Op, through Record (the journal, replayed after a crash) and
// Write; the record stays out of Resources; setting the address again
// drops it; a caller's own edit of Retired (state rm) is written.
func testRetired(t *testing.T, s state.Store) {
	st := read(t, s)
	for i, a := range []string{"r/a", "r/b", "r/c"} {
		st.Apply(set(a, i))
	}
	write(t, s, st)

	record(t, s, retire("r/a", 3))
	record(t, s, retire("r/b", 1))
	got := read(t, s) // as after a crash before Write
	sameEntries(t, got.Resources, map[string]*state.Entry{"r/c": SampleEntry("r/c", 2)})
	sameRetired(t, got.Retired, map[string]state.Retirement{
		"r/a": {UID: resource.UID("r/a"), Sequence: 3},
		"r/b": {UID: resource.UID("r/b"), Sequence: 1},
	})
	must(t, got.RetiredSequences()[resource.UID("r/a")] == 3, "RetiredSequences = %v", got.RetiredSequences())
	write(t, s, got)
	got = read(t, s)
	must(t, got.Serial == 2, "Serial = %d, want 2", got.Serial)
	sameRetired(t, got.Retired, map[string]state.Retirement{
		"r/a": {UID: resource.UID("r/a"), Sequence: 3},
		"r/b": {UID: resource.UID("r/b"), Sequence: 1},
	})

	// Declared again: the new entry replaces the record, recorded or written.
	again := SampleEntry("r/a", 0)
	again.Sequence = 4
	record(t, s, state.Op{Address: "r/a", Entry: again})
	got = read(t, s)
	sameRetired(t, got.Retired, map[string]state.Retirement{"r/b": {UID: resource.UID("r/b"), Sequence: 1}})
	must(t, got.Resources["r/a"] != nil && got.Resources["r/a"].Sequence == 4, "r/a after re-creation: %+v", got.Resources["r/a"])
	write(t, s, got)
	got = read(t, s)
	sameRetired(t, got.Retired, map[string]state.Retirement{"r/b": {UID: resource.UID("r/b"), Sequence: 1}})

	// The caller forgets a retired record (state rm) and writes.
	delete(got.Retired, "r/b")
	write(t, s, got)
	got = read(t, s)
	sameRetired(t, got.Retired, nil)
	must(t, reflect.DeepEqual(addrs(got), []string{"r/a", "r/c"}), "addresses = %v", addrs(got))
}

// testInvalidRetired: what the checks refuse in a retired record is refused
// by Record and Write, so that no store holds what no reader accepts.
func testInvalidRetired(t *testing.T, s state.Store) {
	ctx := context.Background()
	st := read(t, s)
	bad := map[string]state.Op{
		"no uid":        {Address: "v/a", Retired: &state.Retirement{Sequence: 1}},
		"sequence zero": {Address: "v/a", Retired: &state.Retirement{UID: "u@rmctl", Sequence: 0}},
		"an entry too":  {Address: "v/a", Entry: SampleEntry("v/a", 1), Retired: &state.Retirement{UID: "u@rmctl", Sequence: 1}},
	}
	for name, op := range bad {
		if err := s.Record(ctx, op); err == nil {
			t.Errorf("Record of a retirement with %s succeeded, want an error", name)
		}
	}
	for name, r := range map[string]state.Retirement{"no uid": {Sequence: 1}, "sequence zero": {UID: "u@rmctl"}} {
		st.Retired = map[string]state.Retirement{"v/a": r}
		if err := s.Write(ctx, st); err == nil {
			t.Fatalf("Write of a retirement with %s succeeded, want an error", name)
		}
	}
	// An address is managed or retired, never both.
	st.Resources["v/a"] = SampleEntry("v/a", 1)
	st.Retired = map[string]state.Retirement{"v/a": {UID: resource.UID("v/a"), Sequence: 2}}
	if err := s.Write(ctx, st); err == nil {
		t.Fatal("Write of an address both managed and retired succeeded, want an error")
	}
	got := read(t, s)
	must(t, len(got.Resources) == 0 && len(got.Retired) == 0 && got.Serial == 0, "after refused Records and Writes: %v, %v at serial %d, want nothing", addrs(got), got.Retired, got.Serial)
}
