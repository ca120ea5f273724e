package state_test

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/state"
)

// threeEntries returns a store holding a written state with three
// resources (serial 1), and a backup of it.
func threeEntries(t *testing.T) *state.Local {
	t.Helper()
	l := newLocal(t)
	s := mustRead(t, l)
	for i, a := range []string{"d/1", "d/2", "d/3"} {
		s.Apply(set(a, i+1))
	}
	mustWrite(t, l, s)
	if err := l.Backup(bg, mustRead(t, l)); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	return l
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// wantDamaged checks that Read refuses the state with a *DamagedError
// whose message says what is wrong (every regexp in want) and how to
// recover, and that it returns no state at all.
func wantDamaged(t *testing.T, l *state.Local, want ...string) {
	t.Helper()
	// A new Local, as the next rmctl run would open it.
	s, err := state.NewLocal(l.Path(), state.LocalOptions{}).Read(bg)
	var d *state.DamagedError
	if !errors.As(err, &d) {
		t.Fatalf("Read: %v, want a *state.DamagedError", err)
	}
	if s != nil {
		t.Errorf("Read returned a state along with the error: a damaged state must not be half used")
	}
	msg := err.Error()
	for _, w := range append(want, `^damaged state: `, `rmctl did not use it`, `To recover, run rmctl state restore: it puts back \S+state\.json\.backup`) {
		if !regexp.MustCompile(w).MatchString(msg) {
			t.Errorf("message does not match %q:\n%s", w, msg)
		}
	}
}

func TestDamageDeletedLine(t *testing.T) {
	l := threeEntries(t)
	data := readFile(t, l.Path())
	lines := strings.SplitAfter(data, "\n")
	writeFile(t, l.Path(), strings.Join(append(lines[:2:2], lines[3:]...), "")) // d/2 gone
	wantDamaged(t, l, `state\.json: the header says 3 resources but the file has 2: a line was deleted or added`)

	// The last line gone leaves a comma behind: the count still names it.
	writeFile(t, l.Path(), strings.Join(append(lines[:3:3], lines[4:]...), ""))
	wantDamaged(t, l, `the header says 3 resources but the file has 2`)
}

func TestDamageBadChecksum(t *testing.T) {
	l := threeEntries(t)
	data := readFile(t, l.Path())
	writeFile(t, l.Path(), strings.Replace(data, "Session 2 –", "Session 9 –", 1))
	wantDamaged(t, l, `state\.json: the checksum does not match the content \(sha256:[0-9a-f]{64} in the header, sha256:[0-9a-f]{64} computed\): the file was changed outside rmctl`)

	// The header is covered too: an edited serial or lineage.
	writeFile(t, l.Path(), strings.Replace(data, `"serial":1,`, `"serial":7,`, 1))
	wantDamaged(t, l, `the checksum does not match`)
}

func TestDamageNegativeSequence(t *testing.T) {
	l := threeEntries(t)
	data := readFile(t, l.Path())
	edited := regexp.MustCompile(`"sequence":\d+`).ReplaceAllString(data, `"sequence":-5`)
	writeFile(t, l.Path(), edited)
	wantDamaged(t, l, `state\.json: line 2: resource d/1: sequence -5 is negative`)

	// The same in a version 1 file, which has no checksum to catch it.
	writeFile(t, l.Path(), toVersion1(t, edited))
	wantDamaged(t, l, `line 2: resource d/1: sequence -5 is negative`)

	// rmctl never writes what it would refuse to read.
	e := set("d/4", 1)
	e.Entry.Sequence = -1
	if err := l.Record(bg, e); err == nil || !strings.Contains(err.Error(), "sequence -1 is negative") {
		t.Errorf("Record of a negative sequence: %v, want it refused", err)
	}
}

func TestDamageSerialOverflow(t *testing.T) {
	l := threeEntries(t)
	v1 := toVersion1(t, readFile(t, l.Path()))
	writeFile(t, l.Path(), strings.Replace(v1, `"serial":1,`, `"serial":18446744073709551615,`, 1))
	wantDamaged(t, l, `state\.json: line 1: serial 18446744073709551615 is out of range \(at most 9007199254740991\)`)
	writeFile(t, l.Path(), strings.Replace(v1, `"serial":1,`, `"serial":18446744073709551616,`, 1))
	wantDamaged(t, l, `state\.json: line 1: the header does not decode`)

	// At the largest serial a Write is refused instead of wrapping to 0.
	writeFile(t, l.Path(), strings.Replace(v1, `"serial":1,`, `"serial":9007199254740991,`, 1))
	l = state.NewLocal(l.Path(), state.LocalOptions{})
	s := mustRead(t, l)
	if err := l.Write(bg, s); err == nil || !strings.Contains(err.Error(), "serial 9007199254740991 is the largest a state may have") {
		t.Fatalf("Write at the largest serial: %v, want it refused", err)
	}
	if got := mustRead(t, l); got.Serial != state.MaxSerial {
		t.Fatalf("serial %d after a refused Write, want %d", got.Serial, uint64(state.MaxSerial))
	}
}

func TestDamageForeignJournal(t *testing.T) {
	l := threeEntries(t)
	mustRecord(t, l, set("d/4", 4))
	journal := journalPath(l, t)
	good := readFile(t, journal)
	// A line recorded against another state's serial (a state put back
	// from a copy, a journal copied from elsewhere) is not replayed.
	appendFile(t, journal, strings.Replace(strings.Replace(good, `"serial":1,`, `"serial":5,`, 1), "d/4", "d/5", -1))
	wantDamaged(t, l, `state\.json\.journal: line 2: the line was recorded against state serial 5, but the state is at serial 1: the journal belongs to another state`)

	// Serials only grow along the journal.
	writeFile(t, journal, good+strings.Replace(good, `"serial":1,`, `"serial":0,`, 1))
	wantDamaged(t, l, `journal: line 2: the line was recorded against state serial 0, after a line recorded against serial 1`)

	// A line without a serial belongs to no known state.
	writeFile(t, journal, strings.Replace(good, `"serial":1,`, ``, 1))
	wantDamaged(t, l, `journal: line 1: the line has no serial`)

	// A damaged line: negative sequence.
	writeFile(t, journal, regexp.MustCompile(`"sequence":\d+`).ReplaceAllString(good, `"sequence":-5`))
	wantDamaged(t, l, `journal: line 1: resource d/4: sequence -5 is negative`)

	// Lines of the previous serial (a Write that crashed before removing
	// the journal) are still skipped, not refused.
	writeFile(t, journal, strings.Replace(good, `"serial":1,`, `"serial":0,`, 1))
	if got := mustRead(t, l); got.Replayed != 0 || len(got.Resources) != 3 {
		t.Fatalf("old journal lines: replayed %d, %d resources; want 0 and 3", got.Replayed, len(got.Resources))
	}
}

// Files written before the checksum existed (format version 1, as rmctl
// wrote them until now) load once; the next Write adds the checksum.
func TestMigrateVersion1(t *testing.T) {
	l := threeEntries(t)
	cur := readFile(t, l.Path())
	writeFile(t, l.Path(), toVersion1(t, cur))
	l = state.NewLocal(l.Path(), state.LocalOptions{})
	s := mustRead(t, l)
	if s.Version != 1 || len(s.Resources) != 3 || s.Serial != 1 {
		t.Fatalf("version 1 state read as version %d, %d resources, serial %d", s.Version, len(s.Resources), s.Serial)
	}
	mustWrite(t, l, s)
	got := readFile(t, l.Path())
	if !strings.HasPrefix(got, `{"version":4,`) || !regexp.MustCompile(`"count":3,"retiredCount":0,"checksum":"sha256:[0-9a-f]{64}"`).MatchString(got) {
		t.Fatalf("after a Write the state has no checksum:\n%s", got[:200])
	}
	if s := mustRead(t, l); s.Version != state.FormatVersion || s.Serial != 2 {
		t.Fatalf("read back version %d serial %d", s.Version, s.Serial)
	}
	// An empty version 1 state was one line.
	writeFile(t, l.Path(), `{"version":1,"lineage":"old","serial":4,"resources":{}}`+"\n")
	if s := mustRead(t, state.NewLocal(l.Path(), state.LocalOptions{})); s.Lineage != "old" || s.Serial != 4 || len(s.Resources) != 0 {
		t.Fatalf("empty version 1 state read as %+v", s)
	}
	// A version 1 header with a checksum was edited.
	writeFile(t, l.Path(), strings.Replace(cur, `{"version":4,`, `{"version":1,`, 1))
	wantDamaged(t, l, `format version 1 has no count or checksum`)
}

// toVersion1 turns a state file without retired or expansion records into
// what rmctl wrote before checksums.
func toVersion1(t *testing.T, cur string) string {
	t.Helper()
	re := regexp.MustCompile(`^\{"version":4,(.*)"count":\d+,"retiredCount":0,"checksum":"sha256:[0-9a-f]+",`)
	if !re.MatchString(cur) || !strings.HasSuffix(cur, "\n},\"retired\":{\n}}\n") {
		t.Fatalf("not a version 4 state without retired or expansion records:\n%.200s", cur)
	}
	return re.ReplaceAllString(strings.TrimSuffix(cur, "},\"retired\":{\n}}\n")+"}}\n", `{"version":1,$1`)
}

func TestBackupAndRestore(t *testing.T) {
	l := threeEntries(t)
	backup := l.Path() + state.BackupSuffix
	if fi, err := os.Stat(backup); err != nil || fi.Mode() != 0o600 {
		t.Fatalf("backup: %v, mode %v; want mode 0600", err, fi.Mode())
	}
	// An apply records and writes (the backup follows the Write), records
	// again and is killed; then the state file is damaged.
	mustRecord(t, l, set("d/4", 4))
	mustWrite(t, l, mustRead(t, l))
	mustRecord(t, l, set("d/5", 5))
	want := mustRead(t, l)
	data := readFile(t, l.Path())
	damagedData := strings.Replace(data, "Session", "Sitzung", 1)
	writeFile(t, l.Path(), damagedData)
	l = state.NewLocal(l.Path(), state.LocalOptions{})
	if _, err := l.Check(bg); err == nil || !strings.Contains(err.Error(), "checksum does not match") {
		t.Fatalf("Check: %v, want the damage", err)
	}
	res, err := l.Restore(bg)
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if res.Serial != 3 || res.Resources != 5 || res.Replayed != 1 || res.JournalErr != nil || len(res.SetAside) != 2 {
		t.Fatalf("Restore = %+v, want serial 3 (past the damaged 2), 5 resources, 1 replayed, 2 files set aside", res)
	}
	for _, p := range res.SetAside {
		if !regexp.MustCompile(`state\.json(\.journal)?\.damaged-\d{8}T\d{6}Z$`).MatchString(p) {
			t.Errorf("set aside as %s", p)
		}
	}
	if readFile(t, res.SetAside[0]) != damagedData {
		t.Errorf("the damaged state was not kept as it was")
	}
	sameResources(t, mustRead(t, state.NewLocal(l.Path(), state.LocalOptions{})), want)
	rep, err := l.Check(bg)
	if err != nil || rep.Serial != 3 || rep.Resources != 5 || rep.Journal != 0 || rep.Backup == nil || rep.Backup.Serial != 3 {
		t.Fatalf("Check after Restore: %+v, %v", rep, err)
	}

	// A damaged journal is set aside, not replayed, and said so.
	mustRecord(t, l, set("d/6", 6))
	appendFile(t, journalPath(l, t), `{"serial":99,"address":"d/7"}`+"\n")
	res, err = l.Restore(bg)
	if err != nil || res.Replayed != 0 || res.JournalErr == nil || !strings.Contains(res.JournalErr.Error(), "serial 99") {
		t.Fatalf("Restore with a damaged journal: %+v, %v", res, err)
	}
	sameResources(t, mustRead(t, state.NewLocal(l.Path(), state.LocalOptions{})), want)

	// A damaged backup is not restored.
	writeFile(t, backup, strings.Replace(readFile(t, backup), "Session", "Sitzung", 1))
	if _, err := l.Restore(bg); err == nil || !strings.Contains(err.Error(), "the backup is not usable either") {
		t.Fatalf("Restore of a damaged backup: %v", err)
	}
	if rep, err := l.Check(bg); err != nil || rep.BackupErr == nil {
		t.Fatalf("Check with a damaged backup: %+v, %v; want the backup's damage reported", rep, err)
	}
}

func sameResources(t *testing.T, got, want *state.State) {
	t.Helper()
	if strings.Join(got.Addresses(), " ") != strings.Join(want.Addresses(), " ") {
		t.Fatalf("resources %v, want %v", got.Addresses(), want.Addresses())
	}
	for a, e := range want.Resources {
		if got.Resources[a].Hash != e.Hash || got.Resources[a].Sequence != e.Sequence {
			t.Fatalf("resource %s differs", a)
		}
	}
}
