package state_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/state/statetest"
)

// indexedState writes a state with what ReadIndex must get right: two
// programs, addresses that need escaping, an entry with accepted drift
// (DeclaredHash), retired records and expansion records.
func indexedState(t *testing.T) (*state.Local, *state.State) {
	t.Helper()
	l := newLocal(t)
	s := mustRead(t, l)
	for i, a := range []string{"p/a/1", "p/a/2", `p/"q"`, "p/b\\s", "q/x/1", "q/x/2", "pp/1", "u/Grüße/✓"} {
		s.Apply(state.Op{Address: a, Entry: statetest.SampleEntry(a, i)})
	}
	drifted := statetest.SampleEntry("q/x/3", 3)
	drifted.DeclaredHash = "declared-0123456789ab"
	s.Apply(state.Op{Address: "q/x/3", Entry: drifted})
	s.Apply(state.Op{Address: "p/gone", Retired: &state.Retirement{UID: "g@rmctl", Sequence: 2}})
	s.Expansions = map[string]state.Expansion{"p": {Inputs: "in-p", Resources: "res-p"}, "q": {Inputs: "in-q", Resources: "res-q"}}
	mustWrite(t, l, s)
	return l, mustRead(t, l)
}

func mustIndex(t *testing.T, l *state.Local) *state.Index {
	t.Helper()
	ix, err := l.ReadIndex(bg)
	if err != nil {
		t.Fatalf("ReadIndex: %v", err)
	}
	return ix
}

