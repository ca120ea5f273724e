package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rmctl/rmctl/internal/testserver"
)

// pg is the package's PostgreSQL server, started by the first test that
// asks for a database and stopped after all tests ran.
var pg testserver.Postgres

// stopPostgresAfter runs the tests, then stops pg.
type stopPostgresAfter struct{ m *testing.M }

func (s stopPostgresAfter) Run() int {
	code := s.m.Run()
	pg.Stop()
	return code
}

// postgresWork returns a work directory whose rmctl.cue keeps state in a
// fresh PostgreSQL database, with RMCTL_PG_URL set for the rmctl processes
// the test starts, and the URL.
func postgresWork(t *testing.T) (dir, url string) {
	t.Helper()
	url = pg.Database(t)
	t.Setenv("RMCTL_PG_URL", url)
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rmctl.cue"), []byte(`state: {backend: "postgres", urlEnv: "RMCTL_PG_URL"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, url
}

// checkPostgresConverged checks that a plan finds nothing to do, that state
// holds want resources, and that every message went out exactly once.
func checkPostgresConverged(t *testing.T, bin, work, prog string, want int) {
	t.Helper()
	if res := execRmctl(t, bin, work, "plan", "--detailed-exitcode", "--now", crashNow, prog); res.code != 0 {
		t.Errorf("plan --detailed-exitcode: exit %d, want 0 (converged)\n%s%s", res.code, lastLines(res.stdout, 15), res.stderr)
	}
	res := mustRmctl(t, bin, work, 0, "state", "list", "-o", "json")
	var addrs []string
	if err := json.Unmarshal([]byte(res.stdout), &addrs); err != nil {
		t.Fatalf("state list -o json: %v", err)
	}
	if len(addrs) != want {
		t.Errorf("state holds %d resources, want %d", len(addrs), want)
	}
	inState := map[string]bool{}
	for _, a := range addrs {
		inState[a] = true
	}
	msgs := readMessages(t, filepath.Join(work, ".rmctl", "outbox", "messages"))
	sent := map[string]bool{}
	for k, n := range msgs {
		if n != 1 {
			t.Errorf("%v: %d messages, want exactly 1", k, n)
		}
		if !inState[k.address] {
			t.Errorf("message for %s, which is not in state", k.address)
		}
		sent[k.address] = true
	}
	if len(sent) != want {
		t.Errorf("messages for %d addresses, want %d", len(sent), want)
	}
}

// lockHolderPID returns the pid in the workspace's lock-info row, 0 when
// there is none.
func lockHolderPID(ctx context.Context, url string) int {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0
	}
	defer conn.Close(ctx)
	var pid int
	if err := conn.QueryRow(ctx, "SELECT pid FROM rmctl.locks WHERE workspace = 'default'").Scan(&pid); err != nil {
		return 0
	}
	return pid
}

// TestPostgres runs the real binary against PostgreSQL state: killed,
// concurrent and interrupted applies. The subtests share the binary and
// the program (20 pairs); each has a database of its own.
func TestPostgres(t *testing.T) {
	bin := buildRmctlBinary(t)
	prog := generateProgram(t, 20)
	t.Run("KilledApply", func(t *testing.T) { testPostgresKilledApply(t, bin, prog) })
	t.Run("ConcurrentApplies", func(t *testing.T) { testPostgresConcurrentApplies(t, bin, prog) })
	t.Run("RestartDuringApply", func(t *testing.T) { testPostgresRestartDuringApply(t, bin, prog) })
	t.Run("PushPullMigrate", func(t *testing.T) { testPostgresPushPull(t, bin, prog) })
}

// An apply killed with SIGKILL while it holds the PostgreSQL lock leaves
// no lock behind: its connection closes, the server ends the advisory
// lock, and an immediate re-apply, with no force-unlock, takes the lock
// (replacing the dead holder's lock-info row with a note) and converges
// without sending anything twice.
func testPostgresKilledApply(t *testing.T, bin, prog string) {
	work, url := postgresWork(t)
	total := planSummary(t, bin, work, prog)["create"]

	cmd, done := startApply(t, bin, work, prog, nil)
	ctx := context.Background()
	deadline := time.After(30 * time.Second)
	for held := false; !held; {
		select {
		case err := <-done:
			t.Fatalf("apply finished (%v) before it was seen holding the lock", err)
		case <-deadline:
			t.Fatal("apply did not take the lock within 30s")
		case <-time.After(5 * time.Millisecond):
			held = lockHolderPID(ctx, url) == cmd.Process.Pid
		}
	}
	time.Sleep(50 * time.Millisecond) // let it send some
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	sentBefore := len(readMessages(t, filepath.Join(work, ".rmctl", "outbox", "messages")))

	res := mustRmctl(t, bin, work, 0, "apply", "--auto-approve", "--now", crashNow, prog)
	if !strings.Contains(res.stderr, fmt.Sprintf("(pid %d) for \"apply\"", cmd.Process.Pid)) || !strings.Contains(res.stderr, "its database session ended") {
		t.Errorf("stderr does not note the takeover of the killed apply's lock:\n%s", res.stderr)
	}
	if strings.Contains(res.stderr, "force-unlock") {
		t.Errorf("the re-apply mentions force-unlock:\n%s", res.stderr)
	}
	checkPostgresConverged(t, bin, work, prog, total)
	t.Logf("%d resources; killed after %d messages; the re-apply took the lock at once and finished in %v",
		total, sentBefore, res.took.Round(time.Millisecond))
}

