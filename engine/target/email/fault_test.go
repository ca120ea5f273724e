package email

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/target"
)

// flakySMTP is a minimal SMTP server for failures a real sink cannot be
// made to produce: it answers the first fail MAIL FROM commands with reply
// and accepts mail after that. With hang set it never answers DATA's end.
type flakySMTP struct {
	addr  string
	reply string
	fail  int
	hang  bool
	// auth offers AUTH PLAIN and accepts any credentials.
	auth bool
	// starttls offers STARTTLS with this configuration; implicit speaks
	// TLS from the first byte with it.
	starttls, implicit *tls.Config

	mu       sync.Mutex
	mails    int // MAIL FROM commands seen
	accepted []string
}

func startFlaky(t *testing.T, f *flakySMTP) *flakySMTP {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	f.addr = l.Addr().String()
	if f.implicit != nil {
		l = tls.NewListener(l, f.implicit)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *flakySMTP) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(s string) { fmt.Fprintf(c, "%s\r\n", s) }
	if tc, ok := c.(*tls.Conn); ok {
		if err := tc.Handshake(); err != nil {
			return
		}
	}
	say("220 flaky ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-flaky")
			if f.starttls != nil {
				if _, ok := c.(*tls.Conn); !ok {
					say("250-STARTTLS")
				}
			}
			if f.auth {
				say("250-AUTH PLAIN")
			}
			say("250 8BITMIME")
		case cmd == "STARTTLS" && f.starttls != nil:
			say("220 ready")
			tc := tls.Server(c, f.starttls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c = tc
			r = bufio.NewReader(c)
		case f.auth && strings.HasPrefix(cmd, "AUTH PLAIN"):
			say("235 2.7.0 accepted")
		case strings.HasPrefix(cmd, "HELO"), strings.HasPrefix(cmd, "NOOP"), strings.HasPrefix(cmd, "RSET"):
			say("250 OK")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			f.mu.Lock()
			f.mails++
			failing := f.mails <= f.fail
			f.mu.Unlock()
			if failing {
				say(f.reply)
			} else {
				say("250 OK")
			}
		case strings.HasPrefix(cmd, "RCPT TO"):
			say("250 OK")
		case cmd == "DATA":
			say("354 go ahead")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(l)
			}
			if f.hang {
				_, _ = r.ReadString('\n') // until the client gives up
				return
			}
			f.mu.Lock()
			f.accepted = append(f.accepted, data.String())
			f.mu.Unlock()
			say("250 OK queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 unknown")
		}
	}
}

func (f *flakySMTP) counts() (mails, accepted int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mails, len(f.accepted)
}

func TestRetryTemporaryReply(t *testing.T) {
	t.Parallel()
	f := startFlaky(t, &flakySMTP{reply: "451 4.3.0 try again later", fail: 2})
	tg := newTarget(t, Config{Addr: f.addr, Attempts: 4})
	r := kickoff()
	r.Attendees = r.Attendees[:2]
	// An update removing Petra: two messages over one connection per attempt.
	deliver(t, tg, target.Delivery{Action: target.Update, Resource: r, Sequence: 1, Removed: []resource.Attendee{petra}})
	mails, accepted := f.counts()
	// Attempt 1: both refused. Attempt 2: both accepted.
	if mails != 4 || accepted != 2 {
		t.Errorf("MAIL FROM %d times, %d accepted; want 4 and 2", mails, accepted)
	}
}

func TestRetryGivesUp(t *testing.T) {
	t.Parallel()
	f := startFlaky(t, &flakySMTP{reply: "421 4.7.0 too many connections", fail: 100})
	tg := newTarget(t, Config{Addr: f.addr, Attempts: 3})
	r := kickoff()
	_, err := tg.Deliver(context.Background(), target.Delivery{Action: target.Create, Resource: r, Stamp: clock})
	var e *Error
	if !errors.As(err, &e) || e.Code != 421 || !e.Temporary || e.Attempts != 3 {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), r.Address) || !strings.Contains(err.Error(), "SMTP 421") {
		t.Errorf("error %q lacks address or code", err)
	}
}

