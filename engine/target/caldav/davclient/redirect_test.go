package davclient_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rmctl/rmctl/engine/target/caldav/davclient"
)

// authRecorder is a server that answers 200 with a calendar object and
// remembers the Authorization header of every request it saw.
type authRecorder struct {
	mu   sync.Mutex
	auth []string
}

func (a *authRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.auth = append(a.auth, r.Header.Get("Authorization"))
	a.mu.Unlock()
	w.Header().Set("ETag", `"1"`)
	_, _ = w.Write([]byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"))
}

func (a *authRecorder) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.auth...)
}

func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusTemporaryRedirect)
	}
}

func newRedirectClient(t *testing.T, hc *http.Client) *davclient.Client {
	t.Helper()
	c, err := davclient.New(davclient.Options{Username: "rmctl", Password: "s3cret-pw", HTTPClient: hc, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A 307 to another port of the same host is another origin: the request
// follows, the password does not.
func TestRedirectToOtherPortDropsCredentials(t *testing.T) {
	other := &authRecorder{}
	otherSrv := httptest.NewServer(other)
	defer otherSrv.Close()
	first := httptest.NewServer(redirectTo(otherSrv.URL))
	defer first.Close()

	c := newRedirectClient(t, nil)
	if _, _, err := c.Get(context.Background(), first.URL+"/cal/a.ics"); err != nil {
		t.Fatalf("Get through a redirect: %v", err)
	}
	got := other.seen()
	if len(got) != 1 {
		t.Fatalf("the redirect target saw %d requests, want 1", len(got))
	}
	if got[0] != "" {
		t.Fatalf("the redirect target on another port received Authorization %q", got[0])
	}
}

// A redirect within the configured origin keeps the credentials: the server
// needs them, and they go nowhere else.
func TestRedirectWithinOriginKeepsCredentials(t *testing.T) {
	rec := &authRecorder{}
	mux := http.NewServeMux()
	mux.Handle("/old/", http.StripPrefix("/old", redirectTo("/new")))
	mux.Handle("/new/", rec)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c := newRedirectClient(t, nil)
	if _, _, err := c.Get(context.Background(), srv.URL+"/old/a.ics"); err != nil {
		t.Fatalf("Get through a redirect: %v", err)
	}
	got := rec.seen()
	if len(got) != 1 || !strings.HasPrefix(got[0], "Basic ") {
		t.Fatalf("the same-origin redirect target saw Authorization %q, want Basic credentials", got)
	}
}

// An https server redirecting to http is not followed at all: the password
// (and the calendar data) would cross the network in the clear.
func TestRedirectHTTPSToHTTPRefused(t *testing.T) {
	plain := &authRecorder{}
	plainSrv := httptest.NewServer(plain)
	defer plainSrv.Close()
	tlsSrv := httptest.NewTLSServer(redirectTo(plainSrv.URL))
	defer tlsSrv.Close()

	c := newRedirectClient(t, tlsSrv.Client())
	_, _, err := c.Get(context.Background(), tlsSrv.URL+"/cal/a.ics")
	if err == nil || !strings.Contains(err.Error(), "https to http") {
		t.Fatalf("Get with an https → http redirect: err %v, want a refusal", err)
	}
	if got := plain.seen(); len(got) != 0 {
		t.Fatalf("the http server received %d requests (Authorization %q), want none", len(got), got)
	}
}

// A redirect loop ends after davclient.MaxRedirects redirects were followed.
func TestRedirectLoopCapped(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()

	c := newRedirectClient(t, nil)
	_, _, err := c.Get(context.Background(), srv.URL+"/cal/a.ics")
	if err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Fatalf("Get in a redirect loop: err %v, want the redirect cap", err)
	}
	if got := n.Load(); got != davclient.MaxRedirects+1 {
		t.Fatalf("server saw %d requests, want %d (the first and %d redirects)", got, davclient.MaxRedirects+1, davclient.MaxRedirects)
	}
}

// A listing that names an object on another server is refused: rmctl would
// later read or delete it there with this server's credentials.
func TestListRefusesObjectOnAnotherOrigin(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusMultiStatus)
		_, _ = w.Write([]byte(`<?xml version="1.0"?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response>
<href>http://elsewhere.example:8080/cal/a.ics</href>
<propstat><prop><getetag>"1"</getetag><C:calendar-data>BEGIN:VCALENDAR
BEGIN:VEVENT
UID:a
END:VEVENT
END:VCALENDAR
</C:calendar-data></prop><status>HTTP/1.1 200 OK</status></propstat>
</response></multistatus>`))
	}))
	defer srv.Close()
	c := newRedirectClient(t, nil)
	_, err := c.List(context.Background(), srv.URL+"/cal/")
	if err == nil || !strings.Contains(err.Error(), "another server") {
		t.Fatalf("List with a foreign href: err %v, want a refusal", err)
	}
}
