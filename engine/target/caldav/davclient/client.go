package davclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rmctl/rmctl/engine/target"
)

const (
	// DefaultMaxRetries is used when Options.MaxRetries is 0.
	DefaultMaxRetries = 4
	// DefaultDeadline is used when Options.Deadline is 0.
	DefaultDeadline = 2 * time.Minute
	// DefaultAttemptTimeout bounds one HTTP attempt when Options.HTTPClient
	// is nil. Xandikos commits every write to git, so allow it some time.
	DefaultAttemptTimeout = 30 * time.Second

	backoffBase = 250 * time.Millisecond
	backoffMax  = 8 * time.Second
	// maxBody bounds what is read from one response; a calendar-query of a
	// calendar with thousands of sessions stays far below it.
	maxBody = 64 << 20
	// MaxRedirects is how many redirects one request follows: enough for a
	// server that moved or adds a trailing slash, not for a loop.
	MaxRedirects = 5
)

// Options configures a Client.
type Options struct {
	// Username and Password are sent with HTTP basic authentication on every
	// request when Username is not empty. URLs must not carry credentials.
	Username, Password string
	// HTTPClient performs the requests; its Timeout bounds one attempt. nil
	// means a client with DefaultAttemptTimeout.
	HTTPClient *http.Client
	// MaxRetries is how many times a failed request is retried: 0 means
	// DefaultMaxRetries, a negative value means never.
	MaxRetries int
	// Deadline bounds one operation (all its requests and retries): 0 means
	// DefaultDeadline, a negative value means only the context's deadline.
	Deadline time.Duration
	// Sleep replaces the wait between retries (for tests). nil means a real
	// timer that also ends when the context is done.
	Sleep func(time.Duration)
}

// Client talks CalDAV to one or more servers. It holds no per-request state
// and is safe for concurrent use.
type Client struct {
	username, password string
	http               *http.Client
	maxRetries         int
	deadline           time.Duration
	sleepFn            func(time.Duration)
	// secrets redacts the password from server answers quoted in errors.
	secrets *target.Redactor
}

// New returns a Client for opts.
func New(opts Options) (*Client, error) {
	if opts.Password != "" && opts.Username == "" {
		return nil, errors.New("davclient: a password without a username")
	}
	c := &Client{
		username:   opts.Username,
		password:   opts.Password,
		http:       opts.HTTPClient,
		maxRetries: opts.MaxRetries,
		deadline:   opts.Deadline,
		sleepFn:    opts.Sleep,
		secrets:    &target.Redactor{},
	}
	c.secrets.Add(opts.Username, opts.Password)
	if c.http == nil {
		c.http = &http.Client{Timeout: DefaultAttemptTimeout}
	}
	c.http = guardRedirects(c.http)
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.deadline == 0 {
		c.deadline = DefaultDeadline
	}
	return c, nil
}

// guardRedirects returns a copy of hc that follows at most MaxRedirects
// redirects, never from https to http, and sends credentials only to the
// origin (scheme, host and port) of the request the caller made. net/http
// alone keeps Authorization on a redirect to another port or scheme of the
// same host name, and follows https → http, sending the password in the
// clear. A CheckRedirect of the caller's still runs after these checks.
func guardRedirects(hc *http.Client) *http.Client {
	guarded := *hc
	next := hc.CheckRedirect
	guarded.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > MaxRedirects {
			return fmt.Errorf("stopped after %d redirects", MaxRedirects)
		}
		for _, v := range via {
			if v.URL.Scheme == "https" && req.URL.Scheme != "https" {
				return fmt.Errorf("refusing a redirect from https to %s (%s)", req.URL.Scheme, redact(req.URL))
			}
		}
		if origin(req.URL) != origin(via[0].URL) {
			req.Header.Del("Authorization")
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &guarded
}

// origin is a URL's scheme, host and port, the port made explicit.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return strings.ToLower(u.Scheme) + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// operation bounds ctx by the client's Deadline.
func (c *Client) operation(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.deadline < 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.deadline)
}

// parseURL checks a caller's URL. Credentials in URLs are refused: they
// would end up in logs and error messages; Options carries them instead.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("URL %q: scheme must be http or https", redact(u))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("URL %q has no host", redact(u))
	}
	if u.User != nil {
		return nil, fmt.Errorf("URL %q carries credentials; pass them in Options", redact(u))
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// result is a complete HTTP response (body read) after retries.
type result struct {
	status    int
	header    http.Header
	body      []byte
	ambiguous bool // an earlier attempt may have been applied
}

func (r *result) ok() bool { return r.status/100 == 2 }

// roundTrip sends one request, retrying transient failures. Any HTTP status
// that is final (or still failing when retries run out) is returned as a
// result, not an error; errors are transport failures and context ends.
func (c *Client) roundTrip(ctx context.Context, method string, u *url.URL, header http.Header, body []byte) (*result, error) {
	var (
		ambiguous bool
		lastErr   error
	)
	for attempt := 0; ; attempt++ {
		res, err := c.attempt(ctx, method, u, header, body)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, c.transportError(method, u, attempt+1, ctxErr, err)
			}
			if !transient(err) {
				return nil, c.transportError(method, u, attempt+1, err, nil)
			}
			// The request may have reached the server before the connection
			// failed or timed out.
			ambiguous = true
			lastErr = err
		} else {
			res.ambiguous = ambiguous
			if !retryableStatus(res.status) || attempt >= c.maxRetries {
				return res, nil
			}
			switch res.status {
			case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
				// A gateway may have passed the request on; 503 and 429
				// mean it was turned away.
				ambiguous = true
			}
			lastErr = nil
		}
		if attempt >= c.maxRetries {
			return nil, c.transportError(method, u, attempt+1, lastErr, nil)
		}

		wait := backoff(attempt)
		if res != nil && res.status == http.StatusTooManyRequests {
			if ra, ok := retryAfter(res.header.Get("Retry-After")); ok {
				wait = ra
			}
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// Waiting would outlive the operation: report what we have.
			if res != nil {
				return res, nil
			}
			return nil, c.transportError(method, u, attempt+1, lastErr, nil)
		}
		if err := c.sleep(ctx, wait); err != nil {
			if res != nil {
				// Cancelled while waiting to retry: say so, and keep the
				// last answer in the chain.
				return nil, fmt.Errorf("%w (last answer: %w)", err, c.httpError(method, u, res))
			}
			return nil, c.transportError(method, u, attempt+1, err, lastErr)
		}
	}
}

