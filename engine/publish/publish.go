// Package publish owns the static site people subscribe to: the outbox's
// per-person feeds copied to unguessable URLs (feeds/<token>.ics), an
// organizer feed with everything, and an index for the organizer, plus the
// tokens file that keeps each person's URL stable across runs.
//
// A token is the only thing protecting a feed, so tokens are 256 random
// bits, kept in a file readable by its owner only (0600), never printed
// and never put in state or plans. Rotating a person's token removes the
// old URL from the site. The site directory is owned by publish: feeds it
// did not write this time are removed, so a rotated or forgotten URL stops
// working at the next upload.
package publish

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/rmctl/rmctl/engine/ical"
	"github.com/rmctl/rmctl/engine/target/outbox"
)

// Organizer is the tokens file key of the organizer's feed and index.
const Organizer = "_organizer"

// Tokens is the tokens file: a token per person id, and the organizer's.
type Tokens struct {
	Version int               `json:"version"`
	Tokens  map[string]string `json:"tokens"`
}

// Options say what to publish where.
type Options struct {
	OutboxDir  string
	SiteDir    string
	TokensFile string
	// Rotate lists person ids (or Organizer) whose token is replaced.
	Rotate []string
	// BaseURL, when set, makes the index's links absolute and adds
	// webcal:// links that calendar apps open directly.
	BaseURL string
	Now     time.Time
	// Rand is the source of tokens; crypto/rand when nil.
	Rand io.Reader
}

// Result says what was published, without tokens.
type Result struct {
	People  []string // ids with a feed
	Rotated []string
	Removed int // stale feed files removed from the site
	// IndexFile is the organizer's index, relative to the site directory.
	// It contains the organizer's token: do not print it where others read.
	IndexFile string
}

var tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// Publish builds the site from the outbox.
func Publish(ctx context.Context, opts Options) (*Result, error) {
	if _, err := os.Stat(filepath.Join(opts.OutboxDir, outbox.DirtyMarker)); err == nil {
		return nil, errors.New("the last apply into the outbox did not finish, so its feeds may be out of date: run rmctl apply again, then publish")
	}
	feedDir := filepath.Join(opts.OutboxDir, outbox.FeedsDir)
	entries, err := os.ReadDir(feedDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no feeds in %s: run rmctl apply with the outbox target first", opts.OutboxDir)
	}
	if err != nil {
		return nil, fmt.Errorf("reading feeds: %w", err)
	}
	var people []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".ics") && !strings.HasPrefix(e.Name(), ".") {
			people = append(people, strings.TrimSuffix(e.Name(), ".ics"))
		}
	}
	sort.Strings(people)

	toks, err := readTokens(opts.TokensFile)
	if err != nil {
		return nil, err
	}
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	res := &Result{People: people}
	known := map[string]bool{Organizer: true}
	for _, p := range people {
		known[p] = true
	}
	for _, id := range opts.Rotate {
		if !known[id] {
			return nil, fmt.Errorf("--rotate %s: no feed for that person in the outbox", id)
		}
		delete(toks.Tokens, id)
		res.Rotated = append(res.Rotated, id)
	}
	for id := range known {
		if toks.Tokens[id] != "" {
			continue
		}
		if toks.Tokens[id], err = newToken(rnd); err != nil {
			return nil, err
		}
	}
	// Tokens first: a site whose URLs are not recorded would be lost.
	if err := writeTokens(opts.TokensFile, toks); err != nil {
		return nil, err
	}

	siteFeeds := filepath.Join(opts.SiteDir, "feeds")
	if err := os.MkdirAll(siteFeeds, 0o755); err != nil {
		return nil, fmt.Errorf("creating the site: %w", err)
	}
	written := map[string]bool{}
	for _, p := range people {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(filepath.Join(feedDir, p+".ics"))
		if err != nil {
			return nil, fmt.Errorf("reading the feed of %s: %w", p, err)
		}
		name := toks.Tokens[p] + ".ics"
		if err := writeFile(filepath.Join(siteFeeds, name), data, 0o644); err != nil {
			return nil, err
		}
		written[name] = true
	}
	org, err := organizerFeed(filepath.Join(opts.OutboxDir, outbox.ObjectsDir))
	if err != nil {
		return nil, err
	}
	orgName := toks.Tokens[Organizer] + ".ics"
	if err := writeFile(filepath.Join(siteFeeds, orgName), org, 0o644); err != nil {
		return nil, err
	}
	written[orgName] = true

	// Empty index pages where a server would otherwise list the tokens.
	blank := []byte("<!DOCTYPE html><title>rmctl</title>\n")
	for _, f := range []string{filepath.Join(opts.SiteDir, "index.html"), filepath.Join(siteFeeds, "index.html")} {
		if err := writeFile(f, blank, 0o644); err != nil {
			return nil, err
		}
	}
	res.IndexFile = "index-" + toks.Tokens[Organizer] + ".html"
	if err := writeFile(filepath.Join(opts.SiteDir, res.IndexFile), index(people, toks, opts), 0o644); err != nil {
		return nil, err
	}

	// Remove what this run did not write: rotated URLs and people gone.
	old, err := os.ReadDir(siteFeeds)
	if err != nil {
		return nil, fmt.Errorf("reading the site: %w", err)
	}
	for _, e := range old {
		if n := e.Name(); strings.HasSuffix(n, ".ics") && tokenRE.MatchString(strings.TrimSuffix(n, ".ics")) && !written[n] {
			if err := os.Remove(filepath.Join(siteFeeds, n)); err != nil {
				return nil, fmt.Errorf("removing a stale feed: %w", err)
			}
			res.Removed++
		}
	}
	siteEntries, err := os.ReadDir(opts.SiteDir)
	if err != nil {
		return nil, fmt.Errorf("reading the site: %w", err)
	}
	for _, e := range siteEntries {
		if n := e.Name(); strings.HasPrefix(n, "index-") && n != res.IndexFile {
			if err := os.Remove(filepath.Join(opts.SiteDir, n)); err != nil {
				return nil, fmt.Errorf("removing a stale index: %w", err)
			}
		}
	}
	return res, nil
}

