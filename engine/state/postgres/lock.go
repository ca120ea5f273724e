package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rmctl/rmctl/engine/state"
)

// Lock takes the workspace's lock: pg_try_advisory_lock on a connection
// of its own, kept open until Unlock. The lock-info row (holder,
// operation, since, pid, host) is what a second process shows in its
// *state.LockedError.
//
// A lock-info row found when the advisory lock was free belongs to a
// holder whose session ended (killed, crashed): it is replaced at once,
// with OnTakeOver told. While another session holds the advisory lock,
// the lock is held whatever the row's Expires says: the holder is alive as
// long as its connection is.
//
// A second Lock through the same Store (the same session) behaves like the
// file backend: the row's holder keeps the lock until it expires or is
// known to be gone.
func (s *Store) Lock(ctx context.Context, info state.LockInfo) error {
	if info.ID == "" {
		return s.fail("locking", errors.New("empty lock ID"))
	}
	if err := ctx.Err(); err != nil {
		return s.fail("locking", err)
	}
	now := s.now()
	if info.PID == 0 {
		info.PID = os.Getpid()
	}
	if info.PID == os.Getpid() && info.Host == "" {
		_ = state.Identify(&info) // best effort, as in the file backend
	}
	if info.Created.IsZero() {
		info.Created = now
	}
	if info.Expires.IsZero() {
		info.Expires = now.Add(s.ttl)
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	s.lockMu.Lock()
	defer s.lockMu.Unlock()
	if s.lockConn != nil {
		held, err := s.readLock(ctx, s.lockConn)
		if err != nil {
			return s.fail("locking", err)
		}
		if held != nil {
			why := state.HolderGone(*held)
			if why == "" && held.Expires.Before(now) {
				why = "the lock expired at " + held.Expires.Format(time.RFC3339)
			}
			if why == "" {
				return &state.LockedError{Info: *held}
			}
			if err := s.writeLock(ctx, s.lockConn, info); err != nil {
				return s.fail("locking", err)
			}
			s.lockID = info.ID
			if s.onTakeOver != nil {
				s.onTakeOver(*held, why)
			}
			return nil
		}
		if err := s.writeLock(ctx, s.lockConn, info); err != nil {
			return s.fail("locking", err)
		}
		s.lockID = info.ID
		return nil
	}

	conn, err := pgx.ConnectConfig(ctx, s.connConfig)
	if err != nil {
		return s.fail("locking", err)
	}
	var got bool
	var pid uint32
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1), pg_backend_pid()", s.key).Scan(&got, &pid); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return s.fail("locking", err)
	}
	if !got {
		// A holder known to be dead (a process of this machine that no
		// longer runs) loses its lock as soon as its server backend
		// notices the closed connection and exits: wait for that rather
		// than fail a re-run started right after a kill.
		if got, err = s.awaitDeadHolder(ctx, conn); err != nil {
			conn.Close(context.WithoutCancel(ctx))
			return s.fail("locking", err)
		}
	}
	if !got {
		defer conn.Close(context.WithoutCancel(ctx))
		// The holder writes its row right after taking the advisory lock:
		// give it a moment before reporting a holder without a name.
		for range 20 {
			held, err := s.readLock(ctx, conn)
			if err != nil {
				return s.fail("locking", err)
			}
			if held != nil {
				return &state.LockedError{Info: *held}
			}
			select {
			case <-ctx.Done():
				return s.fail("locking", ctx.Err())
			case <-time.After(10 * time.Millisecond):
			}
		}
		return &state.LockedError{Info: state.LockInfo{ID: "(unknown)", Who: "another session", Operation: "(unknown)", Created: now}}
	}
	held, err := s.readLock(ctx, conn)
	if err == nil {
		err = s.writeLock(ctx, conn, info, pid)
	}
	if err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return s.fail("locking", err)
	}
	s.lockConn, s.lockID, s.lockPID = conn, info.ID, pid
	if held != nil && s.onTakeOver != nil {
		s.onTakeOver(*held, "its database session ended")
	}
	return nil
}

// deadHolderWait bounds how long Lock waits for the server to release the
// lock of a holder known to be dead.
const deadHolderWait = 5 * time.Second

// awaitDeadHolder retries the advisory lock while the lock-info row names
// a holder that is gone, for up to deadHolderWait.
func (s *Store) awaitDeadHolder(ctx context.Context, conn *pgx.Conn) (bool, error) {
	deadline := time.Now().Add(deadHolderWait)
	for time.Now().Before(deadline) {
		held, err := s.readLock(ctx, conn)
		if err != nil || held == nil || state.HolderGone(*held) == "" {
			return false, err
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		var got bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", s.key).Scan(&got); err != nil || got {
			return got, err
		}
	}
	return false, nil
}

// readLock returns the lock-info row, or nil when there is none.
func (s *Store) readLock(ctx context.Context, conn *pgx.Conn) (*state.LockInfo, error) {
	var data []byte
	err := conn.QueryRow(ctx, "SELECT info FROM "+s.q+".locks WHERE workspace = $1", s.workspace).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var info state.LockInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("lock-info row: %w", err)
	}
	return &info, nil
}