func (c *Client) transportError(method string, u *url.URL, attempts int, err, cause error) error {
	// *url.Error repeats the whole URL; the path is enough and the method
	// and path are named here already.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := fmt.Sprintf("%s %s", method, u.EscapedPath())
	if attempts > 1 {
		msg += fmt.Sprintf(" (%d attempts)", attempts)
	}
	if cause != nil && !errors.Is(cause, err) {
		var cue *url.Error
		if errors.As(cause, &cue) {
			cause = cue.Err
		}
		return fmt.Errorf("%s: %w (last failure: %v)", msg, err, cause)
	}
	return fmt.Errorf("%s: %w", msg, err)
}

// attempt performs one HTTP exchange and reads the whole body.
func (c *Client) attempt(ctx context.Context, method string, u *url.URL, header http.Header, body []byte) (*result, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = append([]string(nil), v...)
	}
	if c.username != "" {
		req.SetBasicAuth(c.username, c.password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		// A body cut short is as transient as a reset before the headers.
		return nil, err
	}
	if len(data) > maxBody {
		return nil, fmt.Errorf("response body larger than %d bytes", maxBody)
	}
	return &result{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.sleepFn != nil {
		c.sleepFn(d)
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff is exponential with "equal jitter": half the step is fixed, half
// random, so concurrent clients spread out but still back off.
func backoff(attempt int) time.Duration {
	d := backoffMax
	if attempt < 10 {
		d = min(backoffBase<<attempt, backoffMax)
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter parses Retry-After as seconds or an HTTP date.
func retryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

func retryableStatus(status int) bool {
	switch {
	case status == http.StatusTooManyRequests:
		return true
	case status == http.StatusNotImplemented, status == http.StatusHTTPVersionNotSupported:
		// Not going to change on a retry.
		return false
	default:
		return status >= 500 && status <= 599
	}
}

// transient reports whether a transport error is worth a retry: the
// connection was reset, closed before a complete response, or timed out.
// Refused connections, DNS and TLS failures are configuration problems and
// fail at once.
func transient(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// net/http reports a server closing an idle keep-alive connection
	// mid-request with these texts rather than a typed error.
	msg := err.Error()
	return strings.Contains(msg, "server closed idle connection") ||
		strings.Contains(msg, "connection reset by peer") ||
		strings.Contains(msg, "broken pipe")
}

// xmlContentType is the Content-Type for request bodies in XML. Xandikos
// refuses text/xml (which go-webdav sends), RFC 4918 allows both.
const xmlContentType = `application/xml; charset="utf-8"`

// davDoer adapts the round-tripper to go-webdav's webdav.HTTPClient. One is
// made per operation, so recording the last failure needs no lock.
type davDoer struct {
	c       *Client
	lastErr error // *HTTPError or a transport error from roundTrip
}

func (d *davDoer) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	header := req.Header.Clone()
	if t, _, err := mime.ParseMediaType(header.Get("Content-Type")); err == nil && t == "text/xml" {
		header.Set("Content-Type", xmlContentType)
	}
	res, err := d.c.roundTrip(req.Context(), req.Method, req.URL, header, body)
	if err != nil {
		d.lastErr = err
		return nil, err
	}
	if !res.ok() {
		d.lastErr = d.c.httpError(req.Method, req.URL, res)
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", res.status, http.StatusText(res.status)),
		StatusCode:    res.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        res.header,
		Body:          io.NopCloser(bytes.NewReader(res.body)),
		ContentLength: int64(len(res.body)),
		Request:       req,
	}, nil
}

// wrap turns an error from go-webdav into this package's: go-webdav's
// errors hide the status, the recorded error has it (and already names the
// method and path).
func (d *davDoer) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if d.lastErr != nil {
		return d.lastErr
	}
	return fmt.Errorf("%s: %w", op, err)
}

// lastHTTPError is the recorded non-2xx answer, if that is what failed.
func (d *davDoer) lastHTTPError() *HTTPError {
	var herr *HTTPError
	if errors.As(d.lastErr, &herr) {
		return herr
	}
	return nil
}
