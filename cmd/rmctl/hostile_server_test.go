package main

import (
	"encoding/base64"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
