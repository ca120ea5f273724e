// Package postgres is the PostgreSQL state backend: state.Store kept in a
// database that several CI runners and people share.
//
// One row per resource, one row per workspace (its lineage, serial and the
// count of actions recorded since the last write), one lock-info row per
// workspace; the tables live in their own schema ("rmctl" by default),
// created and migrated by rmctl (migrate.go). Record commits each action
// in its own transaction, so an interrupted apply loses nothing; Write
// replaces a workspace's resources and raises its serial in one
// transaction. PostgreSQL's durability takes the place of the file
// backend's checksum, journal and backup.
//
// The lock is a session-level advisory lock held on a connection of its
// own for as long as the lock is held: when the holder dies (kill -9, a
// cancelled CI job) its connection closes and the server releases the
// lock, so no stale lock is left to force-unlock. The lock-info row says
// who holds it.
package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
)

// DefaultSchema is the schema the tables live in unless Options.Schema
// names another.
const DefaultSchema = "rmctl"

// DefaultWorkspace is the workspace of a store unless Options.Workspace
// names another. Workspaces keep separate states (and locks) in one schema.
const DefaultWorkspace = "default"

// Options configure a Store. The zero value is ready to use.
type Options struct {
	Schema     string           // default DefaultSchema
	Workspace  string           // default DefaultWorkspace
	Now        func() time.Time // default time.Now
	LockTTL    time.Duration    // default state.DefaultLockTTL; Expires of the lock-info row
	NewLineage func() string    // default uuid.NewString
	// OnTakeOver is called when Lock replaces the lock-info row of a
	// holder that is gone.
	OnTakeOver func(prev state.LockInfo, why string)
}

// Store keeps state in PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool              *pgxpool.Pool
	connConfig        *pgx.ConnConfig
	schema, workspace string
	q                 string // quoted schema, for SQL
	key               int64  // advisory lock key of the workspace
	migrateKey        int64  // advisory lock key of migrations
	now               func() time.Time
	ttl               time.Duration
	newLineage        func() string
	onTakeOver        func(prev state.LockInfo, why string)

	migrateMu sync.Mutex
	migrated  bool

	// rw keeps Records out of a Read or Write: Write folds the Ops recorded
	// since the last Read into the state it writes, so no Record may commit
	// between its reading of pending and its commit.
	rw        sync.RWMutex
	pendingMu sync.Mutex
	pending   []state.Op // Ops recorded since the last Read or Write

	lockMu   sync.Mutex
	lockConn *pgx.Conn // holds the advisory lock; nil when not locked
	lockID   string
	lockPID  uint32 // the lock connection's backend process id
}

var _ state.Store = (*Store)(nil)

// ErrBadURL is returned by Open for a URL that does not parse. The URL is
// never part of an error: it may hold a password.
var ErrBadURL = errors.New("not a PostgreSQL URL (postgres://user:password@host:port/database)")

// Open returns a store for the database at url. It does not connect: the
// first call that needs the database does, and creates or migrates the
// schema when it is behind.
func Open(url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, ErrBadURL
	}
	s := &Store{
		connConfig: lockConnConfig(cfg.ConnConfig),
		schema:     opts.Schema, workspace: opts.Workspace,
		now: opts.Now, ttl: opts.LockTTL, newLineage: opts.NewLineage, onTakeOver: opts.OnTakeOver,
	}
	if s.schema == "" {
		s.schema = DefaultSchema
	}
	if s.workspace == "" {
		s.workspace = DefaultWorkspace
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.ttl <= 0 {
		s.ttl = state.DefaultLockTTL
	}
	if s.newLineage == nil {
		s.newLineage = uuid.NewString
	}
	s.q = pgx.Identifier{s.schema}.Sanitize()
	s.key = lockKey("rmctl state lock", s.schema, s.workspace)
	s.migrateKey = lockKey("rmctl schema migration", s.schema, "")
	if s.pool, err = pgxpool.NewWithConfig(context.Background(), cfg); err != nil {
		return nil, fmt.Errorf("opening PostgreSQL state: %w", err)
	}
	return s, nil
}

