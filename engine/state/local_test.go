package state_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/state/statetest"
)

func newLocal(t *testing.T) *state.Local {
	t.Helper()
	return state.NewLocal(filepath.Join(t.TempDir(), ".rmctl", "state.json"), state.LocalOptions{})
}

func TestLocalConformance(t *testing.T) {
	statetest.TestStore(t, func(t *testing.T) state.Store { return newLocal(t) })
}

var bg = context.Background()

func set(addr string, n int) state.Op {
	return state.Op{Address: addr, Entry: statetest.SampleEntry(addr, n)}
}

func mustRead(t *testing.T, l *state.Local) *state.State {
	t.Helper()
	s, err := l.Read(bg)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return s
}

func mustRecord(t *testing.T, l *state.Local, op state.Op) {
	t.Helper()
	if err := l.Record(bg, op); err != nil {
		t.Fatalf("Record: %v", err)
	}
}

func mustWrite(t *testing.T, l *state.Local, s *state.State) {
	t.Helper()
	if err := l.Write(bg, s); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func TestLocalFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".rmctl")
	path := filepath.Join(dir, "state.json")
	l := state.NewLocal(path, state.LocalOptions{NewLineage: func() string { return "lin-1" }})
	s := mustRead(t, l)
	if s.Lineage != "lin-1" {
		t.Fatalf("lineage %q, want lin-1 from NewLineage", s.Lineage)
	}
	// A second Local (another process) sees the same lineage before any Write.
	if s2 := mustRead(t, state.NewLocal(path, state.LocalOptions{NewLineage: func() string { return "lin-2" }})); s2.Lineage != "lin-1" {
		t.Fatalf("another Local read lineage %q, want lin-1", s2.Lineage)
	}
	s.Apply(set("a/b", 1))
	mustWrite(t, l, s)
	mustRecord(t, l, set("a/c", 2))
	for p, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, path: 0o600, path + ".journal": 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	// The state file is valid JSON with one resource per line.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("state file is not JSON: %v\n%s", err, data)
	}
	if lines := strings.Count(string(data), "\n"); lines != 4 {
		t.Errorf("state file has %d lines, want 4 (header, one resource, retired section, end):\n%s", lines, data)
	}
	// Leftover temp files would pile up.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}
}

