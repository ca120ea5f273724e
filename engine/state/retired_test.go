package state_test

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
)

// retiredState returns a store holding a written state (serial 1) with two
// resources and two retired records, and a backup of it.
func retiredState(t *testing.T) *state.Local {
	t.Helper()
	l := newLocal(t)
	s := mustRead(t, l)
	for i, a := range []string{"d/1", "d/2", "d/3", "d/4"} {
		s.Apply(set(a, i+1))
	}
	s.Apply(retire("d/2", 2))
	s.Apply(retire("d/4", 1))
	mustWrite(t, l, s)
	if err := l.Backup(bg, mustRead(t, l)); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	return l
}

func retire(addr string, seq int) state.Op {
	return state.Op{Address: addr, Retired: &state.Retirement{UID: resource.UID(addr), Sequence: seq}}
}

// The file keeps retired records after the resources, one per line, out of
// Resources, covered by counts and checksum.
func TestRetiredFileLayout(t *testing.T) {
	l := retiredState(t)
	data := readFile(t, l.Path())
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	if !regexp.MustCompile(`^\{"version":4,"lineage":"[^"]+","serial":1,"count":2,"retiredCount":2,"checksum":"sha256:[0-9a-f]{64}","resources":\{$`).MatchString(lines[0]) {
		t.Errorf("header: %s", lines[0])
	}
	want := []string{
		`},"retired":{`,
		`"d/2":{"uid":"` + resource.UID("d/2") + `","sequence":2},`,
		`"d/4":{"uid":"` + resource.UID("d/4") + `","sequence":1}`,
		`}}`,
	}
	if got := lines[3:]; !reflect.DeepEqual(got, want) {
		t.Errorf("retired section:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	s := mustRead(t, l)
	if got := s.Addresses(); !reflect.DeepEqual(got, []string{"d/1", "d/3"}) {
		t.Errorf("resources %v: retired addresses must stay out of Resources", got)
	}
	wantRetired := map[string]state.Retirement{"d/2": {UID: resource.UID("d/2"), Sequence: 2}, "d/4": {UID: resource.UID("d/4"), Sequence: 1}}
	if !reflect.DeepEqual(s.Retired, wantRetired) {
		t.Errorf("retired %v, want %v", s.Retired, wantRetired)
	}
	// Check counts only resources, and reads the records strictly too.
	if rep, err := l.Check(bg); err != nil || rep.Resources != 2 || rep.Retired != 2 {
		t.Errorf("Check = %+v, %v; want 2 resources and 2 retired", rep, err)
	}
}

// Every kind of damage to the retired section is refused, like damage to a
// resource line.
func TestDamageRetiredLine(t *testing.T) {
	l := retiredState(t)
	data := readFile(t, l.Path())
	uid2 := resource.UID("d/2")
	for _, c := range []struct {
		name, old, new string
		want           string
	}{
		{"edited sequence", `"sequence":2}`, `"sequence":7}`, `state\.json: the checksum does not match the content`},
		{"edited uid", uid2, resource.UID("d/9"), `the checksum does not match`},
		{"sequence zero", `"sequence":2}`, `"sequence":0}`, `state\.json: line 5: retired d/2: sequence 0 is below 1`},
		{"no uid", `{"uid":"` + uid2 + `",`, `{`, `line 5: retired d/2: no uid`},
		{"unknown member", `"sequence":2}`, `"sequence":2,"note":"x"}`, `line 5: retired d/2: .*unknown`},
		{"not a line", `"d/2":{`, `{"d/2":{`, `line 5: not a retired line`},
		{"deleted line", `"d/2":{"uid":"` + uid2 + `","sequence":2},` + "\n", ``, `the header says 2 retired records but the file has 1: a line was deleted or added`},
		{"duplicate", `"d/4":{`, `"d/2":{`, `line 6: retired d/2 appears twice`},
		{"also managed", `"d/2":{"uid":"` + uid2 + `"`, `"d/1":{"uid":"` + uid2 + `"`, `line 5: retired d/1 is also a managed resource`},
		{"section gone", "},\"retired\":{\n", "", `the header says 2 resources but the file has 4`},
		{"count gone", `"retiredCount":2,`, ``, `the retired count or the retired section is missing`},
		{"version lowered", `{"version":4,`, `{"version":2,`, `format version 2 has no retired records, yet this file has them`},
		{"version lowered to 3", `{"version":4,`, `{"version":3,`, `the checksum does not match`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(data, c.old) {
				t.Fatalf("%q not in the state file", c.old)
			}
			writeFile(t, l.Path(), strings.Replace(data, c.old, c.new, 1))
			wantDamaged(t, l, c.want)
		})
	}
}

// A state file written by rmctl before retired records (format 2, written
// by that version's encoder) still reads, its checksum still checked; the
// next Write makes it format 3.
func TestReadVersion2(t *testing.T) {
	v2, err := os.ReadFile("testdata/version2.json")
	if err != nil {
		t.Fatal(err)
	}
	l := newLocal(t)
	mustRead(t, l)
	writeFile(t, l.Path(), string(v2))
	s := mustRead(t, state.NewLocal(l.Path(), state.LocalOptions{}))
	if s.Version != 2 || s.Serial != 5 || len(s.Resources) != 3 || s.Retired != nil {
		t.Fatalf("version 2 state read as version %d, serial %d, %d resources, retired %v", s.Version, s.Serial, len(s.Resources), s.Retired)
	}
	l = state.NewLocal(l.Path(), state.LocalOptions{})
	s = mustRead(t, l)
	s.Apply(retire("demo/pair/a-b/session/2", 1))
	mustWrite(t, l, s)
	got := mustRead(t, l)
	if got.Version != state.FormatVersion || len(got.Resources) != 2 || len(got.Retired) != 1 {
		t.Fatalf("after a Write: version %d, %d resources, %d retired", got.Version, len(got.Resources), len(got.Retired))
	}

	// The version 2 checksum is still verified.
	writeFile(t, l.Path(), strings.Replace(string(v2), "Session 2 –", "Session 9 –", 1))
	wantDamaged(t, l, `the checksum does not match`)
	// A version 2 header does not take a retired count.
	writeFile(t, l.Path(), strings.Replace(string(v2), `"count":3,`, `"count":3,"retiredCount":0,`, 1))
	wantDamaged(t, l, `format version 2 has no retired records`)
}

// A crash after a cancel was recorded and before state was written: the
// journal replays the removal and the retired record together.
func TestRetiredJournalReplay(t *testing.T) {
	l := retiredState(t)
	mustRecord(t, l, retire("d/3", 4))
	// As the next rmctl run opens it.
	s := mustRead(t, state.NewLocal(l.Path(), state.LocalOptions{}))
	if s.Replayed != 1 || s.Resources["d/3"] != nil {
		t.Fatalf("replayed %d, d/3 %+v; want the cancel replayed", s.Replayed, s.Resources["d/3"])
	}
	if r, ok := s.Retired["d/3"]; !ok || r.Sequence != 4 || r.UID != resource.UID("d/3") {
		t.Fatalf("retired d/3 = %+v, %v; want sequence 4", r, ok)
	}
	if seq := s.RetiredSequences()[resource.UID("d/3")]; seq != 4 {
		t.Fatalf("RetiredSequences: %d for d/3, want 4", seq)
	}

	// A damaged retirement in the journal is refused like a damaged entry.
	journal := journalPath(l, t)
	good := readFile(t, journal)
	writeFile(t, journal, strings.Replace(good, `"sequence":4`, `"sequence":-1`, 1))
	wantDamaged(t, l, `journal: line 1: retired d/3: sequence -1 is below 1`)
	writeFile(t, journal, strings.Replace(good, `"retired":{`, `"entry":null,"retired":{"extra":1,`, 1))
	wantDamaged(t, l, `journal: line 1: .*unknown field "extra"`)
}

// Setting an address drops its retired record; removing it without a
// retirement (a move, state rm) leaves other records alone.
func TestRetiredApply(t *testing.T) {
	s := state.New("l")
	s.Apply(set("a/1", 1))
	s.Apply(retire("a/1", 2))
	if s.Resources["a/1"] != nil || s.Retired["a/1"].Sequence != 2 {
		t.Fatalf("after the cancel: %v, %v", s.Addresses(), s.Retired)
	}
	s.Apply(state.Op{Address: "a/2"})
	if len(s.Retired) != 1 {
		t.Fatalf("a plain removal changed the retired records: %v", s.Retired)
	}
	s.Apply(set("a/1", 3))
	if s.Resources["a/1"] == nil || len(s.Retired) != 0 {
		t.Fatalf("after the re-creation: %v, %v", s.Addresses(), s.Retired)
	}
	if s.RetiredSequences() != nil {
		t.Fatalf("RetiredSequences of nothing retired: %v", s.RetiredSequences())
	}
}