// lockConnConfig is the configuration of the lock's connection. It sets
// server-side TCP keepalives for the session: the connection is idle for
// the whole apply, and a holder that vanishes without closing it (a lost
// runner, a dropped network) would otherwise keep the lock for the
// operating system's default of two hours. With these the server ends the
// session, and the lock, about a minute after the last sign of life.
func lockConnConfig(c *pgx.ConnConfig) *pgx.ConnConfig {
	lc := c.Copy()
	if lc.RuntimeParams == nil {
		lc.RuntimeParams = map[string]string{}
	}
	for k, v := range map[string]string{"tcp_keepalives_idle": "30", "tcp_keepalives_interval": "10", "tcp_keepalives_count": "3"} {
		if _, set := lc.RuntimeParams[k]; !set {
			lc.RuntimeParams[k] = v
		}
	}
	lc.RuntimeParams["application_name"] = "rmctl state lock"
	return lc
}

// lockKey derives an advisory lock key from names, so that workspaces
// (and schemas) lock independently in one database.
func lockKey(kind, schema, workspace string) int64 {
	h := fnv.New64a()
	for _, s := range []string{kind, schema, workspace} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}

// Close releases the lock (when held) and the connections.
func (s *Store) Close() {
	s.lockMu.Lock()
	if s.lockConn != nil {
		s.lockConn.Close(context.Background())
		s.lockConn = nil
	}
	s.lockMu.Unlock()
	s.pool.Close()
}

// String names the store for messages: schema and workspace, never the URL.
func (s *Store) String() string {
	return fmt.Sprintf("PostgreSQL state (schema %s, workspace %s)", s.schema, s.workspace)
}

func (s *Store) fail(what string, err error) error {
	return fmt.Errorf("%s %s: %w", what, s, err)
}

// Migrate brings the schema to the latest version and says what it did.
func (s *Store) Migrate(ctx context.Context) (*Migrated, error) {
	s.migrateMu.Lock()
	defer s.migrateMu.Unlock()
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, s.fail("connecting to", err)
	}
	defer c.Release()
	m, err := migrate(ctx, c.Conn(), s.schema, s.migrateKey)
	if err != nil {
		return nil, err
	}
	s.migrated = true
	return m, nil
}

// ready migrates the schema once per Store.
func (s *Store) ready(ctx context.Context) error {
	s.migrateMu.Lock()
	done := s.migrated
	s.migrateMu.Unlock()
	if done {
		return nil
	}
	_, err := s.Migrate(ctx)
	return err
}

// ensureWorkspace creates the workspace row with a fresh lineage unless it
// exists. Like the file backend creating its state file on the first Read,
// this keeps the lineage stable across processes (plan --out, then apply).
func (s *Store) ensureWorkspace(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO "+s.q+".workspaces (name, lineage, version) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
		s.workspace, s.newLineage(), state.FormatVersion)
	return err
}

// Read returns the workspace's state, every recorded action included.
// Replayed is the number of actions recorded since the last Write.
func (s *Store) Read(ctx context.Context) (*state.State, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.fail("reading", err)
	}
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	s.rw.Lock()
	defer s.rw.Unlock()
	if err := s.ensureWorkspace(ctx); err != nil {
		return nil, s.fail("reading", err)
	}
	st, err := s.read(ctx)
	if err != nil {
		return nil, s.fail("reading", err)
	}
	s.pendingMu.Lock()
	s.pending = nil
	s.pendingMu.Unlock()
	return st, nil
}

