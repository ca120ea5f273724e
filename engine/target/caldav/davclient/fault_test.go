package davclient_test

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/rmctl/rmctl/engine/target/caldav/davclient"
	"github.com/rmctl/rmctl/internal/testserver"
)

type fault int

const (
	pass        fault = iota
	unavailable       // 503 without forwarding
	tooMany           // 429 with Retry-After: 0 without forwarding
	reset             // TCP reset without forwarding
	forwardDrop       // forward to the server, then close without answering
	faultKinds
)

func (f fault) String() string {
	return [...]string{"pass", "503", "429", "reset", "forward+drop"}[f]
}

// faultProxy is a reverse proxy that fails requests as decide says. decide
// is told how many requests with the same method and path came before: a
// global count would let concurrent clients fall into lockstep with the
// fault pattern, one of them meeting nothing but faults.
type faultProxy struct {
	rp     *httputil.ReverseProxy
	mu     sync.Mutex
	seen   map[string]int64
	counts [faultKinds]atomic.Int64
	decide func(r *http.Request, n int64) fault
}

func newFaultProxy(t *testing.T, target string, decide func(*http.Request, int64) fault) (*faultProxy, string) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{rp: httputil.NewSingleHostReverseProxy(u), decide: decide, seen: map[string]int64{}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	p.mu.Lock()
	n := p.seen[key]
	p.seen[key]++
	p.mu.Unlock()
	f := p.decide(r, n)
	p.counts[f].Add(1)
	switch f {
	case unavailable:
		http.Error(w, "try later", http.StatusServiceUnavailable)
	case tooMany:
		w.Header().Set("Retry-After", "0")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	case reset:
		conn := hijack(w)
		// Linger 0 makes Close send RST: the client sees "connection reset
		// by peer", not a clean EOF.
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		conn.Close()
	case forwardDrop:
		// The server applies the request; its answer is lost.
		p.rp.ServeHTTP(httptest.NewRecorder(), r)
		hijack(w).Close()
	default:
		p.rp.ServeHTTP(w, r)
	}
}

func hijack(w http.ResponseWriter) net.Conn {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	return conn
}

