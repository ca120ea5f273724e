// Package caldav is the CalDAV target: it keeps rmctl's sessions and events
// (VEVENT) and tutorial assignments (VTODO) as calendar objects on a CalDAV
// server, through davclient.
//
// Two layouts, chosen by the calendar URL:
//
//   - shared: a URL without "{person}" names one program calendar; every
//     resource is one object there, listing all its attendees;
//   - per person: "{person}" in the URL (https://host/dav/{person}/rm/) is
//     replaced by each attendee's id, and every attendee's calendar holds
//     its own copy of the resource: a session's with both people, a joint
//     event's with the organizer and that person only.
//
// Calendars are created (MKCALENDAR) when missing, once per Target value.
// An object lives at the calendar URL + a URL-safe form of the UID + ".ics",
// so its place follows from its identity alone: whatever happened before
// (a timeout after the server stored it, a crash before state recorded it),
// a create goes to the one href where the object can already be, and
// If-None-Match: * turns "already there" into a 412 rather than a second
// copy. A 412 means: look (GET), and reconcile — adopt our own earlier
// write when it is equivalent, otherwise overwrite it with If-Match on the
// ETag just read. Objects that do not carry rmctl's marker
// (X-RMCTL-ADDRESS) or another UID are never changed or deleted.
//
// Cancellations DELETE the copies (If-Match on the recorded ETag), rather
// than leaving STATUS:CANCELLED objects behind: state forgets a cancelled
// resource, so a cancelled object left on the server would be one nobody
// manages any more, cluttering every participant's calendar for good; on a
// server with scheduling (RFC 6638) the organizer's DELETE is what sends
// attendees their CANCEL. A 404 is success: the object is gone, as asked.
//
// State keeps one state.Ref per copy: {Target: "caldav", Calendar, Href,
// ETag}. The target also implements plan.Observer for plan --refresh: one
// calendar-query REPORT per calendar reads every object back, compared by
// meaning with what state recorded.
package caldav

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/rmctl/rmctl/engine/ical"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target"
	"github.com/rmctl/rmctl/engine/target/caldav/davclient"
)

// Kind is the Target field of the refs this target writes.
const Kind = "caldav"

// PersonPlaceholder in Config.URL selects one calendar per person.
const PersonPlaceholder = "{person}"

// DefaultParallelism bounds the requests one delivery (the copies of an
// event for many people) or one refresh (one listing per calendar) has in
// flight, on top of apply's own parallelism.
const DefaultParallelism = 4

// reconcileRounds bounds look-and-write rounds against an object that keeps
// changing under us (another writer racing, or a flaky connection).
const reconcileRounds = 4

// Config configures a Target.
type Config struct {
	// URL is the calendar URL, or a template containing "{person}" for one
	// calendar per person. It must not carry credentials.
	URL string
	// Username and Password for HTTP basic authentication; the password
	// comes from the environment (target.Secret), never from a file rmctl
	// reads.
	Username, Password string
	// HTTPClient performs the requests; its Timeout bounds one attempt. nil
	// means a client with davclient.DefaultAttemptTimeout whose connection
	// pool keeps enough idle connections for apply's parallelism.
	HTTPClient *http.Client
	// MaxRetries and Deadline are davclient.Options': retries of one request
	// (0: default, negative: none) and the bound of one operation with its
	// retries (0: default).
	MaxRetries int
	Deadline   time.Duration
	// Parallelism bounds the requests of one delivery or refresh in flight;
	// 0 means DefaultParallelism.
	Parallelism int
	// CalendarName names a calendar rmctl creates: person is the person's
	// id, or "" for the shared calendar. nil means "Reverse Mentoring" or
	// "Reverse Mentoring (<person>)".
	CalendarName func(person string) string
}

// Target stores deliveries on a CalDAV server. It is safe for concurrent use.
type Target struct {
	client    *davclient.Client
	url       string
	perPerson bool
	parallel  int
	calName   func(string) string

	mu      sync.Mutex
	ensured map[string]*ensureCall // calendar URL → MKCALENDAR done (or in flight)
}