// read loads the workspace row and its resources in one snapshot.
func (s *Store) read(ctx context.Context) (*state.State, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	st := &state.State{Resources: map[string]*state.Entry{}}
	var serial, recorded int64
	err = tx.QueryRow(ctx, "SELECT lineage, serial, version, recorded FROM "+s.q+".workspaces WHERE name = $1", s.workspace).
		Scan(&st.Lineage, &serial, &st.Version, &recorded)
	if err != nil {
		return nil, err
	}
	if st.Version > state.FormatVersion {
		return nil, fmt.Errorf("state format %d is newer than this rmctl knows (%d): upgrade rmctl", st.Version, state.FormatVersion)
	}
	st.Version = state.FormatVersion
	st.Serial, st.Replayed = uint64(serial), int(recorded)
	rows, err := tx.Query(ctx, "SELECT address, uid, hash, sequence, snapshot, refs, commit, extra FROM "+s.q+".resources WHERE workspace = $1", s.workspace)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.address, &r.uid, &r.hash, &r.sequence, &r.snapshot, &r.refs, &r.commit, &r.extra); err != nil {
			return nil, err
		}
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	ret, err := tx.Query(ctx, "SELECT address, uid, sequence FROM "+s.q+".retired WHERE workspace = $1", s.workspace)
	if err != nil {
		return nil, err
	}
	for ret.Next() {
		var addr string
		var r state.Retirement
		if err := ret.Scan(&addr, &r.UID, &r.Sequence); err != nil {
			return nil, err
		}
		if err := state.CheckRetired(addr, r); err != nil {
			return nil, err
		}
		if st.Retired == nil {
			st.Retired = map[string]state.Retirement{}
		}
		st.Retired[addr] = r
	}
	if err := ret.Err(); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	// Decoding JSON is most of a large Read: spread it over the cores, as
	// the file backend does.
	entries := make([]*state.Entry, len(all))
	chunks := max(1, min(runtime.GOMAXPROCS(0), len(all)/2000))
	errs := make([]error, chunks)
	var wg sync.WaitGroup
	for c := range chunks {
		wg.Go(func() {
			for i := len(all) * c / chunks; i < len(all)*(c+1)/chunks; i++ {
				if entries[i], errs[c] = all[i].entry(); errs[c] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, e := range entries {
		st.Resources[e.Address] = e
		if _, both := st.Retired[e.Address]; both {
			return nil, fmt.Errorf("resource %s is both managed and retired", e.Address)
		}
	}
	return st, nil
}

// Record makes op durable in its own transaction. When this store holds
// the lock, the transaction first checks that the lock's connection still
// holds it (a server restart drops it): an apply that lost its lock must
// not go on recording while another one may have started.
func (s *Store) Record(ctx context.Context, op state.Op) error {
	if err := ctx.Err(); err != nil {
		return s.fail("recording to", err)
	}
	if err := state.CheckOp(op); err != nil {
		return s.fail("recording to", err)
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	var r *row
	if op.Entry != nil {
		var err error
		if r, err = newRow(op.Entry); err != nil {
			return s.fail("recording to", err)
		}
	}
	s.rw.RLock()
	defer s.rw.RUnlock()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := s.checkLockHeld(ctx, tx); err != nil {
			return err
		}
		// The workspace row first: Write locks it first too, so the two
		// never wait for each other in opposite orders.
		if _, err := tx.Exec(ctx, "INSERT INTO "+s.q+".workspaces (name, lineage, version) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
			s.workspace, s.newLineage(), state.FormatVersion); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE "+s.q+".workspaces SET recorded = recorded + 1, updated_at = now() WHERE name = $1", s.workspace); err != nil {
			return err
		}
		if r == nil {
			// A removal; one that cancelled the resource keeps the
			// CANCEL's SEQUENCE in the same transaction.
			if _, err := tx.Exec(ctx, "DELETE FROM "+s.q+".resources WHERE workspace = $1 AND address = $2", s.workspace, op.Address); err != nil {
				return err
			}
			if op.Retired == nil {
				return nil
			}
			_, err := tx.Exec(ctx, "INSERT INTO "+s.q+".retired (workspace, address, uid, sequence) VALUES ($1, $2, $3, $4) "+
				"ON CONFLICT (workspace, address) DO UPDATE SET uid = excluded.uid, sequence = excluded.sequence, updated_at = now()",
				s.workspace, op.Address, op.Retired.UID, op.Retired.Sequence)
			return err
		}
		// Declared again: the entry replaces the retired record.
		if _, err := tx.Exec(ctx, "DELETE FROM "+s.q+".retired WHERE workspace = $1 AND address = $2", s.workspace, op.Address); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO "+s.q+".resources AS r (workspace, address, program, uid, hash, sequence, snapshot, refs, commit, extra) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "+
			"ON CONFLICT (workspace, address) DO UPDATE SET program = excluded.program, uid = excluded.uid, hash = excluded.hash, sequence = excluded.sequence, "+
			"snapshot = excluded.snapshot, refs = excluded.refs, commit = excluded.commit, extra = excluded.extra, updated_at = now()",
			r.args(s.workspace)...)
		return err
	})
	if err != nil {
		return s.fail("recording to", err)
	}
	s.pendingMu.Lock()
	s.pending = append(s.pending, op)
	s.pendingMu.Unlock()
	return nil
}

