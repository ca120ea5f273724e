package main

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-ical"

	"github.com/rmctl/rmctl/internal/testserver"
)

// The program manager's guide (docs/guide.md, docs/guide.de.md) shows real
// commands and their real output. TestGuide runs the guide's commands in a
// temporary directory and compares what they print with the fenced blocks,
// so the guide cannot go stale. The blocks are marked with HTML comments:
//
//	<!-- guide:file PATH -->    the next fenced block is written to PATH
//	<!-- guide:append PATH -->  the next fenced block is appended to PATH
//	<!-- guide:edit PATH -->    the next fenced block is a diff: lines with
//	                            " " and "-" are replaced by those with " " and "+"
//	<!-- guide:run NAME -->     the next fenced block holds "$ command" lines,
//	                            each followed by its output
//	<!-- guide:invitation GLOB --> the next fenced block is the newest outbox
//	                            message matching GLOB as a calendar shows it
//	<!-- guide:email ADDRESS --> the next fenced block is the e-mail the
//	                            resource ADDRESS becomes with the e-mail target
//	                            (sent to a local SMTP sink from a copy of the
//	                            program, so the guide's state is untouched)
//
// Commands are rmctl (optionally after VAR=value and before "| head -n N" or
// "| tail -n N") and cd. The German guide holds the same blocks under the same
// names; -update rewrites the outputs in both from the English run:
//
//	go test ./cmd/rmctl -run Guide -update
func TestGuide(t *testing.T) {
	docs, err := filepath.Abs(filepath.Join("..", "..", "docs"))
	if err != nil {
		t.Fatal(err)
	}
	en, de := filepath.Join(docs, "guide.md"), filepath.Join(docs, "guide.de.md")
	enText := readGuide(t, en)
	blocks := parseGuide(t, en, enText)
	if len(blocks) == 0 {
		t.Fatalf("%s: no guide blocks", en)
	}

	t.Chdir(t.TempDir())
	// got[i] is what block i shows; the German guide's blocks are
	// matched by position, after checking they are the same blocks.
	got := make([]string, len(blocks))
	for i, b := range blocks {
		got[i] = runGuideBlock(t, b)
	}

	update := false
	if f := flag.Lookup("update"); f != nil {
		update = f.Value.String() == "true"
	}
	for _, g := range []struct {
		path, text string
	}{{en, enText}, {de, readGuide(t, de)}} {
		bs := parseGuide(t, g.path, g.text)
		if g.path == de && keys(bs) != keys(blocks) {
			t.Errorf("%s holds the blocks\n%s\nwant those of %s:\n%s", de, keys(bs), en, keys(blocks))
			continue
		}
		if update {
			if err := os.WriteFile(g.path, []byte(rewriteGuide(g.text, bs, got)), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		for i, b := range bs {
			want := got[i]
			if b.kind == "run" || b.kind == "invitation" || b.kind == "email" {
				if b.kind == "email" && want == "" {
					continue // no SMTP sink here: skipped, as the e-mail tests are
				}
				if b.body != want {
					t.Errorf("%s:%d: guide:%s %s is stale (go test ./cmd/rmctl -run Guide -update):\n--- guide\n%s--- rmctl\n%s", g.path, b.line, b.kind, b.arg, b.body, want)
				}
			} else if b.body != want {
				t.Errorf("%s:%d: guide:%s %s differs from %s", g.path, b.line, b.kind, b.arg, en)
			}
		}
	}
}

type guideBlock struct {
	kind, arg  string
	line       int // of the marker, 1-based
	start, end int // byte offsets of the block's body in the guide
	body       string
}

func (b guideBlock) key() string { return b.kind + " " + b.arg }

func keys(bs []guideBlock) string {
	var ks []string
	for _, b := range bs {
		ks = append(ks, b.key())
	}
	return strings.Join(ks, "\n")
}

func readGuide(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var guideMarker = regexp.MustCompile("(?m)^<!-- guide:(file|append|edit|run|invitation|email) (\\S+) -->\n```[a-z]*\n")

func parseGuide(t *testing.T, path, text string) []guideBlock {
	t.Helper()
	var bs []guideBlock
	for _, m := range guideMarker.FindAllStringSubmatchIndex(text, -1) {
		start := m[1]
		end := strings.Index(text[start:], "```\n")
		if end < 0 || (end > 0 && text[start+end-1] != '\n') {
			t.Fatalf("%s:%d: unclosed block", path, strings.Count(text[:m[0]], "\n")+1)
		}
		bs = append(bs, guideBlock{
			kind:  text[m[2]:m[3]],
			arg:   text[m[4]:m[5]],
			line:  strings.Count(text[:m[0]], "\n") + 1,
			start: start,
			end:   start + end,
			body:  text[start : start+end],
		})
	}
	return bs
}

func rewriteGuide(text string, bs []guideBlock, got []string) string {
	var out strings.Builder
	last := 0
	for i, b := range bs {
		out.WriteString(text[last:b.start])
		if (b.kind == "run" || b.kind == "invitation" || b.kind == "email") && got[i] != "" {
			out.WriteString(got[i])
		} else {
			out.WriteString(b.body)
		}
		last = b.end
	}
	out.WriteString(text[last:])
	return out.String()
}

// runGuideBlock carries out one block and returns what the guide should
// show for it.
func runGuideBlock(t *testing.T, b guideBlock) string {
	t.Helper()
	switch b.kind {
	case "file", "append":
		if err := os.MkdirAll(filepath.Dir(b.arg), 0o755); err != nil {
			t.Fatal(err)
		}
		flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		if b.kind == "append" {
			flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		}
		f, err := os.OpenFile(b.arg, flags, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(b.body); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return b.body
	case "edit":
		editGuideFile(t, b)
		return b.body
	case "invitation":
		return renderInvitation(t, b.arg)
	case "email":
		var text string
		t.Run("email", func(t *testing.T) { text = renderEmail(t, b.arg) })
		return text
	}
	var out strings.Builder
	for _, line := range strings.Split(b.body, "\n") {
		cmd, ok := strings.CutPrefix(line, "$ ")
		if !ok {
			continue
		}
		out.WriteString(line + "\n")
		out.WriteString(runGuideCommand(t, cmd))
	}
	return out.String()
}

func runGuideCommand(t *testing.T, cmd string) string {
	t.Helper()
	pipeline, filter, _ := strings.Cut(cmd, " | ")
	words := shellWords(t, pipeline)
	env := map[string]string{"NO_COLOR": "1"}
	for len(words) > 0 && strings.Contains(words[0], "=") {
		k, v, _ := strings.Cut(words[0], "=")
		env[k] = v
		words = words[1:]
	}
	if len(words) == 2 && words[0] == "cd" {
		t.Chdir(words[1])
		return ""
	}
	if len(words) == 0 || words[0] != "rmctl" {
		t.Fatalf("guide command %q: only rmctl and cd run here", cmd)
	}
	var buf bytes.Buffer
	s := &Streams{In: strings.NewReader(""), Out: &buf, ErrOut: &buf}
	if code := run(words[1:], s, func(k string) string { return env[k] }); code != 0 {
		t.Fatalf("guide command %q exited %d:\n%s", cmd, code, buf.String())
	}
	text := buf.String()
	if filter == "" {
		return text
	}
	f := shellWords(t, filter)
	if len(f) != 3 || (f[0] != "head" && f[0] != "tail") || f[1] != "-n" {
		t.Fatalf("guide command %q: only | head -n N and | tail -n N filter", cmd)
	}
	n, err := strconv.Atoi(f[2])
	if err != nil {
		t.Fatalf("guide command %q: %v", cmd, err)
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if n < len(lines) {
		if f[0] == "head" {
			lines = lines[:n]
		} else {
			lines = lines[len(lines)-n:]
		}
	}
	return strings.Join(lines, "")
}

// shellWords splits a command line at blanks, honouring single quotes.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unclosed quote in %q", s)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// renderInvitation shows the newest outbox message matching glob the way a
// mail client shows an invitation: subject, time, organizer and guests by
// name, and the text. Addresses stay out, as everywhere in the docs.
func renderInvitation(t *testing.T, glob string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(".rmctl", "outbox", "messages", glob))
	if err != nil || len(files) == 0 {
		t.Fatalf("guide:invitation %s: no outbox message matches (%v)", glob, err)
	}
	sort.Strings(files) // names start with a sequence number
	raw, err := os.ReadFile(files[len(files)-1])
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(raw)).Decode()
	if err != nil {
		t.Fatalf("guide:invitation %s: %v", glob, err)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("guide:invitation %s: %d events, want 1", glob, len(events))
	}
	e := events[0]
	prop := func(name string) string {
		if p := e.Props.Get(name); p != nil {
			if v, err := p.Text(); err == nil {
				return v
			}
		}
		return ""
	}
	start, end := e.Props.Get(ical.PropDateTimeStart), e.Props.Get(ical.PropDateTimeEnd)
	if start == nil || end == nil {
		t.Fatalf("guide:invitation %s: no DTSTART or DTEND", glob)
	}
	when := fmt.Sprintf("%s – %s (%s)", icsTime(start.Value), icsTime(end.Value), start.Params.Get(ical.ParamTimezoneID))
	var guests []string
	for _, a := range e.Props.Values(ical.PropAttendee) {
		guests = append(guests, a.Params.Get(ical.ParamCommonName))
	}
	organizer := ""
	if o := e.Props.Get(ical.PropOrganizer); o != nil {
		organizer = o.Params.Get(ical.ParamCommonName)
	}
	var out strings.Builder
	fmt.Fprintf(&out, "%s\n", prop(ical.PropSummary))
	fmt.Fprintf(&out, "When:      %s\n", when)
	if loc := prop(ical.PropLocation); loc != "" {
		fmt.Fprintf(&out, "Where:     %s\n", loc)
	}
	fmt.Fprintf(&out, "Organizer: %s\n", organizer)
	fmt.Fprintf(&out, "Guests:    %s\n", strings.Join(guests, ", "))
	fmt.Fprintf(&out, "\n%s\n", strings.TrimRight(prop(ical.PropDescription), "\n"))
	return out.String()
}

// icsTime turns 20270112T160000 into 2027-01-12 16:00.
func icsTime(v string) string {
	if len(v) < 13 {
		return v
	}
	return v[0:4] + "-" + v[4:6] + "-" + v[6:8] + " " + v[9:11] + ":" + v[11:13]
}

// editGuideFile applies a guide:edit block: the old lines (context and "-")
// must occur exactly once in the file.
func editGuideFile(t *testing.T, b guideBlock) {
	t.Helper()
	raw, err := os.ReadFile(b.arg)
	if err != nil {
		t.Fatal(err)
	}
	var old, repl strings.Builder
	for _, l := range strings.SplitAfter(b.body, "\n") {
		if l == "" {
			continue
		}
		switch l[0] {
		case ' ':
			old.WriteString(l[1:])
			repl.WriteString(l[1:])
		case '-':
			old.WriteString(l[1:])
		case '+':
			repl.WriteString(l[1:])
		default:
			t.Fatalf("guide:edit %s: line %q starts with neither space, - nor +", b.arg, l)
		}
	}
	if n := strings.Count(string(raw), old.String()); n != 1 {
		t.Fatalf("guide:edit %s: the old lines occur %d times, want 1:\n%s\nin\n%s", b.arg, n, old.String(), raw)
	}
	text := strings.Replace(string(raw), old.String(), repl.String(), 1)
	if err := os.WriteFile(b.arg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// renderEmail sends the resource at address through the e-mail target to an
// SMTP sink, from a copy of the program in the current directory, and shows
// the message as a mail client does: subject, sender and recipients by name,
// and the text part.
func renderEmail(t *testing.T, address string) string {
	smtp := testserver.SMTP(t)
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(".")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, ".rmctl")); err != nil {
		t.Fatal(err)
	}
	settings := fmt.Sprintf("target: {kind: \"email\", smtp: %q, tls: \"none\"}\nstate: {backend: \"local\", path: \".rmctl/state.json\"}\n", smtp.Addr)
	if err := os.WriteFile(filepath.Join(dir, "rmctl.cue"), []byte(settings), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	s := &Streams{In: strings.NewReader(""), Out: &buf, ErrOut: &buf}
	args := []string{"apply", "--config", filepath.Join(dir, "rmctl.cue"), "--auto-approve", "--now", "2026-12-01", "--target", address, dir}
	if code := run(args, s, func(string) string { return "" }); code != 0 {
		t.Fatalf("rmctl %s exited %d:\n%s", strings.Join(args, " "), code, buf.String())
	}
	msgs := smtp.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("guide:email %s: %d messages sent, want 1", address, len(msgs))
	}
	m, err := mail.ReadMessage(bytes.NewReader(msgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	names := func(h string) string {
		list, err := m.Header.AddressList(h)
		if err != nil {
			t.Fatalf("guide:email %s: %s: %v", address, h, err)
		}
		var ns []string
		for _, a := range list {
			ns = append(ns, a.Name)
		}
		return strings.Join(ns, ", ")
	}
	text := textPart(t, m.Header.Get("Content-Type"), m.Body)
	var out strings.Builder
	fmt.Fprintf(&out, "Subject: %s\nFrom:    %s\nTo:      %s\n\n", subject, names("From"), names("To"))
	out.WriteString(strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n") + "\n")
	return out.String()
}

// textPart finds the first text/plain part of a (nested) MIME body.
func textPart(t *testing.T, contentType string, body io.Reader) string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return ""
	}
	r := multipart.NewReader(body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		ct := p.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "multipart/") {
			if text := textPart(t, ct, p); text != "" {
				return text
			}
			continue
		}
		if !strings.HasPrefix(ct, "text/plain") {
			continue
		}
		var rd io.Reader = p
		switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			rd = quotedprintable.NewReader(p)
		case "base64":
			rd = base64.NewDecoder(base64.StdEncoding, p)
		}
		b, err := io.ReadAll(rd)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
}
