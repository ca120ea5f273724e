package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
)

// BackupSuffix names the backup next to the state file: PATH.backup.
const BackupSuffix = ".backup"

// Backup writes s to PATH.backup (mode 0600), replacing the previous
// backup. Apply and state rm call it with the lock held, after a strict
// Read and before they change anything; Write refreshes it with every state
// it writes. So the backup is always the last state that passed the
// checks, and Restore, which also replays the journal recorded on top of
// it, loses nothing when the state file alone is damaged. It keeps the
// serial of s.
func (l *Local) Backup(ctx context.Context, s *State) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("backing up state %s: %w", l.path, err)
	}
	l.io.Lock()
	defer l.io.Unlock()
	if s.Replayed == 0 && s.Version == FormatVersion && s.Serial == l.serial {
		// s is the state file as Read checked it, and usually the backup
		// already holds the same bytes (Write refreshed it): comparing is
		// much cheaper than encoding s again. The file's bytes are not
		// copied otherwise: they may have changed since Read checked them.
		cur, err := os.ReadFile(l.path)
		if err == nil {
			if old, err := os.ReadFile(l.path + BackupSuffix); err == nil && bytes.Equal(old, cur) {
				return nil
			}
		}
	}
	data, err := encodeState(s, s.Serial)
	if err != nil {
		return fmt.Errorf("backing up state %s: %w", l.path, err)
	}
	if err := l.writeBackup(data); err != nil {
		return fmt.Errorf("backing up state %s: %w", l.path, err)
	}
	return nil
}

// Report is what Check found.
type Report struct {
	Version   int    // format version of the state file; 1 is migrated by the next write
	Lineage   string // lineage of the state file
	Serial    uint64 // serial of the state file
	Resources int    // resources in the state file
	Retired   int    // retired records in the state file
	Journal   int    // journal Ops that Read would replay
	Backup    *Report
	// BackupErr is why the backup is unusable; nil when it is fine or
	// absent (then Backup is nil too).
	BackupErr error
}

// Check reads the state file and its journal with the strict checks Read
// applies, without creating or changing anything, and checks the backup
// too. The error is Read's error (a *DamagedError for a damaged state);
// the report is filled as far as the check got.
func (l *Local) Check(ctx context.Context) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("checking state %s: %w", l.path, err)
	}
	l.io.Lock()
	defer l.io.Unlock()
	r := &Report{}
	if b, err := l.readFile(l.path + BackupSuffix); err == nil {
		r.Backup = &Report{Version: b.Version, Lineage: b.Lineage, Serial: b.Serial, Resources: len(b.Resources)}
	} else if !errors.Is(err, fs.ErrNotExist) {
		r.BackupErr = err
	}
	s, err := l.readFile(l.path)
	if err != nil {
		return r, l.withHint(err)
	}
	r.Version, r.Lineage, r.Serial, r.Resources, r.Retired = s.Version, s.Lineage, s.Serial, len(s.Resources), len(s.Retired)
	ops, err := l.readJournal(s.Serial)
	if err != nil {
		return r, l.withHint(err)
	}
	r.Journal = len(ops)
	return r, nil
}

func (l *Local) readFile(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading state %s: %w", path, err)
	}
	return decodeState(path, data)
}

// Restored says what Restore did.
type Restored struct {
	Serial     uint64   // serial of the restored state
	Resources  int      // resources in it
	Replayed   int      // journal Ops replayed on top of the backup
	JournalErr error    // why the journal was not replayed, if it was not
	SetAside   []string // the files moved out of the way, kept for inspection
}

// Restore puts the backup back as the state, with the journal Ops recorded
// on top of it replayed: the damaged state file and the journal are kept
// under a name ending in .damaged-TIME, never deleted. The restored state
// gets a serial past both the backup's and the damaged file's (when its
// header is readable), so a plan saved from either counts as stale. A
// journal that is itself damaged is set aside without being replayed
// (Restored.JournalErr says why). The caller must hold the lock.
func (l *Local) Restore(ctx context.Context) (*Restored, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("restoring state %s: %w", l.path, err)
	}
	l.io.Lock()
	defer l.io.Unlock()
	backup := l.path + BackupSuffix
	b, err := l.readFile(backup)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("restoring state %s: there is no backup %s", l.path, backup)
	}
	if err != nil {
		return nil, fmt.Errorf("restoring state %s: the backup is not usable either: %w", l.path, err)
	}
	res := &Restored{}
	ops, err := l.readJournal(b.Serial)
	if err != nil {
		res.JournalErr = err
		ops = nil
	}
	for _, op := range ops {
		b.Apply(op)
	}
	res.Replayed = len(ops)
	serial := b.Serial
	if h, err := l.readHeader(); err == nil && h.Lineage == b.Lineage && h.Serial > serial {
		serial = h.Serial
	}
	if serial >= MaxSerial {
		serial = b.Serial // the damaged serial was out of range: ignore it
	}
	data, err := encodeState(b, serial+1)
	if err != nil {
		return nil, fmt.Errorf("restoring state %s: %w", l.path, err)
	}
	stamp := ".damaged-" + l.now().UTC().Format("20060102T150405Z")
	res.Serial, res.Resources = serial+1, len(b.Resources)
	if kept, err := keepAs(l.path, stamp); err == nil {
		res.SetAside = append(res.SetAside, kept)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("restoring state %s: keeping the damaged state: %w", l.path, err)
	}
	if err := l.replaceFile(l.path, data); err != nil {
		return nil, fmt.Errorf("restoring state %s: %w", l.path, err)
	}
	// The journal goes only now: until the restored state is durable, a
	// crash must leave everything for restore to run again. After it, its
	// lines carry older serials than the state, which Read skips.
	kept, err := keepAs(l.journal, stamp)
	if err == nil {
		res.SetAside = append(res.SetAside, kept)
		err = os.Remove(l.journal)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("restoring state %s (restored): setting the journal aside: %w", l.path, err)
	}
	if err := l.writeBackup(data); err != nil {
		return nil, fmt.Errorf("restoring state %s (restored): refreshing the backup: %w", l.path, err)
	}
	l.serial, l.serialKnown = serial+1, true
	l.pending, l.journalErr, l.unborn = nil, nil, ""
	return res, nil
}

// keepAs links path to a new name made of path and suffix (plus a counter
// when that exists: two restores in one second) and returns it. Linking,
// unlike renaming, never replaces a file kept earlier.
func keepAs(path, suffix string) (string, error) {
	for n := 1; ; n++ {
		name := path + suffix
		if n > 1 {
			name += "-" + strconv.Itoa(n)
		}
		err := os.Link(path, name)
		if !errors.Is(err, fs.ErrExist) || n == 100 {
			return name, err
		}
	}
}
