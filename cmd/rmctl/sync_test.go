package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/replies"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/internal/testserver"
)

// TestSyncRepliesThroughCLI: invitations applied to the outbox, a decline
// waiting in a real Dovecot, `rmctl sync replies` records it by person id;
// a second run records nothing new.
func TestSyncRepliesThroughCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Dovecot")
	}
	srv := testserver.IMAP(t)
	dir := t.TempDir()
	copyDir(t, "../../examples/digital-leadership", filepath.Join(dir, "programs", "dl"))
	settings := fmt.Sprintf(`target: {kind: "outbox"}
replies: {imap: %q, username: %q, tls: "none", mailbox: "Replies"}
`, srv.Addr, srv.Username)
	if err := os.WriteFile(filepath.Join(dir, "rmctl.cue"), []byte(settings), 0o644); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == "RMCTL_IMAP_PASSWORD" {
			return srv.Password
		}
		return ""
	}
	const now = "2026-12-01"
	if _, errOut, code := cliRun(t, dir, env, "apply", "--auto-approve", "--now", now); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	const addr = "dl-2027/pair/emma-markus/session/2"
	out, _, _ := cliRun(t, dir, env, "state", "show", "-o", "json", addr)
	var e state.Entry
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatal(err)
	}
	// As Outlook writes it: the calendar as the whole body, quoted-printable.
	reply := "From: Markus Schulz <markus.schulz@nordwerk.example.com>\r\nTo: organizer@example.com\r\n" +
		"Subject: Declined: session 2\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/calendar; charset=\"utf-8\"; method=REPLY\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nPRODID:Microsoft Exchange Server 2010\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n" +
		"ATTENDEE;PARTSTAT=3DDECLINED:MAILTO:Markus.Schulz@nordwerk.example.com\r\n" +
		"UID:" + e.UID + "\r\nSEQUENCE:0\r\nDTSTAMP:20261202T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	srv.Append(t, "Replies", []byte(reply))

	// plan --refresh reads the mailbox (the outbox target has nothing to
	// read back) and shows the answer on the update a new name causes;
	// a plain plan does not read it.
	people := filepath.Join(dir, "programs", "dl", "people.cue")
	b, err := os.ReadFile(people)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(people, []byte(strings.Replace(string(b), `"Markus Schulz"`, `"Markus J. Schulz"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	const line = "replies so far: 1 declined (markus.schulz); kept"
	if out, errOut, code := cliRun(t, dir, env, "plan", "--now", now); code != 0 || strings.Contains(out, line) {
		t.Fatalf("plan: exit %d, %s\n%s", code, errOut, out)
	}
	if out, errOut, code := cliRun(t, dir, env, "plan", "--refresh", "--now", now); code != 0 || !strings.Contains(out, line) {
		t.Fatalf("plan --refresh: exit %d, want %q\n%s%s", code, line, errOut, out)
	}

	// Without the password nothing is read and the error names the variable.
	if _, errOut, code := cliRun(t, dir, func(string) string { return "" }, "sync", "replies"); code != 1 || !strings.Contains(errOut, "RMCTL_IMAP_PASSWORD") {
		t.Fatalf("sync without password: exit %d, stderr %q", code, errOut)
	}
	out, errOut, code := cliRun(t, dir, env, "sync", "replies")
	if code != 0 {
		t.Fatalf("sync replies: exit %d: %s", code, errOut)
	}
	want := addr + ": markus.schulz declined\nRead 1 message: 1 answer recorded.\n"
	if out != want {
		t.Errorf("sync replies printed %q, want %q", out, want)
	}
	if strings.Contains(out, "@") {
		t.Errorf("output names an e-mail address: %q", out)
	}
	out, _, _ = cliRun(t, dir, env, "state", "show", "-o", "json", addr)
	e = state.Entry{}
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatal(err)
	}
	if e.Replies == nil || e.Replies.By["markus.schulz"].PartStat != "DECLINED" {
		t.Errorf("state after sync: %+v", e.Replies)
	}
	if out, _, _ := cliRun(t, dir, env, "state", "show", addr); !strings.Contains(out, "(mentee, declined)") {
		t.Errorf("state show lacks the answer:\n%s", out)
	}
	if out, _, _ := cliRun(t, dir, env, "sync", "replies"); out != "Read 1 message: 0 answers recorded.\n" {
		t.Errorf("second sync: %q", out)
	}
	out, _, _ = cliRun(t, dir, env, "sync", "replies", "-o", "json")
	var sum replies.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Version != 1 || sum.Messages != 1 || len(sum.Recorded) != 0 || sum.Stale != 0 || sum.Known != 1 {
		t.Errorf("sync -o json: %s (%v)", out, err)
	}
	// The password is nowhere in what rmctl wrote.
	_ = filepath.Walk(filepath.Join(dir, ".rmctl"), func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(path); strings.Contains(string(b), srv.Password) {
				t.Errorf("%s contains the password", path)
			}
		}
		return nil
	})
}

// TestValidateWarnsRepliesMailbox: validate warns when replies.username
// is not the ORGANIZER's address, where replies go.
func TestValidateWarnsRepliesMailbox(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "../../examples/digital-leadership", filepath.Join(dir, "programs", "dl"))
	settings := `target: {kind: "email", smtp: "smtp.example.com:587", from: "svc-rmctl@example.com"}
replies: {imap: "imap.example.com:993", username: "someone-else@example.com"}
`
	if err := os.WriteFile(filepath.Join(dir, "rmctl.cue"), []byte(settings), 0o644); err != nil {
		t.Fatal(err)
	}
	none := func(string) string { return "" }
	out, errOut, code := cliRun(t, dir, none, "validate")
	const want = "rmctl.cue:2:41: warning: replies.username: is not the address invitations name as ORGANIZER (target.from)"
	if code != 0 || !strings.Contains(out+errOut, want) {
		t.Errorf("validate: exit %d, want a warning %q\n%s%s", code, want, out, errOut)
	}
	if _, _, code := cliRun(t, dir, none, "validate", "--strict"); code != 1 {
		t.Errorf("validate --strict: exit %d, want 1", code)
	}
}