// writeLock replaces the lock-info row. backendPID defaults to the one of
// the lock connection.
func (s *Store) writeLock(ctx context.Context, conn *pgx.Conn, info state.LockInfo, backendPID ...uint32) error {
	pid := s.lockPID
	if len(backendPID) > 0 {
		pid = backendPID[0]
	}
	data, err := json.Marshal(info)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "INSERT INTO "+s.q+".locks (workspace, id, holder, operation, since, pid, host, backend_pid, info) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "+
		"ON CONFLICT (workspace) DO UPDATE SET id = excluded.id, holder = excluded.holder, operation = excluded.operation, since = excluded.since, "+
		"pid = excluded.pid, host = excluded.host, backend_pid = excluded.backend_pid, info = excluded.info",
		s.workspace, info.ID, info.Who, info.Operation, info.Created, info.PID, info.Host, int32(pid), string(data))
	return err
}

// Unlock releases the lock with the given ID, which this Store must hold:
// it removes the lock-info row and closes the lock's connection, which
// ends the advisory lock.
func (s *Store) Unlock(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return s.fail("unlocking", err)
	}
	s.lockMu.Lock()
	defer s.lockMu.Unlock()
	if s.lockConn == nil || s.lockID != id {
		return s.fail("unlocking", s.notLocked(ctx, id))
	}
	conn := s.lockConn
	s.lockConn, s.lockID, s.lockPID = nil, "", 0
	// The row goes first, then the advisory lock, explicitly: the server
	// ends a closed session's locks only as its backend exits, a moment
	// after Close returns, and a Lock right after this Unlock must find
	// the lock free. Closing the connection releases the advisory lock
	// even when these fail (say, the server restarted); a row left behind
	// is replaced by the next Lock.
	_, err := conn.Exec(ctx, "DELETE FROM "+s.q+".locks WHERE workspace = $1 AND id = $2", s.workspace, id)
	if err == nil {
		_, err = conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", s.key)
	}
	conn.Close(context.WithoutCancel(ctx))
	if err != nil {
		return s.fail("unlocking", err)
	}
	return nil
}

// notLocked is the ErrNotLocked error for id, naming the actual holder.
func (s *Store) notLocked(ctx context.Context, id string) error {
	var held struct{ id, who string }
	err := s.pool.QueryRow(ctx, "SELECT id, holder FROM "+s.q+".locks WHERE workspace = $1", s.workspace).Scan(&held.id, &held.who)
	if err == nil && held.id != id {
		return fmt.Errorf("%w: lock ID %s: the lock is held by %s with ID %s", state.ErrNotLocked, id, held.who, held.id)
	}
	return fmt.Errorf("%w: lock ID %s: this process does not hold it", state.ErrNotLocked, id)
}

// ForceUnlock removes the lock-info row with the given ID when no session
// holds the advisory lock. There is rarely a need: a dead holder's lock
// ends with its connection. A live session's lock cannot be broken from
// here; the error names its server process for a DBA.
func (s *Store) ForceUnlock(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return s.fail("force-unlocking", err)
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	s.lockMu.Lock()
	mine := s.lockConn != nil && s.lockID == id
	s.lockMu.Unlock()
	if mine {
		return s.Unlock(ctx, id)
	}
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return s.fail("force-unlocking", err)
	}
	defer c.Release()
	var rowID string
	var backendPID int32
	err = c.QueryRow(ctx, "SELECT id, backend_pid FROM "+s.q+".locks WHERE workspace = $1", s.workspace).Scan(&rowID, &backendPID)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && rowID != id) {
		return s.fail("force-unlocking", s.notLocked(ctx, id))
	}
	if err != nil {
		return s.fail("force-unlocking", err)
	}
	var free bool
	if err := c.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", s.key).Scan(&free); err != nil {
		return s.fail("force-unlocking", err)
	}
	if !free {
		return s.fail("force-unlocking", fmt.Errorf("lock %s is held by a live database session (server process %d); stop the rmctl process holding it, or have a database administrator run: SELECT pg_terminate_backend(%d)", id, backendPID, backendPID))
	}
	// Released before the pooled connection goes back to the pool.
	defer c.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", s.key)
	if _, err := c.Exec(ctx, "DELETE FROM "+s.q+".locks WHERE workspace = $1 AND id = $2", s.workspace, id); err != nil {
		return s.fail("force-unlocking", err)
	}
	return nil
}

// LockInfo returns the lock-info row, or nil when the state is not locked.
func (s *Store) LockInfo(ctx context.Context) (*state.LockInfo, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, s.fail("reading the lock of", err)
	}
	defer c.Release()
	return s.readLock(ctx, c.Conn())
}

// RenewLock moves the Expires of the lock-info row to now plus the lock
// TTL, and checks on the way that the lock's connection is alive: an
// apply whose lock session ended (a server restart) must stop.
func (s *Store) RenewLock(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return s.fail("renewing the lock of", err)
	}
	s.lockMu.Lock()
	defer s.lockMu.Unlock()
	if s.lockConn == nil || s.lockID != id {
		return s.fail("renewing the lock of", s.notLocked(ctx, id))
	}
	held, err := s.readLock(ctx, s.lockConn)
	if err != nil {
		return s.fail("renewing the lock of", fmt.Errorf("the lock's database session ended: %w", err))
	}
	if held == nil || held.ID != id {
		return s.fail("renewing the lock of", fmt.Errorf("%w: lock ID %s: the lock-info row changed", state.ErrNotLocked, id))
	}
	held.Expires = s.now().Add(s.ttl)
	if err := s.writeLock(ctx, s.lockConn, *held); err != nil {
		return s.fail("renewing the lock of", err)
	}
	return nil
}
