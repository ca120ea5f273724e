package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Lock takes the lock for info.ID. Created and Expires default to now and
// now plus the lock TTL; PID defaults to the calling process, and for it
// Lock records host, boot id, PID namespace and process start time.
//
// A lock is taken over when it expired, or at once when its holder is a
// process on this machine that no longer exists: same host, boot and PID
// namespace, and no process with its PID or one that started at another
// time (the PID was reused). That is the common end of a killed apply
// (SIGKILL, OOM, a cancelled CI job), and waiting for the TTL or asking
// for force-unlock would only stall the next run. A lock from another
// machine, or without the process identity, waits for its TTL. Every
// takeover is reported through LocalOptions.OnTakeOver.
//
// The lock file appears atomically with its content (see createExclusive),
// and only when there is none. Every step that removes or replaces it
// (taking over an expired lock, Unlock, ForceUnlock, RenewLock) runs under
// an flock on PATH.lock.guard and re-reads the lock first, so two processes
// finding the same expired lock cannot both take it over: the second sees
// the first one's fresh lock. The flock is held for microseconds and
// released by the kernel if the process dies, so it cannot go stale the way
// the lock file can. The guard file stays in place; removing it would let a
// waiter lock a file that is no longer there.
func (l *Local) Lock(ctx context.Context, info LockInfo) error {
	if info.ID == "" {
		return fmt.Errorf("locking state %s: empty lock ID", l.path)
	}
	now := l.now()
	if info.PID == 0 {
		info.PID = os.Getpid()
	}
	if info.PID == os.Getpid() && info.Host == "" {
		// Best effort: without the identity the lock is only freed by
		// its TTL, as before.
		_ = Identify(&info)
	}
	if info.Created.IsZero() {
		info.Created = now
	}
	if info.Expires.IsZero() {
		info.Expires = now.Add(l.ttl)
	}
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return fmt.Errorf("locking state %s: %w", l.path, err)
	}
	data = append(data, '\n')
	for range 10 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("locking state %s: %w", l.path, err)
		}
		err := l.createExclusive(l.lock, data)
		if err == nil {
			l.removeTemps()
			l.removeFoldedJournal()
			return nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue // the lock holder cleaned up our temp file: look again
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("locking state %s: %w", l.path, err)
		}
		held, err := l.readLock(l.lock)
		if errors.Is(err, fs.ErrNotExist) {
			continue // released meanwhile
		}
		if err != nil {
			return err
		}
		if l.staleness(held, now) == "" {
			return &LockedError{Info: *held}
		}
		if taken, err := l.takeOver(held.ID, data); taken || err != nil {
			if taken {
				// The former holder may have died between linking its
				// lock into place and removing the temp file.
				l.removeTemps()
				l.removeFoldedJournal()
			}
			return err
		}
		// The lock changed meanwhile: look again.
	}
	return fmt.Errorf("locking state %s: lock file %s keeps changing; try again", l.path, l.lock)
}

// removeTemps deletes temporary files a killed process left behind. The
// lock holder owns the state and lock files, so their temps can go: a
// process racing for the lock loses its temp file, finds the lock taken and
// reports it as usual. Failures are ignored: a leftover temp harms nothing.
func (l *Local) removeTemps() {
	for _, pattern := range []string{l.path + ".tmp-*", l.path + BackupSuffix + ".tmp-*", l.lock + ".tmp-*"} {
		names, _ := filepath.Glob(pattern)
		for _, n := range names {
			os.Remove(n)
		}
	}
}

// removeFoldedJournal deletes a journal whose every line is folded into
// the state file already. A Write that was killed after it renamed the new
// state into place but before it removed the journal leaves one; Read
// skips such lines, so no Write would ever follow to remove it, and it
// would outlive every later apply. Only the lock holder may do this (no
// Record runs yet); failures are ignored, as the journal harms nothing.
func (l *Local) removeFoldedJournal() {
	l.io.Lock()
	defer l.io.Unlock()
	h, err := l.readHeader()
	if err != nil {
		return
	}
	if ops, err := l.readJournal(h.Serial); err != nil || len(ops) > 0 {
		return
	}
	if err := os.Remove(l.journal); err == nil {
		_ = syncDir(filepath.Dir(l.journal))
	}
}

// staleness says why the lock held may be taken over, or "" when it may
// not.
func (l *Local) staleness(held *LockInfo, now time.Time) string {
	if why := HolderGone(*held); why != "" {
		return why
	}
	if held.Expires.Before(now) {
		return "the lock expired at " + held.Expires.Format(time.RFC3339)
	}
	return ""
}

// Identify records in info the identity of the running process info.PID
// on this machine: host, boot id, PID namespace and start time. It returns
// an error wrapping errors.ErrUnsupported where process start times cannot
// be read (outside Linux). Backends call it for the locking process.
func Identify(info *LockInfo) error {
	host, boot, ns, err := machine()
	if err != nil {
		return fmt.Errorf("identifying process %d: %w", info.PID, err)
	}
	start, running, err := processStart(info.PID)
	if err != nil {
		return fmt.Errorf("identifying process %d: %w", info.PID, err)
	}
	if !running {
		return fmt.Errorf("identifying process %d: it is not running", info.PID)
	}
	info.Host, info.BootID, info.PIDNamespace, info.Start = host, boot, ns, start
	return nil
}

