package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migration is one versioned step of the schema. Steps are only ever
// appended: a released step never changes, so every database that ran it
// has the same tables.
type migration struct {
	version int
	about   string
	sql     string // {schema} is replaced by the quoted schema name
}

// migrations is the schema's history. The entry is stored twice on
// purpose: the columns rmctl and a DBA query (address, program, uid, hash,
// sequence, snapshot, refs, commit), and "extra" for every other field of
// state.Entry, so that fields added to Entry later ride along without a
// migration.
var migrations = []migration{
	{1, "workspaces, resources and locks", `
CREATE TABLE {schema}.workspaces (
	name       text PRIMARY KEY,
	lineage    text NOT NULL,
	serial     bigint NOT NULL DEFAULT 0,
	version    integer NOT NULL,
	recorded   bigint NOT NULL DEFAULT 0,
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE {schema}.resources (
	workspace  text NOT NULL REFERENCES {schema}.workspaces (name) ON DELETE CASCADE,
	address    text NOT NULL,
	program    text NOT NULL,
	uid        text NOT NULL,
	hash       text NOT NULL,
	sequence   integer NOT NULL CHECK (sequence >= 0),
	snapshot   jsonb NOT NULL,
	refs       jsonb,
	commit     text,
	extra      jsonb NOT NULL DEFAULT '{}',
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (workspace, address)
);
CREATE TABLE {schema}.locks (
	workspace   text PRIMARY KEY,
	id          text NOT NULL,
	holder      text NOT NULL,
	operation   text NOT NULL,
	since       timestamptz NOT NULL,
	pid         integer NOT NULL,
	host        text NOT NULL,
	backend_pid integer NOT NULL,
	info        jsonb NOT NULL
);`},
	{2, "retired records of cancelled resources", `
CREATE TABLE {schema}.retired (
	workspace  text NOT NULL REFERENCES {schema}.workspaces (name) ON DELETE CASCADE,
	address    text NOT NULL,
	uid        text NOT NULL,
	sequence   integer NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (workspace, address)
);`},
}

// LatestVersion is the schema version this rmctl creates and expects.
func LatestVersion() int { return migrations[len(migrations)-1].version }

// Migrated says what Migrate did.
type Migrated struct {
	From, To int   // schema version before and after
	Applied  []int // versions applied now, in order
}

// migrate brings the schema to the latest version. A transaction-level
// advisory lock serializes concurrent migrators (eight applies starting
// at once on a fresh database): the second waits, then finds nothing to
// do. Each step and its schema_migrations row commit together, so an
// interrupted migration leaves the schema at a version it knows.
func migrate(ctx context.Context, conn *pgx.Conn, schema string, key int64) (*Migrated, error) {
	q := pgx.Identifier{schema}.Sanitize()
	// Up to date: no DDL at all, so a role that may only read and write
	// rows (the database owner ran rmctl state migrate) works.
	var current int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+q+".schema_migrations").Scan(&current); err == nil && current == LatestVersion() {
		return &Migrated{From: current, To: current}, nil
	}
	res := &Migrated{}
	for {
		done, err := migrateStep(ctx, conn, q, key, res)
		if err != nil {
			return nil, fmt.Errorf("migrating the rmctl schema %s: %w", q, err)
		}
		if done {
			return res, nil
		}
	}
}

// migrateStep applies the next missing migration in one transaction, and
// reports done when there is none.
func migrateStep(ctx context.Context, conn *pgx.Conn, q string, key int64, res *Migrated) (done bool, err error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", key); err != nil {
		return false, err
	}
	for _, stmt := range []string{
		"CREATE SCHEMA IF NOT EXISTS " + q,
		"CREATE TABLE IF NOT EXISTS " + q + ".schema_migrations (version integer PRIMARY KEY, about text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
	} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return false, err
		}
	}
	var current int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+q+".schema_migrations").Scan(&current); err != nil {
		return false, err
	}
	if len(res.Applied) == 0 {
		res.From = current
	}
	res.To = current
	if current > LatestVersion() {
		return false, fmt.Errorf("the schema is at version %d, newer than this rmctl knows (%d): upgrade rmctl", current, LatestVersion())
	}
	var next *migration
	for i := range migrations {
		if migrations[i].version > current {
			next = &migrations[i]
			break
		}
	}
	if next == nil {
		return true, tx.Commit(ctx)
	}
	if _, err := tx.Exec(ctx, strings.ReplaceAll(next.sql, "{schema}", q)); err != nil {
		return false, fmt.Errorf("version %d (%s): %w", next.version, next.about, err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO "+q+".schema_migrations (version, about) VALUES ($1, $2)", next.version, next.about); err != nil {
		return false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return false, err
	}
	res.Applied = append(res.Applied, next.version)
	res.To = next.version
	return false, nil
}
