package davclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/emersion/go-webdav"
)

const icsContentType = "text/calendar; charset=utf-8"

// Create stores a new calendar object at objectURL with If-None-Match: *, so
// it never overwrites one. It returns the object's ETag.
//
// An existing object yields an error matching ErrPrecondition. After a
// retried attempt (HTTPError.Ambiguous) that object is most likely our own
// earlier write: Get it and compare before treating it as a conflict.
// Radicale answers 409 (ErrConflict) when the UID exists at another path.
func (c *Client) Create(ctx context.Context, objectURL string, ics []byte) (string, error) {
	ctx, cancel := c.operation(ctx)
	defer cancel()
	return c.put(ctx, "create", objectURL, ics, http.Header{"If-None-Match": {"*"}})
}

// Update replaces the calendar object at objectURL if its ETag is still
// etag (If-Match), and returns the new ETag. A changed ETag (someone else
// wrote, or an ambiguous earlier attempt of ours went through) matches
// ErrPrecondition; so does a deleted object on Radicale 3.1 and Xandikos 0.2
// (other servers may answer 404, ErrNotFound). etag must not be empty: an
// unconditional overwrite could lose another writer's change.
func (c *Client) Update(ctx context.Context, objectURL string, ics []byte, etag string) (string, error) {
	if normalizeETag(etag) == "" {
		return "", errors.New("davclient: update: empty ETag")
	}
	ctx, cancel := c.operation(ctx)
	defer cancel()
	return c.put(ctx, "update", objectURL, ics, http.Header{"If-Match": {quoteETag(etag)}})
}

func (c *Client) put(ctx context.Context, op, objectURL string, ics []byte, cond http.Header) (string, error) {
	u, err := parseURL(objectURL)
	if err != nil {
		return "", fmt.Errorf("davclient: %s: %w", op, err)
	}
	if len(ics) == 0 {
		return "", fmt.Errorf("davclient: %s %s: empty calendar object", op, u.EscapedPath())
	}
	header := cond.Clone()
	header.Set("Content-Type", icsContentType)
	res, err := c.roundTrip(ctx, http.MethodPut, u, header, ics)
	if err != nil {
		return "", fmt.Errorf("davclient: %s: %w", op, err)
	}
	if !res.ok() {
		return "", fmt.Errorf("davclient: %s: %w", op, c.httpError(http.MethodPut, u, res))
	}
	if etag := normalizeETag(res.header.Get("ETag")); etag != "" {
		return etag, nil
	}
	// RFC 4791 5.3.4 lets a server omit the ETag when it changed what it
	// stored; ask for the current one.
	etag, err := c.statETag(ctx, u)
	if err != nil {
		return "", fmt.Errorf("davclient: %s: stored, but reading the new ETag: %w", op, err)
	}
	return etag, nil
}

// statETag reads an object's ETag with a PROPFIND (go-webdav's Stat).
func (c *Client) statETag(ctx context.Context, u *url.URL) (string, error) {
	d := &davDoer{c: c}
	wc, err := webdav.NewClient(d, rootOf(u))
	if err != nil {
		return "", err
	}
	fi, err := wc.Stat(ctx, u.Path)
	if err != nil {
		return "", d.wrap("PROPFIND getetag", err)
	}
	if fi.ETag == "" {
		return "", fmt.Errorf("PROPFIND %s: server has no ETag for the object", u.EscapedPath())
	}
	return normalizeETag(fi.ETag), nil
}

// Get returns the calendar object at objectURL as the server stores it
// (servers rewrite what they are sent) and its ETag. A missing object
// matches ErrNotFound.
func (c *Client) Get(ctx context.Context, objectURL string) ([]byte, string, error) {
	ctx, cancel := c.operation(ctx)
	defer cancel()
	u, err := parseURL(objectURL)
	if err != nil {
		return nil, "", fmt.Errorf("davclient: get: %w", err)
	}
	res, err := c.roundTrip(ctx, http.MethodGet, u, http.Header{"Accept": {"text/calendar"}}, nil)
	if err != nil {
		return nil, "", fmt.Errorf("davclient: get: %w", err)
	}
	if !res.ok() {
		return nil, "", fmt.Errorf("davclient: get: %w", c.httpError(http.MethodGet, u, res))
	}
	etag := normalizeETag(res.header.Get("ETag"))
	if etag == "" {
		if etag, err = c.statETag(ctx, u); err != nil {
			return nil, "", fmt.Errorf("davclient: get: %w", err)
		}
	}
	return res.body, etag, nil
}

// Delete removes the calendar object at objectURL if its ETag is still etag;
// etag "" deletes unconditionally. A changed ETag matches ErrPrecondition, a
// missing object ErrNotFound — except after an ambiguous earlier attempt,
// when the object being gone is taken as that attempt's success.
func (c *Client) Delete(ctx context.Context, objectURL string, etag string) error {
	ctx, cancel := c.operation(ctx)
	defer cancel()
	u, err := parseURL(objectURL)
	if err != nil {
		return fmt.Errorf("davclient: delete: %w", err)
	}
	header := http.Header{}
	if normalizeETag(etag) != "" {
		header.Set("If-Match", quoteETag(etag))
	}
	res, err := c.roundTrip(ctx, http.MethodDelete, u, header, nil)
	if err != nil {
		return fmt.Errorf("davclient: delete: %w", err)
	}
	if res.ok() || (res.status == http.StatusNotFound && res.ambiguous) {
		return nil
	}
	return fmt.Errorf("davclient: delete: %w", c.httpError(http.MethodDelete, u, res))
}

// rootOf is the scheme://host/ endpoint for go-webdav; paths are then given
// absolute, which go-webdav uses unchanged (it path.Join()s relative ones,
// dropping the trailing slash of a collection).
func rootOf(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}).String()
}