// ensureCall lets concurrent deliveries to a new calendar wait for one
// EnsureCalendar instead of each sending its own.
type ensureCall struct {
	done chan struct{}
	err  error
}

var _ target.Target = (*Target)(nil)

// New checks cfg and returns a Target. It does not contact the server.
func New(cfg Config) (*Target, error) {
	probe := strings.ReplaceAll(cfg.URL, PersonPlaceholder, "p")
	u, err := url.Parse(probe)
	if err != nil {
		return nil, fmt.Errorf("caldav: invalid calendar URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("caldav: calendar URL %q must be http(s)://host/path", redactURL(cfg.URL))
	}
	if u.User != nil {
		return nil, fmt.Errorf("caldav: calendar URL %q carries credentials; use username and passwordEnv", redactURL(cfg.URL))
	}
	if strings.Contains(u.Host, "{") || strings.Contains(u.RawQuery, PersonPlaceholder) || u.Fragment != "" || u.RawQuery != "" {
		return nil, fmt.Errorf("caldav: calendar URL %q: {person} may only appear in the path, and the URL may have no query or fragment", redactURL(cfg.URL))
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// The default keeps 2 idle connections per host: with 8 deliveries
		// in flight most requests would open a new connection.
		tr.MaxIdleConnsPerHost = 64
		tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		hc = &http.Client{Timeout: davclient.DefaultAttemptTimeout, Transport: tr}
	}
	c, err := davclient.New(davclient.Options{
		Username: cfg.Username, Password: cfg.Password, HTTPClient: hc,
		MaxRetries: cfg.MaxRetries, Deadline: cfg.Deadline,
	})
	if err != nil {
		return nil, fmt.Errorf("caldav: %w", err)
	}
	t := &Target{
		client:    c,
		url:       cfg.URL,
		perPerson: strings.Contains(cfg.URL, PersonPlaceholder),
		parallel:  cfg.Parallelism,
		calName:   cfg.CalendarName,
		ensured:   map[string]*ensureCall{},
	}
	if t.parallel <= 0 {
		t.parallel = DefaultParallelism
	}
	if t.calName == nil {
		t.calName = func(person string) string {
			if person == "" {
				return "Reverse Mentoring"
			}
			return "Reverse Mentoring (" + person + ")"
		}
	}
	return t, nil
}

// redactURL drops user information from a URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(strings.ReplaceAll(raw, PersonPlaceholder, "PERSON"))
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return strings.ReplaceAll(u.String(), "PERSON", PersonPlaceholder)
}

// PerPerson reports whether every person has their own calendar.
func (t *Target) PerPerson() bool { return t.perPerson }

