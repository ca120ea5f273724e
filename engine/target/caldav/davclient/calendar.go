package davclient

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/emersion/go-webdav/caldav"
)

// Object is one calendar object resource.
type Object struct {
	// Href is the object's absolute URL: the server's href resolved against
	// the calendar URL, so it can be passed to Get, Update and Delete.
	Href string
	// ETag is normalised (no quotes).
	ETag string
	// Data is the iCalendar text as the server returned it, with CRLF line
	// ends (XML parsing turns CRLF into LF; they are put back).
	Data []byte
}

// EnsureCalendar makes sure a calendar collection exists at calendarURL,
// creating it with MKCALENDAR (display name displayName, components VEVENT
// and VTODO) when missing. Calling it again is harmless. A collection that
// exists but is not a calendar is an error.
func (c *Client) EnsureCalendar(ctx context.Context, calendarURL string, displayName string) error {
	ctx, cancel := c.operation(ctx)
	defer cancel()
	u, err := parseURL(calendarURL)
	if err != nil {
		return fmt.Errorf("davclient: ensure calendar: %w", err)
	}
	if !strings.HasSuffix(u.Path, "/") {
		// Collections are addressed with a trailing slash; Xandikos
		// redirects without it, Radicale accepts both.
		u.Path += "/"
		u.RawPath = ""
	}

	found, err := c.isCalendar(ctx, u)
	if err != nil {
		return fmt.Errorf("davclient: ensure calendar: %w", err)
	}
	if found {
		return nil
	}

	res, err := c.roundTrip(ctx, "MKCALENDAR", u, http.Header{"Content-Type": {xmlContentType}}, mkcalendarBody(displayName))
	if err != nil {
		return fmt.Errorf("davclient: ensure calendar: %w", err)
	}
	// Success is 201 (RFC 4791 5.3.1). Not any 2xx: Xandikos answers a
	// MKCALENDAR on an existing collection with 207 Multi-Status holding a
	// 403 resource-must-be-null.
	if res.status == http.StatusCreated || res.status == http.StatusOK || res.status == http.StatusNoContent {
		return nil
	}
	herr := c.httpError("MKCALENDAR", u, res)
	if res.status != http.StatusUnauthorized {
		// An existing collection gives 409 (Radicale), 405 or a 207 as
		// above (Xandikos): another process may have just created the
		// calendar. 409 also means "parent missing" (Xandikos outside
		// /user/calendars/), so look again instead of assuming.
		if found, err := c.isCalendar(ctx, u); err == nil && found {
			return nil
		}
	}
	return fmt.Errorf("davclient: ensure calendar: %w", herr)
}

// isCalendar reports whether u is a calendar collection, using go-webdav's
// FindCalendars (a Depth: 1 PROPFIND) on the parent collection: a Depth: 1
// PROPFIND on the calendar itself would list every object in it. A parent
// that does not exist or cannot be listed means "not found": MKCALENDAR
// then gives the real answer.
func (c *Client) isCalendar(ctx context.Context, u *url.URL) (bool, error) {
	want := strings.TrimSuffix(u.Path, "/")
	parent := path.Dir(want)
	if !strings.HasSuffix(parent, "/") {
		parent += "/"
	}
	d := &davDoer{c: c}
	cc, err := caldav.NewClient(d, rootOf(u))
	if err != nil {
		return false, err
	}
	cals, err := cc.FindCalendars(ctx, parent)
	if err != nil {
		if herr := d.lastHTTPError(); herr != nil && herr.Status/100 == 4 && herr.Status != http.StatusUnauthorized {
			return false, nil
		}
		return false, d.wrap("PROPFIND "+parent, err)
	}
	for _, cal := range cals {
		if strings.TrimSuffix(cal.Path, "/") == want {
			return true, nil
		}
	}
	return false, nil
}

