package testserver

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

//go:embed testdata/smtpd.py
var smtpdScript []byte

// SMTPServer is a running SMTP sink (aiosmtpd) that keeps every message.
type SMTPServer struct {
	// Addr is "127.0.0.1:PORT".
	Addr string
	Host string
	Port int
	// Username and Password are accepted by AUTH PLAIN and AUTH LOGIN, which
	// are offered on the plain (non-TLS) connection. STARTTLS is not offered.
	Username, Password string

	dir string
}

// Received is one accepted message with its envelope.
type Received struct {
	MailFrom string   `json:"mail_from"`
	RcptTo   []string `json:"rcpt_tos"`
	// AuthUser is the authenticated user name, "" for an unauthenticated
	// session.
	AuthUser string `json:"auth_user"`
	// Data is the raw RFC 5322 message as received (CRLF line ends).
	Data []byte `json:"-"`
}

// SMTPOptions changes how SMTPWith starts the sink.
type SMTPOptions struct {
	// RequireAuth makes the server refuse MAIL FROM before a successful AUTH.
	RequireAuth bool
}

// SMTP starts an SMTP sink on loopback that accepts mail with or without
// AUTH. See SMTPWith.
func SMTP(t testing.TB) *SMTPServer {
	t.Helper()
	return SMTPWith(t, SMTPOptions{})
}

// SMTPWith starts an SMTP sink on loopback with Debian's python3-aiosmtpd.
func SMTPWith(t testing.TB, opts SMTPOptions) *SMTPServer {
	t.Helper()
	requirePythonModule(t, "aiosmtpd", "python3-aiosmtpd")
	dir := t.TempDir()
	mail := filepath.Join(dir, "mail")
	if err := os.Mkdir(mail, 0o700); err != nil {
		t.Fatalf("testserver: %v", err)
	}
	script := filepath.Join(dir, "smtpd.py")
	if err := os.WriteFile(script, smtpdScript, 0o600); err != nil {
		t.Fatalf("testserver: %v", err)
	}
	const user, pass = "rmctl", "rmctl-smtp-password"
	_, port := launch(t, "smtpd", dir, func(port int) ([]string, []string) {
		argv := []string{Python, script, "--port", fmt.Sprint(port), "--dir", mail,
			"--user", user, "--password-env", "RMCTL_TEST_SMTP_PASSWORD"}
		if opts.RequireAuth {
			argv = append(argv, "--require-auth")
		}
		return argv, []string{"RMCTL_TEST_SMTP_PASSWORD=" + pass}
	}, smtpProbe)
	return &SMTPServer{
		Addr:     fmt.Sprintf("127.0.0.1:%d", port),
		Host:     "127.0.0.1",
		Port:     port,
		Username: user,
		Password: pass,
		dir:      mail,
	}
}

// smtpProbe succeeds once the server sends its 220 greeting.
func smtpProbe(port int) error {
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "220") {
		return fmt.Errorf("unexpected greeting %q", line)
	}
	_, _ = conn.Write([]byte("QUIT\r\n"))
	return nil
}

// Messages returns the raw messages received so far, in arrival order.
func (s *SMTPServer) Messages(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	for _, r := range s.Received(t) {
		out = append(out, r.Data)
	}
	return out
}

// Received returns the messages received so far with their envelopes, in
// arrival order. A message is stored before the server answers 250 to DATA,
// so everything a client has seen accepted is here.
func (s *SMTPServer) Received(t testing.TB) []Received {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(s.dir, "*.eml"))
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	sort.Strings(names) // zero-padded sequence numbers
	var out []Received
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("testserver: %v", err)
		}
		var r Received
		meta, err := os.ReadFile(strings.TrimSuffix(name, ".eml") + ".json")
		if err != nil {
			t.Fatalf("testserver: %v", err)
		}
		if err := json.Unmarshal(meta, &r); err != nil {
			t.Fatalf("testserver: %s: %v", name, err)
		}
		r.Data = data
		out = append(out, r)
	}
	return out
}
