// Package davclient is rmctl's small CalDAV client: it creates a calendar if
// missing, and creates, reads, updates, deletes and lists calendar objects
// with the HTTP preconditions a synchronising engine needs to never lose
// another writer's change or create a duplicate.
//
// It owns the wire protocol only — conditional requests, ETag handling,
// retries, error classification. It does not parse or build iCalendar
// (objects are raw bytes), nor decide what to write; that is the caldav
// target's job one level up.
//
// It is built around github.com/emersion/go-webdav v0.6.0, whose clients are
// used where they do the job: caldav.Client.FindCalendars to see whether a
// calendar exists, webdav.Client.Stat for an ETag a server did not send with
// its answer. That client has no
// If-Match / If-None-Match, no MKCALENDAR, no conditional DELETE, hides the
// HTTP status of failures, only returns parsed (not raw) calendar data and
// sends XML as text/xml, which Xandikos refuses. So every request, go-webdav's
// included, goes through one round-tripper here (it is handed to go-webdav as
// its webdav.HTTPClient) that adds authentication, sends XML as
// application/xml, retries transient failures and records the HTTP status;
// conditional writes, MKCALENDAR, GET and the calendar-query REPORT are sent
// by this package directly.
//
// # Credentials
//
// Basic credentials go only to the origin (scheme, host and port) of the
// URL the caller gave: a redirect elsewhere is followed without them, one
// from https to http not at all, and at most MaxRedirects are followed. A
// listing naming an object on another origin is refused. Error messages
// quote at most 200 bytes of a server's answer, control characters removed
// and the password (plain or Basic-encoded) redacted.
//
// # Retries and ambiguous writes
//
// Requests are retried with exponential backoff and jitter on 5xx (but 501
// and 505), on 429 (honouring Retry-After), on connection resets, early EOFs
// and timeouts, at most Options.MaxRetries times and never past
// Options.Deadline. Other 4xx are final.
//
// A write whose connection failed may nevertheless have been applied: the
// retry then meets its own earlier effect. For Create that is a 412 (the
// object now exists), returned as ErrPrecondition with HTTPError.Ambiguous
// set — the caller should Get the object and decide whether it is its own
// write (same UID and content) or somebody else's. For Update likewise (the
// ETag has changed). For Delete a 404 on a retry after an ambiguous attempt
// means the object is gone, which is what was asked, and is reported as
// success.
package davclient
