package testserver

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Server is a running CalDAV server.
type Server struct {
	// URL is the server's root, e.g. "http://127.0.0.1:PORT/".
	URL string
	// Username and Password authenticate with HTTP basic auth; both are empty
	// for servers without authentication (Xandikos).
	Username, Password string
	// CalendarHome is the collection below which calendars may be created
	// (MKCALENDAR), ending in "/".
	CalendarHome string
	// Dir holds the server's storage and log.
	Dir string
}

// CalendarURL returns the URL of a calendar named name below CalendarHome.
// The calendar is not created.
func (s *Server) CalendarURL(name string) string {
	return s.CalendarHome + strings.Trim(name, "/") + "/"
}

// PyCalDAV lists the calendar's events and to-dos with python3-caldav.
func (s *Server) PyCalDAV(t testing.TB, calendarURL string) []Item {
	t.Helper()
	return PyCalDAV(t, s.URL, s.Username, s.Password, calendarURL)
}

// httpProbe succeeds once anything answers HTTP at url; the status does not
// matter (Radicale answers / with a redirect, Xandikos with a page).
func httpProbe(url string) func(int) error {
	client := &http.Client{
		Timeout: time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return func(int) error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
}

// Radicale starts Radicale 3 with its own configuration: htpasswd
// authentication (plain passwords, no delay after a failed login, so wrong
// credentials do not slow tests down), rights "authenticated" (the service
// account may write any calendar, not just below its own principal) and
// storage in a temporary directory.
func Radicale(t testing.TB) *Server {
	t.Helper()
	bin := requireBinary(t, "radicale", "radicale")
	dir := t.TempDir()
	const user, pass = "rmctl", "rmctl-test-password"
	htpasswd := filepath.Join(dir, "users")
	if err := os.WriteFile(htpasswd, []byte(user+":"+pass+"\n"), 0o600); err != nil {
		t.Fatalf("testserver: %v", err)
	}
	storage := filepath.Join(dir, "collections")
	config := filepath.Join(dir, "config")

	_, port := launch(t, "radicale", dir, func(port int) ([]string, []string) {
		cfg := fmt.Sprintf(`[server]
hosts = 127.0.0.1:%d

[auth]
type = htpasswd
htpasswd_filename = %s
htpasswd_encryption = plain
delay = 0

[rights]
type = authenticated

[storage]
filesystem_folder = %s

[web]
type = none

[logging]
level = warning
mask_passwords = True
`, port, htpasswd, storage)
		if err := os.WriteFile(config, []byte(cfg), 0o600); err != nil {
			t.Fatalf("testserver: %v", err)
		}
		return []string{bin, "-C", config}, nil
	}, func(port int) error {
		return httpProbe(fmt.Sprintf("http://127.0.0.1:%d/", port))(port)
	})

	base := fmt.Sprintf("http://127.0.0.1:%d/", port)
	return &Server{
		URL:      base,
		Username: user,
		Password: pass,
		// Radicale creates the principal collection /USER/ on the first
		// authenticated request, so calendars can go right below it.
		CalendarHome: base + user + "/",
		Dir:          dir,
	}
}

// Xandikos starts Xandikos with --defaults (which creates /user/ with a
// calendar and an address book). It has no authentication of its own, and
// creates calendars only below /user/calendars/.
func Xandikos(t testing.TB) *Server {
	t.Helper()
	bin := requireBinary(t, "xandikos", "xandikos")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	_, port := launch(t, "xandikos", dir, func(port int) ([]string, []string) {
		return []string{bin, "-d", data, "--defaults", "-l", "127.0.0.1", "-p", fmt.Sprint(port)}, nil
	}, func(port int) error {
		return httpProbe(fmt.Sprintf("http://127.0.0.1:%d/", port))(port)
	})
	base := fmt.Sprintf("http://127.0.0.1:%d/", port)
	return &Server{URL: base, CalendarHome: base + "user/calendars/", Dir: dir}
}
