package testserver

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
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
// in a temporary folder. Without TLS it speaks plain IMAP on loopback and
// accepts LOGIN and AUTHENTICATE PLAIN there.
type IMAPServer struct {
	// Addr is "127.0.0.1:PORT": plain IMAP, or with TLS IMAP that offers
	// STARTTLS and refuses to log in before it.
	Addr string
	// TLSAddr is the implicit-TLS (imaps) listener; "" without TLS.
	TLSAddr string
	// RootCAs trusts the server's self-signed certificate (for 127.0.0.1);
	// nil without TLS.
	RootCAs *x509.CertPool
	// Username and Password log in to the one mailbox.
	Username, Password string
}

// IMAPOptions changes how IMAPWith starts the server.
type IMAPOptions struct {
	// TLS gives the server a self-signed certificate, an imaps listener
	// and STARTTLS on the plain one. (Dovecot counts loopback connections
	// as secure, so it still accepts a login without TLS there.)
	TLS bool
}

// IMAP starts Dovecot without TLS. See IMAPWith.
func IMAP(t testing.TB) *IMAPServer {
	t.Helper()
	return IMAPWith(t, IMAPOptions{})
}

// IMAPWith starts Debian's Dovecot (dovecot-imapd) with its own
// configuration, not the system service: base_dir, state and maildir live
// in a temporary folder, users come from a passwd-file with a plain
// password.
func IMAPWith(t testing.TB, opts IMAPOptions) *IMAPServer {
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

	srv := &IMAPServer{Username: username, Password: password}
	ssl := "ssl = no\ndisable_plaintext_auth = no\n"
	if opts.TLS {
		certFile, keyFile, pool := writeCert(t, dir)
		srv.RootCAs = pool
		ssl = fmt.Sprintf("ssl = required\nssl_cert = <%s\nssl_key = <%s\ndisable_plaintext_auth = yes\n", certFile, keyFile)
	}
	tlsPort := 0
	_, port := launch(t, "dovecot", dir, func(port int) ([]string, []string) {
		if opts.TLS {
			tlsPort = freePort(t)
		}
		conf := filepath.Join(dir, "dovecot.conf")
		cfg := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = /dev/stderr
protocols = imap
listen = 127.0.0.1
%[6]sauth_mechanisms = plain login
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
    address = 127.0.0.1
    port = %[7]d
  }
}
service anvil {
  chroot =
}
`, dir, mail, users, extra, port, ssl, tlsPort)
		if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
			t.Fatalf("testserver: %v", err)
		}
		return []string{bin, "-F", "-c", conf}, nil
	}, imapProbe)
	srv.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	if opts.TLS {
		srv.TLSAddr = fmt.Sprintf("127.0.0.1:%d", tlsPort)
	}
	return srv
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key as
// PEM files, readable by Dovecot's processes, and returns a pool that
// trusts it.
func writeCert(t testing.TB, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatalf("testserver: %v", err)
	}
	// The master process reads the key before it drops privileges; a
	// test-only key in a private temporary folder.
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600); err != nil {
		t.Fatalf("testserver: %v", err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
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
	var c *imapclient.Client
	var err error
	if s.RootCAs != nil {
		c, err = imapclient.DialTLS(s.TLSAddr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: s.RootCAs}})
	} else {
		c, err = imapclient.DialInsecure(s.Addr, nil)
	}
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
