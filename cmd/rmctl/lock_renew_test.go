package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/state"
)

// TestApplyRenewsLock runs an apply that lasts longer than the lock's TTL
// and checks that the lock's expiry moves forward while it runs, so no
// second apply can take the lock over mid-way.
func TestApplyRenewsLock(t *testing.T) {
	if testing.Short() {
		t.Skip("applies a few hundred resources")
	}
	dir := t.TempDir()
	gen := exec.Command("go", "run", "./examples/gen", "-pairs", "40", "-out", filepath.Join(dir, "prog"))
	gen.Dir = "../.."
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("generating: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "rmctl.cue"), []byte("state: lockTTL: \"1s\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	store := state.NewLocal(filepath.Join(dir, ".rmctl", "state.json"), state.LocalOptions{})

	var mu sync.Mutex
	var first, last time.Time
	stop := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if info, err := store.LockInfo(); err == nil && info != nil {
				mu.Lock()
				if first.IsZero() {
					first = info.Expires
				}
				last = info.Expires
				mu.Unlock()
			}
		}
	}()
	start := time.Now()
	_, errOut, code := cliRun(t, dir, func(string) string { return "" }, "apply", "--auto-approve", "--parallelism", "1", "--now", "2026-01-01", "prog")
	took := time.Since(start)
	close(stop)
	<-polled
	if code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	if took < 1500*time.Millisecond {
		t.Skipf("apply took only %v, less than the lock's TTL: nothing to renew", took)
	}
	mu.Lock()
	defer mu.Unlock()
	if first.IsZero() || !last.After(first.Add(500*time.Millisecond)) {
		t.Fatalf("lock expiry did not move during a %v apply: first %v, last %v", took, first, last)
	}
}
