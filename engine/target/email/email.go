// Package email is rmctl's e-mail target: iMIP invitations (RFC 6047)
// through SMTP.
//
// # Messages
//
// Every delivery sends one message per action and recipient set, all
// recipients in To (they see each other, as attendees of an invitation
// do):
//
//   - create or update of a session or event: a REQUEST to the attendees;
//     an update that removed attendees also sends a CANCEL to just them;
//   - cancel: a CANCEL to all attendees (and to removed ones, if any).
//
// Invitations are built as Google Calendar sends them: a multipart/mixed
// holding a multipart/alternative of text/plain, text/html and the iTIP
// object as "text/calendar; method=REQUEST; charset=UTF-8" (or CANCEL),
// inline and base64-encoded, then the same object as an invite.ics
// attachment (application/ics) for clients that read only attachments. The
// calendar is built by package ical so that every target sends the same
// calendar data. Tutorial assignments are notices (text and HTML, no
// calendar part): Google Calendar and Outlook ignore VTODO. Subjects and
// bodies are German or English after the resource's language, times are
// shown in its time zone.
//
// # Sender
//
// From is Config.From if set, else the resource's organizer, and is also
// the envelope sender. Gmail (and Outlook, similarly) updates or cancels an
// event it already holds only when the message comes from the address in
// ORGANIZER, so the ORGANIZER written is always the sender, with the
// organizer's name as CN. With a Config.From other than the organizer,
// iTIP replies therefore go to From's mailbox, and rmctl adds Reply-To: the
// organizer, so that people's written answers reach them.
//
// # Delivery guarantees
//
// SMTP offers no way to ask whether a message was already sent, so this
// target cannot look before it sends: delivery is at-least-once. Within
// one Target value a message that the server accepted is never sent again
// (a delivery repeated by apply skips it, and a retry after a failure
// sends only what the server did not accept). A run that crashed after the
// server accepted a message and before state recorded it sends the message
// again. The Message-ID of every message is derived from the resource's
// UID, SEQUENCE, method, recipients and content, so the repeat carries the
// same Message-ID, which mail systems that de-duplicate (Gmail among them)
// use to drop or collapse it; and calendar clients treat a repeated REQUEST
// with the same UID and SEQUENCE as the same version of the event rather
// than a second event. The worst case is a second, identical e-mail. The same holds for a
// connection lost after the message data was sent but before the server's
// reply arrived, which is retried.
//
// # Connections and errors
//
// Each delivery opens its own SMTP connection (STARTTLS, implicit TLS or
// plain, then AUTH PLAIN or LOGIN when a username is set) and sends its one
// or two messages over it; deliveries run in parallel up to
// Config.MaxConnections connections, since many providers limit concurrent
// connections per account. Pooling connections would save the handshakes,
// but a connection shared by workers turns one broken session into many
// failed deliveries, and rmctl sends few messages per run.
//
// Temporary failures (4xx replies, refused or broken connections,
// timeouts) are retried with exponential backoff up to Config.Attempts
// tries; permanent ones (5xx, TLS certificate errors) fail at once. The
// context cancels waiting and any SMTP exchange in progress. Errors name
// the resource address, the recipients and the SMTP reply code, and never
// contain the password. Credentials are sent in the clear only to a
// loopback server: with TLS "none" and a remote server, AUTH is refused.
//
// Deliver returns no refs: nothing of a sent message can be looked up
// later.
package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/rmctl/rmctl/engine/ical"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target"
)

// TLS modes of Config.TLS, as in the settings schema.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (required)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no encryption
)

// Authentication mechanisms of Config.Auth.
const (
	AuthAuto  = ""      // PLAIN if the server offers it, else LOGIN
	AuthPlain = "plain" // AUTH PLAIN
	AuthLogin = "login" // AUTH LOGIN
)

// Defaults of Config.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultAttempts       = 5
	DefaultRetryDelay     = time.Second
	DefaultMaxConnections = 4
	maxRetryDelay         = 30 * time.Second
)

