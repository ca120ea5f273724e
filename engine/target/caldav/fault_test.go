package caldav_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/apply"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target/caldav"
	"github.com/rmctl/rmctl/engine/target/caldav/davclient"
	"github.com/rmctl/rmctl/internal/testserver"
)

type fault int

const (
	pass           fault = iota
	unavailable          // 503, not forwarded
	reset                // connection reset, not forwarded
	storedThenDrop       // forwarded (the server applies it), then the connection closes
	storedThenHang       // forwarded, then no answer until the client times out
	faultKinds
)

func (f fault) String() string {
	return [...]string{"pass", "503", "reset", "stored+drop", "stored+timeout"}[f]
}

// faultProxy sits in front of a server and fails a share of requests at
// random (seeded, so a failing trial can be replayed).
type faultProxy struct {
	rp     *httputil.ReverseProxy
	mu     sync.Mutex
	rng    *rand.Rand
	share  float64
	counts [faultKinds]atomic.Int64
}

func newFaultProxy(t testing.TB, backend string, seed uint64, share float64) (*faultProxy, string) {
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{rp: httputil.NewSingleHostReverseProxy(u), rng: rand.New(rand.NewPCG(seed, 7)), share: share}
	// Requests the client gave up on are expected here, not worth a log line.
	p.rp.ErrorLog = log.New(io.Discard, "", 0)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL + "/"
}

func (p *faultProxy) decide() fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rng.Float64() >= p.share {
		return pass
	}
	return fault(1 + p.rng.IntN(int(faultKinds)-1))
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := p.decide()
	p.counts[f].Add(1)
	switch f {
	case unavailable:
		http.Error(w, "try later", http.StatusServiceUnavailable)
	case reset:
		conn := hijack(w)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // RST, not a clean close
		}
		conn.Close()
	case storedThenDrop:
		p.rp.ServeHTTP(httptest.NewRecorder(), r.WithContext(context.WithoutCancel(r.Context())))
		hijack(w).Close()
	case storedThenHang:
		p.rp.ServeHTTP(httptest.NewRecorder(), r.WithContext(context.WithoutCancel(r.Context())))
		select {
		case <-r.Context().Done(): // the client gave up
		case <-time.After(5 * time.Second):
		}
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

// TestFaultsConverge applies a program and then a changed one (a pair
// removed, sessions moved) through a proxy that fails a quarter of all
// requests — 503s, resets, and writes the server stored but whose answer
// was lost or timed out — repeating apply until it succeeds, as a user
// would. Across many trials it must converge: every calendar holds exactly
// the declared objects, no UID twice, and a refreshed plan is empty.
func TestFaultsConverge(t *testing.T) {
	srv := testserver.Radicale(t)
	trials := 12
	if testing.Short() {
		trials = 4
	}
	v1 := desired(t, baseFixture)
	f2 := baseFixture
	f2.third, f2.slotB, f2.kickoffLocation = false, "15:00", "Atrium"
	v2 := desired(t, f2)
	var total [faultKinds]int64
	for trial := range trials {
		perPerson := trial%2 == 1
		seed := uint64(1000 + trial)
		fp, proxyURL := newFaultProxy(t, srv.URL, seed, 0.25)
		calURL := func(base string) string {
			name := fmt.Sprintf("t%d-program", trial)
			if perPerson {
				name = fmt.Sprintf("t%d-%s", trial, caldav.PersonPlaceholder)
			}
			return base + srv.Username + "/" + name + "/"
		}
		faulty, err := caldav.New(caldav.Config{
			URL: calURL(proxyURL), Username: srv.Username, Password: srv.Password,
			HTTPClient: &http.Client{Timeout: time.Second},
			// Few retries, so that failures reach apply and the next run
			// has to resolve them by looking.
			MaxRetries: 1, Deadline: 10 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		store := state.NewLocal(filepath.Join(t.TempDir(), "state.json"), state.LocalOptions{})
		rounds := 0
		for _, d := range []*plan.Desired{v1, v2} {
			rounds += converge(t, trial, store, faulty, d)
		}

		// Check through a clean connection.
		direct, err := caldav.New(caldav.Config{URL: calURL(srv.URL), Username: srv.Username, Password: srv.Password})
		if err != nil {
			t.Fatal(err)
		}
		st, err := store.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		opts := plan.Options{Now: planNow}
		if opts.Observed, err = plan.Refresh(context.Background(), direct, st, opts); err != nil {
			t.Fatal(err)
		}
		if p := plan.Build(v2, st, opts); p.HasChanges() || len(p.Drift) > 0 {
			t.Errorf("trial %d (seed %d): after convergence %d changes, drift %+v", trial, seed, len(p.Changes), p.Drift)
		}
		e := &env{t: t, srv: srv, tgt: direct}
		checkExact(t, trial, e, v1, v2)
		var line string
		for k := range faultKinds {
			total[k] += fp.counts[k].Load()
			line += fmt.Sprintf(" %s=%d", k, fp.counts[k].Load())
		}
		t.Logf("trial %d (per-person %v): converged in %d applies;%s", trial, perPerson, rounds, line)
	}
	if total[storedThenDrop] == 0 || total[storedThenHang] == 0 || total[reset] == 0 || total[unavailable] == 0 {
		t.Errorf("not every fault kind occurred: %v", total)
	}
}

// converge applies d until an apply succeeds, and returns how many it took.
func converge(t *testing.T, trial int, store *state.Local, tgt *caldav.Target, d *plan.Desired) int {
	t.Helper()
	ctx := context.Background()
	for round := 1; round <= 20; round++ {
		st, err := store.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p := plan.Build(d, st, plan.Options{Now: planNow})
		if !p.HasChanges() {
			return round - 1
		}
		if _, err := apply.Apply(ctx, p, st, store, tgt, apply.Options{}); err == nil {
			return round
		}
	}
	t.Fatalf("trial %d: apply did not converge in 20 runs", trial)
	return 0
}

// checkExact lists every calendar either version used, without the proxy,
// and compares its UIDs with what v2 declares: each exactly once.
func checkExact(t *testing.T, trial int, e *env, v1, v2 *plan.Desired) {
	t.Helper()
	want := e.expected(v2)
	cals := map[string]bool{}
	for c := range e.expected(v1) {
		cals[c] = true
	}
	c, err := davclient.New(davclient.Options{Username: e.srv.Username, Password: e.srv.Password})
	if err != nil {
		t.Fatal(err)
	}
	for cal := range cals {
		objs, err := c.List(context.Background(), cal)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range objs {
			kind, uid := componentAndUID(o.Data)
			got = append(got, kind+" "+uid)
		}
		sort.Strings(got)
		if !slices.Equal(got, want[cal]) {
			t.Errorf("trial %d: calendar %s holds %d objects, want %d (duplicates or leftovers):\n got %v\nwant %v", trial, cal, len(got), len(want[cal]), got, want[cal])
		}
	}
}