// checkLockHeld fails when this store took the lock and its connection
// no longer holds the advisory lock.
func (s *Store) checkLockHeld(ctx context.Context, tx pgx.Tx) error {
	s.lockMu.Lock()
	pid, held := s.lockPID, s.lockConn != nil
	s.lockMu.Unlock()
	if !held {
		return nil
	}
	var ok bool
	// A bigint advisory key shows in pg_locks split into its high (classid)
	// and low (objid) 32 bits, with objsubid 1.
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND pid = $1 AND classid = $2 AND objid = $3 AND objsubid = 1)`,
		int32(pid), uint32(uint64(s.key)>>32), uint32(uint64(s.key))).Scan(&ok)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("lost the state lock: its database session ended (server restarted or connection dropped)")
	}
	return nil
}

// Write replaces the workspace's resources with s and raises its serial,
// in one transaction. Like the file backend, it first applies to s the Ops
// recorded since the last Read, and refuses a state of another lineage or
// one read before the last Write.
func (s *Store) Write(ctx context.Context, st *state.State) error {
	if st == nil || st.Lineage == "" {
		return s.fail("writing", errors.New("state has no lineage"))
	}
	if st.Version > state.FormatVersion {
		return s.fail("writing", fmt.Errorf("state format %d is newer than this rmctl knows (%d)", st.Version, state.FormatVersion))
	}
	if st.Partial {
		return s.fail("writing", state.ErrPartial)
	}
	if err := ctx.Err(); err != nil {
		return s.fail("writing", err)
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	s.rw.Lock()
	defer s.rw.Unlock()
	s.pendingMu.Lock()
	pending := s.pending
	s.pendingMu.Unlock()
	next := *st
	next.Resources = make(map[string]*state.Entry, len(st.Resources)+len(pending))
	for a, e := range st.Resources {
		next.Resources[a] = e
	}
	next.Retired = nil
	for a, r := range st.Retired {
		if next.Retired == nil {
			next.Retired = map[string]state.Retirement{}
		}
		next.Retired[a] = r
	}
	for _, op := range pending {
		next.Apply(op)
	}
	if err := checkRetired(&next); err != nil {
		return s.fail("writing", err)
	}
	rows := make([]*row, 0, len(next.Resources))
	for _, a := range next.Addresses() {
		e := next.Resources[a]
		if err := state.CheckEntry(a, e); err != nil {
			return s.fail("writing", err)
		}
		r, err := newRow(e)
		if err != nil {
			return s.fail("writing", err)
		}
		rows = append(rows, r)
	}
	serial, err := s.replace(ctx, st.Lineage, st.Serial, false, rows, next.Retired)
	if err != nil {
		return s.fail("writing", err)
	}
	*st = next
	st.Version, st.Serial, st.Replayed = state.FormatVersion, serial, 0
	s.pendingMu.Lock()
	s.pending = nil
	s.pendingMu.Unlock()
	return nil
}

// replace swaps the workspace's resources for rows in one transaction.
// Without exact, it checks lineage and serial like Write and raises the
// serial by one; with exact (Import) the workspace takes lineage and
// serial as given. It returns the new serial.
func (s *Store) replace(ctx context.Context, lineage string, serial uint64, exact bool, rows []*row, retired map[string]state.Retirement) (uint64, error) {
	var next uint64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := s.checkLockHeld(ctx, tx); err != nil {
			return err
		}
		var (
			curLineage     string
			curSerial, n   int64
			exists, filled bool
		)
		err := tx.QueryRow(ctx, "SELECT lineage, serial, (SELECT count(*) FROM "+s.q+".resources WHERE workspace = $1) FROM "+s.q+".workspaces WHERE name = $1 FOR UPDATE",
			s.workspace).Scan(&curLineage, &curSerial, &n)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		default:
			exists, filled = true, curSerial > 0 || n > 0
		}
		switch {
		case exact && exists && filled && curLineage != lineage:
			return fmt.Errorf("it holds another state (lineage %s, serial %d, %d resources); refusing to replace another history", curLineage, curSerial, n)
		case exact && exists && curLineage == lineage && uint64(curSerial) > serial:
			return fmt.Errorf("it holds a newer state of the same lineage (serial %d, this one %d)", curSerial, serial)
		case exact:
			next = serial
		case !exists:
			next = serial + 1 // nothing to protect; a state from elsewhere keeps counting
		case curLineage != lineage:
			return fmt.Errorf("lineage %s differs from the stored %s; refusing to replace another history", lineage, curLineage)
		case uint64(curSerial) != serial:
			return fmt.Errorf("stale state (serial %d, stored %d): it changed since it was read", serial, curSerial)
		default:
			next = serial + 1
		}
		if next > state.MaxSerial {
			return fmt.Errorf("serial %d is the largest a state may have; no further write is possible (start a new state)", serial)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+s.q+".workspaces AS w (name, lineage, serial, version, recorded) VALUES ($1, $2, $3, $4, 0) "+
			"ON CONFLICT (name) DO UPDATE SET lineage = excluded.lineage, serial = excluded.serial, version = excluded.version, recorded = 0, updated_at = now()",
			s.workspace, lineage, int64(next), state.FormatVersion); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM "+s.q+".resources WHERE workspace = $1", s.workspace); err != nil {
			return err
		}
		if _, err = tx.CopyFrom(ctx, pgx.Identifier{s.schema, "resources"},
			[]string{"workspace", "address", "program", "uid", "hash", "sequence", "snapshot", "refs", "commit", "extra"},
			pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) { return rows[i].args(s.workspace), nil })); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM "+s.q+".retired WHERE workspace = $1", s.workspace); err != nil {
			return err
		}
		ret := make([][]any, 0, len(retired))
		for a, r := range retired {
			ret = append(ret, []any{s.workspace, a, r.UID, r.Sequence})
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{s.schema, "retired"}, []string{"workspace", "address", "uid", "sequence"}, pgx.CopyFromRows(ret))
		return err
	})
	return next, err
}

// Import replaces the workspace's state with st keeping its lineage and
// serial, for `rmctl state push` and `state pull`. It refuses to replace a
// workspace holding another lineage's state (unless that state is empty)
// or a newer state of the same lineage.
func (s *Store) Import(ctx context.Context, st *state.State) error {
	if st == nil || st.Lineage == "" {
		return s.fail("importing into", errors.New("state has no lineage"))
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	rows := make([]*row, 0, len(st.Resources))
	for _, a := range st.Addresses() {
		if err := state.CheckEntry(a, st.Resources[a]); err != nil {
			return s.fail("importing into", err)
		}
		r, err := newRow(st.Resources[a])
		if err != nil {
			return s.fail("importing into", err)
		}
		rows = append(rows, r)
	}
	if err := checkRetired(st); err != nil {
		return s.fail("importing into", err)
	}
	s.rw.Lock()
	defer s.rw.Unlock()
	if _, err := s.replace(ctx, st.Lineage, st.Serial, true, rows, st.Retired); err != nil {
		return s.fail("importing into", err)
	}
	s.pendingMu.Lock()
	s.pending = nil
	s.pendingMu.Unlock()
	return nil
}

// checkRetired checks st's retired records, and that no address is both
// managed and retired.
func checkRetired(st *state.State) error {
	for a, r := range st.Retired {
		if err := state.CheckRetired(a, r); err != nil {
			return err
		}
		if _, both := st.Resources[a]; both {
			return fmt.Errorf("resource %s is both managed and retired", a)
		}
	}
	return nil
}

// row is a resource as stored.
type row struct {
	address, program, uid, hash string
	sequence                    int
	snapshot, refs, extra       []byte
	commit                      *string
}

// The Entry fields that have columns of their own; every other field goes
// into extra.
var columnFields = []string{"address", "uid", "hash", "sequence", "snapshot", "refs", "commit"}

func newRow(e *state.Entry) (*row, error) {
	snapshot, err := json.Marshal(e.Snapshot)
	if err != nil {
		return nil, fmt.Errorf("resource %s: %w", e.Address, err)
	}
	r := &row{address: e.Address, program: e.Snapshot.Program, uid: e.UID, hash: e.Hash, sequence: e.Sequence, snapshot: snapshot}
	if len(e.Refs) > 0 {
		if r.refs, err = json.Marshal(e.Refs); err != nil {
			return nil, fmt.Errorf("resource %s: %w", e.Address, err)
		}
	}
	if e.Commit != "" {
		r.commit = &e.Commit
	}
	// Everything else goes to extra, whatever fields Entry has: the entry
	// without its big parts, as a map, minus the columns.
	rest := *e
	rest.Snapshot, rest.Refs = resource.Snapshot{}, nil
	data, err := json.Marshal(&rest)
	if err != nil {
		return nil, fmt.Errorf("resource %s: %w", e.Address, err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("resource %s: %w", e.Address, err)
	}
	for _, k := range columnFields {
		delete(fields, k)
	}
	if r.extra, err = json.Marshal(fields); err != nil {
		return nil, fmt.Errorf("resource %s: %w", e.Address, err)
	}
	return r, nil
}

func (r *row) args(workspace string) []any {
	var refs any
	if r.refs != nil {
		refs = string(r.refs)
	}
	return []any{workspace, r.address, r.program, r.uid, r.hash, r.sequence, string(r.snapshot), refs, r.commit, string(r.extra)}
}

// entry rebuilds the Entry from the columns and extra in one JSON object
// (one decoding pass), and checks it as strictly as the file backend
// checks what it reads.
func (r *row) entry() (*state.Entry, error) {
	extra := bytes.TrimSpace(r.extra)
	if len(extra) < 2 || extra[0] != '{' || extra[len(extra)-1] != '}' {
		return nil, fmt.Errorf("resource %s: extra is not a JSON object", r.address)
	}
	extra = bytes.TrimSpace(extra[1 : len(extra)-1])
	b := make([]byte, 0, len(r.snapshot)+len(r.refs)+len(extra)+256)
	b = append(b, `{"address":`...)
	b = appendString(b, r.address)
	b = append(b, `,"uid":`...)
	b = appendString(b, r.uid)
	b = append(b, `,"hash":`...)
	b = appendString(b, r.hash)
	b = append(b, `,"sequence":`...)
	b = strconv.AppendInt(b, int64(r.sequence), 10)
	b = append(b, `,"snapshot":`...)
	b = append(b, r.snapshot...)
	if r.refs != nil {
		b = append(b, `,"refs":`...)
		b = append(b, r.refs...)
	}
	if r.commit != nil {
		b = append(b, `,"commit":`...)
		b = appendString(b, *r.commit)
	}
	if len(extra) > 0 {
		b = append(b, ',')
		b = append(b, extra...)
	}
	b = append(b, '}')
	var e state.Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("resource %s: %w", r.address, err)
	}
	if err := state.CheckEntry(r.address, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}
