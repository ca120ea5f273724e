package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rmctl/rmctl/internal/testserver"
)

// caldavWorkdir makes a work directory with the example program and a
// CalDAV target at calendarURL, and returns it with an environment that
// holds the password.
func caldavWorkdir(t *testing.T, calendarURL, user, pass string) (string, func(string) string) {
	t.Helper()
	dir := t.TempDir()
	copyDir(t, "../../examples/digital-leadership", filepath.Join(dir, "programs", "dl"))
	settings := fmt.Sprintf(`target: {
	kind:        "caldav"
	url:         %q
	username:    %q
	passwordEnv: "RMCTL_CALDAV_PASSWORD"
}
`, calendarURL, user)
	if err := os.WriteFile(filepath.Join(dir, "rmctl.cue"), []byte(settings), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, func(k string) string {
		if k == "RMCTL_CALDAV_PASSWORD" {
			return pass
		}
		return ""
	}
}

// A CalDAV server that answers 403 and echoes the Authorization header and
// the password in the body: apply fails, and neither secret appears in
// anything rmctl prints or writes.
func TestApplyRedactsEchoedCredentials(t *testing.T) {
	const user, pass = "rmctl", "echo-me-s3cret"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "forbidden for %s with password %s", r.Header.Get("Authorization"), pass)
	}))
	defer srv.Close()
	dir, env := caldavWorkdir(t, srv.URL+"/cal/rm-{person}/", user, pass)

	out, errOut, code := cliRun(t, dir, env, "apply", "--auto-approve", "--now", "2026-12-01")
	if code != 1 || !strings.Contains(errOut, "403") {
		t.Fatalf("apply against a 403 server: exit %d, want 1 naming the status\n%s", code, errOut)
	}
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	for _, secret := range []string{pass, basic} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("output contains %q:\n%s%s", secret, out, errOut)
		}
	}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(path); strings.Contains(string(b), pass) || strings.Contains(string(b), basic) {
				if filepath.Base(path) != "rmctl.cue" {
					t.Errorf("%s contains a secret", path)
				}
			}
		}
		return nil
	})
}

// A CalDAV server that accepts connections and never answers: --timeout
// ends apply at its limit, with a message naming it, exit 1, and the lock
// released so the next apply can start.
func TestApplyTimeoutAgainstHangingServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn // kept open, never answered
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	dir, env := caldavWorkdir(t, "http://"+l.Addr().String()+"/cal/rm-{person}/", "rmctl", "pw-hanging")

	start := time.Now()
	_, errOut, code := cliRun(t, dir, env, "apply", "--auto-approve", "--timeout", "2s", "--now", "2026-12-01")
	took := time.Since(start)
	if code != 1 || !strings.Contains(errOut, "--timeout 2s") {
		t.Fatalf("apply against a hanging server: exit %d, want 1 naming --timeout\n%s", code, errOut)
	}
	if took > 15*time.Second {
		t.Errorf("apply took %s with --timeout 2s", took)
	}
	if _, err := os.Stat(filepath.Join(dir, ".rmctl", "state.json.lock")); !os.IsNotExist(err) {
		t.Errorf("the lock is left behind after the timeout (stat: %v)", err)
	}
	t.Logf("apply stopped after %s: %s", took.Round(time.Millisecond), lastLines(errOut, 1))
}

// A real CalDAV server (Radicale) behind a proxy that stops answering after
// some writes: --timeout stops apply, what was stored before is recorded in
// state, and the next plan sends only the rest.
func TestApplyTimeoutRecordsWhatWasDone(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Radicale")
	}
	srv := testserver.Radicale(t)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	// Requests the client gave up on are expected here, not worth a log line.
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }
	var puts atomic.Int64
	release := make(chan struct{})
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// 40 PUTs complete the first resources (the program's events go to
		// every participant's calendar), well within the time limit.
		if r.Method == http.MethodPut && puts.Add(1) > 40 {
			// Never answer. The body is read so that the server notices
			// when the client gives up and closes the connection.
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	defer close(release) // runs first: Close waits for the handlers
	home := strings.TrimPrefix(srv.CalendarHome, strings.TrimSuffix(srv.URL, "/"))
	dir, env := caldavWorkdir(t, proxy.URL+home+"rm-{person}/", srv.Username, srv.Password)
	const now = "2026-12-01"
	summary := func() map[string]int {
		t.Helper()
		out, errOut, code := cliRun(t, dir, env, "plan", "-o", "json", "--now", now)
		var p struct {
			Summary map[string]int `json:"summary"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &p) != nil {
			t.Fatalf("plan: exit %d\n%s", code, errOut)
		}
		return p.Summary
	}
	total := summary()["create"]

	_, applyErr, code := cliRun(t, dir, env, "apply", "--auto-approve", "--parallelism", "1", "--timeout", "6s", "--now", now)
	errOut := applyErr
	if code != 1 || !strings.Contains(errOut, "--timeout 6s") {
		t.Fatalf("apply against a server that stops answering: exit %d, want 1 naming --timeout\n%s", code, errOut)
	}
	out, errOut, code := cliRun(t, dir, env, "state", "list", "-o", "json")
	var recorded []string
	if code != 0 || json.Unmarshal([]byte(out), &recorded) != nil {
		t.Fatalf("state list: exit %d\n%s%s", code, out, errOut)
	}
	if len(recorded) == 0 {
		t.Fatalf("nothing recorded in state, though the server stored the first objects\n%s", applyErr)
	}

	// The next plan sends only what was not recorded.
	if sum := summary(); sum["create"]+len(recorded) != total || sum["unchanged"] != len(recorded) {
		t.Errorf("plan after the timeout: %v, with %d recorded of %d", sum, len(recorded), total)
	}
	t.Logf("%d resources recorded before the timeout", len(recorded))
}