func TestPermanentReplyNotRetried(t *testing.T) {
	t.Parallel()
	f := startFlaky(t, &flakySMTP{reply: "550 5.7.1 sender rejected", fail: 100})
	tg := newTarget(t, Config{Addr: f.addr, Attempts: 5})
	_, err := tg.Deliver(context.Background(), target.Delivery{Action: target.Create, Resource: kickoff(), Stamp: clock})
	var e *Error
	if !errors.As(err, &e) || e.Code != 550 || e.Temporary || e.Attempts != 1 {
		t.Fatalf("err = %v", err)
	}
	if mails, _ := f.counts(); mails != 1 {
		t.Errorf("MAIL FROM %d times, want 1", mails)
	}
}

func TestConnectionRefusedRetried(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	tg := newTarget(t, Config{Addr: addr, Attempts: 3})
	_, err = tg.Deliver(context.Background(), target.Delivery{Action: target.Create, Resource: kickoff(), Stamp: clock})
	var e *Error
	if !errors.As(err, &e) || !e.Temporary || e.Attempts != 3 || e.Code != 0 {
		t.Fatalf("err = %#v", err)
	}
}

func TestContextCancelsHangingServer(t *testing.T) {
	t.Parallel()
	f := startFlaky(t, &flakySMTP{hang: true})
	tg := newTarget(t, Config{Addr: f.addr, Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := tg.Deliver(ctx, target.Delivery{Action: target.Create, Resource: kickoff(), Stamp: clock})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Deliver returned after %v despite the context", d)
	}
}

func TestStartTLSRequired(t *testing.T) {
	t.Parallel()
	f := startFlaky(t, &flakySMTP{})
	tg, err := New(Config{Addr: f.addr, TLS: TLSStartTLS, RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tg.Deliver(context.Background(), target.Delivery{Action: target.Create, Resource: kickoff(), Stamp: clock})
	var e *Error
	if !errors.As(err, &e) || e.Temporary || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("err = %v", err)
	}
	if _, accepted := f.counts(); accepted != 0 {
		t.Error("sent without STARTTLS")
	}
}

// selfSigned returns a server configuration with a certificate for
// 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func TestTLSModes(t *testing.T) {
	t.Parallel()
	server, pool := selfSigned(t)
	for _, mode := range []string{TLSStartTLS, TLSImplicit} {
		f := &flakySMTP{}
		if mode == TLSStartTLS {
			f.starttls = server
		} else {
			f.implicit = server
		}
		startFlaky(t, f)
		tg := newTarget(t, Config{Addr: f.addr, TLS: mode, TLSConfig: &tls.Config{RootCAs: pool}})
		deliver(t, tg, target.Delivery{Action: target.Create, Resource: kickoff()})
		if _, accepted := f.counts(); accepted != 1 {
			t.Errorf("%s: %d messages accepted", mode, accepted)
		}

		// A certificate nobody trusts is a permanent failure.
		f = &flakySMTP{starttls: f.starttls, implicit: f.implicit}
		startFlaky(t, f)
		tg = newTarget(t, Config{Addr: f.addr, TLS: mode, Attempts: 3})
		_, err := tg.Deliver(context.Background(), target.Delivery{Action: target.Create, Resource: kickoff(), Stamp: clock})
		var e *Error
		if !errors.As(err, &e) || e.Temporary || e.Attempts != 1 || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s with an untrusted certificate: %v", mode, err)
		}
		if _, accepted := f.counts(); accepted != 0 {
			t.Errorf("%s: sent despite the untrusted certificate", mode)
		}
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{
		{Addr: "smtp.example.com"},
		{Addr: "smtp.example.com:0"},
		{Addr: "smtp.example.com:587", TLS: "ssl"},
		{Addr: "smtp.example.com:587", Auth: "cram-md5"},
		{Addr: "smtp.example.com:587", From: "Name <a@example.com>"},
		{Addr: "smtp.example.com:587", Password: "x"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
	if _, err := New(Config{Addr: "smtp.example.com:587", From: "svc@example.com"}); err != nil {
		t.Error(err)
	}
}
