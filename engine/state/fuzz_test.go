package state_test

import (
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/state/statetest"
)

// FuzzDecodeState: no input makes the strict decoder panic, and whatever
// it accepts encodes and decodes back to the same state.
func FuzzDecodeState(f *testing.F) {
	s := state.New("lin")
	s.Serial = 3
	for _, a := range []string{"p/a", "p/b", `p/"q"`} {
		s.Resources[a] = statetest.SampleEntry(a, 1)
	}
	s.Retired = map[string]state.Retirement{"p/c": {UID: "c@rmctl", Sequence: 2}, `p/"r"`: {UID: "r@rmctl", Sequence: 1}}
	v3, err := state.EncodeState(s)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(v3)
	if v2, err := os.ReadFile("testdata/version2.json"); err == nil {
		f.Add(v2)
	}
	f.Add([]byte(`{"version":1,"lineage":"x","serial":1,"resources":{}}` + "\n"))
	f.Add([]byte(`{"version":2,"lineage":"x","serial":0,"count":0,"checksum":"sha256:00","resources":{` + "\n}}\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := state.DecodeState(data)
		if err != nil {
			if got != nil {
				t.Fatalf("a state returned with the error %v", err)
			}
			return
		}
		again, err := state.EncodeState(got)
		if err != nil {
			t.Fatalf("an accepted state does not encode: %v", err)
		}
		back, err := state.DecodeState(again)
		var d *state.DamagedError
		if err != nil || errors.As(err, &d) {
			t.Fatalf("re-encoded state refused: %v", err)
		}
		back.Version = got.Version
		if !reflect.DeepEqual(back, got) {
			t.Fatalf("round trip changed the state")
		}
	})
}