// Eight applies started at once on one PostgreSQL state: one holds the
// lock at a time, the others are refused with the holder's name and try
// again, and every message goes out exactly once.
func testPostgresConcurrentApplies(t *testing.T, bin, prog string) {
	work, _ := postgresWork(t)
	total := planSummary(t, bin, work, prog)["create"]

	const applies = 8
	var (
		mu      sync.Mutex
		refused int
		worked  []time.Duration
		wg      sync.WaitGroup
		start   = make(chan struct{})
	)
	began := time.Now()
	for i := range applies {
		wg.Go(func() {
			<-start
			for attempt := 0; ; attempt++ {
				res := execRmctl(t, bin, work, "apply", "--auto-approve", "--now", crashNow, prog)
				mu.Lock()
				switch {
				case res.code == 0:
					worked = append(worked, res.took)
					mu.Unlock()
					return
				case strings.Contains(res.stderr, "state is locked by") && strings.Contains(res.stderr, `for "apply" since`):
					refused++
				default:
					t.Errorf("apply %d: exit %d\n%s", i, res.code, res.stderr)
					mu.Unlock()
					return
				}
				mu.Unlock()
				if attempt > 400 {
					t.Errorf("apply %d: still locked out after %d attempts", i, attempt)
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(worked) != applies {
		t.Fatalf("%d of %d applies finished", len(worked), applies)
	}
	if refused == 0 {
		t.Error("no apply was ever refused the lock: they did not overlap, the test proves nothing")
	}
	checkPostgresConverged(t, bin, work, prog, total)
	t.Logf("%d applies of %d resources: %d lock refusals, all done in %v; apply durations %v",
		applies, total, refused, time.Since(began).Round(time.Millisecond), worked)
}

// The server restarted in the middle of an apply: the apply fails cleanly
// (its lock's session ended, so it must not go on) or finishes, and the
// next apply converges without sending anything twice.
func testPostgresRestartDuringApply(t *testing.T, bin, prog string) {
	work, url := postgresWork(t)
	total := planSummary(t, bin, work, prog)["create"]

	var stderr strings.Builder
	cmd, done := startApply(t, bin, work, prog, &stderr)
	ctx := context.Background()
	for lockHolderPID(ctx, url) != cmd.Process.Pid {
		select {
		case err := <-done:
			t.Fatalf("apply finished (%v) before it was seen holding the lock", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	time.Sleep(50 * time.Millisecond)
	pg.Restart(t)
	var first error
	select {
	case first = <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("apply did not finish within 60s of the restart")
	}
	sentBefore := len(readMessages(t, filepath.Join(work, ".rmctl", "outbox", "messages")))
	res := mustRmctl(t, bin, work, 0, "apply", "--auto-approve", "--now", crashNow, prog)
	checkPostgresConverged(t, bin, work, prog, total)
	t.Logf("%d resources; apply during the restart: %v after %d messages (%s); the next apply took %v",
		total, first, sentBefore, lastLines(strings.TrimSpace(stderr.String()), 1), res.took.Round(time.Millisecond))
}

// planHead returns the lineage, serial and number of changes of a plan.
func planHead(t *testing.T, bin, dir, prog string) (lineage string, serial uint64, changes int) {
	t.Helper()
	res := mustRmctl(t, bin, dir, 0, "plan", "-o", "json", "--now", crashNow, prog)
	var p struct {
		Lineage string         `json:"lineage"`
		Serial  uint64         `json:"serial"`
		Summary map[string]int `json:"summary"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &p); err != nil {
		t.Fatalf("plan -o json: %v", err)
	}
	for k, n := range p.Summary {
		if k != "unchanged" && k != "frozen" {
			changes += n
		}
	}
	return p.Lineage, p.Serial, changes
}

// State applied with the file backend moves to PostgreSQL and back with
// its lineage and serial, so the next plan finds nothing to do and a plan
// saved before the move still applies; migrate, check and restore say what
// they do for PostgreSQL; the URL's password never shows.
func testPostgresPushPull(t *testing.T, bin, prog string) {
	url := pg.Database(t)
	work := t.TempDir()
	mustRmctl(t, bin, work, 0, "apply", "--auto-approve", "--now", crashNow, prog)
	lineage, serial, _ := planHead(t, bin, work, prog)
	if serial == 0 {
		t.Fatal("apply left serial 0")
	}

	if res := execRmctl(t, bin, work, "state", "push", "--to", "postgres"); res.code == 0 || !strings.Contains(res.stderr, "RMCTL_PG_URL is not set") {
		t.Fatalf("push without RMCTL_PG_URL: exit %d\n%s", res.code, res.stderr)
	}
	t.Setenv("RMCTL_PG_URL", "postgres://rmctl:s3cret-pw@127.0.0.1:1/nowhere?connect_timeout=2")
	if res := execRmctl(t, bin, work, "state", "push", "--to", "postgres"); res.code == 0 || strings.Contains(res.stdout+res.stderr, "s3cret") {
		t.Fatalf("push to an unreachable server: exit %d, output shows the password or nothing failed\n%s%s", res.code, res.stdout, res.stderr)
	}
	t.Setenv("RMCTL_PG_URL", url)
	res := mustRmctl(t, bin, work, 0, "state", "push", "--to", "postgres")
	if !strings.Contains(res.stdout, fmt.Sprintf("(lineage %s, serial %d)", lineage, serial)) {
		t.Errorf("push says:\n%s", res.stdout)
	}
	saved := filepath.Join(t.TempDir(), "plan.json")
	mustRmctl(t, bin, work, 0, "plan", "--now", crashNow, "--out", saved, prog)

	if err := os.WriteFile(filepath.Join(work, "rmctl.cue"), []byte(`state: backend: "postgres"`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, s, changes := planHead(t, bin, work, prog)
	if l != lineage || s != serial || changes != 0 {
		t.Fatalf("plan on PostgreSQL after push: lineage %s serial %d, %d changes; want %s %d, none", l, s, changes, lineage, serial)
	}
	mustRmctl(t, bin, work, 0, "apply", "--auto-approve", saved)
	var addrs []string
	if err := json.Unmarshal([]byte(mustRmctl(t, bin, work, 0, "state", "list", "-o", "json").stdout), &addrs); err != nil || len(addrs) == 0 {
		t.Fatalf("state list: %v %v", addrs, err)
	}
	mustRmctl(t, bin, work, 0, "state", "rm", addrs[0])
	if res := execRmctl(t, bin, work, "state", "show", addrs[0]); res.code == 0 {
		t.Errorf("state show of a removed resource succeeded")
	}
	if _, _, changes := planHead(t, bin, work, prog); changes != 1 {
		t.Errorf("plan after state rm: %d changes, want 1 (the removed resource is sent again)", changes)
	}
	mustRmctl(t, bin, work, 0, "apply", "--auto-approve", "--now", crashNow, prog)
	if res := mustRmctl(t, bin, work, 0, "state", "check"); !strings.Contains(res.stdout, "Not needed for PostgreSQL state") {
		t.Errorf("state check says:\n%s", res.stdout)
	}
	if res := mustRmctl(t, bin, work, 0, "state", "migrate"); !strings.Contains(res.stdout, "nothing to migrate") {
		t.Errorf("state migrate on a migrated schema says:\n%s", res.stdout)
	}
	if res := mustRmctl(t, bin, work, 0, "state", "migrate", "--schema", "fresh"); !strings.Contains(res.stdout, "schema migrated from version 0 to") {
		t.Errorf("state migrate of a new schema says:\n%s", res.stdout)
	}

	res = mustRmctl(t, bin, work, 0, "state", "pull", "--file", "back/state.json")
	l2, s2, _ := planHead(t, bin, work, prog)
	if !strings.Contains(res.stdout, fmt.Sprintf("(lineage %s, serial %d)", l2, s2)) {
		t.Errorf("pull says:\n%s", res.stdout)
	}
	if res := execRmctl(t, bin, work, "state", "pull", "--file", "back/state.json"); res.code == 0 || !strings.Contains(res.stderr, "exists") {
		t.Errorf("pull over an existing file: exit %d\n%s", res.code, res.stderr)
	}
	if err := os.WriteFile(filepath.Join(work, "rmctl.cue"), []byte(`state: path: "back/state.json"`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l3, s3, changes := planHead(t, bin, work, prog)
	if l3 != l2 || s3 != s2 || changes != 0 {
		t.Fatalf("plan on the pulled file: lineage %s serial %d, %d changes; want %s %d, none", l3, s3, changes, l2, s2)
	}
}
