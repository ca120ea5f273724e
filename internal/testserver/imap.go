package testserver

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// IMAPServer is a running Dovecot IMAP server with one user and a maildir
// in a temporary folder. It speaks plain IMAP (no TLS) on loopback and
// accepts LOGIN and AUTHENTICATE PLAIN there.
type IMAPServer struct {
	// Addr is "127.0.0.1:PORT".
	Addr string
	// Username and Password log in to the one mailbox.
	Username, Password string
}

// IMAP starts Debian's Dovecot (dovecot-imapd) with its own configuration,
// not the system service: base_dir, state and maildir live in a temporary
// folder, users come from a passwd-file with a plain password.
func IMAP(t testing.TB) *IMAPServer {
	t.Helper()
	bin := dovecotBinary(t)
	// The mail processes run as the mail user and must reach the folder:
	// t.TempDir's parents are private to the test's user, so the folder is
	// made here, readable, and removed by cleanup.
	dir, err := os.MkdirTemp("", "rmctl-dovecot-")
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("testserver: %v", err)
	}
	mail := filepath.Join(dir, "mail")
	if err := os.Mkdir(mail, 0o755); err != nil {
		t.Fatalf("testserver: %v", err)
	}

	// As root, Dovecot refuses UID 0 for mail: the mail user is then
	// Dovecot's own unprivileged account. Otherwise everything runs as the
	// test's user.
	uid, gid := os.Getuid(), os.Getgid()
	extra := ""
	if uid == 0 {
		u, err := user.Lookup("dovecot")
		if err != nil {
			missing(t, "user dovecot", "dovecot-core")
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		if err := os.Chown(mail, uid, gid); err != nil {
			t.Fatalf("testserver: %v", err)
		}
	} else {
		u, err := user.Current()
		if err != nil {
			t.Fatalf("testserver: %v", err)
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			t.Fatalf("testserver: %v", err)
		}
		// Dovecot's helper processes and sockets then belong to this user
		// too: it cannot switch or chown to its own accounts.
		extra = fmt.Sprintf("default_login_user = %[1]s\ndefault_internal_user = %[1]s\ndefault_internal_group = %[2]s\n", u.Username, g.Name)
	}
	const username, password = "rmctl", "rmctl-imap-password"
	users := filepath.Join(dir, "users")
	line := fmt.Sprintf("%s:{PLAIN}%s:%d:%d::%s::\n", username, password, uid, gid, filepath.Join(mail, username))
	if err := os.WriteFile(users, []byte(line), 0o644); err != nil {
		t.Fatalf("testserver: %v", err)
	}

	_, port := launch(t, "dovecot", dir, func(port int) ([]string, []string) {
		conf := filepath.Join(dir, "dovecot.conf")
		cfg := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = /dev/stderr
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:%[2]s/%%u
first_valid_uid = 1
first_valid_gid = 1
%[4]spassdb {
  driver = passwd-file
  args = scheme=PLAIN %[3]s
}
userdb {
  driver = passwd-file
  args = %[3]s
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[5]d
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`, dir, mail, users, extra, port)
		if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
			t.Fatalf("testserver: %v", err)
		}
		return []string{bin, "-F", "-c", conf}, nil
	}, imapProbe)
	return &IMAPServer{Addr: fmt.Sprintf("127.0.0.1:%d", port), Username: username, Password: password}
}

// dovecotBinary finds dovecot, which Debian puts in /usr/sbin (often not
// on a normal user's PATH).
func dovecotBinary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/dovecot"); err == nil {
		return "/usr/sbin/dovecot"
	}
	missing(t, "dovecot", "dovecot-imapd")
	return ""
}

// imapProbe succeeds once the server greets with "* OK".
func imapProbe(port int) error {
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
	if !strings.HasPrefix(line, "* OK") {
		return fmt.Errorf("unexpected greeting %q", line)
	}
	_, _ = conn.Write([]byte("a LOGOUT\r\n"))
	return nil
}

// Append stores raw messages (CRLF line ends added where missing) in the
// mailbox, as a mail server delivering them would.
func (s *IMAPServer) Append(t testing.TB, mailbox string, msgs ...[]byte) {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatalf("testserver: IMAP: %v", err)
	}
	defer c.Close()
	if err := c.Login(s.Username, s.Password).Wait(); err != nil {
		t.Fatalf("testserver: IMAP login: %v", err)
	}
	if mailbox != "INBOX" {
		// Creating an existing mailbox fails harmlessly.
		_ = c.Create(mailbox, nil).Wait()
	}
	for _, m := range msgs {
		m = bytes.ReplaceAll(bytes.ReplaceAll(m, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		cmd := c.Append(mailbox, int64(len(m)), nil)
		if _, err := cmd.Write(m); err != nil {
			t.Fatalf("testserver: IMAP append: %v", err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatalf("testserver: IMAP append: %v", err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatalf("testserver: IMAP append: %v", err)
		}
	}
	_ = c.Logout().Wait()
}
