package email

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/target"
)

// A server that echoes the credentials, in the clear and in the encodings
// AUTH PLAIN and LOGIN send, in a long reply with terminal escapes: the
// error keeps the code and a short clean excerpt, and none of them.
func TestErrorRedactsEchoedSecrets(t *testing.T) {
	t.Parallel()
	const user, pass = "mailer", "echo-me-s3cret"
	b64 := base64.StdEncoding.EncodeToString
	echoed := []string{pass, b64([]byte(pass)), b64([]byte("\x00" + user + "\x00" + pass))}
	reply := "550 5.7.1 rejected " + strings.Join(echoed, " ") + " \x1b[2J\x1b]0;pwned\x07 " + strings.Repeat("x", 2000)
	f := startFlaky(t, &flakySMTP{reply: reply, fail: 100, auth: true})
	tg := newTarget(t, Config{Addr: f.addr, Username: user, Password: pass, Attempts: 1})
	_, err := tg.Deliver(context.Background(), target.Delivery{Action: target.Create, Resource: kickoff(), Stamp: clock})
	if err == nil {
		t.Fatal("Deliver succeeded against a server refusing every message")
	}
	msg := err.Error()
	for _, s := range echoed {
		if strings.Contains(msg, s) {
			t.Errorf("error contains a secret form %q: %s", s, msg)
		}
	}
	if strings.ContainsAny(msg, "\x1b\x07") {
		t.Errorf("error contains control characters: %q", msg)
	}
	if !strings.Contains(msg, "SMTP 550") || !strings.Contains(msg, target.Redacted) {
		t.Errorf("error %q: want the code and the redaction marker", msg)
	}
	if len(msg) > 1000 {
		t.Errorf("error is %d bytes long, want a short excerpt of the reply", len(msg))
	}
}