// TestFaultInjection runs creates, updates, deletes and lists through a
// proxy that fails two requests in three, and checks that the calendar ends
// up exactly as intended: every object once, no duplicate UIDs.
func TestFaultInjection(t *testing.T) {
	s := testserver.Radicale(t)
	ctx := ctx(t)
	// A fixed cycle rather than randomness: reproducible, every fault kind
	// occurs, two requests in three fail, never more than two in a row. Each
	// path starts at another phase so all kinds hit creates, updates and
	// deletes.
	cycle := []fault{unavailable, reset, pass, tooMany, forwardDrop, pass}
	fp, proxyURL := newFaultProxy(t, s.URL, func(r *http.Request, n int64) fault {
		h := fnv.New32a()
		h.Write([]byte(r.URL.Path))
		return cycle[(n+int64(h.Sum32()))%int64(len(cycle))]
	})
	var sleeps atomic.Int64
	c := newClient(t, s, davclient.Options{
		MaxRetries: 8,
		// No real waiting: the proxy has no load to shed.
		Sleep: func(time.Duration) { sleeps.Add(1) },
		// Keep-alives would hand a request a connection the proxy has just
		// hijacked; that is realistic, so keep them on.
		HTTPClient: &http.Client{Timeout: 20 * time.Second},
	})

	calPath := "rmctl/faults/"
	cal := proxyURL + "/" + calPath
	if err := c.EnsureCalendar(ctx, cal, "Faults"); err != nil {
		t.Fatalf("EnsureCalendar: %v", err)
	}

	const n = 12
	type obj struct {
		href, uid, etag string
		deleted         bool
	}
	objs := make([]obj, n)
	var mu sync.Mutex
	var ambiguous []string
	noteAmbiguous := func(what string, err error) {
		var herr *davclient.HTTPError
		if !errors.As(err, &herr) || !herr.Ambiguous {
			t.Errorf("%s: %v is not marked ambiguous, yet the object was new", what, err)
		}
		mu.Lock()
		ambiguous = append(ambiguous, what)
		mu.Unlock()
	}

	g := new(errgroup.Group)
	g.SetLimit(4)
	for i := range objs {
		g.Go(func() error {
			o := &objs[i]
			o.uid = fmt.Sprintf("fault-%02d@rmctl.test", i)
			o.href = cal + fmt.Sprintf("fault-%02d.ics", i)
			kind := "VEVENT"
			if i%4 == 3 {
				kind = "VTODO"
			}
			etag, err := c.Create(ctx, o.href, ics(kind, o.uid, "v1", 0))
			if errors.Is(err, davclient.ErrPrecondition) {
				// Our own earlier attempt went through: reconcile by reading.
				noteAmbiguous("create "+o.uid, err)
				var data []byte
				data, etag, err = c.Get(ctx, o.href)
				if err == nil && !bytes.Contains(data, []byte("UID:"+o.uid)) {
					err = fmt.Errorf("object at %s is not ours:\n%s", o.href, data)
				}
			}
			if err != nil {
				return fmt.Errorf("create %s: %w", o.uid, err)
			}

			newETag, err := c.Update(ctx, o.href, ics(kind, o.uid, "v2", 1), etag)
			if errors.Is(err, davclient.ErrPrecondition) {
				noteAmbiguous("update "+o.uid, err)
				var data []byte
				data, newETag, err = c.Get(ctx, o.href)
				if err == nil && !bytes.Contains(data, []byte("SUMMARY:v2")) {
					err = fmt.Errorf("update of %s lost:\n%s", o.href, data)
				}
			}
			if err != nil {
				return fmt.Errorf("update %s: %w", o.uid, err)
			}
			o.etag = newETag

			if i%3 == 0 {
				// A dropped DELETE is retried into a 404, which Delete
				// reports as done.
				if err := c.Delete(ctx, o.href, o.etag); err != nil {
					return fmt.Errorf("delete %s: %w", o.uid, err)
				}
				o.deleted = true
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}

	var wantUIDs []string
	for _, o := range objs {
		if !o.deleted {
			wantUIDs = append(wantUIDs, o.uid)
		}
	}
	// Through the faulty proxy and directly, the listing is the same.
	for name, url := range map[string]string{"proxy": cal, "direct": s.URL + calPath} {
		list, err := c.List(ctx, url)
		if err != nil {
			t.Fatalf("List (%s): %v", name, err)
		}
		var uids []string
		for _, o := range list {
			uids = append(uids, uidOf(t, o.Data))
			if !bytes.Contains(o.Data, []byte("SUMMARY:v2")) {
				t.Errorf("List (%s): %s not updated:\n%s", name, o.Href, o.Data)
			}
		}
		slices.Sort(uids)
		if !slices.Equal(uids, wantUIDs) {
			t.Errorf("List (%s) UIDs:\n%v\nwant\n%v", name, uids, wantUIDs)
		}
	}
	var pyUIDs []string
	for _, it := range s.PyCalDAV(t, s.URL+calPath) {
		pyUIDs = append(pyUIDs, it.UID)
	}
	slices.Sort(pyUIDs)
	if !slices.Equal(pyUIDs, wantUIDs) {
		t.Errorf("python3-caldav UIDs:\n%v\nwant\n%v", pyUIDs, wantUIDs)
	}

	var summary []string
	for f := range faultKinds {
		summary = append(summary, fmt.Sprintf("%v=%d", f, fp.counts[f].Load()))
		if fp.counts[f].Load() == 0 {
			t.Errorf("fault %v never injected", f)
		}
	}
	t.Logf("proxy: %s; retries (sleeps): %d; reconciled after ambiguous writes: %v",
		strings.Join(summary, " "), sleeps.Load(), ambiguous)
}

// TestAmbiguousWrites pins down the reconciliation contract: a write whose
// response was lost is retried into 412 (Create, Update) or 404 (Delete).
func TestAmbiguousWrites(t *testing.T) {
	s := testserver.Radicale(t)
	ctx := ctx(t)
	var dropMethod atomic.Value // the method whose next request is dropped
	dropMethod.Store("")
	_, proxyURL := newFaultProxy(t, s.URL, func(r *http.Request, _ int64) fault {
		if dropMethod.CompareAndSwap(r.Method, "") {
			return forwardDrop
		}
		return pass
	})
	c := newClient(t, s, davclient.Options{Sleep: func(time.Duration) {}})
	cal := proxyURL + "/rmctl/ambiguous/"
	if err := c.EnsureCalendar(ctx, cal, ""); err != nil {
		t.Fatal(err)
	}
	href := cal + "a.ics"

	dropMethod.Store(http.MethodPut)
	_, err := c.Create(ctx, href, ics("VEVENT", "a@rmctl.test", "v1", 0))
	var herr *davclient.HTTPError
	if !errors.Is(err, davclient.ErrPrecondition) || !errors.As(err, &herr) || !herr.Ambiguous {
		t.Fatalf("Create with a lost response: %v, want ambiguous ErrPrecondition", err)
	}
	data, etag, err := c.Get(ctx, href)
	if err != nil || !bytes.Contains(data, []byte("UID:a@rmctl.test")) {
		t.Fatalf("Get after ambiguous Create: %v\n%s", err, data)
	}

	dropMethod.Store(http.MethodPut)
	_, err = c.Update(ctx, href, ics("VEVENT", "a@rmctl.test", "v2", 1), etag)
	if !errors.Is(err, davclient.ErrPrecondition) || !errors.As(err, &herr) || !herr.Ambiguous {
		t.Fatalf("Update with a lost response: %v, want ambiguous ErrPrecondition", err)
	}
	data, etag, err = c.Get(ctx, href)
	if err != nil || !bytes.Contains(data, []byte("SUMMARY:v2")) {
		t.Fatalf("Get after ambiguous Update: %v\n%s", err, data)
	}

	dropMethod.Store(http.MethodDelete)
	if err := c.Delete(ctx, href, etag); err != nil {
		t.Fatalf("Delete with a lost response: %v, want success", err)
	}
	if _, _, err := c.Get(ctx, href); !errors.Is(err, davclient.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
}

func uidOf(t *testing.T, data []byte) string {
	t.Helper()
	for line := range strings.SplitSeq(string(data), "\r\n") {
		if v, ok := strings.CutPrefix(line, "UID:"); ok {
			return v
		}
	}
	t.Errorf("no UID in\n%s", data)
	return ""
}