// The parallel line decoder and the general one must agree, including on
// addresses that need escaping; a state edited by hand still reads.
func TestLocalStateLayout(t *testing.T) {
	l := newLocal(t)
	s := mustRead(t, l)
	for i, a := range []string{`q/"quoted"`, `b/back\\slash`, "u/Grüße/✓", "h/<tag>&amp", "n/line\nbreak", "plain/1"} {
		s.Apply(set(a, i))
	}
	for i, a := range []string{`r/"gone"`, "r/<ü>&"} {
		s.Apply(state.Op{Address: a, Retired: &state.Retirement{UID: a + "@rmctl", Sequence: i + 1}})
	}
	mustWrite(t, l, s)
	want := mustRead(t, l)
	if len(want.Resources) != 6 || len(want.Retired) != 2 {
		t.Fatalf("%d resources and %d retired, want 6 and 2", len(want.Resources), len(want.Retired))
	}
	var general state.State
	data, err := os.ReadFile(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &general); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&general, want) {
		t.Fatalf("parallel decoder and encoding/json disagree:\n%v\n%v", want.Addresses(), general.Addresses())
	}
	// Hand-edited, indented: its checksum cannot vouch for it, so it is
	// refused, saying why.
	indented, err := json.MarshalIndent(want, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.Path(), indented, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Read(bg); err == nil || !strings.Contains(err.Error(), "not in the layout rmctl writes") {
		t.Fatalf("Read of an indented state: %v, want a layout error", err)
	}
	// A version 1 state (before checksums) edited by hand the same way:
	// the general decoder takes over. Version 1 had no retired records.
	want.Version, want.Retired = 1, nil
	indented, err = json.MarshalIndent(want, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.Path(), indented, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, l); !reflect.DeepEqual(got, want) {
		t.Fatalf("indented state reads as %v, want %v", got.Addresses(), want.Addresses())
	}
	// A broken file gets an error naming it.
	if err := os.WriteFile(l.Path(), data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Read(bg); err == nil || !strings.Contains(err.Error(), "damaged state: "+l.Path()+": ") {
		t.Fatalf("Read of a truncated state: %v, want an error naming the file", err)
	}
}

func TestLocalTornJournal(t *testing.T) {
	l := newLocal(t)
	mustRead(t, l)
	mustRecord(t, l, set("t/1", 1))
	mustRecord(t, l, set("t/2", 2))
	journal := journalPath(l, t)
	// A crash in the middle of an append leaves a line without its newline.
	appendFile(t, journal, `{"serial":0,"address":"t/3","entry":{"address":"t/3","ui`)
	got := mustRead(t, l)
	if want := []string{"t/1", "t/2"}; !reflect.DeepEqual(got.Addresses(), want) {
		t.Fatalf("addresses %v, want %v", got.Addresses(), want)
	}
	// The next append cuts the torn tail off instead of gluing onto it.
	mustRecord(t, l, set("t/4", 4))
	if got := mustRead(t, state.NewLocal(l.Path(), state.LocalOptions{})); !reflect.DeepEqual(got.Addresses(), []string{"t/1", "t/2", "t/4"}) {
		t.Fatalf("after another Record: addresses %v", got.Addresses())
	}
}

func TestLocalCorruptJournal(t *testing.T) {
	l := newLocal(t)
	mustRead(t, l)
	mustRecord(t, l, set("c/1", 1))
	appendFile(t, journalPath(l, t), "{not json}\n")
	mustRecord(t, l, set("c/2", 2))
	_, err := l.Read(bg)
	if err == nil || !strings.Contains(err.Error(), journalPath(l, t)+": line 2:") {
		t.Fatalf("Read: %v, want an error naming the journal and line 2", err)
	}
}

func TestLocalNewerVersion(t *testing.T) {
	l := newLocal(t)
	mustRead(t, l)
	for _, content := range []string{
		`{"version":5,"lineage":"x","serial":3,"resources":{}}`,
		`{"version":5,"lineage":"x","serial":3,"resources":["a new shape"]}`,
	} {
		if err := os.WriteFile(l.Path(), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := l.Read(bg)
		if err == nil || !strings.Contains(err.Error(), "format version 5 is newer") {
			t.Errorf("Read of %s: %v, want a version error", content, err)
		}
		if err := l.Write(bg, &state.State{Version: 1, Lineage: "x", Serial: 3, Resources: map[string]*state.Entry{}}); err == nil {
			t.Errorf("Write over %s succeeded, want a version error", content)
		}
	}
}

// A crash after Write renamed the new state into place but before it
// removed the journal leaves both; Read must not apply the Ops twice.
func TestLocalCrashBetweenRenameAndJournalRemoval(t *testing.T) {
	for _, untagged := range []bool{false, true} {
		t.Run(fmt.Sprintf("untagged=%v", untagged), func(t *testing.T) {
			l := newLocal(t)
			s := mustRead(t, l)
			s.Apply(set("r/keep", 0))
			s.Apply(set("r/gone", 0))
			mustWrite(t, l, s)
			mustRecord(t, l, set("r/new", 1))
			mustRecord(t, l, set("r/keep", 2))
			mustRecord(t, l, state.Op{Address: "r/gone"})
			journal, err := os.ReadFile(journalPath(l, t))
			if err != nil {
				t.Fatal(err)
			}
			if untagged {
				// Lines without serial tags, which no rmctl version
				// wrote, belong to no known state: refused, not replayed.
				var lines []string
				for line := range strings.Lines(string(journal)) {
					lines = append(lines, "{"+line[strings.Index(line, ",")+1:])
				}
				journal = []byte(strings.Join(lines, ""))
			}
			s = mustRead(t, l)
			mustWrite(t, l, s)
			want := mustRead(t, l)
			// The crash: the journal removal never reached the disk.
			if err := os.WriteFile(journalPath(l, t), journal, 0o600); err != nil {
				t.Fatal(err)
			}
			if untagged {
				_, err := state.NewLocal(l.Path(), state.LocalOptions{}).Read(bg)
				if err == nil || !strings.Contains(err.Error(), "line 1: the line has no serial") {
					t.Fatalf("Read with an untagged journal: %v, want it refused", err)
				}
				return
			}
			got := mustRead(t, state.NewLocal(l.Path(), state.LocalOptions{}))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("after replaying the old journal:\ngot  %v serial %d\nwant %v serial %d", got.Addresses(), got.Serial, want.Addresses(), want.Serial)
			}
		})
	}
}

// TestLockRemovesFoldedJournal: after a Write killed between renaming the
// state and removing the journal, the journal's lines are all folded. Read
// skips them, so no later Write comes to remove the file; the next lock
// holder does, and the state stays as it was. A journal with lines still
// to replay is kept.
func TestLockRemovesFoldedJournal(t *testing.T) {
	l := newLocal(t)
	s := mustRead(t, l)
	s.Apply(set("r/keep", 0))
	mustWrite(t, l, s)
	mustRecord(t, l, set("r/new", 1))
	journal, err := os.ReadFile(journalPath(l, t))
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, l, mustRead(t, l))
	want := mustRead(t, l)
	// The crash: the journal removal never reached the disk.
	if err := os.WriteFile(journalPath(l, t), journal, 0o600); err != nil {
		t.Fatal(err)
	}
	next := state.NewLocal(l.Path(), state.LocalOptions{})
	if err := next.Lock(bg, state.LockInfo{ID: "next", Operation: "apply"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(journalPath(l, t)); !os.IsNotExist(err) {
		t.Errorf("folded journal still there after Lock (%v)", err)
	}
	if got := mustRead(t, next); !reflect.DeepEqual(got, want) {
		t.Errorf("state changed: %v serial %d, want %v serial %d", got.Addresses(), got.Serial, want.Addresses(), want.Serial)
	}
	if err := next.Unlock(bg, "next"); err != nil {
		t.Fatal(err)
	}

	// A journal with an Op still to replay stays.
	mustRecord(t, next, set("r/later", 2))
	if err := next.Lock(bg, state.LockInfo{ID: "again", Operation: "apply"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(journalPath(l, t)); err != nil {
		t.Errorf("journal with an unfolded Op removed: %v", err)
	}
}

func TestLocalForceUnlockAndLockInfo(t *testing.T) {
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	l := state.NewLocal(filepath.Join(t.TempDir(), "state.json"), state.LocalOptions{Now: func() time.Time { return now }, LockTTL: time.Minute})
	if info, err := l.LockInfo(); info != nil || err != nil {
		t.Fatalf("LockInfo without a lock = %v, %v; want nil, nil", info, err)
	}
	if err := l.Lock(bg, state.LockInfo{ID: "abc", Operation: "apply", Who: "ci@runner", PID: 7}); err != nil {
		t.Fatal(err)
	}
	info, err := l.LockInfo()
	if err != nil || info == nil || info.ID != "abc" || !info.Created.Equal(now) || !info.Expires.Equal(now.Add(time.Minute)) {
		t.Fatalf("LockInfo = %+v, %v; want ID abc created now, expiring in the TTL", info, err)
	}
	err = l.ForceUnlock(bg, "xyz")
	if !errors.Is(err, state.ErrNotLocked) || !strings.Contains(err.Error(), "abc") || !strings.Contains(err.Error(), "ci@runner") {
		t.Fatalf("ForceUnlock with the wrong ID: %v, want ErrNotLocked naming holder abc", err)
	}
	if err := l.RenewLock(bg, "abc"); err != nil {
		t.Fatalf("RenewLock: %v", err)
	}
	now = now.Add(50 * time.Second)
	if err := l.RenewLock(bg, "abc"); err != nil {
		t.Fatalf("RenewLock: %v", err)
	}
	now = now.Add(50 * time.Second) // past the first expiry, within the renewed one
	var le *state.LockedError
	if err := l.Lock(bg, state.LockInfo{ID: "def"}); !errors.As(err, &le) {
		t.Fatalf("Lock of a renewed lock: %v, want *LockedError", err)
	}
	if err := l.ForceUnlock(bg, "abc"); err != nil {
		t.Fatalf("ForceUnlock: %v", err)
	}
	if info, err := l.LockInfo(); info != nil || err != nil {
		t.Fatalf("LockInfo after ForceUnlock = %v, %v", info, err)
	}
	if err := l.ForceUnlock(bg, "abc"); !errors.Is(err, state.ErrNotLocked) {
		t.Fatalf("ForceUnlock without a lock: %v, want ErrNotLocked", err)
	}
}

// Many processes' worth of Locals racing to take over one expired lock:
// exactly one wins.
func TestLocalTakeoverRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := state.NewLocal(path, state.LocalOptions{}).Lock(bg, state.LockInfo{ID: "stale", Expires: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	for trial := range 20 {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var won []string
		for i := range 8 {
			wg.Go(func() {
				id := fmt.Sprintf("t%d-%d", trial, i)
				err := state.NewLocal(path, state.LocalOptions{}).Lock(bg, state.LockInfo{ID: id})
				var le *state.LockedError
				switch {
				case err == nil:
					mu.Lock()
					won = append(won, id)
					mu.Unlock()
				case !errors.As(err, &le):
					t.Errorf("Lock: %v", err)
				}
			})
		}
		wg.Wait()
		if len(won) != 1 {
			t.Fatalf("trial %d: %d winners %v, want 1", trial, len(won), won)
		}
		// Expire the winner's lock for the next trial.
		l := state.NewLocal(path, state.LocalOptions{})
		if err := l.ForceUnlock(bg, won[0]); err != nil {
			t.Fatal(err)
		}
		if err := l.Lock(bg, state.LockInfo{ID: "stale", Expires: time.Unix(1, 0)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLocalReadOnlyDirectoryKeepsLineage(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	l := state.NewLocal(filepath.Join(dir, "state.json"), state.LocalOptions{})
	a, b := mustRead(t, l), mustRead(t, l)
	if a.Lineage != b.Lineage {
		t.Fatalf("lineage changed: %s, %s", a.Lineage, b.Lineage)
	}
}

const childEnv = "RMCTL_STATE_KILL_CHILD"

// TestLocalKillDuringRecord runs a child process that records Ops from
// four goroutines (with Writes in between) and kills it at a random
// moment. Every Op acknowledged before the kill must be in state, and per
// writer what is there must be a prefix of what it recorded.
func TestLocalKillDuringRecord(t *testing.T) {
	if path := os.Getenv(childEnv); path != "" {
		killChild(path)
		return
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	const writers = 4
	for trial := range 10 {
		path := filepath.Join(t.TempDir(), "state.json")
		cmd := exec.Command(os.Args[0], "-test.run=^TestLocalKillDuringRecord$")
		cmd.Env = append(os.Environ(), childEnv+"="+path)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := make([]int, writers) // per writer: count acknowledged
		done := make(chan struct{})
		started := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(out)
			first := true
			for sc.Scan() {
				var w, i int
				if _, err := fmt.Sscanf(sc.Text(), "ack %d %d", &w, &i); err != nil {
					continue
				}
				if i+1 > acked[w] {
					acked[w] = i + 1
				}
				if first {
					first = false
					close(started)
				}
			}
		}()
		select {
		case <-started:
		case <-time.After(30 * time.Second):
			t.Fatal("child acknowledged nothing")
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-done
		cmd.Wait()

		s := mustRead(t, state.NewLocal(path, state.LocalOptions{}))
		present := make([]int, writers)
		for _, a := range s.Addresses() {
			var w, i int
			if _, err := fmt.Sscanf(a, "kill/w%d/%d", &w, &i); err != nil {
				t.Fatalf("unexpected address %q", a)
			}
			present[w]++
			if want := statetest.SampleEntry(a, i); !reflect.DeepEqual(s.Resources[a], want) {
				t.Fatalf("entry %s differs from what was recorded", a)
			}
		}
		for w := range writers {
			for i := range present[w] {
				if _, ok := s.Resources[fmt.Sprintf("kill/w%d/%d", w, i)]; !ok {
					t.Fatalf("trial %d writer %d: %d ops present but op %d missing: not a prefix", trial, w, present[w], i)
				}
			}
			if present[w] < acked[w] {
				t.Fatalf("trial %d writer %d: %d ops acknowledged, only %d in state", trial, w, acked[w], present[w])
			}
		}
		t.Logf("trial %d: serial %d, acknowledged %v, present %v", trial, s.Serial, acked, present)
	}
}

// killChild records until killed; it prints "ack W I" once op I of writer
// W is durable.
func killChild(path string) {
	l := state.NewLocal(path, state.LocalOptions{})
	if _, err := l.Read(bg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var stdout sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				a := fmt.Sprintf("kill/w%d/%d", w, i)
				if err := l.Record(bg, state.Op{Address: a, Entry: statetest.SampleEntry(a, i)}); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				stdout.Lock()
				os.Stdout.WriteString("ack " + strconv.Itoa(w) + " " + strconv.Itoa(i) + "\n")
				stdout.Unlock()
			}
		})
	}
	// Fold the journal now and then, so kills also land inside Write.
	for {
		s, err := l.Read(bg)
		if err == nil {
			err = l.Write(bg, s)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
	}
}

func journalPath(l *state.Local, t *testing.T) string {
	t.Helper()
	return l.Path() + ".journal"
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}
