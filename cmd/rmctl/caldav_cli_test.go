package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/internal/testserver"
)

// TestCalDAVThroughCLI is the user's path to real calendars: rmctl.cue
// names a CalDAV server, the password comes from the environment, and
// `rmctl apply` fills one calendar per person on a real Radicale; a
// deleted event shows up as drift in `plan --refresh` and apply restores it.
func TestCalDAVThroughCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Radicale")
	}
	srv := testserver.Radicale(t)
	dir := t.TempDir()
	copyDir(t, "../../examples/digital-leadership", filepath.Join(dir, "programs", "dl"))
	settings := fmt.Sprintf(`target: {
	kind:        "caldav"
	url:         %q
	username:    %q
	passwordEnv: "RMCTL_CALDAV_PASSWORD"
}
`, srv.CalendarHome+"rm-{person}/", srv.Username)
	if err := os.WriteFile(filepath.Join(dir, "rmctl.cue"), []byte(settings), 0o644); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == "RMCTL_CALDAV_PASSWORD" {
			return srv.Password
		}
		return ""
	}
	rm := func(args ...string) (string, string, int) {
		return cliRun(t, dir, env, args...)
	}
	const now = "2026-12-01"

	// Without the secret, nothing happens and the error says where to put it.
	_, errOut, code := cliRun(t, dir, func(string) string { return "" }, "apply", "--auto-approve", "--now", now)
	if code != 1 || !strings.Contains(errOut, "RMCTL_CALDAV_PASSWORD") {
		t.Fatalf("apply without password: exit %d, stderr %q", code, errOut)
	}

	out, errOut, code := rm("plan", "-o", "json", "--now", now)
	if code != 0 {
		t.Fatalf("plan: exit %d: %s", code, errOut)
	}
	var p plan.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, c := range p.Changes {
		for _, a := range c.After.Attendees {
			want[a.ID]++
		}
	}
	if _, errOut, code = rm("apply", "--auto-approve", "--now", now); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	person := "markus.schulz"
	cal := srv.CalendarURL("rm-" + person)
	if got := len(srv.PyCalDAV(t, cal)); got != want[person] || got == 0 {
		t.Fatalf("python3-caldav finds %d objects in %s's calendar, want %d", got, person, want[person])
	}

	// Someone deletes a session from the mentee's calendar.
	out, _, _ = rm("state", "show", "-o", "json", "dl-2027/pair/emma-markus/session/2")
	var e state.Entry
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatal(err)
	}
	href := ""
	for _, r := range e.Refs {
		if strings.Contains(r.Calendar, "rm-"+person) {
			href = r.Href
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, href, nil)
	req.SetBasicAuth(srv.Username, srv.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("deleting %s on the server: %v %v", href, err, resp)
	}
	resp.Body.Close()

	out, errOut, code = rm("plan", "--refresh", "--detailed-exitcode", "--now", now)
	if code != 2 || !strings.Contains(out, "deleted on the server") {
		t.Fatalf("plan --refresh: exit %d, want 2 naming the deletion\n%s%s", code, out, errOut)
	}
	if _, errOut, code = rm("apply", "--refresh", "--auto-approve", "--now", now); code != 0 {
		t.Fatalf("apply --refresh: exit %d: %s", code, errOut)
	}
	if got := len(srv.PyCalDAV(t, cal)); got != want[person] {
		t.Fatalf("after restoring: %d objects, want %d", got, want[person])
	}
	if out, _, code = rm("plan", "--refresh", "--detailed-exitcode", "--now", now); code != 0 {
		t.Fatalf("plan --refresh after restoring: exit %d\n%s", code, out)
	}

	// The secret never lands in a file rmctl writes.
	_ = filepath.Walk(filepath.Join(dir, ".rmctl"), func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(srv.Password)) {
				t.Errorf("%s contains the password", path)
			}
		}
		return nil
	})
}

// cliRun runs rmctl in-process in dir with the given environment.
func cliRun(t testing.TB, dir string, getenv func(string) string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	old, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(old)
	var out, errOut bytes.Buffer
	code = run(args, &Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, getenv)
	return out.String(), errOut.String(), code
}

func copyDir(t testing.TB, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
