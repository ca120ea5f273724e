package schema

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSettingsReplies: the replies block gets its defaults, and a
// malformed one is reported naming the field.
func TestSettingsReplies(t *testing.T) {
	l, err := NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	load := func(src string) (*Settings, Diagnostics) {
		t.Helper()
		dir := t.TempDir()
		file := filepath.Join(dir, SettingsFile)
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		s, diags, err := l.LoadSettings(context.Background(), file, dir)
		if err != nil {
			t.Fatal(err)
		}
		return s, diags
	}

	s, diags := load(`replies: {imap: "imap.example.com:993", username: "rm@example.com"}` + "\n")
	if diags.HasErrors() {
		t.Fatalf("diagnostics: %v", diags)
	}
	want := RepliesConfig{IMAP: "imap.example.com:993", Username: "rm@example.com", PasswordEnv: "RMCTL_IMAP_PASSWORD", Mailbox: "INBOX", TLS: "tls"}
	if s.Replies == nil || *s.Replies != want {
		t.Errorf("replies %+v, want %+v", s.Replies, want)
	}

	if s, _ := load("state: {}\n"); s.Replies != nil {
		t.Errorf("replies without a block: %+v", s.Replies)
	}

	_, diags = load(`replies: {imap: "imap.example.com", username: "rm", tls: "ssl"}` + "\n")
	if !diags.HasErrors() {
		t.Fatal("no error for a bad replies block")
	}
	var lines []string
	for _, d := range diags {
		lines = append(lines, d.String())
	}
	text := strings.Join(lines, "\n")
	// (Settings diagnostics point into the embedded schema today, as for
	// target; the field path names the setting.)
	for _, want := range []string{"replies.imap", "replies.tls"} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, text)
		}
	}
}