// Config configures the e-mail target. Addr and, to authenticate,
// Username and Password come from the settings (target.Secret resolves
// the password); the rest has defaults.
type Config struct {
	// Addr is the SMTP server as "host:port".
	Addr string
	// TLS is TLSStartTLS (default when empty), TLSImplicit or TLSNone.
	TLS string
	// Username enables SMTP AUTH; Password is its secret.
	Username, Password string
	// Auth picks the mechanism: AuthAuto (default), AuthPlain or AuthLogin.
	Auth string
	// From is the sender address; empty means each resource's organizer.
	From string
	// Now is the clock for Date headers and deliveries without a Stamp;
	// time.Now if nil.
	Now func() time.Time

	// TLSConfig overrides the TLS client configuration (a private CA, for
	// example); its ServerName defaults to the host of Addr.
	TLSConfig *tls.Config
	// HELO is the name this client greets with; the host name if empty.
	HELO string
	// Timeout bounds connecting and each SMTP command; DefaultTimeout if 0.
	Timeout time.Duration
	// Attempts is how often a message is tried on temporary failures,
	// the first try included; DefaultAttempts if 0.
	Attempts int
	// RetryDelay is the wait before the first retry, doubled for each
	// further one up to 30s; DefaultRetryDelay if 0.
	RetryDelay time.Duration
	// MaxConnections bounds the SMTP connections open at once;
	// DefaultMaxConnections if 0.
	MaxConnections int
	// BatchSize bounds the recipients of one message: an invitation to a
	// joint event of thousands goes out as several messages, each listing
	// its own recipients (1 sends one per person); DefaultBatchSize if 0.
	BatchSize int
}

// DefaultBatchSize keeps messages to a joint event under the recipient
// limits of common mail servers (Exchange Online allows 500, Gmail 100 for
// some accounts) and small enough to read.
const DefaultBatchSize = 100

// Target sends deliveries as e-mail. It is safe for concurrent use.
type Target struct {
	batch      int // recipients per message at most
	addr, host string
	port       int
	tlsMode    string
	username   string
	password   string
	auth       string
	from       string
	now        func() time.Time
	tlsConfig  *tls.Config
	helo       string
	timeout    time.Duration
	attempts   int
	retryDelay time.Duration
	conns      chan struct{} // semaphore of open connections

	mu   sync.Mutex
	sent map[string]bool // Message-IDs the server accepted
}

