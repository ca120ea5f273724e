package engine_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/schema"
)

// expansionGolden pins, per ExpansionVersion, the digest of what the
// example programs and the expansion fixture expand to (address and
// content hash of every resource).
var expansionGolden = map[int]string{
	1: "611d264f6b44ce980bd87d44c99776606f0e8cb7435c86e5033ab01bfcc9cf25",
}

// TestExpansionVersion fails when expansion yields other resources than
// its version pins. Plans trust an expansion record in state only when it
// was made by the same ExpansionVersion, so a change to what expansion
// yields must raise it: raise ExpansionVersion and put the new digest
// under it here.
func TestExpansionVersion(t *testing.T) {
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	var progs []*schema.Program
	for _, dir := range []string{"../examples/digital-leadership", "../examples/global-pilot", "../examples/matching", "../programs/reverse-mentoring-2027"} {
		res, err := l.Load(context.Background(), dir)
		if err != nil || res.Diagnostics.HasErrors() {
			t.Fatalf("%s: %v %v", dir, err, res.Diagnostics)
		}
		progs = append(progs, res.Programs...)
	}
	progs = append(progs, loadProgram(t, shortcutFiles())...)
	d := engine.Expand(progs)
	dg := state.NewResourceDigest()
	for _, r := range d.Resources {
		dg.Add(r.Address, r.Hash())
	}
	if got, want := dg.Sum(), expansionGolden[engine.ExpansionVersion]; got != want {
		t.Fatalf("expansion version %d yields %s, pinned %q: expansion changed; raise ExpansionVersion and pin the new digest", engine.ExpansionVersion, got, want)
	}
}

// InputDigest reads a program's exported fields by reflection, so new ones
// are covered; a new unexported field of schema.Program may hold input it
// cannot see. This test names the ones known to be derived from the
// exported fields or unused by expansion; a new one must be judged, and
// digested in InputDigest if expansion reads it.
func TestInputDigestCoversProgram(t *testing.T) {
	var unexported []string
	pt := reflect.TypeFor[schema.Program]()
	for i := range pt.NumField() {
		if !pt.Field(i).IsExported() {
			unexported = append(unexported, pt.Field(i).Name)
		}
	}
	slices.Sort(unexported)
	// src: the CUE value (diagnostics) and the zones resolved from the
	// names, fingerprinted; schedules: a cache of Schedule; holidays:
	// computed from the regions, the years and the holiday library's
	// version; peopleFile: where people came from.
	if want := []string{"holidays", "peopleFile", "schedules", "src"}; !slices.Equal(unexported, want) {
		t.Fatalf("schema.Program's unexported fields are %v, InputDigest knows %v", unexported, want)
	}
	progs := loadProgram(t, shortcutFiles())
	a, err := engine.InputDigest(progs[0])
	if err != nil {
		t.Fatal(err)
	}
	// Scheduling fills the cache; the digest stays.
	engine.Expand(progs)
	if b, err := engine.InputDigest(progs[0]); err != nil || a != b {
		t.Fatalf("digest after expansion %s (%v), before %s", b, err, a)
	}
	// Where the program was loaded from does not show in any resource.
	progs[0].Dir = "elsewhere"
	if b, _ := engine.InputDigest(progs[0]); a != b {
		t.Fatal("the digest depends on the directory")
	}
}
