package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/internal/testserver"
)

// TestRedactedDeliveryErrors: a delivery that fails (here: the SMTP
// server refuses mail without AUTH, a permanent error) is reported with
// person ids instead of e-mail addresses in CI, both in apply's progress
// and in the final error, and with the addresses under --no-redact.
func TestRedactedDeliveryErrors(t *testing.T) {
	smtp := testserver.SMTPWith(t, testserver.SMTPOptions{RequireAuth: true})
	dir := t.TempDir()
	prog := `package tiny

program: {
	id: "tiny", title: "Tiny", language: "en", timezone: "Europe/Berlin"
	start: "2027-03-01", end: "2027-06-30"
	organizer: {name: "L&D", email: "ld@example.com"}
	sessions: plan: [{title: "One", topics: [], tutorials: []}]
}
people: {
	annika: {name: "Annika Bauer", email: "annika@example.com", department: "IT"}
	bob: {name: "Bob Berger", email: "bob@example.com", department: "Sales"}
}
pairs: "annika-bob": {mentor: "annika", mentee: "bob"}
`
	files := map[string]string{
		"rmctl.cue":        fmt.Sprintf("target: {kind: \"email\", smtp: %q, tls: \"none\"}\n", smtp.Addr),
		"prog/program.cue": prog,
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	apply := func(extra ...string) string {
		var out, errOut bytes.Buffer
		s := &Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
		args := append([]string{"apply", "--auto-approve", "--now", "2026-01-01"}, extra...)
		if code := run(append(args, "prog"), s, func(k string) string {
			if k == "CI" {
				return "true"
			}
			return ""
		}); code != exitError {
			t.Fatalf("apply exit %d, want %d\n%s%s", code, exitError, out.String(), errOut.String())
		}
		return out.String() + errOut.String()
	}
	got := apply()
	if strings.Contains(got, "@") || !strings.Contains(got, "sending REQUEST to annika, bob") {
		t.Errorf("CI output holds an address or lost the ids:\n%s", got)
	}
	if got := apply("--no-redact"); !strings.Contains(got, "annika@example.com") {
		t.Errorf("--no-redact output lost the addresses:\n%s", got)
	}
}