func mkcalendarBody(displayName string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>`)
	if displayName != "" {
		b.WriteString(`<D:displayname>`)
		_ = xml.EscapeText(&b, []byte(displayName))
		b.WriteString(`</D:displayname>`)
	}
	b.WriteString(`<C:supported-calendar-component-set><C:comp name="VEVENT"/><C:comp name="VTODO"/></C:supported-calendar-component-set>`)
	b.WriteString(`</D:prop></D:set></C:mkcalendar>`)
	return b.Bytes()
}

// calendarQuery asks for every object's ETag and data in one REPORT. The
// filter matches any VCALENDAR; objects without a VEVENT or VTODO are
// dropped afterwards (one query instead of one per component type).
const calendarQuery = xml.Header + `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
	`<D:prop><D:getetag/><C:calendar-data/></D:prop>` +
	`<C:filter><C:comp-filter name="VCALENDAR"/></C:filter>` +
	`</C:calendar-query>`

type multistatus struct {
	Responses []msResponse `xml:"DAV: response"`
}

type msResponse struct {
	Href      string       `xml:"DAV: href"`
	Status    string       `xml:"DAV: status"`
	PropStats []msPropStat `xml:"DAV: propstat"`
}

type msPropStat struct {
	Status string `xml:"DAV: status"`
	Prop   struct {
		// Pointers tell an absent property from an empty one.
		ETag         *string `xml:"DAV: getetag"`
		CalendarData *string `xml:"urn:ietf:params:xml:ns:caldav calendar-data"`
	} `xml:"DAV: prop"`
}

// List returns every object in the calendar that holds a VEVENT or VTODO,
// with ETag and data, from a single calendar-query REPORT.
//
// It sends the REPORT itself rather than through go-webdav's QueryCalendar,
// which returns only parsed data (re-encoding it would not give the server's
// bytes back) and fails the whole listing on any object its parser rejects.
// An object the server cannot return in full is an error here too: a sync
// engine that silently missed an object would create a duplicate.
func (c *Client) List(ctx context.Context, calendarURL string) ([]Object, error) {
	ctx, cancel := c.operation(ctx)
	defer cancel()
	u, err := parseURL(calendarURL)
	if err != nil {
		return nil, fmt.Errorf("davclient: list: %w", err)
	}
	header := http.Header{"Content-Type": {xmlContentType}, "Depth": {"1"}}
	res, err := c.roundTrip(ctx, "REPORT", u, header, []byte(calendarQuery))
	if err != nil {
		return nil, fmt.Errorf("davclient: list: %w", err)
	}
	if res.status != http.StatusMultiStatus {
		return nil, fmt.Errorf("davclient: list: %w", c.httpError("REPORT", u, res))
	}
	var ms multistatus
	if err := xml.Unmarshal(res.body, &ms); err != nil {
		return nil, fmt.Errorf("davclient: list %s: parse multistatus: %w", u.EscapedPath(), err)
	}
	objs := make([]Object, 0, len(ms.Responses))
	for _, r := range ms.Responses {
		obj, err := decodeResponse(u, r)
		if err != nil {
			return nil, fmt.Errorf("davclient: list %s: %w", u.EscapedPath(), err)
		}
		if obj == nil {
			continue
		}
		if hasComponent(obj.Data, "VEVENT") || hasComponent(obj.Data, "VTODO") {
			objs = append(objs, *obj)
		}
	}
	return objs, nil
}

// decodeResponse turns one multistatus response into an Object; nil for the
// collection itself.
func decodeResponse(base *url.URL, r msResponse) (*Object, error) {
	href := strings.TrimSpace(r.Href)
	ref, err := url.Parse(href)
	if err != nil || href == "" {
		return nil, fmt.Errorf("response with bad href %q", href)
	}
	abs := base.ResolveReference(ref)
	if origin(abs) != origin(base) {
		// rmctl would later read or delete the object there, with the
		// credentials of this server.
		return nil, fmt.Errorf("response names an object on another server (%s)", redact(abs))
	}
	if strings.TrimSuffix(abs.Path, "/") == strings.TrimSuffix(base.Path, "/") {
		// Some servers include the collection itself; it is no object.
		return nil, nil
	}
	if code := statusCode(r.Status); code != 0 && code/100 != 2 {
		return nil, fmt.Errorf("%s: status %q", abs.EscapedPath(), r.Status)
	}
	var obj Object
	obj.Href = redact(abs)
	var gotData bool
	for _, ps := range r.PropStats {
		if code := statusCode(ps.Status); code/100 != 2 {
			if ps.Prop.CalendarData != nil {
				return nil, fmt.Errorf("%s: calendar-data not returned: %q", abs.EscapedPath(), ps.Status)
			}
			continue
		}
		if ps.Prop.ETag != nil {
			obj.ETag = normalizeETag(*ps.Prop.ETag)
		}
		if ps.Prop.CalendarData != nil {
			obj.Data = crlf(*ps.Prop.CalendarData)
			gotData = true
		}
	}
	if !gotData {
		return nil, fmt.Errorf("%s: no calendar-data in response", abs.EscapedPath())
	}
	if obj.ETag == "" {
		return nil, fmt.Errorf("%s: no ETag in response", abs.EscapedPath())
	}
	return &obj, nil
}

// statusCode parses "HTTP/1.1 200 OK"; 0 when absent or malformed.
func statusCode(s string) int {
	f := strings.Fields(s)
	if len(f) < 2 {
		return 0
	}
	n, err := strconv.Atoi(f[1])
	if err != nil {
		return 0
	}
	return n
}

// crlf makes every line end CRLF, as RFC 5545 requires. XML parsers turn
// CRLF into LF unless the server escaped the CR.
func crlf(s string) []byte {
	s = strings.TrimLeft(s, " \t\r\n")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

// hasComponent reports whether an iCalendar text has a BEGIN:name line.
func hasComponent(data []byte, name string) bool {
	for line := range bytes.Lines(data) {
		line = bytes.TrimRight(line, "\r\n")
		if k, v, ok := bytes.Cut(line, []byte(":")); ok &&
			strings.EqualFold(string(k), "BEGIN") && strings.EqualFold(string(bytes.TrimSpace(v)), name) {
			return true
		}
	}
	return false
}
