package publish_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/apply"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/publish"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target/outbox"
	"github.com/rmctl/rmctl/internal/testprog"
)

var now = time.Date(2027, time.January, 15, 9, 0, 0, 0, time.UTC)

// appliedOutbox applies the fixture into an outbox and returns its folder.
func appliedOutbox(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clock := func() time.Time { return now }
	store := state.NewLocal(filepath.Join(dir, "state.json"), state.LocalOptions{Now: clock})
	st, err := store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := plan.Build(engine.Expand(testprog.Demo().Load(t)), st, plan.Options{Now: now})
	ob := filepath.Join(dir, "outbox")
	tgt, err := outbox.New(ob, outbox.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apply.Apply(ctx, p, st, store, tgt, apply.Options{Now: clock}); err != nil {
		t.Fatal(err)
	}
	return ob
}

func readTokens(t *testing.T, file string) map[string]string {
	t.Helper()
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("tokens file mode %v, want 0600", fi.Mode().Perm())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var toks publish.Tokens
	if err := json.Unmarshal(data, &toks); err != nil {
		t.Fatal(err)
	}
	return toks.Tokens
}

func TestPublish(t *testing.T) {
	ctx := context.Background()
	ob := appliedOutbox(t)
	work := t.TempDir()
	site, tokFile := filepath.Join(work, "site"), filepath.Join(work, "feed-tokens.json")
	opts := publish.Options{OutboxDir: ob, SiteDir: site, TokensFile: tokFile, Now: now, BaseURL: "https://cal.example.com/rm/"}
	res, err := publish.Publish(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	people := []string{"anna.schmidt", "ben.weber", "klaus.mueller", "petra.lang"}
	if strings.Join(res.People, " ") != strings.Join(people, " ") {
		t.Errorf("people %v", res.People)
	}
	toks := readTokens(t, tokFile)
	seen := map[string]bool{}
	for _, id := range append(people, publish.Organizer) {
		tok := toks[id]
		if len(tok) != 43 || seen[tok] {
			t.Fatalf("token of %s is %q (43 characters, unique wanted)", id, tok)
		}
		seen[tok] = true
	}
	// A person's URL serves exactly their outbox feed.
	for _, id := range people {
		want, _ := os.ReadFile(filepath.Join(ob, outbox.FeedsDir, id+".ics"))
		got, err := os.ReadFile(filepath.Join(site, "feeds", toks[id]+".ics"))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("feed of %s: %v, same bytes %v", id, err, bytes.Equal(got, want))
		}
	}
	// The organizer feed holds every session and event once, and the
	// tutorials as time blocks (TRANSP:TRANSPARENT).
	org, err := os.ReadFile(filepath.Join(site, "feeds", toks[publish.Organizer]+".ics"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(org), "BEGIN:VEVENT"); n != 16 { // 6 sessions, 2 events, 8 tutorials
		t.Errorf("organizer feed has %d events, want 16", n)
	}
	if n := strings.Count(string(org), "TRANSP:TRANSPARENT"); n != 8 {
		t.Errorf("organizer feed has %d tutorial blocks, want 8", n)
	}
	// The index lists every person's absolute and webcal link, and no e-mail.
	idx, err := os.ReadFile(filepath.Join(site, res.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	if res.IndexFile != "index-"+toks[publish.Organizer]+".html" {
		t.Errorf("index file %s", res.IndexFile)
	}
	for _, id := range people {
		if !strings.Contains(string(idx), "https://cal.example.com/rm/feeds/"+toks[id]+".ics") ||
			!strings.Contains(string(idx), "webcal://cal.example.com/rm/feeds/"+toks[id]+".ics") {
			t.Errorf("index lacks the links of %s", id)
		}
	}
	if strings.Contains(string(idx), "@") {
		t.Error("the index shows an e-mail address")
	}
	// Directory listings would show the tokens: both folders have an index.html.
	for _, f := range []string{"index.html", "feeds/index.html"} {
		if b, err := os.ReadFile(filepath.Join(site, f)); err != nil || strings.Contains(string(b), "ics") {
			t.Errorf("%s: %v %q", f, err, b)
		}
	}

	// A second run keeps every URL.
	if _, err := publish.Publish(ctx, opts); err != nil {
		t.Fatal(err)
	}
	again := readTokens(t, tokFile)
	for id, tok := range toks {
		if again[id] != tok {
			t.Errorf("the token of %s changed without --rotate", id)
		}
	}

	// --rotate gives one person a new URL and the old one stops working.
	opts.Rotate = []string{"klaus.mueller"}
	res, err = publish.Publish(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	rotated := readTokens(t, tokFile)
	if rotated["klaus.mueller"] == toks["klaus.mueller"] || rotated["anna.schmidt"] != toks["anna.schmidt"] {
		t.Error("--rotate klaus.mueller did not replace exactly that token")
	}
	if _, err := os.Stat(filepath.Join(site, "feeds", toks["klaus.mueller"]+".ics")); !os.IsNotExist(err) {
		t.Errorf("the old URL of klaus.mueller still serves a feed (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(site, "feeds", rotated["klaus.mueller"]+".ics")); err != nil {
		t.Errorf("the new URL of klaus.mueller: %v", err)
	}
	if res.Removed != 1 {
		t.Errorf("removed %d stale feeds, want 1", res.Removed)
	}

	opts.Rotate = []string{"nobody"}
	if _, err := publish.Publish(ctx, opts); err == nil || !strings.Contains(err.Error(), "--rotate nobody") {
		t.Errorf("--rotate of an unknown person: %v", err)
	}
}

// An apply that died between delivering and rebuilding feeds leaves stale
// feeds: publish refuses them.
func TestPublishRefusesUnfinishedApply(t *testing.T) {
	ob := appliedOutbox(t)
	if err := os.WriteFile(filepath.Join(ob, outbox.DirtyMarker), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	_, err := publish.Publish(context.Background(), publish.Options{OutboxDir: ob, SiteDir: filepath.Join(work, "site"), TokensFile: filepath.Join(work, "t.json"), Now: now})
	if err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Errorf("got %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(work, "site")); !os.IsNotExist(err) {
		t.Error("a refused publish wrote the site")
	}
}
