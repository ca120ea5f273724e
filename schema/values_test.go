package schema

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixture writes the program of examples/invalid/bad-date, with its date
// fixed so that it validates, after applying edit to each file's text.
func fixture(t *testing.T, edit func(name, src string) string) string {
	t.Helper()
	dir := t.TempDir()
	names, err := filepath.Glob("../examples/invalid/bad-date/*.cue")
	if err != nil || len(names) == 0 {
		t.Fatalf("fixture files: %v", err)
	}
	for _, n := range names {
		src, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(src), `"01.03.2027"`, `"2027-03-01"`, 1)
		if edit != nil {
			s = edit(filepath.Base(n), s)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(n)), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func load(t *testing.T, dir string) Diagnostics {
	t.Helper()
	l, err := NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return res.Diagnostics
}

func TestFixtureIsValid(t *testing.T) {
	if ds := load(t, fixture(t, nil)); ds.HasErrors() {
		t.Fatalf("the fixture itself does not validate:\n%v", ds)
	}
}

// replaceIn returns an edit that replaces old by new in file.
func replaceIn(file, old, new string) func(string, string) string {
	return func(name, src string) string {
		if name != file {
			return src
		}
		if !strings.Contains(src, old) {
			panic("fixture has no " + old)
		}
		return strings.Replace(src, old, new, 1)
	}
}

// addPerson returns an edit that declares one more person.
func addPerson(id, name, email string) func(string, string) string {
	return func(file, src string) string {
		if file != "people.cue" {
			return src
		}
		return src + "people: " + id + ": {name: " + name + ", email: " + email + `, department: "IT"}` + "\n"
	}
}

// TestRejectedByValidate covers issue 8 items 4 and 11: values the schema
// used to accept and apply then failed on, or that made apply hang, are
// rejected by validate with the field, a position and a plain message.
func TestRejectedByValidate(t *testing.T) {
	long := func(n int) string { return `"` + strings.Repeat("x", n) + `"` }
	longID := strings.Repeat("a", 300)
	cases := []struct {
		name string
		edit func(string, string) string
		path string // the diagnostic's field path
		msg  string // a part of its message
	}{
		{"event duration 0m", replaceIn("program.cue", `duration: "2h"`, `duration: "0m"`),
			"program.events.kickoff.duration", "lasts 0m: give it a length of at least 1m"},
		{"slot duration 0m", replaceIn("program.cue", `duration: "60m"`, `duration: "0m"`),
			"program.sessions.slot.duration", "lasts 0m"},
		{"pair slot duration 0m", replaceIn("pairs.cue", `mentee: "anna.schmidt"`, `mentee: "anna.schmidt", slot: duration: "0h"`),
			"pairs.klaus-anna.slot.duration", "lasts 0m"},
		{"url NUL", replaceIn("program.cue", `/social-media"`, `/social-media\u0000"`),
			"program.tutorials.social-media-basics.url", "control character (U+0000)"},
		{"url U+2028", replaceIn("program.cue", `/social-media"`, `/social-media\u2028"`),
			"program.tutorials.social-media-basics.url", "U+2028, line separator"},
		{"url U+0085", replaceIn("program.cue", `/social-media"`, `/social-media\u0085"`),
			"program.tutorials.social-media-basics.url", "U+0085, next line"},
		{"url NBSP", replaceIn("program.cue", `/social-media"`, `/social\u00a0media"`),
			"program.tutorials.social-media-basics.url", "U+00A0, no-break space"},
		{"url zero width", replaceIn("program.cue", `/social-media"`, `/social\u200bmedia"`),
			"program.tutorials.social-media-basics.url", "U+200B, zero width space"},
		{"url RTL override", replaceIn("program.cue", `/social-media"`, `/\u202eaidem-laicos"`),
			"program.tutorials.social-media-basics.url", "U+202E, right-to-left override"},
		{"url too long", replaceIn("program.cue", `/social-media"`, `/`+strings.Repeat("a", 2001)+`"`),
			"program.tutorials.social-media-basics.url", "this text has 2,032 characters; at most 2000 are allowed here"},
		{"email NUL", replaceIn("people.cue", `"klaus.meier@acme.example.com"`, `"klaus.meier\u0000@acme.example.com"`),
			FormatPath("people", "klaus.meier", "email"), "control character (U+0000)"},
		{"email U+2028", replaceIn("people.cue", `"klaus.meier@acme.example.com"`, `"klaus.meier@acme.example.com\u2028"`),
			FormatPath("people", "klaus.meier", "email"), "U+2028"},
		{"email U+0085", replaceIn("people.cue", `"klaus.meier@acme.example.com"`, `"klaus\u0085meier@acme.example.com"`),
			FormatPath("people", "klaus.meier", "email"), "U+0085"},
		{"email NBSP", replaceIn("people.cue", `"klaus.meier@acme.example.com"`, `"klaus\u00a0meier@acme.example.com"`),
			FormatPath("people", "klaus.meier", "email"), "U+00A0"},
		{"email zero width", replaceIn("people.cue", `"klaus.meier@acme.example.com"`, `"klaus.meier@acme\u200b.example.com"`),
			FormatPath("people", "klaus.meier", "email"), "U+200B"},
		{"email RTL override", replaceIn("people.cue", `"klaus.meier@acme.example.com"`, `"klaus\u202emoc.elpmaxe@acme.example.com"`),
			FormatPath("people", "klaus.meier", "email"), "U+202E"},
		{"email of 64 KB", replaceIn("people.cue", `"klaus.meier@acme.example.com"`, `"klaus.meier@acme.example.com`+strings.Repeat("m", 64<<10)+`"`),
			FormatPath("people", "klaus.meier", "email"), "is too long: at most 254 characters"},
		{"email with a name", replaceIn("people.cue", `"klaus.meier@acme.example.com"`, `"Klaus <klaus.meier@acme.example.com>"`),
			FormatPath("people", "klaus.meier", "email"), "not a valid e-mail address"},
		{"organizer two addresses", replaceIn("program.cue", `"mentoring@acme.example.com"`, `"r,evil@x.com"`),
			"program.organizer.email", "is not a plain e-mail address"},
		{"organizer RTL override", replaceIn("program.cue", `"mentoring@acme.example.com"`, `"mentoring@acme\u202e.example.com"`),
			"program.organizer.email", "U+202E"},
		{"person id of 300 characters", addPerson(`"`+longID+`"`, `"Long Id"`, `"long.id@acme.example.com"`),
			"people." + longID, "has 300 characters; at most 64 are allowed"},
		{"due overflows", replaceIn("program.cue", `due:      "5d"`, `due: "9223372036854775807d"`),
			"program.tutorials.leading-digitally.due", "is not a number of days from 0d to 90d"},
		{"due far back", replaceIn("program.cue", `due:      "5d"`, `due: "3000000000000d"`),
			"program.tutorials.leading-digitally.due", "is not a number of days from 0d to 90d"},
		{"feedback after overflows", replaceIn("program.cue", `timezone: "Europe/Berlin"`,
			`timezone: "Europe/Berlin", feedback: program: {url: "https://forms.example.com/f?p={person}", after: "3000000000000d"}`),
			"program.feedback.program.after", "is neither an event of the program nor a number of days"},
		{"feedback url invisible", replaceIn("program.cue", `timezone: "Europe/Berlin"`,
			`timezone: "Europe/Berlin", feedback: session: {url: "https://forms.example.com/\u202ef?p={pair}"}`),
			"program.feedback.session.url", "invisible character"},
		{"zone posixrules", replaceIn("program.cue", `timezone: "Europe/Berlin"`, `timezone: "posixrules"`),
			"program.timezone", `unknown time zone "posixrules"`},
		{"zone Factory", replaceIn("program.cue", `timezone: "Europe/Berlin"`, `timezone: "Factory"`),
			"program.timezone", `unknown time zone "Factory"`},
		{"zone right/", replaceIn("program.cue", `timezone: "Europe/Berlin"`, `timezone: "right/Europe/Berlin"`),
			"program.timezone", `unknown time zone`},
		{"name of 201 characters", replaceIn("people.cue", `"Klaus Meier"`, long(201)),
			FormatPath("people", "klaus.meier", "name"), "this text has 201 characters; at most 200 are allowed here"},
		{"name of 64 KB", replaceIn("people.cue", `"Klaus Meier"`, long(64<<10)),
			FormatPath("people", "klaus.meier", "name"), "this text has 65,536 characters; at most 200"},
		{"name of 1 MB", replaceIn("people.cue", `"Klaus Meier"`, long(1<<20)),
			FormatPath("people", "klaus.meier", "name"), "this text has 1,048,576 characters; at most 200"},
		{"title too long", replaceIn("program.cue", `"Reverse Mentoring Pilot 2027"`, long(250)),
			"program.title", "at most 200"},
		{"description too long", replaceIn("program.cue", `location: "Head office, Forum"`, `location: "Forum", description: `+long(4001)),
			"program.events.kickoff.description", "this text has 4,001 characters; at most 4000"},
		{"location too long", replaceIn("program.cue", `"Head office, Forum"`, long(501)),
			"program.events.kickoff.location", "at most 500"},
		{"agenda too long", replaceIn("program.cue", `topics: ["Terms and principles"],`, `topics: ["Terms"], agenda: `+long(5000)+`,`),
			"program.sessions.plan[0].agenda", "at most 4000"},
		{"topic too long", replaceIn("program.cue", `"Terms and principles"`, long(201)),
			"program.sessions.plan[0].topics[0]", "at most 200"},
		{"too many topics", replaceIn("program.cue", `"Terms and principles"`, strings.Repeat(`"t", `, 21)),
			"program.sessions.plan[0].topics", "lists 21 topics; at most 20"},
		{"manager id too long", replaceIn("people.cue", `manager:    "carla.board"`, `manager: "`+longID+`"`),
			FormatPath("people", "anna.schmidt", "manager"), "at most 64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			ds := load(t, fixture(t, c.edit))
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("validate took %v", d)
			}
			found := false
			for _, d := range ds {
				if len(d.Message) > 400 {
					t.Errorf("diagnostic of %d bytes: bad values must not be repeated in full", len(d.Message))
				}
				if d.Severity != Error || d.Path != c.path {
					continue
				}
				found = true
				if d.Pos.Line == 0 || d.Pos.Column == 0 {
					t.Errorf("no line:col: %s", d)
				}
				if !strings.Contains(d.Message, c.msg) {
					t.Errorf("message %q does not say %q", d.Message, c.msg)
				}
			}
			if !found {
				t.Errorf("no error at %s; got:\n%v", c.path, ds)
			}
		})
	}
}