// organizerFeed is every current object once, from the per-person copies.
func organizerFeed(objectsDir string) ([]byte, error) {
	byName := map[string][]byte{}
	err := filepath.WalkDir(objectsDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".ics") || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		if _, seen := byName[d.Name()]; seen {
			return nil // the same UID in another attendee's folder
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		byName[d.Name()] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading outbox objects: %w", err)
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	objs := make([][]byte, len(names))
	for i, n := range names {
		objs[i] = byName[n]
	}
	return ical.Feed("Reverse Mentoring (organizer)", objs)
}

func index(people []string, toks *Tokens, opts Options) []byte {
	base := strings.TrimSuffix(opts.BaseURL, "/")
	link := func(id string) (string, string) {
		rel := "feeds/" + toks.Tokens[id] + ".ics"
		if base == "" {
			return rel, ""
		}
		abs := base + "/" + rel
		webcal := abs
		if i := strings.Index(abs, "://"); i >= 0 {
			webcal = "webcal" + abs[i:]
		}
		return abs, webcal
	}
	var b bytes.Buffer
	b.WriteString(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<title>rmctl feeds (organizer)</title>
<style>body{font-family:system-ui,Arial,sans-serif;margin:24px}td,th{padding:4px 12px;text-align:left}code{font-size:12px}</style>
</head>
<body>
<h1>Calendar feeds</h1>
<p>Send each person their own link only: anyone with a link can read that calendar. Subscribe in Outlook
(Add calendar → Subscribe from web) or Google Calendar (Other calendars → From URL); Google refreshes
subscribed calendars only every 8–24 hours.</p>
`)
	fmt.Fprintf(&b, "<p>Published %s.</p>\n<table>\n<tr><th>person</th><th>feed</th></tr>\n", opts.Now.UTC().Format("2006-01-02 15:04 UTC"))
	row := func(label, id string) {
		href, webcal := link(id)
		fmt.Fprintf(&b, "<tr><td>%s</td><td><a href=\"%s\"><code>%s</code></a>", html.EscapeString(label), html.EscapeString(href), html.EscapeString(href))
		if webcal != "" {
			fmt.Fprintf(&b, " (<a href=\"%s\">webcal</a>)", html.EscapeString(webcal))
		}
		b.WriteString("</td></tr>\n")
	}
	row("organizer: everything", Organizer)
	for _, p := range people {
		row(p, p)
	}
	b.WriteString("</table>\n</body>\n</html>\n")
	return b.Bytes()
}

func newToken(r io.Reader) (string, error) {
	buf := make([]byte, 32)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", fmt.Errorf("making a feed token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

func readTokens(file string) (*Tokens, error) {
	t := &Tokens{Version: 1, Tokens: map[string]string{}}
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading feed tokens: %w", err)
	}
	if err := json.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("reading feed tokens %s: %w", file, err)
	}
	if t.Version != 1 {
		return nil, fmt.Errorf("reading feed tokens %s: unknown version %d", file, t.Version)
	}
	if t.Tokens == nil {
		t.Tokens = map[string]string{}
	}
	for id, tok := range t.Tokens {
		if !tokenRE.MatchString(tok) {
			return nil, fmt.Errorf("reading feed tokens %s: the token of %s is malformed", file, id)
		}
	}
	return t, nil
}

func writeTokens(file string, t *Tokens) error {
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("writing feed tokens: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("writing feed tokens: %w", err)
	}
	return writeFile(file, append(data, '\n'), 0o600)
}

// writeFile replaces path atomically with data and mode.
func writeFile(path string, data []byte, mode fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-publish-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
