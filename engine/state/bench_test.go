package state_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/state/statetest"
)

// bigState writes a 50,000-entry state (realistic entries: snapshot, two
// attendees, a CalDAV ref) and returns its store.
func bigState(b *testing.B) *state.Local {
	b.Helper()
	l := state.NewLocal(filepath.Join(b.TempDir(), "state.json"), state.LocalOptions{})
	s, err := l.Read(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for i := range 50_000 {
		a := fmt.Sprintf("dl-2027/pair/p%05d/session/%d", i/12, i%12+1)
		s.Resources[a] = statetest.SampleEntry(a, i)
	}
	if err := l.Write(context.Background(), s); err != nil {
		b.Fatal(err)
	}
	return l
}

func reportSize(b *testing.B, l *state.Local) {
	fi, err := os.Stat(l.Path())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/1e6, "MB")
}

func BenchmarkRead50k(b *testing.B) {
	l := bigState(b)
	for b.Loop() {
		s, err := l.Read(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Resources) != 50_000 {
			b.Fatalf("%d resources", len(s.Resources))
		}
	}
	reportSize(b, l)
}

func BenchmarkWrite50k(b *testing.B) {
	l := bigState(b)
	s, err := l.Read(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := l.Write(context.Background(), s); err != nil {
			b.Fatal(err)
		}
	}
	reportSize(b, l)
}

// BenchmarkRecord measures durable Records with 1 and 8 concurrent
// callers; syncs/op below 1 shows Records sharing fsyncs.
func BenchmarkRecord(b *testing.B) {
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			l := state.NewLocal(filepath.Join(b.TempDir(), "state.json"), state.LocalOptions{})
			if _, err := l.Read(context.Background()); err != nil {
				b.Fatal(err)
			}
			ops := make([]state.Op, 1024)
			for i := range ops {
				a := fmt.Sprintf("dl-2027/pair/p%05d/session/%d", i/12, i%12+1)
				ops[i] = state.Op{Address: a, Entry: statetest.SampleEntry(a, i)}
			}
			var next atomic.Int64
			b.ResetTimer()
			var wg sync.WaitGroup
			for range writers {
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						if err := l.Record(context.Background(), ops[i%1024]); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(state.JournalSyncs(l))/float64(b.N), "syncs/op")
		})
	}
}

// BenchmarkBackup50k measures the backup apply writes when it starts, in
// the usual case: the last Write left the backup equal to the state.
func BenchmarkBackup50k(b *testing.B) {
	l := bigState(b)
	s, err := l.Read(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := l.Backup(context.Background(), s); err != nil {
			b.Fatal(err)
		}
	}
	reportSize(b, l)
}
