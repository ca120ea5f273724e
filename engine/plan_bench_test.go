package engine_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/diff"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/schema"
)

// BenchmarkPlan measures the engine's own share of `rmctl plan` on a
// generated program: Validate is the load (schema + checks) every plan
// starts with; Full is expansion and planning against empty state; NoOp is
// reading a state file of every resource, expansion and planning, the
// common case in CI after an apply. The target is Full and NoOp each under
// 20% of Validate.
func BenchmarkPlan(b *testing.B) {
	pairs := 10000
	if testing.Short() {
		pairs = 1000
	}
	dir := filepath.Join(b.TempDir(), "prog")
	gen := exec.Command("go", "run", "./examples/gen", "-pairs", fmt.Sprint(pairs), "-out", dir)
	gen.Dir = ".."
	gen.Stderr = os.Stderr
	if err := gen.Run(); err != nil {
		b.Fatalf("generating: %v", err)
	}
	ctx := context.Background()
	l, err := schema.NewLoader()
	if err != nil {
		b.Fatal(err)
	}
	load := func(b *testing.B) []*schema.Program {
		res, err := l.Load(ctx, dir)
		if err != nil || res.Diagnostics.HasErrors() {
			b.Fatalf("load: %v %v", err, res.Diagnostics)
		}
		return res.Programs
	}
	progs := load(b)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	b.Run(fmt.Sprintf("Validate/pairs=%d", pairs), func(b *testing.B) {
		for b.Loop() {
			load(b)
		}
	})
	b.Run(fmt.Sprintf("Full/pairs=%d", pairs), func(b *testing.B) {
		empty := state.New("bench")
		b.ReportAllocs()
		for b.Loop() {
			p := plan.Build(engine.Expand(progs), empty, plan.Options{Now: now})
			if p.Summary.Create == 0 {
				b.Fatal("nothing to create")
			}
		}
	})
	b.Run(fmt.Sprintf("NoOp/pairs=%d", pairs), func(b *testing.B) {
		store := state.NewLocal(filepath.Join(b.TempDir(), "state.json"), state.LocalOptions{})
		applied := diff.AsState(engine.Expand(progs))
		st, err := store.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		st.Resources = applied.Resources
		if err := store.Write(ctx, st); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(st.Resources)), "resources")
		b.ReportAllocs()
		for b.Loop() {
			st, err := store.Read(ctx)
			if err != nil {
				b.Fatal(err)
			}
			p := plan.Build(engine.Expand(progs), st, plan.Options{Now: now})
			if p.HasChanges() {
				b.Fatalf("no-op plan has %d changes", len(p.Changes))
			}
		}
	})
}
