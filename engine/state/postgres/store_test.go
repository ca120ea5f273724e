package postgres_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/state/postgres"
	"github.com/rmctl/rmctl/engine/state/statetest"
	"github.com/rmctl/rmctl/internal/testserver"
)

// pg is the package's PostgreSQL server; every test gets a database.
var pg testserver.Postgres

func TestMain(m *testing.M) {
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

func open(t *testing.T, url string, opts postgres.Options) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestContract(t *testing.T) {
	statetest.TestStore(t, func(t *testing.T) state.Store {
		return open(t, pg.Database(t), postgres.Options{})
	})
}

func set(addr string, n int) state.Op {
	return state.Op{Address: addr, Entry: statetest.SampleEntry(addr, n)}
}

// Two processes are two stores with sessions of their own: the second is
// refused with the holder's name while the first holds the lock, and takes
// it at once when the first one's session ends (as when it is killed),
// without anyone running force-unlock.
func TestLockAcrossSessions(t *testing.T) {
	ctx := context.Background()
	url := pg.Database(t)
	first := open(t, url, postgres.Options{})
	var tookOver []string
	second := open(t, url, postgres.Options{OnTakeOver: func(prev state.LockInfo, why string) { tookOver = append(tookOver, prev.ID+": "+why) }})
	holder := state.LockInfo{ID: "one", Operation: "apply", Who: "ci@runner-1", PID: 4242,
		Created: time.Now().UTC().Truncate(time.Second), Expires: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := first.Lock(ctx, holder); err != nil {
		t.Fatal(err)
	}
	// Expired by its row, but its session is alive: still held.
	var le *state.LockedError
	if err := second.Lock(ctx, state.LockInfo{ID: "two", Operation: "apply", Who: "ci@runner-2"}); !errors.As(err, &le) {
		t.Fatalf("second Lock: %v, want *state.LockedError", err)
	}
	if le.Info.ID != "one" || le.Info.Who != "ci@runner-1" || le.Info.PID != 4242 || !strings.Contains(le.Error(), `for "apply" since`) {
		t.Fatalf("LockedError names %+v, want the holder", le.Info)
	}
	if err := second.Unlock(ctx, "one"); !errors.Is(err, state.ErrNotLocked) {
		t.Fatalf("Unlock by another session: %v, want ErrNotLocked", err)
	}
	if err := second.ForceUnlock(ctx, "one"); err == nil || !strings.Contains(err.Error(), "live database session") {
		t.Fatalf("ForceUnlock of a live session's lock: %v, want a refusal naming the session", err)
	}
	first.Close() // the holder dies: its connection closes
	// The server ends the session's locks as its backend exits, a moment
	// after the connection closed.
	closed := time.Now()
	for {
		err := second.Lock(ctx, state.LockInfo{ID: "two", Operation: "apply", Who: "ci@runner-2"})
		if err == nil {
			break
		}
		if !errors.As(err, &le) || time.Since(closed) > 2*time.Second {
			t.Fatalf("Lock after the holder's session ended: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("lock free %v after the holder's connection closed", time.Since(closed).Round(time.Millisecond))
	if len(tookOver) != 1 || !strings.HasPrefix(tookOver[0], "one: ") {
		t.Fatalf("takeover notes %q, want one for lock one", tookOver)
	}
	// A holder that vanishes without closing its connection is noticed
	// by the server's keepalives in about a minute, not two hours.
	for name, want := range map[string]string{"tcp_keepalives_idle": "30", "tcp_keepalives_interval": "10", "tcp_keepalives_count": "3"} {
		if got, err := second.LockSessionSetting(ctx, name); err != nil || got != want {
			t.Errorf("lock session %s = %q (%v), want %s", name, got, err, want)
		}
	}
	if err := second.RenewLock(ctx, "two"); err != nil {
		t.Fatalf("RenewLock: %v", err)
	}
	if err := second.Unlock(ctx, "two"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
}

// Workspaces keep separate states and locks in one schema.
func TestWorkspaces(t *testing.T) {
	ctx := context.Background()
	url := pg.Database(t)
	a := open(t, url, postgres.Options{Workspace: "team-a"})
	b := open(t, url, postgres.Options{Workspace: "team-b"})
	if err := a.Lock(ctx, state.LockInfo{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Lock(ctx, state.LockInfo{ID: "b"}); err != nil {
		t.Fatalf("Lock of another workspace: %v", err)
	}
	if err := a.Record(ctx, set("p/x", 1)); err != nil {
		t.Fatal(err)
	}
	sa, _ := a.Read(ctx)
	sb, _ := b.Read(ctx)
	if len(sa.Resources) != 1 || len(sb.Resources) != 0 || sa.Lineage == sb.Lineage {
		t.Fatalf("workspaces share state: a %v (%s), b %v (%s)", sa.Addresses(), sa.Lineage, sb.Addresses(), sb.Lineage)
	}
}

// A server restart ends the lock's session: the store must notice and
// refuse to record, because another apply may now hold the lock.
func TestRestartLosesLock(t *testing.T) {
	ctx := context.Background()
	url := pg.Database(t)
	s := open(t, url, postgres.Options{})
	if err := s.Lock(ctx, state.LockInfo{ID: "one"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Record(ctx, set("r/a", 1)); err != nil {
		t.Fatal(err)
	}
	pg.Restart(t)
	var err error
	for range 5 { // the pool drops connections the restart broke
		if err = s.Record(ctx, set("r/b", 2)); err != nil && strings.Contains(err.Error(), "lost the state lock") {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "lost the state lock") {
		t.Fatalf("Record after the lock's session ended: %v, want lost the state lock", err)
	}
	if err := s.RenewLock(ctx, "one"); err == nil {
		t.Fatal("RenewLock after the lock's session ended succeeded")
	}
	other := open(t, url, postgres.Options{})
	if err := other.Lock(ctx, state.LockInfo{ID: "two"}); err != nil {
		t.Fatalf("Lock after the restart: %v", err)
	}
	st, err := other.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Addresses(); len(got) != 1 || got[0] != "r/a" || st.Replayed != 1 {
		t.Fatalf("after the restart: %v replayed %d, want [r/a] recorded before it", got, st.Replayed)
	}
}

// The schema is migrated once, under an advisory lock, however many
// stores start at once; the versions are recorded.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	url := pg.Database(t)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			s, err := postgres.Open(url, postgres.Options{Schema: "rm_state"})
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			_, err = s.Read(ctx)
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent first Reads: %v", err)
		}
	}
	s := open(t, url, postgres.Options{Schema: "rm_state"})
	m, err := s.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.From != postgres.LatestVersion() || m.To != postgres.LatestVersion() || len(m.Applied) != 0 {
		t.Fatalf("Migrate on a migrated schema: %+v", m)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM rm_state.schema_migrations").Scan(&n); err != nil || n != len(m.Applied)+postgres.LatestVersion() {
		t.Fatalf("schema_migrations rows: %d (%v), want %d", n, err, postgres.LatestVersion())
	}
	// A database migrated by a newer rmctl is refused, not written.
	if _, err := conn.Exec(ctx, "INSERT INTO rm_state.schema_migrations (version, about) VALUES (999, 'future')"); err != nil {
		t.Fatal(err)
	}
	newer := open(t, url, postgres.Options{Schema: "rm_state"})
	if _, err := newer.Read(ctx); err == nil || !strings.Contains(err.Error(), "upgrade rmctl") {
		t.Fatalf("Read of a newer schema: %v, want upgrade rmctl", err)
	}
}

// Import keeps lineage and serial, and refuses to replace another history.
func TestImport(t *testing.T) {
	ctx := context.Background()
	s := open(t, pg.Database(t), postgres.Options{})
	src := state.New("lineage-1")
	src.Serial = 7
	src.Apply(set("i/a", 1))
	if err := s.Import(ctx, src); err != nil {
		t.Fatal(err)
	}
	got, err := s.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Lineage != "lineage-1" || got.Serial != 7 || len(got.Resources) != 1 {
		t.Fatalf("after Import: lineage %s serial %d %v", got.Lineage, got.Serial, got.Addresses())
	}
	other := state.New("lineage-2")
	if err := s.Import(ctx, other); err == nil {
		t.Fatal("Import of another lineage over a filled workspace succeeded")
	}
	older := state.New("lineage-1")
	older.Serial = 3
	if err := s.Import(ctx, older); err == nil {
		t.Fatal("Import of an older serial succeeded")
	}
}

func TestBadURLNotShown(t *testing.T) {
	_, err := postgres.Open("postgres://user:s3cret@host:notaport/db", postgres.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("Open of a bad URL: %v, want an error without the password", err)
	}
}

// A re-run started right after its predecessor was killed on this machine
// waits the moment the server needs to end the dead session's lock,
// rather than fail naming a process that no longer exists.
func TestLockWaitsForDeadHolderSession(t *testing.T) {
	ctx := context.Background()
	url := pg.Database(t)
	first := open(t, url, postgres.Options{})
	if err := first.Lock(ctx, statetest.DeadProcess(t)); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		first.Close()
	}()
	second := open(t, url, postgres.Options{})
	start := time.Now()
	if err := second.Lock(ctx, state.LockInfo{ID: "next"}); err != nil {
		t.Fatalf("Lock while a dead holder's session ends: %v", err)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Fatalf("Lock succeeded after %v, before the session ended", waited)
	}
}

// Once the database owner migrated the schema, a role that may only read
// and write rows runs plan and apply: no DDL when the schema is current.
func TestRowOnlyRole(t *testing.T) {
	ctx := context.Background()
	url := pg.Database(t)
	owner := open(t, url, postgres.Options{})
	if _, err := owner.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	role := "rw_" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_"))
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"GRANT USAGE ON SCHEMA rmctl TO " + role,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA rmctl TO " + role,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s := open(t, strings.Replace(url, "postgres@", role+"@", 1), postgres.Options{})
	if err := s.Lock(ctx, state.LockInfo{ID: "ci"}); err != nil {
		t.Fatalf("Lock as a row-only role: %v", err)
	}
	st, err := s.Read(ctx)
	if err != nil {
		t.Fatalf("Read as a row-only role: %v", err)
	}
	if err := s.Record(ctx, set("ro/a", 1)); err != nil {
		t.Fatalf("Record as a row-only role: %v", err)
	}
	if err := s.Write(ctx, st); err != nil {
		t.Fatalf("Write as a row-only role: %v", err)
	}
	if err := s.Unlock(ctx, "ci"); err != nil {
		t.Fatal(err)
	}
}

// Entry fields without a column of their own (replies, accepted drift,
// provenance) ride along in extra, through Record and Write alike.
func TestEntryFieldsRideAlong(t *testing.T) {
	ctx := context.Background()
	s := open(t, pg.Database(t), postgres.Options{})
	e := statetest.SampleEntry("x/a", 3)
	e.Dirty, e.DeclaredHash = true, "declared-hash"
	e.Replies = &state.Replies{Since: 2, By: map[string]state.Reply{
		"anna": {PartStat: "ACCEPTED", Sequence: 3, Stamp: time.Date(2027, 1, 20, 8, 0, 0, 0, time.UTC)},
	}}
	if err := s.Record(ctx, state.Op{Address: "x/a", Entry: e}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(st.Resources["x/a"], e) {
		t.Fatalf("after Record: %+v, want %+v", st.Resources["x/a"], e)
	}
	if err := s.Write(ctx, st); err != nil {
		t.Fatal(err)
	}
	if st, err = s.Read(ctx); err != nil || !reflect.DeepEqual(st.Resources["x/a"], e) {
		t.Fatalf("after Write: %+v (%v), want %+v", st.Resources["x/a"], err, e)
	}
}