// HolderGone says why the lock's holder is known to be gone, or "" when it
// may be running or cannot be checked from here (another machine, a lock
// without the identity Identify records).
func HolderGone(held LockInfo) string {
	if held.Host == "" || held.BootID == "" || held.PIDNamespace == "" || held.Start == 0 || held.PID <= 0 {
		return ""
	}
	host, boot, ns, err := machine()
	if err != nil || host != held.Host || boot != held.BootID || ns != held.PIDNamespace {
		return ""
	}
	start, running, err := processStart(held.PID)
	switch {
	case err != nil:
		return ""
	case !running:
		return fmt.Sprintf("process %d on %s no longer exists", held.PID, held.Host)
	case start != held.Start:
		return fmt.Sprintf("process %d on %s no longer exists (the PID now belongs to another process)", held.PID, held.Host)
	}
	return ""
}

// takeOver replaces the stale lock with the given ID by one with data,
// unless it changed meanwhile. It reports whether the lock is now ours.
func (l *Local) takeOver(staleID string, data []byte) (bool, error) {
	release, err := guard(l.lock + ".guard")
	if err != nil {
		return false, fmt.Errorf("locking state %s: %w", l.path, err)
	}
	defer release()
	held, err := l.readLock(l.lock)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if held.ID != staleID {
		return false, nil
	}
	why := l.staleness(held, l.now())
	if why == "" {
		return false, nil
	}
	if err := os.Remove(l.lock); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("locking state %s: removing expired lock: %w", l.path, err)
	}
	// A process not taking over may still create its lock first; then
	// this fails and Lock reports that one.
	err = l.createExclusive(l.lock, data)
	switch {
	case err == nil:
		if l.onTakeOver != nil {
			l.onTakeOver(*held, why)
		}
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	}
	return false, fmt.Errorf("locking state %s: %w", l.path, err)
}

// Unlock releases the lock with the given ID. It returns an error wrapping
// ErrNotLocked when the lock is not held with that ID.
func (l *Local) Unlock(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("unlocking state %s: %w", l.path, err)
	}
	if err := l.removeLock(id); err != nil {
		return fmt.Errorf("unlocking state %s: %w", l.path, err)
	}
	return nil
}

// ForceUnlock removes the lock if it has the given ID, whoever holds it,
// for `rmctl force-unlock ID` after a process died holding it. Asking for
// the ID, rather than removing whatever is there, keeps it from breaking a
// lock that was taken since the user looked. The error for another ID
// names the actual holder.
func (l *Local) ForceUnlock(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("force-unlocking state %s: %w", l.path, err)
	}
	if err := l.removeLock(id); err != nil {
		return fmt.Errorf("force-unlocking state %s: %w", l.path, err)
	}
	return nil
}

// LockInfo returns the current lock, or nil when the state is not locked.
func (l *Local) LockInfo() (*LockInfo, error) {
	info, err := l.readLock(l.lock)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return info, err
}

// RenewLock moves the Expires of the lock with the given ID to now plus
// the lock TTL, for an apply that runs longer than the TTL. It refuses a
// lock that already expired: another process may have taken it over.
func (l *Local) RenewLock(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("renewing lock %s: %w", l.lock, err)
	}
	release, err := guard(l.lock + ".guard")
	if err != nil {
		return fmt.Errorf("renewing lock %s: %w", l.lock, err)
	}
	defer release()
	held, err := l.heldBy(id)
	if err != nil {
		return fmt.Errorf("renewing lock %s: %w", l.lock, err)
	}
	now := l.now()
	if held.Expires.Before(now) {
		return fmt.Errorf("renewing lock %s: lock %s expired at %s and may be taken over; not renewed", l.lock, id, held.Expires.Format(time.RFC3339))
	}
	held.Expires = now.Add(l.ttl)
	data, err := json.MarshalIndent(held, "", "  ")
	if err == nil {
		err = l.replaceFile(l.lock, append(data, '\n'))
	}
	if err != nil {
		return fmt.Errorf("renewing lock %s: %w", l.lock, err)
	}
	return nil
}

// removeLock removes the lock if it has the given ID.
func (l *Local) removeLock(id string) error {
	// Look before taking the guard: a missing directory or a foreign lock
	// needs no guard file created.
	if _, err := l.heldBy(id); err != nil {
		return err
	}
	release, err := guard(l.lock + ".guard")
	if err != nil {
		return err
	}
	defer release()
	if _, err := l.heldBy(id); err != nil {
		return err
	}
	if err := os.Remove(l.lock); err != nil {
		return fmt.Errorf("removing lock %s: %w", l.lock, err)
	}
	return nil
}

// heldBy returns the lock if it has the given ID, or an error wrapping
// ErrNotLocked that names the actual holder.
func (l *Local) heldBy(id string) (*LockInfo, error) {
	held, err := l.readLock(l.lock)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: lock ID %s: there is no lock", ErrNotLocked, id)
	}
	if err != nil {
		return nil, err
	}
	if held.ID != id {
		return nil, fmt.Errorf("%w: lock ID %s: the lock is held by %s (pid %d) for %q since %s with ID %s",
			ErrNotLocked, id, held.Who, held.PID, held.Operation, held.Created.Format(time.RFC3339), held.ID)
	}
	return held, nil
}

func (l *Local) readLock(path string) (*LockInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading lock %s: %w", path, err)
	}
	var info LockInfo
	if err := json.Unmarshal(data, &info); err != nil || info.ID == "" {
		if err == nil {
			err = errors.New("no lock ID")
		}
		return nil, fmt.Errorf("reading lock %s: %w (if no rmctl is running, delete the file)", path, err)
	}
	return &info, nil
}
