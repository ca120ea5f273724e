package caldav_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/rmctl/rmctl/engine/apply"
	"github.com/rmctl/rmctl/engine/ical"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target/caldav"
	"github.com/rmctl/rmctl/engine/target/caldav/davclient"
	"github.com/rmctl/rmctl/internal/testserver"
)

// benchEvents is the size of one benchmark run.
const benchEvents = 1000

// benchParallelism is apply's default; the plain loop uses as many workers.
const benchParallelism = 8

// benchResources returns n sessions of one program, each its own UID.
func benchResources(n int) *plan.Desired {
	d := &plan.Desired{Programs: []string{"bench"}}
	start := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	for i := range n {
		addr := resource.Address("bench", "pair", "p"+strconv.Itoa(i/8), "session", strconv.Itoa(i%8+1))
		s := start.Add(time.Duration(i) * time.Hour)
		r := resource.Resource{
			Address: addr, UID: resource.UID(addr), Kind: resource.Session, Program: "bench",
			Title: fmt.Sprintf("Session %d", i), Description: "Agenda:\n1. Talk\n2. Try\n3. Agree on next steps",
			Location: "Room 1", Start: s, End: s.Add(time.Hour), Timezone: "Europe/Berlin", Language: "en",
			Organizer: resource.Contact{Name: "People Development", Email: "rm@example.com"},
			Attendees: []resource.Attendee{
				{ID: "m" + strconv.Itoa(i), Name: "Mentor " + strconv.Itoa(i), Email: "mentor" + strconv.Itoa(i) + "@example.com", Role: resource.Mentor},
				{ID: "e" + strconv.Itoa(i), Name: "Mentee " + strconv.Itoa(i), Email: "mentee" + strconv.Itoa(i) + "@example.com", Role: resource.Mentee},
			},
		}
		d.Resources = append(d.Resources, r)
	}
	return d
}

// httpClient is what both sides of the comparison use: the same
// connection pool settings as caldav.New's default.
func httpClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Timeout: davclient.DefaultAttemptTimeout, Transport: tr}
}

// applyRun applies d into a new shared calendar through plan, apply and the
// caldav target with default parallelism, and returns the target and
// state store (for a refresh) and how long apply took.
func applyRun(tb testing.TB, srv *testserver.Server, d *plan.Desired, name string) (*caldav.Target, *state.Local, time.Duration) {
	tgt, err := caldav.New(caldav.Config{URL: srv.CalendarURL(name), Username: srv.Username, Password: srv.Password, HTTPClient: httpClient()})
	if err != nil {
		tb.Fatal(err)
	}
	store := state.NewLocal(filepath.Join(tb.TempDir(), "state.json"), state.LocalOptions{})
	ctx := context.Background()
	st, err := store.Read(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	p := plan.Build(d, st, plan.Options{Now: planNow})
	t0 := time.Now()
	if _, err := apply.Apply(ctx, p, st, store, tgt, apply.Options{}); err != nil {
		tb.Fatal(err)
	}
	return tgt, store, time.Since(t0)
}

// plainRun PUTs the same events into a new calendar with benchParallelism
// workers and nothing else: no plan, no state, no reconciliation. It is
// the yardstick for apply's overhead. Encoding is inside the loop as it
// is inside apply.
func plainRun(tb testing.TB, srv *testserver.Server, d *plan.Desired, name string) time.Duration {
	ctx := context.Background()
	cal := srv.CalendarURL(name)
	c, err := davclient.New(davclient.Options{Username: srv.Username, Password: srv.Password, HTTPClient: httpClient()})
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.EnsureCalendar(ctx, cal, name); err != nil {
		tb.Fatal(err)
	}
	hc := httpClient()
	stamp := time.Now()
	var next atomic.Int64
	t0 := time.Now()
	var g errgroup.Group
	for range benchParallelism {
		g.Go(func() error {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(d.Resources) {
					return nil
				}
				r := d.Resources[i]
				body, err := ical.Object(r, 0, stamp, "")
				if err != nil {
					return err
				}
				req, err := http.NewRequestWithContext(ctx, http.MethodPut, cal+caldav.ObjectName(r.UID), bytesReader(body))
				if err != nil {
					return err
				}
				req.Header.Set("Content-Type", "text/calendar; charset=utf-8")
				req.Header.Set("If-None-Match", "*")
				if srv.Username != "" {
					req.SetBasicAuth(srv.Username, srv.Password)
				}
				resp, err := hc.Do(req)
				if err != nil {
					return err
				}
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					return fmt.Errorf("PUT %s: %s", r.Address, resp.Status)
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		tb.Fatal(err)
	}
	return time.Since(t0)
}

// BenchmarkApplyRadicale applies 1,000 events into Radicale (shared
// calendar, default parallelism); one op is one whole apply.
func BenchmarkApplyRadicale(b *testing.B) {
	srv := testserver.Radicale(b)
	d := benchResources(benchEvents)
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		_, _, dur := applyRun(b, srv, d, fmt.Sprintf("apply-%d", i))
		total += dur
	}
	b.ReportMetric(float64(b.N)*benchEvents/total.Seconds(), "events/s")
}

// BenchmarkPlainPUT is the yardstick: the same 1,000 events PUT by 8
// workers with nothing around them.
func BenchmarkPlainPUT(b *testing.B) {
	srv := testserver.Radicale(b)
	d := benchResources(benchEvents)
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		total += plainRun(b, srv, d, fmt.Sprintf("plain-%d", i))
	}
	b.ReportMetric(float64(b.N)*benchEvents/total.Seconds(), "events/s")
}

// BenchmarkApplyVsPlainPUT runs both against the same server in the same
// run, alternating which goes first, and reports both rates and their
// ratio (apply / plain; the aim is ≥ 0.8).
func BenchmarkApplyVsPlainPUT(b *testing.B) {
	srv := testserver.Radicale(b)
	d := benchResources(benchEvents)
	var applyTotal, plainTotal time.Duration
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			plainTotal += plainRun(b, srv, d, fmt.Sprintf("plain-%d", i))
			_, _, dur := applyRun(b, srv, d, fmt.Sprintf("apply-%d", i))
			applyTotal += dur
		} else {
			_, _, dur := applyRun(b, srv, d, fmt.Sprintf("apply-%d", i))
			applyTotal += dur
			plainTotal += plainRun(b, srv, d, fmt.Sprintf("plain-%d", i))
		}
	}
	n := float64(b.N)
	b.ReportMetric(n*benchEvents/applyTotal.Seconds(), "apply-events/s")
	b.ReportMetric(n*benchEvents/plainTotal.Seconds(), "plain-events/s")
	b.ReportMetric(plainTotal.Seconds()/applyTotal.Seconds(), "ratio")
}

