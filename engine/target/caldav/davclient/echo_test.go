package davclient_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/target/caldav/davclient"
)

// A 403 whose body echoes the Authorization header and the password (seen
// in the wild): the error names the status and quotes a short, clean
// excerpt, and neither secret.
func TestHTTPErrorRedactsEchoedCredentials(t *testing.T) {
	const user, pass = "rmctl", "echo-me-s3cret"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "forbidden\x1b[2J for %s (password %s)\n%s", r.Header.Get("Authorization"), pass, strings.Repeat("y", 4000))
	}))
	defer srv.Close()
	c, err := davclient.New(davclient.Options{Username: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Get(context.Background(), srv.URL+"/cal/a.ics")
	if err == nil {
		t.Fatal("Get of a 403 succeeded")
	}
	msg := err.Error()
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	for _, s := range []string{pass, basic} {
		if strings.Contains(msg, s) {
			t.Errorf("error contains %q: %s", s, msg)
		}
	}
	if !strings.Contains(msg, "403") || !strings.Contains(msg, "forbidden") {
		t.Errorf("error %q: want the status and the start of the body", msg)
	}
	if strings.Contains(msg, "\x1b") {
		t.Errorf("error contains an escape character: %q", msg)
	}
	if len(msg) > 400 {
		t.Errorf("error is %d bytes, want the body cut to a short excerpt", len(msg))
	}
}