// TestSettingsFromAddress checks the e-mail target's sender with the rules
// every other address follows.
func TestSettingsFromAddress(t *testing.T) {
	l, err := NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{`r,evil@x.com`, `a\u202e@example.com`} {
		dir := t.TempDir()
		file := filepath.Join(dir, SettingsFile)
		src := `target: {kind: "email", smtp: "smtp.example.com:587", from: "` + from + `"}` + "\n"
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, ds, err := l.LoadSettings(context.Background(), file, dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].Path != "target.from" || ds[0].Pos.Line != 1 || ds[0].Pos.Column == 0 {
			t.Errorf("from %s: want one error at target.from with line:col, got %v", from, ds)
		}
	}
	for _, url := range []string{`https://cal.example.com/\u202e{person}/`, `https://cal.example.com/a\u00a0b/`} {
		dir := t.TempDir()
		file := filepath.Join(dir, SettingsFile)
		src := `target: {kind: "caldav", url: "` + url + `"}` + "\n"
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, ds, err := l.LoadSettings(context.Background(), file, dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].Path != "target.url" || ds[0].Pos.Line != 1 {
			t.Errorf("url %s: want one error at target.url with line:col, got %v", url, ds)
		}
	}
	// The placeholder itself is fine.
	dir := t.TempDir()
	file := filepath.Join(dir, SettingsFile)
	if err := os.WriteFile(file, []byte(`target: {kind: "caldav", url: "https://cal.example.com/dav/{person}/rm/"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ds, err := l.LoadSettings(context.Background(), file, dir); err != nil || len(ds) != 0 {
		t.Errorf("a {person} URL: %v %v", ds, err)
	}
}

// TestFastDecodeKeepsBounds checks that people read from the syntax (the
// fast path of fastdecode.go) are held to the same bounds: the schema
// checks the whole package before either path decodes it.
func TestFastDecodeKeepsBounds(t *testing.T) {
	dir := fixture(t, replaceIn("people.cue", `"Klaus Meier"`, `"`+strings.Repeat("x", 201)+`"`))
	files, _ := parseDir(t, dir)
	if _, ok := literalData(files, "people"); !ok {
		t.Fatal("fast path not taken: the test would not cover it")
	}
	ds := load(t, dir)
	if !ds.HasErrors() {
		t.Fatal("a 201-character name passed on the fast path")
	}
	dir = fixture(t, addPerson(`"`+strings.Repeat("a", 65)+`"`, `"X"`, `"x@acme.example.com"`))
	if ds := load(t, dir); !ds.HasErrors() {
		t.Fatal("a 65-character person id passed on the fast path")
	}
}
