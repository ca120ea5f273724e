package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/state/postgres"
	"github.com/rmctl/rmctl/engine/state/statetest"
)

// BenchmarkWrite measures Write and Read of a large state (10,000 entries)
// and Record of one action.
func BenchmarkWrite(b *testing.B) {
	ctx := context.Background()
	s := open2(b, pg.Database(b))
	st, err := s.Read(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 10000 {
		a := fmt.Sprintf("p/pair/p%05d/session/%d", i/10, i%10)
		st.Apply(state.Op{Address: a, Entry: statetest.SampleEntry(a, i)})
	}
	b.Run("Write10k", func(b *testing.B) {
		for b.Loop() {
			if err := s.Write(ctx, st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Read10k", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Read(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Record", func(b *testing.B) {
		op := state.Op{Address: "p/x", Entry: statetest.SampleEntry("p/x", 1)}
		for b.Loop() {
			if err := s.Record(ctx, op); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func open2(b *testing.B, url string) *postgres.Store {
	s, err := postgres.Open(url, postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s
}
