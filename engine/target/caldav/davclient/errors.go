package davclient

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/rmctl/rmctl/engine/target"
)

var (
	// ErrPrecondition matches an HTTPError with status 412: If-Match named a
	// stale ETag, or If-None-Match: * found an existing object.
	ErrPrecondition = errors.New("davclient: precondition failed")
	// ErrNotFound matches an HTTPError with status 404.
	ErrNotFound = errors.New("davclient: not found")
	// ErrConflict matches an HTTPError with status 409. Radicale answers 409
	// to a PUT of a UID that already exists at another path
	// (no-uid-conflict), and both servers to MKCALENDAR where the parent is
	// missing or not allowed.
	ErrConflict = errors.New("davclient: conflict")
)

// maxErrorBody bounds HTTPError.Body: enough for a server's explanation,
// small enough for logs.
const maxErrorBody = 200

// HTTPError is a response with an unexpected HTTP status.
type HTTPError struct {
	Method string
	// URL is the request URL without user information.
	URL    string
	Status int
	// Body is the start of the response body's text (the character data of
	// an XML body), with the client's credentials redacted and control
	// characters removed: at most 200 bytes, safe to print.
	Body string
	// Ambiguous is set when an earlier attempt of the same request failed in
	// a way that may have left it applied (connection lost after sending,
	// timeout, 500/502/504), so this status may describe the effect of our
	// own earlier attempt: a 412 to a Create then usually means "already
	// created by us".
	Ambiguous bool
}

func (e *HTTPError) Error() string {
	path := e.URL
	if u, err := url.Parse(e.URL); err == nil {
		path = u.EscapedPath()
	}
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, path, e.Status, http.StatusText(e.Status))
	if e.Ambiguous {
		msg += " (after an attempt that may have been applied)"
	}
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Is lets errors.Is match the sentinel errors by status.
func (e *HTTPError) Is(target error) bool {
	switch target {
	case ErrPrecondition:
		return e.Status == http.StatusPreconditionFailed
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	}
	return false
}

// httpError describes a non-2xx answer. Servers echo requests in error
// bodies (a 403 quoting the Authorization header was seen), so the body is
// redacted before it is cut: a cut could leave part of a secret.
func (c *Client) httpError(method string, u *url.URL, res *result) *HTTPError {
	// Only the start of a body is quoted; bound the work of parsing one.
	body := res.body
	if len(body) > 64<<10 {
		body = body[:64<<10]
	}
	return &HTTPError{
		Method:    method,
		URL:       redact(u),
		Status:    res.status,
		Body:      target.Excerpt(bodyText(c.secrets.String(string(body))), maxErrorBody),
		Ambiguous: res.ambiguous,
	}
}

// redact drops user information from a URL for messages.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// bodyText is the text content of an XML error body (Xandikos explains its
// refusals in a multistatus), or the body itself.
func bodyText(body string) string {
	if !strings.HasPrefix(strings.TrimSpace(body), "<") {
		return body
	}
	var parts []string
	d := xml.NewDecoder(strings.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			break // a truncated body still gives the text before the cut
		}
		if cd, ok := tok.(xml.CharData); ok {
			if s := strings.TrimSpace(string(cd)); s != "" {
				parts = append(parts, s)
			}
		}
	}
	if len(parts) == 0 {
		return body
	}
	return strings.Join(parts, " ")
}
