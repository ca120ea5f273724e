package state_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/state/statetest"
)

type takeOver struct {
	prev state.LockInfo
	why  string
}

// lockStore returns a Local that collects its takeover notes, and writes
// held as its lock file, as the holder's process wrote it.
func lockStore(t *testing.T, held state.LockInfo) (*state.Local, *[]takeOver) {
	t.Helper()
	var notes []takeOver
	l := state.NewLocal(filepath.Join(t.TempDir(), "state.json"), state.LocalOptions{
		OnTakeOver: func(prev state.LockInfo, why string) { notes = append(notes, takeOver{prev, why}) },
	})
	data, err := json.MarshalIndent(held, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, l.Path()+".lock", string(data))
	return l, &notes
}

func TestLockTakesOverDeadHolder(t *testing.T) {
	dead := statetest.DeadProcess(t)
	l, notes := lockStore(t, dead)
	if err := l.Lock(bg, state.LockInfo{ID: "next", Operation: "apply"}); err != nil {
		t.Fatalf("Lock over a dead holder's lock: %v, want it taken over", err)
	}
	if len(*notes) != 1 || (*notes)[0].prev.ID != dead.ID || (*notes)[0].prev.PID != dead.PID {
		t.Fatalf("takeover notes %+v, want one naming the dead holder", *notes)
	}
	want := "process " + strconv.Itoa(dead.PID) + " on " + dead.Host + " no longer exists"
	if why := (*notes)[0].why; why != want {
		t.Errorf("takeover reason %q, want %q", why, want)
	}
	if info, err := l.LockInfo(); err != nil || info.ID != "next" {
		t.Fatalf("lock after takeover: %+v, %v", info, err)
	}
}

func TestLockTakesOverReusedPID(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	live := state.LockInfo{ID: "holder", Operation: "apply", PID: cmd.Process.Pid}
	if err := state.Identify(&live); errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	live.Expires = live.Created.AddDate(9000, 0, 0)

	// The holder itself, still running: the lock holds.
	l, notes := lockStore(t, live)
	var le *state.LockedError
	if err := l.Lock(bg, state.LockInfo{ID: "next"}); !errors.As(err, &le) || le.Info.ID != "holder" {
		t.Fatalf("Lock while the holder runs: %v, want *state.LockedError", err)
	}
	if len(*notes) != 0 {
		t.Fatalf("takeover notes %+v while the holder runs", *notes)
	}

	// The same PID, started at another time: the holder died and its PID
	// went to a new process.
	reused := live
	reused.Start--
	l, notes = lockStore(t, reused)
	if err := l.Lock(bg, state.LockInfo{ID: "next"}); err != nil {
		t.Fatalf("Lock over a reused PID: %v, want it taken over", err)
	}
	if len(*notes) != 1 || !strings.Contains((*notes)[0].why, "the PID now belongs to another process") {
		t.Fatalf("takeover notes %+v", *notes)
	}
}

func TestLockFromAnotherHostBlocks(t *testing.T) {
	other := statetest.DeadProcess(t)
	other.Host = "build-7"
	l, notes := lockStore(t, other)
	var le *state.LockedError
	if err := l.Lock(bg, state.LockInfo{ID: "next"}); !errors.As(err, &le) || le.Info.ID != other.ID {
		t.Fatalf("Lock over another host's lock: %v, want *state.LockedError", err)
	}
	if !strings.Contains(le.Error(), "rmctl force-unlock dead-holder") {
		t.Errorf("the error does not say how to release it: %v", le)
	}
	if len(*notes) != 0 {
		t.Errorf("takeover notes %+v, want none", *notes)
	}
}

// Lock records the calling process so that the next one can tell whether
// it is gone.
func TestLockRecordsProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("process identities are read from /proc")
	}
	l := newLocal(t)
	if err := l.Lock(bg, state.LockInfo{ID: "me", Operation: "apply"}); err != nil {
		t.Fatal(err)
	}
	info, err := l.LockInfo()
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	stat, _ := os.ReadFile("/proc/self/stat")
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if info.PID != os.Getpid() || info.Host != host || info.BootID != strings.TrimSpace(string(boot)) ||
		!strings.HasPrefix(info.PIDNamespace, "pid:[") || strconv.FormatUint(info.Start, 10) != fields[19] {
		t.Fatalf("lock %+v, want pid %d host %s boot %s start %s", info, os.Getpid(), host, boot, fields[19])
	}
	fi, err := os.Stat(l.Path() + ".lock")
	if err != nil || fi.Mode() != 0o600 {
		t.Fatalf("lock file: %v, mode %v; want 0600", err, fi.Mode())
	}
}

// TestLockRemovesTempsOfKilledHolder: a holder killed while writing state
// or its backup leaves temporary files; whoever takes the lock next removes
// them (the crash trials found a backup temp left behind).
func TestLockRemovesTempsOfKilledHolder(t *testing.T) {
	dead := statetest.DeadProcess(t)
	l, _ := lockStore(t, dead)
	temps := []string{
		l.Path() + ".tmp-1",
		l.Path() + state.BackupSuffix + ".tmp-2",
		l.Path() + ".lock.tmp-3",
	}
	for _, p := range temps {
		writeFile(t, p, "partial")
	}
	if err := l.Lock(bg, state.LockInfo{ID: "next", Operation: "apply"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range temps {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left behind (%v)", filepath.Base(p), err)
		}
	}
}