// New checks cfg and returns the target. It does not connect.
func New(cfg Config) (*Target, error) {
	host, portStr, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("email: SMTP server %q: want host:port: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 || host == "" {
		return nil, fmt.Errorf("email: SMTP server %q: want host:port", cfg.Addr)
	}
	t := &Target{
		addr: cfg.Addr, host: host, port: port, tlsMode: cfg.TLS,
		username: cfg.Username, password: cfg.Password, auth: strings.ToLower(cfg.Auth),
		from: cfg.From, now: cfg.Now, helo: cfg.HELO,
		timeout: cfg.Timeout, attempts: cfg.Attempts, retryDelay: cfg.RetryDelay,
		sent: map[string]bool{}, batch: cfg.BatchSize,
	}
	if t.batch == 0 {
		t.batch = DefaultBatchSize
	}
	if t.batch < 0 {
		return nil, fmt.Errorf("email: batch size %d: want at least 1", cfg.BatchSize)
	}
	switch t.tlsMode {
	case "":
		t.tlsMode = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("email: tls %q: want %q, %q or %q", cfg.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	switch t.auth {
	case AuthAuto, AuthPlain, AuthLogin:
	default:
		return nil, fmt.Errorf("email: auth %q: want %q or %q", cfg.Auth, AuthPlain, AuthLogin)
	}
	if t.password != "" && t.username == "" {
		return nil, fmt.Errorf("email: a password is set but no username")
	}
	if t.from != "" {
		if err := checkAddress(t.from); err != nil {
			return nil, fmt.Errorf("email: from: %w", err)
		}
	}
	if t.now == nil {
		t.now = time.Now
	}
	if cfg.TLSConfig != nil {
		t.tlsConfig = cfg.TLSConfig.Clone()
	} else {
		t.tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if t.tlsConfig.ServerName == "" {
		t.tlsConfig.ServerName = host
	}
	if t.timeout <= 0 {
		t.timeout = DefaultTimeout
	}
	if t.attempts <= 0 {
		t.attempts = DefaultAttempts
	}
	if t.retryDelay <= 0 {
		t.retryDelay = DefaultRetryDelay
	}
	n := cfg.MaxConnections
	if n <= 0 {
		n = DefaultMaxConnections
	}
	t.conns = make(chan struct{}, n)
	return t, nil
}

// Deliver sends the messages of d and returns no refs.
func (t *Target) Deliver(ctx context.Context, d target.Delivery) ([]state.Ref, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := d.Resource
	if r.Address == "" || r.UID == "" {
		return nil, fmt.Errorf("email: delivery of resource %q without address or UID", r.Address)
	}
	stamp := d.Stamp
	if stamp.IsZero() {
		stamp = t.now()
	}

	type part struct {
		method string
		kind   kindOfMessage
		to     []resource.Attendee
	}
	var parts []part
	switch d.Action {
	case target.Create, target.Update:
		k := invite
		if d.Action == target.Update {
			k = update
		}
		var gone []resource.Attendee
		for _, a := range d.Removed {
			if !slices.ContainsFunc(r.Attendees, func(b resource.Attendee) bool { return sameAttendee(a, b) }) {
				gone = append(gone, a)
			}
		}
		// iTIP needs at least one attendee: nobody invited, no message.
		if len(r.Attendees) > 0 {
			parts = append(parts, part{ical.MethodRequest, k, r.Attendees})
		}
		if len(gone) > 0 {
			parts = append(parts, part{ical.MethodCancel, withdrawn, gone})
		}
	case target.Cancel:
		all := slices.Clone(r.Attendees)
		for _, a := range d.Removed {
			if !slices.ContainsFunc(all, func(b resource.Attendee) bool { return sameAttendee(a, b) }) {
				all = append(all, a)
			}
		}
		if len(all) > 0 {
			parts = append(parts, part{ical.MethodCancel, cancelled, all})
		}
	default:
		return nil, fmt.Errorf("email: %s: unknown action %q", r.Address, d.Action)
	}

	var pending []*outgoing
	for _, p := range parts {
		// In batches: each message lists its own recipients, in To and
		// as ATTENDEEs (a whole-event CANCEL still says CANCELLED).
		for batch := range slices.Chunk(p.to, t.batch) {
			o, err := t.compose(&r, d.Sequence, stamp, p.method, p.kind, batch)
			if err != nil {
				return nil, fmt.Errorf("email: %s: %s: %w", r.Address, p.method, err)
			}
			if !t.wasSent(o.id) {
				pending = append(pending, o)
			}
		}
	}
	if len(pending) == 0 {
		return nil, nil
	}
	if err := t.send(ctx, r.Address, pending); err != nil {
		return nil, err
	}
	return nil, nil
}

// sameAttendee compares by address: e-mail goes to addresses, so a person
// whose address changed must hear of the cancellation at the old one.
func sameAttendee(a, b resource.Attendee) bool {
	return strings.EqualFold(a.Email, b.Email)
}

func (t *Target) wasSent(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sent[id]
}

func (t *Target) markSent(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sent[id] = true
}

// send sends msgs, retrying temporary failures with backoff. Each attempt
// opens one connection and sends what the server has not accepted yet.
func (t *Target) send(ctx context.Context, address string, msgs []*outgoing) error {
	delay := t.retryDelay
	for attempt := 1; ; attempt++ {
		err := t.attempt(ctx, msgs)
		var left []*outgoing
		for _, o := range msgs {
			if o.msg.IsDelivered() {
				t.markSent(o.id)
			} else {
				left = append(left, o)
			}
		}
		msgs = left
		if len(msgs) == 0 {
			// Everything was accepted; an error can only concern QUIT.
			return nil
		}
		if err == nil {
			err = errors.New("message not accepted")
		}
		if cerr := ctx.Err(); cerr != nil {
			return t.fail(address, msgs[0], attempt, cerr)
		}
		if !temporary(err) || attempt >= t.attempts {
			return t.fail(address, msgs[0], attempt, err)
		}
		wait := delay + rand.N(delay/4+1) // jitter spreads parallel workers
		delay = min(2*delay, maxRetryDelay)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return t.fail(address, msgs[0], attempt, ctx.Err())
		case <-timer.C:
		}
	}
}

// attempt opens one connection and sends msgs over it.
func (t *Target) attempt(ctx context.Context, msgs []*outgoing) error {
	select {
	case t.conns <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-t.conns }()

	opts := []mail.Option{
		mail.WithPort(t.port),
		mail.WithTimeout(t.timeout),
		mail.WithTLSConfig(t.tlsConfig),
		mail.WithDialContextFunc(t.dialer(ctx)),
	}
	if t.helo != "" {
		opts = append(opts, mail.WithHELO(t.helo))
	}
	switch t.tlsMode {
	case TLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		// Implicit TLS is set up by the dialer; go-mail must not try
		// STARTTLS on top of it.
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if t.username != "" {
		opts = append(opts, mail.WithUsername(t.username), mail.WithPassword(t.password))
		switch t.auth {
		case AuthPlain:
			opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain))
		case AuthLogin:
			opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthLogin))
		default:
			// The plain variants refuse to send credentials over an
			// unencrypted connection except to a loopback server.
			opts = append(opts, mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlain, mail.SMTPAuthLogin))
		}
	}
	client, err := mail.NewClient(t.host, opts...)
	if err != nil {
		return err
	}
	list := make([]*mail.Msg, len(msgs))
	for i, o := range msgs {
		list[i] = o.msg
	}
	return client.DialAndSendWithContext(ctx, list...)
}

