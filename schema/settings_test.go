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
	load := settingsLoader(t)

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

// TestCheckReplies: a replies mailbox other than the ORGANIZER's (the
// sender for e-mail) gets a warning at replies.username.
func TestCheckReplies(t *testing.T) {
	l, err := NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	progs := []*Program{{ID: "dl-2027", Organizer: Contact{Name: "PD", Email: "rm@example.com"}}}
	for _, tc := range []struct {
		name, src string
		want      string // "" for no warning
	}{
		{"organizer's mailbox", `replies: {imap: "i.example.com:993", username: "RM@example.com"}`, ""},
		{"not an address", `replies: {imap: "i.example.com:993", username: "svc-rmctl"}`, ""},
		{"other mailbox", `replies: {imap: "i.example.com:993", username: "other@example.com"}`, "the organizer of program dl-2027"},
		{"sender's mailbox", `target: {kind: "email", smtp: "s.example.com:587", from: "svc@example.com"}
replies: {imap: "i.example.com:993", username: "svc@example.com"}`, ""},
		{"organizer's mailbox, other sender", `target: {kind: "email", smtp: "s.example.com:587", from: "svc@example.com"}
replies: {imap: "i.example.com:993", username: "rm@example.com"}`, "(target.from)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, SettingsFile)
			if err := os.WriteFile(file, []byte(tc.src+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			s, diags, err := l.LoadSettings(context.Background(), file, dir)
			if err != nil || diags.HasErrors() {
				t.Fatalf("%v %v", err, diags)
			}
			got := s.CheckReplies(progs)
			if tc.want == "" {
				if len(got) != 0 {
					t.Errorf("warnings %v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Severity != Warning || got[0].Path != "replies.username" ||
				!strings.Contains(got[0].Message, tc.want) || got[0].Pos.Line != strings.Count(tc.src, "\n")+1 || got[0].Pos.Filename == "" {
				t.Errorf("warnings %v, want one at replies.username naming %q", got, tc.want)
			}
		})
	}
}

// settingsLoader returns a function that loads an rmctl.cue holding src
// from a fresh directory.
func settingsLoader(t *testing.T) func(src string) (*Settings, Diagnostics) {
	t.Helper()
	l, err := NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	return func(src string) (*Settings, Diagnostics) {
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
}