// ReadIndex sees the state Read sees: header, records, every entry when
// asked for all, and program digests equal to those of the decoded state.
func TestReadIndexAgreesWithRead(t *testing.T) {
	l, want := indexedState(t)
	ix := mustIndex(t, l)
	if ix.Lineage != want.Lineage || ix.Serial != want.Serial || ix.Version != state.FormatVersion || ix.Len() != len(want.Resources) {
		t.Fatalf("index %s/%d v%d with %d entries, want %s/%d v%d with %d", ix.Lineage, ix.Serial, ix.Version, ix.Len(),
			want.Lineage, want.Serial, state.FormatVersion, len(want.Resources))
	}
	if !reflect.DeepEqual(ix.Retired, want.Retired) || !reflect.DeepEqual(ix.Expansions, want.Expansions) {
		t.Fatalf("records %v %v, want %v %v", ix.Retired, ix.Expansions, want.Retired, want.Expansions)
	}
	all, err := ix.State(func(string) bool { return true }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !all.Partial || !reflect.DeepEqual(state.Whole(all), want) {
		t.Fatalf("all entries of the index: %v, want %v", all.Addresses(), want.Addresses())
	}
	decoded := state.IndexOf(want)
	for _, prog := range []string{"p", "q", "pp", "u", "none"} {
		gotDigest, gotAddrs := ix.Program(prog)
		wantDigest, wantAddrs := decoded.Program(prog)
		if gotDigest != wantDigest || !reflect.DeepEqual(gotAddrs, wantAddrs) {
			t.Errorf("program %s: %s %v, want %s %v", prog, gotDigest, gotAddrs, wantDigest, wantAddrs)
		}
	}
	// The digest goes by the declared hash where drift was accepted.
	d := state.NewResourceDigest()
	for _, a := range []string{"q/x/1", "q/x/2", "q/x/3"} {
		d.Add(a, want.Resources[a].EffectiveHash())
	}
	if got, _ := ix.Program("q"); got != d.Sum() || want.Resources["q/x/3"].EffectiveHash() != "declared-0123456789ab" {
		t.Errorf("program q digest %s, want %s over the declared hashes", got, d.Sum())
	}
	// Only the programs asked for are decoded.
	some, err := ix.State(func(prog string) bool { return prog == "q" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(some.Addresses(), " "); got != "q/x/1 q/x/2 q/x/3" || !reflect.DeepEqual(some.Resources["q/x/3"], want.Resources["q/x/3"]) {
		t.Fatalf("entries of q: %s", got)
	}
}

// ReadIndex is as strict as Read about the file as a whole, and a line it
// does not decode is refused once it is.
func TestReadIndexDamage(t *testing.T) {
	l, _ := indexedState(t)
	data := readFile(t, l.Path())

	// An edited line: the checksum.
	writeFile(t, l.Path(), strings.Replace(data, "Raum 4.07", "Raum 4.08", 1))
	if _, err := l.ReadIndex(bg); err == nil || !strings.Contains(err.Error(), "the checksum does not match") {
		t.Fatalf("ReadIndex of an edited state: %v", err)
	}
	// Edited expansion records: the checksum too.
	writeFile(t, l.Path(), strings.Replace(data, `"in-p"`, `"in-x"`, 1))
	if _, err := l.ReadIndex(bg); err == nil || !strings.Contains(err.Error(), "the checksum does not match") {
		t.Fatalf("ReadIndex of edited expansion records: %v", err)
	}
	// A deleted line: the count.
	lines := strings.SplitAfter(data, "\n")
	writeFile(t, l.Path(), strings.Join(append(lines[:2:2], lines[3:]...), ""))
	if _, err := l.ReadIndex(bg); err == nil || !strings.Contains(err.Error(), "a line was deleted or added") {
		t.Fatalf("ReadIndex without a line: %v", err)
	}
	// Lines out of order (swapped): the strict decoder takes over and
	// the checksum tells.
	swapped := append([]string(nil), lines...)
	swapped[1], swapped[2] = swapped[2], swapped[1]
	writeFile(t, l.Path(), strings.Join(swapped, ""))
	if _, err := l.ReadIndex(bg); err == nil || !strings.Contains(err.Error(), "damaged state") {
		t.Fatalf("ReadIndex of swapped lines: %v", err)
	}
	writeFile(t, l.Path(), data)
	mustIndex(t, l)
}

// After an interrupted apply the journal's Ops are in the index as they
// are in Read.
func TestReadIndexReplaysJournal(t *testing.T) {
	l, _ := indexedState(t)
	mustRecord(t, l, set("q/x/9", 9))
	mustRecord(t, l, state.Op{Address: "p/a/1"})
	l = state.NewLocal(l.Path(), state.LocalOptions{})
	want := mustRead(t, l)
	ix := mustIndex(t, l)
	all, err := ix.State(func(string) bool { return true }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(state.Whole(all), want) || all.Replayed != 2 {
		t.Fatalf("index with a journal: %v (replayed %d), want %v", all.Addresses(), all.Replayed, want.Addresses())
	}
	if _, addrs := ix.Program("q"); len(addrs) != 4 {
		t.Fatalf("program q after the journal: %v", addrs)
	}
}

// A state written by an older rmctl (format 2, without retired or
// expansion records) indexes like it reads.
func TestReadIndexVersion2(t *testing.T) {
	data, err := os.ReadFile("testdata/version2.json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.json")
	writeFile(t, path, string(data))
	l := state.NewLocal(path, state.LocalOptions{})
	want := mustRead(t, l)
	ix := mustIndex(t, l)
	all, err := ix.State(func(string) bool { return true }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Version != 2 || ix.Expansions != nil || !reflect.DeepEqual(state.Whole(all), want) {
		t.Fatalf("version 2 index: v%d %v %v, want %v", ix.Version, ix.Expansions, all.Addresses(), want.Addresses())
	}
}

// Expansion records survive Write and Read, and a Write without them
// leaves them out of the file.
func TestExpansionsRoundTrip(t *testing.T) {
	l, s := indexedState(t)
	if len(s.Expansions) != 2 || s.Expansions["q"].Resources != "res-q" {
		t.Fatalf("expansions read back as %v", s.Expansions)
	}
	s.Expansions = nil
	mustWrite(t, l, s)
	if got := mustRead(t, l); got.Expansions != nil || strings.Contains(readFile(t, l.Path()), `"expansions"`) {
		t.Fatalf("expansions after writing none: %v", got.Expansions)
	}
	s.Expansions = map[string]state.Expansion{"p": {Inputs: "", Resources: "r"}}
	if err := l.Write(bg, s); err == nil || !strings.Contains(err.Error(), "empty program, inputs or resources") {
		t.Fatalf("Write of an empty expansion record: %v", err)
	}
}

// A file put in place of the indexed one is refused even when its lines
// are the very same: the line sums alone (CRC-32C in format 4) are not
// trusted to tell two files apart.
func TestIndexStateAfterFileReplacedWithSameContent(t *testing.T) {
	l, _ := indexedState(t)
	ix := mustIndex(t, l)
	data, err := os.ReadFile(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	tmp := l.Path() + ".tmp-test"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, l.Path()); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.State(func(prog string) bool { return prog == "q" }, nil); err == nil || !strings.Contains(err.Error(), "the state changed while it was read") {
		t.Fatalf("entries of a replaced file: %v", err)
	}
	// A fresh index of the same content reads fine.
	if _, err := mustIndex(t, l).State(func(prog string) bool { return prog == "q" }, nil); err != nil {
		t.Fatal(err)
	}
}

// The index keeps where the lines are, not the lines: entries asked for
// after a Write replaced the file are refused, not mixed in.
func TestIndexStateAfterWrite(t *testing.T) {
	l, s := indexedState(t)
	ix := mustIndex(t, l)
	if _, err := ix.State(func(prog string) bool { return prog == "q" }, nil); err != nil {
		t.Fatal(err)
	}
	s.Apply(state.Op{Address: "a/new", Entry: statetest.SampleEntry("a/new", 1)})
	mustWrite(t, l, s)
	if _, err := ix.State(func(prog string) bool { return prog == "q" }, nil); err == nil || !strings.Contains(err.Error(), "the state changed while it was read") {
		t.Fatalf("entries of a replaced file: %v", err)
	}
	// Asking for none reads nothing.
	if got, err := ix.State(func(string) bool { return false }, nil); err != nil || len(got.Resources) != 0 {
		t.Fatalf("no entries: %v, %v", got, err)
	}
}

// Entries a plan finds unchanged by their declared hash are stubs, the
// others decoded.
func TestIndexStateStubs(t *testing.T) {
	l, want := indexedState(t)
	ix := mustIndex(t, l)
	var asked []string
	got, err := ix.State(func(prog string) bool { return prog == "q" }, func(addr, hash string) bool {
		asked = append(asked, addr)
		if hash != want.Resources[addr].EffectiveHash() {
			t.Errorf("%s: asked with hash %s, want %s", addr, hash, want.Resources[addr].EffectiveHash())
		}
		return addr == "q/x/2"
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(asked, " ") != "q/x/1 q/x/2 q/x/3" {
		t.Fatalf("need asked for %v, want q's entries in address order", asked)
	}
	if !reflect.DeepEqual(got.Resources["q/x/2"], want.Resources["q/x/2"]) {
		t.Errorf("the needed entry was not decoded: %+v", got.Resources["q/x/2"])
	}
	if err := l.Write(bg, got); !errors.Is(err, state.ErrPartial) {
		t.Errorf("Write of a state made for planning: %v, want ErrPartial", err)
	}
	stub := got.Resources["q/x/3"]
	if w := want.Resources["q/x/3"]; stub.Address != w.Address || stub.UID != w.UID || stub.Hash != w.DeclaredHash || stub.Snapshot.Title != "" {
		t.Errorf("stub %+v, want address, uid and declared hash of %+v only", stub, w)
	}
}

// A format 4 state with expansion records, reformatted, is refused for its
// layout, like any reformatted state with a checksum.
func TestReformattedExpansions(t *testing.T) {
	l, s := indexedState(t)
	indented, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, l.Path(), string(indented))
	if _, err := l.Read(bg); err == nil || !strings.Contains(err.Error(), "not in the layout rmctl writes") {
		t.Fatalf("Read of a reformatted state: %v", err)
	}
	if _, err := l.ReadIndex(bg); err == nil || !strings.Contains(err.Error(), "not in the layout rmctl writes") {
		t.Fatalf("ReadIndex of a reformatted state: %v", err)
	}
}

// ReadIndex refuses what Read refuses, with the same words, except that it
// does not decode the rest of a line past the hash: the checksum, not the
// line, tells then (rmctl never writes such a line, see checkEntry).
func TestReadIndexRefusesAsRead(t *testing.T) {
	l, _ := indexedState(t)
	data := readFile(t, l.Path())
	lines := strings.SplitAfter(data, "\n")
	const same, both, neither = "same words", "both refuse", "both accept"
	for _, c := range []struct{ name, old, new, want string }{
		{"edited line", "Raum 4.07", "Raum 4.08", same},
		{"not a resource line", `"p/a/2":{"address"`, `{"p/a/2":{"address"`, same},
		{"other address", `"p/a/2":{"address":"p/a/2"`, `"p/a/2":{"address":"p/a/3"`, same},
		{"unknown member", `"sequence":1,`, `"sequence":1,"x":1,`, both},
		{"negative sequence", `"sequence":1,`, `"sequence":-1,`, both},
		{"deleted line", lines[2], "", same},
		{"no end", "}}\n", "}", same},
		// splitLines takes the closing braces at the end of a line.
		{"end on the last line", "\n}}\n", "}}\n", neither},
		{"no newline at the end", "}}\n", "}}", same},
		{"retired section gone", "},\"retired\":{\n", "", same},
		{"header", `"serial":1,`, `"serial":-1,`, same},
		{"blank line", lines[3], "\n" + lines[3], same},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(data, c.old) {
				t.Fatalf("%q not in the state file", c.old)
			}
			writeFile(t, l.Path(), strings.Replace(data, c.old, c.new, 1))
			_, readErr := state.NewLocal(l.Path(), state.LocalOptions{}).Read(bg)
			_, indexErr := state.NewLocal(l.Path(), state.LocalOptions{}).ReadIndex(bg)
			switch {
			case c.want == neither && (readErr != nil || indexErr != nil),
				c.want != neither && (readErr == nil || indexErr == nil),
				c.want == same && readErr.Error() != indexErr.Error():
				t.Fatalf("want %s; Read: %v\nReadIndex: %v", c.want, readErr, indexErr)
			}
		})
	}
	writeFile(t, l.Path(), data)
	mustIndex(t, l)
}