// dialer connects to the server for one attempt. The connection follows
// ctx: once ctx is done, every read and write fails at once, so a
// cancelled apply does not wait for a slow server. Implicit TLS is set up
// here because go-mail leaves TLS to a custom dialer.
func (t *Target) dialer(ctx context.Context) mail.DialContextFunc {
	return func(dctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		raw, err := d.DialContext(dctx, network, t.addr)
		if err != nil {
			return nil, err
		}
		c := watch(ctx, raw)
		if t.tlsMode != TLSImplicit {
			return c, nil
		}
		tc := tls.Client(c, t.tlsConfig)
		if err := tc.HandshakeContext(dctx); err != nil {
			c.Close()
			return nil, err
		}
		return tc, nil
	}
}

// ctxConn is a connection whose deadlines fall into the past once its
// context is done, whatever deadline the SMTP client sets afterwards.
type ctxConn struct {
	net.Conn
	ctx  context.Context
	mu   sync.Mutex
	stop func() bool
}

var past = time.Unix(1, 0)

func watch(ctx context.Context, c net.Conn) net.Conn {
	w := &ctxConn{Conn: c, ctx: ctx}
	w.stop = context.AfterFunc(ctx, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		_ = w.Conn.SetDeadline(past)
	})
	return w
}

func (w *ctxConn) deadline(set func(time.Time) error, d time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ctx.Err() != nil {
		d = past
	}
	return set(d)
}

func (w *ctxConn) SetDeadline(d time.Time) error      { return w.deadline(w.Conn.SetDeadline, d) }
func (w *ctxConn) SetReadDeadline(d time.Time) error  { return w.deadline(w.Conn.SetReadDeadline, d) }
func (w *ctxConn) SetWriteDeadline(d time.Time) error { return w.deadline(w.Conn.SetWriteDeadline, d) }

func (w *ctxConn) Close() error {
	w.stop()
	return w.Conn.Close()
}

// Error is a failed delivery.
type Error struct {
	// Address is the resource's address.
	Address string
	// Method is the iTIP method of the message that failed (REQUEST or
	// CANCEL; assignment notices count as the method they stand for).
	Method string
	// Recipients are the message's envelope recipients.
	Recipients []string
	// Code is the SMTP reply code, 0 when the server gave none (a
	// connection or TLS failure).
	Code int
	// Temporary reports a failure worth retrying later (4xx, network).
	Temporary bool
	// Attempts is how often the message was tried.
	Attempts int
	// Server is the SMTP server's host:port.
	Server string

	msg string // the cause's text, without the password
	err error
}

func (e *Error) Error() string {
	code := ""
	if e.Code != 0 {
		code = fmt.Sprintf(" (SMTP %d)", e.Code)
	}
	tries := "1 attempt"
	if e.Attempts != 1 {
		tries = fmt.Sprintf("%d attempts", e.Attempts)
	}
	return fmt.Sprintf("email: %s: sending %s to %s via %s failed after %s%s: %s",
		e.Address, e.Method, strings.Join(e.Recipients, ", "), e.Server, tries, code, e.msg)
}

// Unwrap returns the cause, such as context.Canceled.
func (e *Error) Unwrap() error { return e.err }

func (t *Target) fail(address string, o *outgoing, attempts int, err error) error {
	return &Error{
		Address: address, Method: o.method, Recipients: o.rcpts, Code: replyCode(err),
		Temporary: temporary(err), Attempts: attempts, Server: t.addr,
		msg: t.redact(err.Error()), err: err,
	}
}

// maxCause bounds the cause's text in an Error: go-mail's message and the
// server's reply, which a server may make as long as it likes.
const maxCause = 300

// redact removes the password, plain and in the encodings AUTH PLAIN and
// LOGIN send, from text that may echo the SMTP dialogue, and keeps a short
// excerpt of it without control characters.
func (t *Target) redact(s string) string {
	var r target.Redactor
	r.Add(t.username, t.password)
	return target.Excerpt(r.String(s), maxCause)
}

// replyCode finds the SMTP reply code in err: go-mail reports it in its
// SendError, the dial, STARTTLS and AUTH steps as a textproto.Error.
func replyCode(err error) int {
	var se *mail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return se.ErrorCode()
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// temporary reports whether err is worth another attempt: a 4xx reply or a
// failed connection, not a 5xx reply, a TLS failure or a bad message.
func temporary(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if code := replyCode(err); code != 0 {
		return code >= 400 && code < 500
	}
	var (
		certErr    *tls.CertificateVerificationError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		alertErr   tls.AlertError
		recordErr  tls.RecordHeaderError
		invalidErr x509.CertificateInvalidError
	)
	if errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) ||
		errors.As(err, &alertErr) || errors.As(err, &recordErr) || errors.As(err, &invalidErr) {
		return false
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		switch se.Reason {
		case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
			return false // the message, not the connection
		}
		// Any other step failed without a reply code: the connection broke.
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

var _ target.Target = (*Target)(nil)
