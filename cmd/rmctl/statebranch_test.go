package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rmctl/rmctl/internal/testserver"
)

// stateScript is the script the apply workflow runs to keep state on the
// rmctl-state branch between CI runs.
func stateScript(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../.github/scripts/rmctl-state.sh")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runGit runs git in dir and returns its trimmed output.
func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// runStateScript runs the script's step (restore or save) in the clone dir
// as the workflow does, and returns its exit code and output.
func runStateScript(t *testing.T, dir, baseFile, step string) (int, string) {
	t.Helper()
	cmd := exec.Command("bash", stateScript(t), step)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RMCTL_STATE_BASE="+baseFile, "GITHUB_SHA=test")
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatalf("rmctl-state.sh %s: %v", step, err)
	}
	return 0, string(out)
}

func mustStateScript(t *testing.T, dir, baseFile, step string) {
	t.Helper()
	if code, out := runStateScript(t, dir, baseFile, step); code != 0 {
		t.Fatalf("rmctl-state.sh %s: exit %d\n%s", step, code, out)
	}
}

// lineCount counts the lines of a file that may not exist yet.
func lineCount(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(b, []byte("\n"))
}

// TestStateBranchAcrossKilledApply is issue 8 item 3 as CI meets it: an
// apply through the e-mail target is SIGKILLed half-way, the workflow's
// always-run step saves state to the rmctl-state branch of a real (bare)
// repository, the next run restores it in a fresh clone and applies again.
// No message goes out twice (beyond the one the kill may catch between the
// server's acceptance and the journal), everything converges, and a state
// of another lineage is never pushed over the branch.
func TestStateBranchAcrossKilledApply(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rmctl, starts an SMTP server and kills an apply")
	}
	smtp := testserver.SMTP(t)
	bin := buildRmctlBinary(t)
	prog := generateProgram(t, 8)

	// The repository: a bare "GitHub" remote and the first run's clone.
	root := t.TempDir()
	remote := filepath.Join(root, "remote.git")
	runGit(t, root, "init", "-q", "--bare", remote)
	run1 := filepath.Join(root, "run1")
	runGit(t, root, "clone", "-q", remote, run1)
	copyTree(t, prog, filepath.Join(run1, "programs", "p"))
	settings := fmt.Sprintf("target: {kind: \"email\", smtp: %q, tls: \"none\"}\n", smtp.Addr)
	if err := os.WriteFile(filepath.Join(run1, "rmctl.cue"), []byte(settings), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run1, ".gitignore"), []byte(".rmctl/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runGit(t, run1, "add", ".")
	runGit(t, run1, "commit", "-q", "-m", "program")
	runGit(t, run1, "push", "-q", "origin", "HEAD:main")
	total := planSummary(t, bin, run1, "./programs/p")["create"]
	if total < 40 {
		t.Fatalf("generated program has %d resources, want at least 40", total)
	}

	// Run 1: restore finds no branch; apply is killed mid-way.
	base1 := filepath.Join(root, "base1")
	mustStateScript(t, run1, base1, "restore")
	apply := exec.Command(bin, "apply", "--auto-approve", "--now", crashNow, "--parallelism", "1", "./programs/p")
	apply.Dir = run1
	apply.Env = append(os.Environ(), "NO_COLOR=1")
	if err := apply.Start(); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(run1, ".rmctl", "state.json.journal")
	deadline := time.Now().Add(60 * time.Second)
	for lineCount(journal) < total/4 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	_ = apply.Process.Kill() // SIGKILL: no deferred unlock, no final state write
	err := apply.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.Success() || ee.ExitCode() != -1 {
		t.Fatalf("apply was not killed mid-way (%v): make the program bigger", err)
	}
	journaled := lineCount(journal)
	sentBefore := len(smtp.Received(t))
	if journaled == 0 || sentBefore >= total {
		t.Fatalf("kill landed outside the apply: %d journal lines, %d of %d messages", journaled, sentBefore, total)
	}
	mustStateScript(t, run1, base1, "save") // the workflow's `if: always()` step

	// Run 2: a fresh clone restores, applies, saves.
	run2 := filepath.Join(root, "run2")
	runGit(t, root, "clone", "-q", remote, run2)
	base2 := filepath.Join(root, "base2")
	mustStateScript(t, run2, base2, "restore")
	if _, err := os.Stat(filepath.Join(run2, ".rmctl", "state.json.journal")); err != nil {
		t.Fatalf("the killed apply's journal was not carried over: %v", err)
	}
	mustRmctl(t, bin, run2, 0, "apply", "--auto-approve", "--now", crashNow, "./programs/p")
	mustStateScript(t, run2, base2, "save")
	if sum := planSummary(t, bin, run2, "./programs/p"); sum["create"]+sum["update"]+sum["cancel"] != 0 {
		t.Fatalf("after the second run the plan still has changes: %v", sum)
	}

	// Every message once: the kill may catch one message (parallelism 1)
	// accepted by the server but not yet in the journal; before the fix
	// every message only the journal knew of went out again.
	seen := map[string]int{}
	received := smtp.Received(t)
	for _, r := range received {
		m, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(r.Data)))
		if err != nil {
			t.Fatal(err)
		}
		seen[m.Header.Get("Message-ID")]++
	}
	dups := len(received) - len(seen)
	t.Logf("%d resources, killed after %d journal lines and %d messages; %d messages in all, %d distinct, %d sent twice",
		total, journaled, sentBefore, len(received), len(seen), dups)
	if dups > 1 {
		t.Errorf("%d messages were sent twice across the killed run, want at most the one in flight", dups)
	}
	if len(seen) < total {
		t.Errorf("%d distinct messages for %d resources", len(seen), total)
	}

	// Run 3 starts over with a state of another lineage (lost, recreated):
	// save refuses to push it over the branch.
	run3 := filepath.Join(root, "run3")
	runGit(t, root, "clone", "-q", remote, run3)
	base3 := filepath.Join(root, "base3")
	mustStateScript(t, run3, base3, "restore")
	head := runGit(t, run3, "ls-remote", "origin", "refs/heads/rmctl-state")
	if err := os.RemoveAll(filepath.Join(run3, ".rmctl")); err != nil {
		t.Fatal(err)
	}
	mustRmctl(t, bin, run3, 0, "plan", "--now", crashNow, "./programs/p") // makes an empty state of a new lineage
	if code, out := runStateScript(t, run3, base3, "save"); code == 0 || !strings.Contains(out, "lineage") {
		t.Fatalf("save of another lineage: exit %d, want a refusal naming the lineage\n%s", code, out)
	}
	if now := runGit(t, run3, "ls-remote", "origin", "refs/heads/rmctl-state"); now != head {
		t.Fatalf("the state branch moved from %s to %s", head, now)
	}
}

// A remote that cannot be read is an error, not "no state yet": the old
// workflow took a failed fetch for a first run and pushed a new lineage
// over the branch with -f.
func TestStateBranchUnreadableRemoteIsAnError(t *testing.T) {
	root := t.TempDir()
	clone := filepath.Join(root, "clone")
	runGit(t, root, "init", "-q", clone)
	runGit(t, clone, "remote", "add", "origin", filepath.Join(root, "does-not-exist.git"))
	base := filepath.Join(root, "base")
	code, out := runStateScript(t, clone, base, "restore")
	if code == 0 {
		t.Fatalf("restore from an unreadable remote succeeded:\n%s", out)
	}
	if _, err := os.Stat(base); !os.IsNotExist(err) {
		t.Fatalf("restore recorded a base after failing (stat: %v)", err)
	}
	// save after a failed restore (the workflow runs it always) pushes nothing.
	if err := os.MkdirAll(filepath.Join(clone, ".rmctl"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(clone, ".rmctl", "state.json"), []byte(`{"version":1,"lineage":"x","serial":1,"resources":{}}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := runStateScript(t, clone, base, "save"); code == 0 {
		t.Fatalf("save without a restore succeeded:\n%s", out)
	}
}
