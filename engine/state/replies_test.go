package state_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/state/statetest"
)

// TestLocalKeepsReplies: the answers recorded by `rmctl sync replies`
// survive the journal and the state file.
func TestLocalKeepsReplies(t *testing.T) {
	l := newLocal(t)
	e := statetest.SampleEntry("p/event/kickoff", 1)
	e.Replies = &state.Replies{Since: 1, By: map[string]state.Reply{
		"anna": {PartStat: "DECLINED", Sequence: 1, Stamp: time.Date(2027, 2, 2, 8, 0, 0, 0, time.UTC)},
	}}
	if err := l.Record(bg, state.Op{Address: e.Address, Entry: e}); err != nil {
		t.Fatal(err)
	}
	st := mustRead(t, l) // from the journal
	if got := st.Resources[e.Address].Replies; !reflect.DeepEqual(got, e.Replies) {
		t.Errorf("from the journal: %+v, want %+v", got, e.Replies)
	}
	if err := l.Write(bg, st); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, l).Resources[e.Address].Replies; !reflect.DeepEqual(got, e.Replies) {
		t.Errorf("from the state file: %+v, want %+v", got, e.Replies)
	}
}
