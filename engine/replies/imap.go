package replies

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TLS modes of Config.TLS, as in the settings schema.
const (
	TLSImplicit = "tls"      // TLS from the first byte (port 993), the default
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (required)
	TLSNone     = "none"     // no encryption: loopback servers only
)

// Defaults of Config.
const (
	DefaultMailbox = "INBOX"
	DefaultTimeout = 30 * time.Second
	// maxMessage skips messages larger than this: replies are a few
	// kilobytes, and a mailbox may hold big attachments.
	maxMessage = 2 << 20
	// batch is how many messages one FETCH asks for.
	batch = 100
)

// Config says where replies are read from. The password comes from the
// environment (target.Secret), never from settings.
type Config struct {
	Addr               string // "host:port"
	TLS                string // TLSImplicit (default when empty), TLSStartTLS or TLSNone
	Username, Password string
	Mailbox            string // DefaultMailbox when empty
	// TLSConfig overrides the TLS client configuration (a private CA).
	TLSConfig *tls.Config
	// Timeout bounds connecting and the whole exchange; DefaultTimeout if 0.
	Timeout time.Duration
}

// Result is what Fetch read.
type Result struct {
	Replies  []Reply
	Messages int // messages read
	// Unreadable counts messages that looked like replies but could not be
	// read; the first such error is in FirstError.
	Unreadable int
	FirstError error
}

// Fetch logs in, opens the mailbox read-only and returns the replies of
// every message that mentions REPLY (the server's full-text SEARCH, which
// Dovecot and the large providers run over decoded MIME parts).
func Fetch(ctx context.Context, cfg Config) (*Result, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("replies: IMAP server %q: want host:port", cfg.Addr)
	}
	mode := cfg.TLS
	if mode == "" {
		mode = TLSImplicit
	}
	switch mode {
	case TLSImplicit, TLSStartTLS, TLSNone:
	default:
		return nil, fmt.Errorf("replies: tls %q: want %q, %q or %q", cfg.TLS, TLSImplicit, TLSStartTLS, TLSNone)
	}
	if mode == TLSNone && !loopback(host) {
		// The password would cross the network in the clear.
		return nil, fmt.Errorf("replies: tls %q is only allowed for a server on this machine, not %s", TLSNone, host)
	}
	if cfg.Username == "" || cfg.Password == "" {
		return nil, fmt.Errorf("replies: IMAP needs a username and a password")
	}
	mailbox := cfg.Mailbox
	if mailbox == "" {
		mailbox = DefaultMailbox
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("replies: connecting to %s: %w", cfg.Addr, err)
	}
	// Closing the connection when ctx ends unblocks any command waiting.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	opts := &imapclient.Options{TLSConfig: tlsConfig}
	var c *imapclient.Client
	switch mode {
	case TLSImplicit:
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("replies: TLS with %s: %w", cfg.Addr, err)
		}
		c = imapclient.New(tc, opts)
	case TLSStartTLS:
		if c, err = imapclient.NewStartTLS(conn, opts); err != nil {
			conn.Close()
			return nil, fmt.Errorf("replies: STARTTLS with %s: %w", cfg.Addr, err)
		}
	default:
		c = imapclient.New(conn, opts)
	}
	defer c.Close()

	res, err := read(c, cfg.Username, cfg.Password, mailbox)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return nil, fmt.Errorf("replies: %s, mailbox %q: %w", cfg.Addr, mailbox, err)
	}
	_ = c.Logout().Wait()
	return res, nil
}

func read(c *imapclient.Client, username, password, mailbox string) (*Result, error) {
	if err := c.Login(username, password).Wait(); err != nil {
		// The server's text, never the password: LOGIN errors do not echo it.
		return nil, fmt.Errorf("login as %s: %w", username, err)
	}
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return nil, fmt.Errorf("opening: %w", err)
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{Text: []string{"REPLY"}, Smaller: maxMessage}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	uids := found.AllUIDs()
	res := &Result{}
	for len(uids) > 0 {
		n := min(batch, len(uids))
		msgs, err := c.Fetch(imap.UIDSetNum(uids[:n]...), &imap.FetchOptions{
			UID:         true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true}},
		}).Collect()
		if err != nil {
			return nil, fmt.Errorf("fetching: %w", err)
		}
		uids = uids[n:]
		for _, m := range msgs {
			if len(m.BodySection) == 0 {
				continue
			}
			res.Messages++
			rs, err := Parse(m.BodySection[0].Bytes)
			if err != nil {
				res.Unreadable++
				if res.FirstError == nil {
					res.FirstError = fmt.Errorf("message UID %d: %w", m.UID, err)
				}
				continue
			}
			res.Replies = append(res.Replies, rs...)
		}
	}
	return res, nil
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