// CalendarURL is the calendar of person (ignored in shared mode), ending
// in "/".
func (t *Target) CalendarURL(person string) string {
	u := t.url
	if t.perPerson {
		u = strings.ReplaceAll(u, PersonPlaceholder, url.PathEscape(person))
	}
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

// ObjectName is the last path segment of a UID's object: the UID with
// every byte outside [A-Za-z0-9-] written as "_" and two hex digits. It is
// injective and needs no percent-encoding, so servers hand the href back
// exactly as it was sent ("@" would come back as "%40" from some).
func ObjectName(uid string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(uid); i++ {
		c := uid[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('_')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String() + ".ics"
}

// calendars returns the calendars that hold a copy of r, sorted, with the
// person each belongs to ("" in shared mode).
func (t *Target) calendars(r *resource.Resource) []calendar {
	if !t.perPerson {
		return []calendar{{url: t.CalendarURL("")}}
	}
	var out []calendar
	seen := map[string]bool{}
	for _, a := range r.Attendees {
		u := t.CalendarURL(a.ID)
		if !seen[u] {
			seen[u] = true
			out = append(out, calendar{url: u, person: a.ID})
		}
	}
	slices.SortFunc(out, func(a, b calendar) int { return strings.Compare(a.url, b.url) })
	return out
}

type calendar struct {
	url    string
	person string
}

// Deliver carries out one delivery: creates or updates the object in every
// calendar that should hold it, deletes it from calendars that should no
// longer (removed attendees), or deletes every copy on cancel. It returns
// one ref per copy kept. Repeating a delivery is harmless: every write is
// conditional, and every failed condition is resolved by looking.
func (t *Target) Deliver(ctx context.Context, d target.Delivery) ([]state.Ref, error) {
	r := &d.Resource
	if r.UID == "" {
		return nil, fmt.Errorf("caldav: %s: no UID", r.Address)
	}
	stamp := d.Stamp
	if stamp.IsZero() {
		stamp = time.Now()
	}

	// Copies that must go: on cancel all of them, else those in calendars
	// no attendee uses any more.
	want := t.calendars(r)
	if d.Action == target.Cancel {
		want = nil
	}
	keep := map[string]bool{}
	for _, c := range want {
		keep[c.url] = true
	}
	drop := map[string]state.Ref{}
	for _, ref := range d.Refs {
		if ref.Target == Kind && ref.Calendar != "" && !keep[ref.Calendar] {
			drop[ref.Calendar] = ref
		}
	}
	if d.Action == target.Cancel {
		// Also where the object would be without refs (state written by an
		// older run or another target): cancelling must not leave a copy.
		for _, c := range t.calendars(r) {
			if _, ok := drop[c.url]; !ok {
				drop[c.url] = state.Ref{Target: Kind, Calendar: c.url}
			}
		}
	}
	if t.perPerson {
		for _, a := range d.Removed {
			if u := t.CalendarURL(a.ID); !keep[u] {
				if _, ok := drop[u]; !ok {
					drop[u] = state.Ref{Target: Kind, Calendar: u}
				}
			}
		}
	}

	var body []byte
	if len(want) > 0 && !t.ownCopies(r) {
		var err error
		if body, err = t.object(r, r.Attendees, d.Sequence, stamp); err != nil {
			return nil, err
		}
	}
	refs := make([]state.Ref, len(want))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(t.parallel)
	for i, c := range want {
		g.Go(func() error {
			body := body
			if t.ownCopies(r) {
				var err error
				if body, err = t.object(r, copyAttendees(r.Attendees, c.person), d.Sequence, stamp); err != nil {
					return err
				}
			}
			ref, err := t.store(gctx, r, c, refFor(d.Refs, c.url), body)
			if err != nil {
				return fmt.Errorf("caldav: %s: %w", r.Address, err)
			}
			refs[i] = ref
			return nil
		})
	}
	for _, ref := range drop {
		g.Go(func() error {
			if err := t.remove(gctx, r, ref); err != nil {
				return fmt.Errorf("caldav: %s: %w", r.Address, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return refs, nil
}

// ownCopies reports whether each person's copy of r lists the organizer
// and that person only: a joint event in per-person calendars, where the
// full list of thousands would be copied to thousands of calendars and
// show everyone who else comes.
func (t *Target) ownCopies(r *resource.Resource) bool {
	return t.perPerson && r.Kind == resource.Event
}

// copyAttendees returns the attendees a copy in person's calendar lists:
// everyone, or with ownCopies that person only ("" is the shared calendar).
func copyAttendees(all []resource.Attendee, person string) []resource.Attendee {
	if person == "" {
		return all
	}
	var out []resource.Attendee
	for _, a := range all {
		if a.ID == person {
			out = append(out, a)
		}
	}
	return out
}

func (t *Target) object(r *resource.Resource, attendees []resource.Attendee, seq int, stamp time.Time) ([]byte, error) {
	own := *r
	own.Attendees = attendees
	// Assignments stay tasks here: rmctl creates its calendars with
	// VEVENT and VTODO in supported-calendar-component-set.
	body, err := ical.Object(own, seq, stamp, "", ical.AsTask())
	if err != nil {
		return nil, fmt.Errorf("caldav: %s: %w", r.Address, err)
	}
	return body, nil
}

func refFor(refs []state.Ref, calendarURL string) *state.Ref {
	for i := range refs {
		if refs[i].Target == Kind && refs[i].Calendar == calendarURL {
			return &refs[i]
		}
	}
	return nil
}

// store writes body as the object of r in calendar c: an update when state
// knows its ETag, else a create; either way a failed precondition is
// resolved by reconcile.
func (t *Target) store(ctx context.Context, r *resource.Resource, c calendar, prev *state.Ref, body []byte) (state.Ref, error) {
	href := c.url + ObjectName(r.UID)
	if prev != nil && prev.Href != "" {
		href = prev.Href
	}
	ref := state.Ref{Target: Kind, Calendar: c.url, Href: href}
	if prev != nil && prev.ETag != "" {
		etag, err := t.client.Update(ctx, href, body, prev.ETag)
		if err == nil {
			ref.ETag = etag
			return ref, nil
		}
		if !errors.Is(err, davclient.ErrPrecondition) && !errors.Is(err, davclient.ErrNotFound) {
			return ref, fmt.Errorf("update in %s: %w", c.url, err)
		}
		// Someone changed or deleted it, or an earlier attempt of ours
		// went through: look.
		return t.reconcile(ctx, r, c, ref, body)
	}
	if err := t.ensure(ctx, c); err != nil {
		return ref, err
	}
	etag, err := t.client.Create(ctx, href, body)
	switch {
	case err == nil:
		ref.ETag = etag
		return ref, nil
	case errors.Is(err, davclient.ErrPrecondition):
		// It exists: our own earlier write (a timeout after the server
		// stored it, a crash before state recorded it) or a changed copy.
		return t.reconcile(ctx, r, c, ref, body)
	case errors.Is(err, davclient.ErrConflict):
		// Radicale: the UID is already in this calendar at another href
		// (put there by another client). Take that object over rather than
		// add a second one.
		found, ferr := t.findUID(ctx, c.url, r.UID)
		if ferr != nil {
			return ref, fmt.Errorf("create in %s: %w; looking for the UID elsewhere in the calendar: %w", c.url, err, ferr)
		}
		if found == "" {
			return ref, fmt.Errorf("create in %s: %w", c.url, err)
		}
		ref.Href = found
		return t.reconcile(ctx, r, c, ref, body)
	}
	return ref, fmt.Errorf("create in %s: %w", c.url, err)
}

// reconcile makes the object at ref.Href equivalent to body: it reads what
// is there, adopts it when it already means the same (our own earlier
// write), overwrites it with If-Match on the ETag just read when it does
// not, and creates it when it is gone. Never a second object: every write
// is conditional on what was just seen.
func (t *Target) reconcile(ctx context.Context, r *resource.Resource, c calendar, ref state.Ref, body []byte) (state.Ref, error) {
	var lastErr error
	for range reconcileRounds {
		data, etag, err := t.client.Get(ctx, ref.Href)
		if errors.Is(err, davclient.ErrNotFound) {
			if err := t.ensure(ctx, c); err != nil {
				return ref, err
			}
			etag, err := t.client.Create(ctx, ref.Href, body)
			if err == nil {
				ref.ETag = etag
				return ref, nil
			}
			if errors.Is(err, davclient.ErrPrecondition) {
				lastErr = err
				continue // created meanwhile (by our retried attempt, or someone): look again
			}
			return ref, fmt.Errorf("re-create in %s: %w", c.url, err)
		}
		if err != nil {
			return ref, fmt.Errorf("reading back %s: %w", ref.Href, err)
		}
		if err := owned(data, r.UID); err != nil {
			return ref, fmt.Errorf("%s: %w; left alone", ref.Href, err)
		}
		same, _, err := ical.Equivalent(data, body)
		if err == nil && same {
			ref.ETag = etag
			return ref, nil
		}
		newTag, err := t.client.Update(ctx, ref.Href, body, etag)
		if err == nil {
			ref.ETag = newTag
			return ref, nil
		}
		if !errors.Is(err, davclient.ErrPrecondition) && !errors.Is(err, davclient.ErrNotFound) {
			return ref, fmt.Errorf("update in %s: %w", c.url, err)
		}
		lastErr = err
	}
	return ref, fmt.Errorf("%s kept changing while rmctl reconciled it (%d rounds): %w", ref.Href, reconcileRounds, lastErr)
}

// remove deletes the copy at ref (computed from the UID when ref has no
// href) if it is rmctl's; gone already counts as done.
func (t *Target) remove(ctx context.Context, r *resource.Resource, ref state.Ref) error {
	href := ref.Href
	if href == "" {
		href = ref.Calendar + ObjectName(r.UID)
	}
	etag := ref.ETag
	var lastErr error
	for range reconcileRounds {
		if etag == "" {
			data, tag, err := t.client.Get(ctx, href)
			if errors.Is(err, davclient.ErrNotFound) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("reading back %s: %w", href, err)
			}
			if err := owned(data, r.UID); err != nil {
				return fmt.Errorf("%s: %w; not deleted", href, err)
			}
			etag = tag
		}
		err := t.client.Delete(ctx, href, etag)
		if err == nil || errors.Is(err, davclient.ErrNotFound) {
			return nil
		}
		if !errors.Is(err, davclient.ErrPrecondition) {
			return fmt.Errorf("delete from %s: %w", ref.Calendar, err)
		}
		// Changed since state recorded it (a drifted copy, or our own
		// earlier update whose answer was lost): look, then delete what
		// is there if it is still ours.
		lastErr, etag = err, ""
	}
	return fmt.Errorf("%s kept changing while rmctl deleted it (%d rounds): %w", href, reconcileRounds, lastErr)
}

// owned checks that a stored object is rmctl's copy of uid: it carries the
// UID and rmctl's address marker. Anything else is someone else's.
func owned(data []byte, uid string) error {
	o, err := parseObject(data)
	if err != nil {
		return fmt.Errorf("unreadable calendar object: %w", err)
	}
	if o.uid != uid {
		return fmt.Errorf("holds UID %q, not rmctl's %q", o.uid, uid)
	}
	if o.address == "" {
		return fmt.Errorf("has UID %s but no %s marker: not written by rmctl", uid, ical.PropAddress)
	}
	return nil
}

// ensure creates calendar c if missing, once per Target; concurrent callers
// wait for the first. A failure is not cached, so a later delivery tries
// again.
func (t *Target) ensure(ctx context.Context, c calendar) error {
	t.mu.Lock()
	call := t.ensured[c.url]
	if call == nil {
		call = &ensureCall{done: make(chan struct{})}
		t.ensured[c.url] = call
		t.mu.Unlock()
		call.err = t.client.EnsureCalendar(ctx, c.url, t.calName(c.person))
		if call.err != nil {
			call.err = fmt.Errorf("calendar %s: %w", c.url, call.err)
			t.mu.Lock()
			delete(t.ensured, c.url)
			t.mu.Unlock()
		}
		close(call.done)
		return call.err
	}
	t.mu.Unlock()
	select {
	case <-call.done:
		if call.err != nil {
			// The first caller failed (perhaps only its context ended):
			// try for ourselves.
			return t.ensure(ctx, c)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// findUID returns the href of the object with uid in a calendar, or "".
func (t *Target) findUID(ctx context.Context, calendarURL, uid string) (string, error) {
	objs, err := t.client.List(ctx, calendarURL)
	if err != nil {
		return "", err
	}
	for _, obj := range objs {
		if o, err := parseObject(obj.Data); err == nil && o.uid == uid {
			return obj.Href, nil
		}
	}
	return "", nil
}