// BenchmarkRefreshRadicale measures plan --refresh over 1,000 applied
// events: one calendar-query REPORT, parsing and comparing, and the plan.
func BenchmarkRefreshRadicale(b *testing.B) {
	srv := testserver.Radicale(b)
	d := benchResources(benchEvents)
	tgt, store, _ := applyRun(b, srv, d, "refresh")
	ctx := context.Background()
	st, err := store.Read(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		opts := plan.Options{Now: planNow}
		obs, err := plan.Refresh(ctx, tgt, st, opts)
		if err != nil {
			b.Fatal(err)
		}
		opts.Observed = obs
		if p := plan.Build(d, st, opts); p.HasChanges() || len(p.Drift) > 0 {
			b.Fatalf("refresh found %d changes, %d drift", len(p.Changes), len(p.Drift))
		}
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// stubServer answers just enough CalDAV for a create-only run, at once:
// PROPFIND 404 (no calendar yet), MKCALENDAR 201, PUT 201 with an ETag.
// Against it, the comparison measures rmctl's own overhead (plan, encoding,
// state journal) rather than the server's.
func stubServer(tb testing.TB) *testserver.Server {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch r.Method {
		case "PROPFIND":
			w.WriteHeader(http.StatusNotFound)
		case "MKCALENDAR":
			w.WriteHeader(http.StatusCreated)
		case http.MethodPut:
			w.Header().Set("ETag", fmt.Sprintf(`"%d"`, n.Add(1)))
			w.WriteHeader(http.StatusCreated)
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	}))
	tb.Cleanup(srv.Close)
	return &testserver.Server{URL: srv.URL + "/", CalendarHome: srv.URL + "/cal/"}
}

// BenchmarkApplyVsPlainPUTStub is BenchmarkApplyVsPlainPUT against a stub
// server that answers at once: what apply costs beyond the requests.
func BenchmarkApplyVsPlainPUTStub(b *testing.B) {
	srv := stubServer(b)
	d := benchResources(benchEvents)
	var applyTotal, plainTotal time.Duration
	for i := 0; b.Loop(); i++ {
		plainTotal += plainRun(b, srv, d, fmt.Sprintf("plain-%d", i))
		_, _, dur := applyRun(b, srv, d, fmt.Sprintf("apply-%d", i))
		applyTotal += dur
	}
	n := float64(b.N)
	b.ReportMetric(n*benchEvents/applyTotal.Seconds(), "apply-events/s")
	b.ReportMetric(n*benchEvents/plainTotal.Seconds(), "plain-events/s")
	b.ReportMetric(plainTotal.Seconds()/applyTotal.Seconds(), "ratio")
}
