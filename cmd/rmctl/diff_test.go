package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/rmctl/rmctl/engine/diff"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/schema"
)

// diffUpdate rewrites the golden files in testdata/diff:
//
//	go test ./cmd/rmctl -run Diff -update-diff
//
// -update works too: it is registered in init unless another test file of
// this package already defines it (then that one is honoured).
var diffUpdate = flag.Bool("update-diff", false, "rewrite the golden files of the diff tests in testdata/diff")

func init() {
	// Package-level flag variables of other files are initialised before
	// any init function runs, so this never registers a second -update.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func diffUpdating() bool {
	if *diffUpdate {
		return true
	}
	if f := flag.Lookup("update"); f != nil {
		return f.Value.String() == "true"
	}
	return false
}

// diffNow is the --now of every golden run: before the program starts, so
// nothing is frozen unless a case says otherwise.
const diffNow = "2027-01-15"

// ---------------------------------------------------------------------------
// The program under test: a tiny pilot whose versions the history walks
// through.

const diffProgramCUE = `package pilot

program: {
	id:       "pilot"
	title:    "Reverse Mentoring Pilot"
	language: "en"
	timezone: "Europe/Berlin"
	start:    "2027-03-01"
	end:      "2027-07-31"
	organizer: {name: "Learning & Development", email: "mentoring@acme.example.com"}
	events: {
		kickoff: {title: "Kick-off", date: "2027-03-03", time: "10:00", duration: "2h", location: "Forum"}
		closing: %s
	}
	sessions: {
		slot: {week: 2, weekday: "tuesday", time: "16:00", duration: "60m"}
		plan: [
			{title: "Social media basics", topics: ["Terms"], tutorials: ["basics"]},
			{title: "Our intranet", topics: ["Profile"], tutorials: []},
			{title: "Writing posts", topics: ["A first post"], tutorials: []},
			{title: "Collaboration", topics: ["Documents"], tutorials: []},
		]
	}
	tutorials: basics: {title: "Social media in 20 minutes", url: "https://learn.acme.example.com/basics", minutes: %d, audience: "both"}
	policy: {}
}
`

const diffPeopleCUE = `package pilot

people: {
	"carla.board": {name: "Carla Board", email: "carla.board@acme.example.com", department: "Board"}
	"anna.schmidt": {name: "Anna Schmidt", email: "anna.schmidt@acme.example.com", department: "Finance", manager: "carla.board"}
	"bernd.weber": {name: "Bernd Weber", email: "bernd.weber@acme.example.com", department: "Sales", manager: "carla.board"}
	"dora.klein": {name: "Dora Klein", email: "dora.klein@acme.example.com", department: "Legal", manager: "carla.board"}
	"erik.braun": {name: "Erik Braun", email: "erik.braun@acme.example.com", department: "Operations", manager: "carla.board"}
	"klaus.meier": {name: "Klaus Meier", email: "klaus.meier@acme.example.com", department: "IT"}
	"lena.fischer": {name: "Lena Fischer", email: "lena.fischer@acme.example.com", department: "Marketing"}
	"mia.wolf": {name: "Mia Wolf", email: "mia.wolf@acme.example.com", department: "HR"}
	"nils.koch": {name: "Nils Koch", email: "nils.koch@acme.example.com", department: "IT"}
	"olga.lang": {name: "Olga Lang", email: "olga.lang@acme.example.com", department: "Design"}
	"paul.roth": {name: "Paul Roth", email: "paul.roth@acme.example.com", department: "Marketing"}
%s}
`

// diffPilot is one version of programs/pilot.
type diffPilot struct {
	closing string   // the closing event
	minutes int      // minutes of the basics tutorial
	people  []string // extra people, one CUE field each
	pairs   []string // pairs, one CUE field each, in order
	moved   string   // the moved list, if any
}

func diffPilotV1() diffPilot {
	return diffPilot{
		closing: `{title: "Closing", date: "2027-07-21", time: "10:00", duration: "2h", location: "Forum"}`,
		minutes: 20,
		pairs: []string{
			`"klaus-anna": {mentor: "klaus.meier", mentee: "anna.schmidt"}`,
			`"lena-bernd": {mentor: "lena.fischer", mentee: "bernd.weber"}`,
			`"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein"}`,
			`"nils-erik": {mentor: "nils.koch", mentee: "erik.braun"}`,
		},
	}
}

// with returns a copy of v changed by f (slices are copied first).
func (v diffPilot) with(f func(*diffPilot)) diffPilot {
	v.people = append([]string(nil), v.people...)
	v.pairs = append([]string(nil), v.pairs...)
	f(&v)
	return v
}

// setPair replaces the pair whose field starts with "id": or appends it.
func (v *diffPilot) setPair(id, def string) {
	for i, p := range v.pairs {
		if strings.HasPrefix(p, fmt.Sprintf("%q:", id)) {
			v.pairs[i] = def
			return
		}
	}
	v.pairs = append(v.pairs, def)
}

func (v diffPilot) files() map[string]string {
	var people, pairs strings.Builder
	for _, p := range v.people {
		fmt.Fprintf(&people, "\t%s\n", p)
	}
	pairs.WriteString("package pilot\n\npairs: {\n")
	for _, p := range v.pairs {
		fmt.Fprintf(&pairs, "\t%s\n", p)
	}
	pairs.WriteString("}\n")
	if v.moved != "" {
		fmt.Fprintf(&pairs, "\nmoved: %s\n", v.moved)
	}
	return map[string]string{
		"programs/pilot/program.cue": fmt.Sprintf(diffProgramCUE, v.closing, v.minutes),
		"programs/pilot/people.cue":  fmt.Sprintf(diffPeopleCUE, people.String()),
		"programs/pilot/pairs.cue":   pairs.String(),
	}
}

// ---------------------------------------------------------------------------
// Repositories.

// diffGitRepo is a repository in a temporary directory built with go-git,
// with fixed commit times so hashes (and so the golden files) are stable.
type diffGitRepo struct {
	t     testing.TB
	dir   string
	repo  *git.Repository
	wt    *git.Worktree
	clock time.Time
}

func diffNewRepo(t testing.TB) *diffGitRepo {
	t.Helper()
	// Keep the developer's git configuration out.
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")

	dir := t.TempDir()
	r, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		t.Fatal(err)
	}
	wt, err := r.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	return &diffGitRepo{t: t, dir: dir, repo: r, wt: wt, clock: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
}

// write puts files into the work tree; deleted names every top path to
// remove first (recursively).
func (g *diffGitRepo) write(files map[string]string, deleted ...string) {
	g.t.Helper()
	for _, d := range deleted {
		if err := os.RemoveAll(filepath.Join(g.dir, filepath.FromSlash(d))); err != nil {
			g.t.Fatal(err)
		}
	}
	for name, content := range files {
		p := filepath.Join(g.dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			g.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			g.t.Fatal(err)
		}
	}
}

// commit stages every change of the work tree (including deletions) and
// commits it; tag names the commit for the tests.
func (g *diffGitRepo) commit(tag, msg string, parents ...plumbing.Hash) plumbing.Hash {
	g.t.Helper()
	st, err := g.wt.Status()
	if err != nil {
		g.t.Fatal(err)
	}
	names := make([]string, 0, len(st))
	for name := range st {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if st[name].Worktree == git.Deleted {
			_, err = g.wt.Remove(name)
		} else if st[name].Worktree != git.Unmodified {
			_, err = g.wt.Add(name)
		}
		if err != nil {
			g.t.Fatalf("staging %s: %v", name, err)
		}
	}
	g.clock = g.clock.Add(time.Hour)
	sig := &object.Signature{Name: "Ada Admin", Email: "ada@acme.example.com", When: g.clock}
	h, err := g.wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig, Parents: parents, AllowEmptyCommits: true})
	if err != nil {
		g.t.Fatalf("commit %q: %v", msg, err)
	}
	if tag != "" {
		if _, err := g.repo.CreateTag(tag, h, nil); err != nil {
			g.t.Fatal(err)
		}
	}
	return h
}

// branch creates refs/heads/name at h.
func (g *diffGitRepo) branch(name string, h plumbing.Hash) {
	g.t.Helper()
	if err := g.repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName(name), h)); err != nil {
		g.t.Fatal(err)
	}
}

// checkout switches the work tree and HEAD to a branch, discarding changes.
func (g *diffGitRepo) checkout(name string) {
	g.t.Helper()
	if err := g.wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name), Force: true}); err != nil {
		g.t.Fatal(err)
	}
}

// diffHistory is the repository the diff tests run in. Tags name each
// commit; HEAD is the feature branch, checked out at its merge commit.
//
//	main:    readme ─ initial ─ add-pair ─ mentor ─ move ─ rename ─ invalid ─ fix ─ event ─ tutorial ─ delete
//	feature:                                                                  └─ feature-pair ─ merge (of event)
type diffHistory struct {
	*diffGitRepo
	hash map[string]plumbing.Hash
}

func diffBuildHistory(t testing.TB) *diffHistory {
	t.Helper()
	g := diffNewRepo(t)
	h := &diffHistory{diffGitRepo: g, hash: map[string]plumbing.Hash{}}
	step := func(tag, msg string, v *diffPilot, parents ...plumbing.Hash) {
		t.Helper()
		if v != nil {
			g.write(v.files())
		}
		h.hash[tag] = g.commit(tag, msg, parents...)
	}

	g.write(map[string]string{"README.md": "# Programs\n\nReverse mentoring at ACME.\n"})
	step("readme", "Start the programs repository", nil)

	v1 := diffPilotV1()
	step("initial", "Add the pilot program", &v1)

	v2 := v1.with(func(v *diffPilot) {
		v.setPair("olga-carla", `"olga-carla": {mentor: "olga.lang", mentee: "carla.board"}`)
	})
	step("add-pair", "Add pair olga-carla", &v2)

	v3 := v2.with(func(v *diffPilot) {
		v.setPair("lena-bernd", `"lena-bernd": {mentor: "paul.roth", mentee: "bernd.weber"}`)
	})
	step("mentor", "Paul mentors Bernd instead of Lena", &v3)

	v4 := v3.with(func(v *diffPilot) {
		v.setPair("mia-dora", `"mia-dora": {mentor: "mia.wolf", mentee: "dora.klein", sessions: "3": {date: "2027-05-13"}}`)
	})
	step("move", "Move session 3 of mia-dora to Thursday", &v4)

	v5 := v4.with(func(v *diffPilot) {
		v.pairs[3] = `"nils-and-erik": {mentor: "nils.koch", mentee: "erik.braun"}`
		v.moved = `[{from: "pair/nils-erik", to: "pair/nils-and-erik"}]`
	})
	step("rename", "Rename pair nils-erik to nils-and-erik", &v5)

	v6 := v5.with(func(v *diffPilot) {
		v.setPair("olga-carla", `"olga-carla": {mentor: "olga.lang", mentee: "carla.bord"}`)
	})
	step("invalid", "Typo in olga-carla's mentee", &v6)

	v7 := v5
	step("fix", "Fix olga-carla's mentee", &v7)
	g.branch("feature", h.hash["fix"])

	v8 := v7.with(func(v *diffPilot) {
		v.closing = `{title: "Closing", date: "2027-07-21", time: "14:00", duration: "2h", location: "Roof terrace"}`
	})
	step("event", "Closing in the afternoon, on the roof terrace", &v8)

	v9 := v8.with(func(v *diffPilot) { v.minutes = 30 })
	step("tutorial", "The basics tutorial takes 30 minutes", &v9)

	g.write(nil, "programs/pilot")
	step("delete", "End the pilot", nil)

	// The feature branch adds a pair, then merges main (the event change)
	// back in; main goes on afterwards (tutorial, delete).
	g.checkout("feature")
	addBen := func(v *diffPilot) {
		v.people = append(v.people, `"ben.hart": {name: "Ben Hart", email: "ben.hart@acme.example.com", department: "Strategy", manager: "carla.board"}`)
		v.setPair("lena-ben", `"lena-ben": {mentor: "lena.fischer", mentee: "ben.hart", slot: {weekday: "thursday"}}`)
	}
	f1 := v7.with(addBen)
	step("feature-pair", "Add pair lena-ben", &f1)
	f2 := v8.with(addBen)
	step("merge", "Merge branch 'main' into feature", &f2, h.hash["feature-pair"], h.hash["event"])
	return h
}

// diffRun runs rmctl in-process in dir and returns what it printed and its
// exit code. It changes the process's working directory for the duration,
// so tests using it must not run in parallel.
func diffRun(t testing.TB, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	old, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := os.Chdir(old); err != nil {
			t.Fatal(err)
		}
	}()
	var out, errOut bytes.Buffer
	s := &Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	code = run(args, s, func(string) string { return "" })
	return out.String(), errOut.String(), code
}

// diffReport runs `rmctl diff ARGS -o json` and decodes the report.
func diffReport(t *testing.T, dir string, wantCode int, args ...string) *diff.Report {
	t.Helper()
	out, errOut, code := diffRun(t, dir, append(append([]string{"diff"}, args...), "-o", "json", "--now", diffNow)...)
	if code != wantCode {
		t.Fatalf("rmctl diff %s -o json: exit %d, want %d\nstderr: %s", strings.Join(args, " "), code, wantCode, errOut)
	}
	var r diff.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("decoding the JSON report: %v\n%s", err, out)
	}
	return &r
}

// diffText runs `rmctl diff ARGS` (text) and returns stdout.
func diffText(t *testing.T, dir string, wantCode int, args ...string) string {
	t.Helper()
	out, errOut, code := diffRun(t, dir, append(append([]string{"diff"}, args...), "--now", diffNow)...)
	if code != wantCode {
		t.Fatalf("rmctl diff %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, wantCode, out, errOut)
	}
	if errOut != "" {
		t.Errorf("rmctl diff %s wrote to stderr: %s", strings.Join(args, " "), errOut)
	}
	return out
}

func diffImpact(r *diff.Report) map[string]plan.Impact {
	m := map[string]plan.Impact{}
	if r.Plan != nil {
		for _, im := range r.Plan.Impact {
			m[im.Person] = im
		}
	}
	return m
}

func diffFindChange(r *diff.Report, program, kind, id string) *diff.Change {
	for _, p := range r.Programs {
		if p.ID != program {
			continue
		}
		for i := range p.Changes {
			if c := &p.Changes[i]; c.Kind == kind && c.ID == id {
				return c
			}
		}
	}
	return nil
}

func diffField(c *diff.Change, field string) (plan.FieldChange, bool) {
	for _, f := range c.Fields {
		if f.Field == field {
			return f, true
		}
	}
	return plan.FieldChange{}, false
}

// ---------------------------------------------------------------------------
// Golden files.

// diffGoldenCases are the pairs of revisions whose output is kept in
// testdata/diff/NAME.{txt,json,md}. A nil args runs `rmctl diff` alone.
var diffGoldenCases = []struct {
	name string
	args []string
	code int
}{
	{"program-added", []string{"readme", "initial"}, 0},
	{"program-added-with-moved", []string{"readme", "fix"}, 0},
	{"pair-added", []string{"initial", "add-pair"}, 0},
	{"mentor-changed", []string{"add-pair", "mentor"}, 0},
	{"mentor-changed-midway", []string{"add-pair", "mentor", "--now", "2027-04-20"}, 0},
	{"session-moved", []string{"mentor", "move"}, 0},
	{"pair-renamed", []string{"move", "rename"}, 0},
	{"head-invalid", []string{"rename", "invalid"}, 1},
	{"base-invalid", []string{"invalid", "fix"}, 0},
	{"no-changes", []string{"rename", "fix"}, 0},
	{"event-changed", []string{"fix", "event"}, 0},
	{"program-removed", []string{"main~1", "main"}, 0},
	{"history-span", []string{"initial", "tutorial"}, 0},
	{"merge-base-default", nil, 0},
	{"merge-commit-first-parent", []string{"merge~1", "merge"}, 0},
}

func TestDiffGolden(t *testing.T) {
	h := diffBuildHistory(t)
	for _, tc := range diffGoldenCases {
		for _, f := range []struct{ format, ext string }{{"text", "txt"}, {"json", "json"}, {"markdown", "md"}} {
			t.Run(tc.name+"/"+f.format, func(t *testing.T) {
				args := append([]string{"diff"}, tc.args...)
				args = append(args, "-o", f.format)
				if !diffHasFlag(tc.args, "--now") {
					args = append(args, "--now", diffNow)
				}
				out, errOut, code := diffRun(t, h.dir, args...)
				if code != tc.code {
					t.Fatalf("rmctl %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, tc.code, out, errOut)
				}
				if errOut != "" {
					t.Errorf("rmctl %s wrote to stderr:\n%s", strings.Join(args, " "), errOut)
				}
				if f.format == "json" && !json.Valid([]byte(out)) {
					t.Errorf("-o json is not valid JSON:\n%s", out)
				}
				diffGolden(t, filepath.Join("testdata", "diff", tc.name+"."+f.ext), out)
			})
		}
	}
}

func diffHasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag || strings.HasPrefix(a, flag+"=") {
			return true
		}
	}
	return false
}

func diffGolden(t *testing.T, name, got string) {
	t.Helper()
	if diffUpdating() {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run with -update-diff to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update-diff to accept):\n%s", name, diffLines(string(want), got))
	}
}

// diffLines is a small line diff for failure messages: the first lines that
// differ, with a little context.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d\n", i+1)
	for j := max(0, i-2); j < min(len(w), i+6); j++ {
		fmt.Fprintf(&b, "- %s\n", w[j])
	}
	for j := max(0, i-2); j < min(len(g), i+6); j++ {
		fmt.Fprintf(&b, "+ %s\n", g[j])
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// Facts, asserted in code so they hold whatever the golden files say.

func TestDiffHistoryFacts(t *testing.T) {
	h := diffBuildHistory(t)

	t.Run("program added where it did not exist", func(t *testing.T) {
		r := diffReport(t, h.dir, 0, "readme", "initial")
		if len(r.Base.Diagnostics) != 0 {
			t.Errorf("base without programs/ has diagnostics: %v", r.Base.Diagnostics)
		}
		if len(r.Programs) != 1 || r.Programs[0].ID != "pilot" || r.Programs[0].Status != "added" {
			t.Fatalf("programs = %+v, want pilot added", r.Programs)
		}
		if r.Plan == nil {
			t.Fatal("no consequences")
		}
		// 4 pairs × 4 sessions, 2 events, basics (audience both) for 8 people.
		if s := r.Plan.Summary; s.Create != 4*4+2+8 || s.Update != 0 || s.Cancel != 0 || s.Move != 0 {
			t.Errorf("summary = %+v, want 26 to send and nothing else", s)
		}
		text := diffText(t, h.dir, 0, "readme", "initial")
		for _, want := range []string{"Program pilot: added", "11 people, 4 pairs, 2 events, 4 session plan entries, 1 tutorial", "26 invitations to send"} {
			if !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
		}
	})

	t.Run("program added with a moved block renames nothing", func(t *testing.T) {
		// The moved block of "rename" is still there at "fix"; against a
		// base without the program there is nothing to rename.
		r := diffReport(t, h.dir, 0, "readme", "fix")
		c := diffFindChange(r, "pilot", "pair", "nils-and-erik")
		if c == nil || c.Change != "added" || c.From != "" {
			t.Errorf("pair nils-and-erik in an added program: %+v, want added (engine/diff entities ignores whether the old pair exists in base)", c)
		}
		if s := r.Plan.Summary; s.Move != 0 || s.Create != 32 {
			t.Errorf("summary = %+v, want 32 to send and no renames", s)
		}
	})

	t.Run("pair added", func(t *testing.T) {
		r := diffReport(t, h.dir, 0, "initial", "add-pair")
		c := diffFindChange(r, "pilot", "pair", "olga-carla")
		if c == nil || c.Change != "added" {
			t.Fatalf("pair olga-carla: %+v, want added", c)
		}
		im := diffImpact(r)
		for _, who := range []string{"olga.lang", "carla.board"} {
			// 4 sessions, 1 tutorial, 2 events they did not attend.
			if im[who].Send != 7 || im[who].Cancel != 0 {
				t.Errorf("%s: %+v, want 7 to send", who, im[who])
			}
		}
		if im["anna.schmidt"].Send != 0 || im["anna.schmidt"].Update != 2 {
			t.Errorf("anna.schmidt: %+v, want the 2 events updated (new attendees)", im["anna.schmidt"])
		}
		text := diffText(t, h.dir, 0, "initial", "add-pair")
		if !strings.Contains(text, "+ pair olga-carla added: mentor olga.lang, mentee carla.board") {
			t.Errorf("text does not name the new pair's people:\n%s", text)
		}
	})

	t.Run("mentor changed", func(t *testing.T) {
		r := diffReport(t, h.dir, 0, "add-pair", "mentor")
		c := diffFindChange(r, "pilot", "pair", "lena-bernd")
		if c == nil || c.Change != "changed" {
			t.Fatalf("pair lena-bernd: %+v, want changed", c)
		}
		if f, ok := diffField(c, "mentor"); !ok || f.Old != `"lena.fischer"` || f.New != `"paul.roth"` {
			t.Errorf("mentor field = %+v, want lena.fischer → paul.roth", f)
		}
		im := diffImpact(r)
		// Lena loses 4 sessions, her copy of the tutorial and the 2 events
		// (she is in no other pair); Paul gets all of them.
		if got := im["lena.fischer"]; got.Cancel != 7 || got.Send != 0 || got.Update != 0 {
			t.Errorf("old mentor lena.fischer: %+v, want 7 cancelled, nothing sent", got)
		}
		if got := im["paul.roth"]; got.Send != 7 || got.Cancel != 0 {
			t.Errorf("new mentor paul.roth: %+v, want 7 sent, nothing cancelled", got)
		}
		// Bernd keeps his 4 sessions and the 2 events, which change attendees.
		if got := im["bernd.weber"]; got.Send != 0 || got.Cancel != 0 || got.Update != 6 {
			t.Errorf("mentee bernd.weber: %+v, want his 4 sessions and 2 events updated", got)
		}
		if s := r.Plan.Summary; s.Create != 1 || s.Cancel != 1 || s.Update != 6 {
			t.Errorf("summary = %+v, want the tutorial assignment moved from Lena to Paul and 6 updates", s)
		}
		if got := im["klaus.meier"]; got.Send != 0 || got.Cancel != 0 {
			t.Errorf("bystander klaus.meier: %+v, want no sends or cancels", got)
		}
		text := diffText(t, h.dir, 0, "add-pair", "mentor")
		for _, want := range []string{"~ pair lena-bernd", `mentor: "lena.fischer" → "paul.roth"`} {
			if !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
		}
	})

	t.Run("mentor changed midway freezes the past", func(t *testing.T) {
		out, errOut, code := diffRun(t, h.dir, "diff", "add-pair", "mentor", "-o", "json", "--now", "2027-04-20")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var r diff.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		// Sessions 1 (March) and 2 (April 13) and the kick-off are past.
		if r.Plan.Summary.Frozen == 0 {
			t.Errorf("nothing frozen: %+v", r.Plan.Summary)
		}
		if got := diffImpact(&r)["lena.fischer"]; got.Cancel != 3 {
			t.Errorf("lena.fischer: %+v, want only her 2 future sessions and the closing cancelled", got)
		}
	})

	t.Run("session moved", func(t *testing.T) {
		r := diffReport(t, h.dir, 0, "mentor", "move")
		if r.Moves != 1 {
			t.Errorf("moves = %d, want 1", r.Moves)
		}
		if s := r.Plan.Summary; s.Create != 0 || s.Cancel != 0 || s.Update != 1 {
			t.Errorf("summary = %+v, want exactly one update", s)
		}
		if len(r.Plan.Changes) == 1 {
			c := r.Plan.Changes[0]
			if c.Address != "pilot/pair/mia-dora/session/3" {
				t.Errorf("changed %s, want pilot/pair/mia-dora/session/3", c.Address)
			}
			var start *plan.FieldChange
			for i := range c.Fields {
				if c.Fields[i].Field == "start" {
					start = &c.Fields[i]
				}
			}
			if start == nil || start.Old != "Tue 2027-05-11 16:00 CEST" || start.New != "Thu 2027-05-13 16:00 CEST" {
				t.Errorf("start change = %+v, want Tue 2027-05-11 → Thu 2027-05-13 16:00 CEST", start)
			}
		}
		text := diffText(t, h.dir, 0, "mentor", "move")
		if !strings.Contains(text, "(1 moved in time)") {
			t.Errorf("text does not count the move:\n%s", text)
		}
		if !strings.Contains(text, `sessions.3.date: (none) → "2027-05-13"`) {
			t.Errorf("text does not show the override:\n%s", text)
		}
	})

	t.Run("pair renamed", func(t *testing.T) {
		r := diffReport(t, h.dir, 0, "move", "rename")
		c := diffFindChange(r, "pilot", "pair", "nils-and-erik")
		if c == nil || c.Change != "renamed" || c.From != "nils-erik" {
			t.Fatalf("pair nils-and-erik: %+v, want renamed from nils-erik", c)
		}
		if len(c.Fields) != 0 {
			t.Errorf("a pure rename lists fields: %+v", c.Fields)
		}
		if old := diffFindChange(r, "pilot", "pair", "nils-erik"); old != nil {
			t.Errorf("old pair listed too: %+v", old)
		}
		s := r.Plan.Summary
		if s.Cancel != 0 || s.Create != 0 {
			t.Errorf("summary = %+v, want 0 cancels and 0 sends", s)
		}
		if s.Move != 6 { // 4 sessions + nils' and erik's tutorial
			t.Errorf("summary = %+v, want 6 renamed", s)
		}
		for _, ch := range r.Plan.Changes {
			if !strings.HasPrefix(ch.Address, "pilot/pair/nils-and-erik/") || !strings.HasPrefix(ch.MovedFrom, "pilot/pair/nils-erik/") {
				t.Errorf("unexpected change %s %s (from %q)", ch.Action, ch.Address, ch.MovedFrom)
			}
		}
		for who, im := range diffImpact(r) {
			if im.Send != 0 || im.Cancel != 0 {
				t.Errorf("%s: %+v, want no sends or cancels", who, im)
			}
		}
		text := diffText(t, h.dir, 0, "move", "rename")
		for _, want := range []string{"> pair nils-and-erik renamed from nils-erik", "0 invitations to send", "0 to cancel", "6 renamed, keeping their identity"} {
			if !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
		}
		md, _, _ := diffRun(t, h.dir, "diff", "move", "rename", "-o", "markdown", "--now", diffNow)
		if !strings.Contains(md, "| renamed | pair nils-and-erik | renamed from nils-erik |") {
			t.Errorf("markdown does not show the rename:\n%s", md)
		}
	})

	t.Run("invalid head", func(t *testing.T) {
		text := diffText(t, h.dir, 1, "rename", "invalid")
		for _, want := range []string{"invalid does not validate", "carla.bord", "programs/pilot/pairs.cue:"} {
			if !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "What this means") {
			t.Errorf("consequences shown for an invalid head:\n%s", text)
		}
		r := diffReport(t, h.dir, 1, "rename", "invalid")
		if r.Plan != nil {
			t.Error("JSON has consequences for an invalid head")
		}
		if r.Head.Diagnostics.Errors() == 0 {
			t.Error("JSON head has no error diagnostics")
		}
		md, _, code := diffRun(t, h.dir, "diff", "rename", "invalid", "-o", "markdown", "--now", diffNow)
		if code != 1 || !strings.Contains(md, "**invalid does not validate**") {
			t.Errorf("markdown (exit %d) does not say head is invalid:\n%s", code, md)
		}
	})

	t.Run("invalid base", func(t *testing.T) {
		// Fixing a broken revision is fine: exit 0, but no consequences.
		text := diffText(t, h.dir, 0, "invalid", "fix")
		if !strings.Contains(text, "invalid does not validate") {
			t.Errorf("text does not say the base is invalid:\n%s", text)
		}
		r := diffReport(t, h.dir, 0, "invalid", "fix")
		if r.Plan != nil {
			t.Error("consequences computed from an invalid base")
		}
		if c := diffFindChange(r, "pilot", "pair", "olga-carla"); c == nil {
			t.Error("the fix itself is not listed")
		}
	})

	t.Run("program removed", func(t *testing.T) {
		r := diffReport(t, h.dir, 0, "tutorial", "delete")
		if len(r.Programs) != 1 || r.Programs[0].Status != "removed" {
			t.Fatalf("programs = %+v, want pilot removed", r.Programs)
		}
		s := r.Plan.Summary
		// 5 pairs × 4 sessions, 2 events, basics for 10 people.
		if s.Cancel != 5*4+2+10 || s.Create != 0 || s.Update != 0 {
			t.Errorf("summary = %+v, want 32 cancelled and nothing else", s)
		}
		if got := diffImpact(r)["carla.board"]; got.Cancel != 7 {
			t.Errorf("carla.board: %+v, want 7 cancelled", got)
		}
		text := diffText(t, h.dir, 0, "tutorial", "delete")
		for _, want := range []string{"Program pilot: removed", "32 to cancel"} {
			if !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
		}
	})

	t.Run("default base is the merge base with main", func(t *testing.T) {
		r := diffReport(t, h.dir, 0)
		if r.Base.Label != "merge base with main" || r.Base.Commit != h.hash["event"].String() {
			t.Errorf("base = %q %s, want the merge base with main %s", r.Base.Label, r.Base.Commit, h.hash["event"])
		}
		if r.Head.Label != "working tree" || r.Head.Commit != "" {
			t.Errorf("head = %q %q, want the working tree", r.Head.Label, r.Head.Commit)
		}
		// Only the branch's own change: not main's later tutorial change or
		// deletion, and not the event change merged from main.
		if len(r.Programs) != 1 {
			t.Fatalf("programs = %+v", r.Programs)
		}
		var got []string
		for _, c := range r.Programs[0].Changes {
			got = append(got, c.Kind+" "+c.ID+" "+c.Change)
		}
		want := []string{"person ben.hart added", "pair lena-ben added"}
		if strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("changes = %v, want %v", got, want)
		}
		// Naming main compares with its tip, where the program is gone.
		naive := diffReport(t, h.dir, 0, "main")
		if len(naive.Programs) != 1 || naive.Programs[0].Status != "added" {
			t.Errorf("diff main: %+v, want the program added (main deleted it)", naive.Programs)
		}
		// An explicit HEAD works the same way.
		r2 := diffReport(t, h.dir, 0, "event", "HEAD")
		if len(r2.Programs) != 1 || len(r2.Programs[0].Changes) != 2 {
			t.Errorf("diff event HEAD: %+v", r2.Programs)
		}
	})
}

func TestDiffWorkingTree(t *testing.T) {
	h := diffBuildHistory(t)
	// Clean work tree: no changes against HEAD.
	text := diffText(t, h.dir, 0, "HEAD")
	if !strings.Contains(text, "No changes") || !strings.Contains(text, "→ working tree") {
		t.Errorf("clean work tree:\n%s", text)
	}

	// An uncommitted edit: klaus-anna meets at 09:00.
	v := diffPilotV1()
	files := v.files()
	pairs := filepath.Join(h.dir, "programs", "pilot", "pairs.cue")
	cur, err := os.ReadFile(pairs)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(cur), `"klaus-anna": {mentor: "klaus.meier", mentee: "anna.schmidt"}`,
		`"klaus-anna": {mentor: "klaus.meier", mentee: "anna.schmidt", slot: time: "09:00"}`, 1)
	if edited == string(cur) {
		t.Fatal("edit did not apply")
	}
	if err := os.WriteFile(pairs, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{{"HEAD"}, nil} {
		r := diffReport(t, h.dir, 0, args...)
		if r.Head.Label != "working tree" {
			t.Errorf("diff %v: head = %q, want working tree", args, r.Head.Label)
		}
		c := diffFindChange(r, "pilot", "pair", "klaus-anna")
		if c == nil {
			t.Fatalf("diff %v: the uncommitted edit is not shown: %+v", args, r.Programs)
		}
		if f, ok := diffField(c, "slot.time"); !ok || f.New != `"09:00"` {
			t.Errorf("diff %v: slot.time = %+v", args, f)
		}
		moved := 0
		for _, ch := range r.Plan.Changes {
			if _, ok := diffField(&diff.Change{Fields: ch.Fields}, "start"); ok && strings.HasPrefix(ch.Address, "pilot/pair/klaus-anna/session/") {
				moved++
			}
		}
		if moved != 4 || r.Plan.Summary.Cancel != 0 {
			t.Errorf("diff %v: %d sessions of klaus-anna moved, summary %+v; want all 4 moved", args, moved, r.Plan.Summary)
		}
	}
	// (How many "moved in time" that is, is engine/diff TestDiffCompareMovesCountsSessionsAndEvents's business.)
	text = diffText(t, h.dir, 0, "HEAD")
	if !strings.Contains(text, "moved in time") || !strings.Contains(text, `slot.time: (none) → "09:00"`) {
		t.Errorf("text:\n%s", text)
	}

	// A broken edit in the work tree: exit 1.
	if err := os.WriteFile(pairs, []byte(strings.Replace(edited, `mentee: "anna.schmidt"`, `mentee: "anna.schmitt"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	text = diffText(t, h.dir, 1, "HEAD")
	if !strings.Contains(text, "working tree does not validate") {
		t.Errorf("text:\n%s", text)
	}

	// Deleting the program in the work tree (the directory stays, empty).
	for name := range files {
		if err := os.Remove(filepath.Join(h.dir, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	r := diffReport(t, h.dir, 0, "HEAD")
	if len(r.Programs) != 1 || r.Programs[0].Status != "removed" || len(r.Head.Diagnostics) != 0 {
		t.Errorf("emptied work tree: programs %+v, head diagnostics %v", r.Programs, r.Head.Diagnostics)
	}
}

// TestDiffUsage covers how diff is called: unknown revisions, bad formats,
// paths outside the repository, and running from a subdirectory.
func TestDiffUsage(t *testing.T) {
	h := diffBuildHistory(t)
	cases := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"diff", "nope"}, 1, `unknown revision "nope"`},
		{[]string{"diff", "initial", "nope"}, 1, `unknown revision "nope"`},
		{[]string{"diff", "initial..fix"}, 1, "ranges are not supported"},
		{[]string{"diff", "-o", "yaml"}, 2, "unknown output format"},
		{[]string{"diff", "a", "b", "c"}, 2, "accepts at most 2 arg(s)"},
		{[]string{"diff", "--path", "../elsewhere", "initial", "fix"}, 2, "lies outside the repository"},
		{[]string{"diff", "--now", "soon", "initial", "fix"}, 2, "--now"},
	}
	for _, tc := range cases {
		_, errOut, code := diffRun(t, h.dir, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.inStderr) {
			t.Errorf("rmctl %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), code, errOut, tc.code, tc.inStderr)
		}
	}

	// From programs/ the default --path is programs/programs/..., which no
	// revision has: no programs on either side, no error.
	sub := filepath.Join(h.dir, "programs")
	out, errOut, code := diffRun(t, sub, "diff", "initial", "fix", "--now", diffNow)
	if code != 0 || !strings.Contains(out, "No changes") {
		t.Errorf("from programs/: exit %d\n%s%s", code, out, errOut)
	}
	// --path relative to the current directory.
	out, errOut, code = diffRun(t, sub, "diff", "--path", "pilot", "initial", "add-pair", "--now", diffNow)
	if code != 0 || !strings.Contains(out, "+ pair olga-carla added") {
		t.Errorf("--path pilot from programs/: exit %d\n%s%s", code, out, errOut)
	}

	// No main or master to find a merge base with: name a base instead.
	trunk := diffNewRepo(t)
	if err := trunk.repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, plumbing.NewBranchReferenceName("trunk"))); err != nil {
		t.Fatal(err)
	}
	trunk.write(diffPilotV1().files())
	trunk.commit("", "Add the pilot program")
	_, errOut, code = diffRun(t, trunk.dir, "diff", "--now", diffNow)
	if code != 1 || !strings.Contains(errOut, "no default branch") || !strings.Contains(errOut, "name a base revision") {
		t.Errorf("without a default branch: exit %d, stderr %q", code, errOut)
	}
	out, errOut, code = diffRun(t, trunk.dir, "diff", "HEAD", "--now", diffNow)
	if code != 0 || !strings.Contains(out, "No changes") {
		t.Errorf("diff HEAD on trunk: exit %d\n%s%s", code, out, errOut)
	}

	// Outside any repository.
	_, errOut, code = diffRun(t, t.TempDir(), "diff", "--now", diffNow)
	if code != 1 || !strings.Contains(errOut, "not a git repository") {
		t.Errorf("outside a repository: exit %d, stderr %q", code, errOut)
	}
}

// ---------------------------------------------------------------------------
// Performance: a 1,000-pair program with 50 commits of history.
//
//	go test ./cmd/rmctl -run '^$' -bench 'Diff1000|Validate1000x2' -benchtime 5x
//
// BenchmarkDiff1000 is `rmctl diff HEAD~49 HEAD` in-process: two loads from
// git objects, the comparison, the plan and the text output.
// BenchmarkValidate1000x2 is what it is measured against: two loads of the
// same program from disk, as `rmctl validate` does once.

// diffGen caches the generated program across benchmark runs: running the
// generator compiles it.
var diffGen struct {
	once  sync.Once
	files map[string]string // program.cue, people.cue, pairs.cue
	err   error
}

// diffModuleRoot finds the module root above the package directory.
func diffModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/rmctl/rmctl\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("module root of github.com/rmctl/rmctl not found")
		}
		dir = parent
	}
}

// diffGenerated runs `go run ./examples/gen -pairs 1000` once and returns
// the program's files.
func diffGenerated(b *testing.B) map[string]string {
	b.Helper()
	diffGen.once.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			diffGen.err = err
			return
		}
		root, err := diffModuleRoot()
		if err != nil {
			diffGen.err = err
			return
		}
		out, err := os.MkdirTemp("", "rmctl-diff-gen-")
		if err != nil {
			diffGen.err = err
			return
		}
		defer os.RemoveAll(out)
		cmd := exec.Command(goBin, "run", "./examples/gen", "-pairs", "1000", "-out", out)
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			diffGen.err = fmt.Errorf("go run ./examples/gen: %v\n%s", err, msg)
			return
		}
		diffGen.files = map[string]string{}
		for _, name := range []string{"program.cue", "people.cue", "pairs.cue"} {
			data, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				diffGen.err = err
				return
			}
			diffGen.files[name] = string(data)
		}
	})
	if diffGen.err != nil {
		if errors.Is(diffGen.err, exec.ErrNotFound) {
			b.Skip("no go command to run the generator")
		}
		b.Fatal(diffGen.err)
	}
	return diffGen.files
}

var diffMentorLine = regexp.MustCompile(`(?m)^(\t"pair-(\d+)": \{\n\t\tmentor: )"([^"]+)"`)

// diffVary returns pairs.cue after commit k (1..49) of the benchmark
// history: pair 7k is paused, pair 7k+1 meets at 10:00 for session 4, and
// pairs 7k+2 and 7k+3 swap mentors. Every version validates.
func diffVary(b *testing.B, pairs string, k int) string {
	b.Helper()
	mentors := map[string]string{}
	for _, m := range diffMentorLine.FindAllStringSubmatch(pairs, -1) {
		mentors[m[2]] = m[3]
	}
	a, c := strconv.Itoa(7*k+2), strconv.Itoa(7*k+3)
	if mentors[a] == "" || mentors[c] == "" {
		b.Fatalf("pairs %s and %s not found", a, c)
	}
	pairs = diffMentorLine.ReplaceAllStringFunc(pairs, func(s string) string {
		m := diffMentorLine.FindStringSubmatch(s)
		switch m[2] {
		case a:
			return m[1] + strconv.Quote(mentors[c])
		case c:
			return m[1] + strconv.Quote(mentors[a])
		}
		return s
	})
	return pairs + fmt.Sprintf("\npairs: \"pair-%d\": status: \"paused\"\npairs: \"pair-%d\": sessions: \"4\": time: \"10:00\"\n", 7*k, 7*k+1)
}

// diffBenchRepo builds the 50-commit history and returns its directory and
// the final pairs.cue.
func diffBenchRepo(b *testing.B) (string, map[string]string) {
	b.Helper()
	gen := diffGenerated(b)
	g := diffNewRepo(b)
	files := map[string]string{}
	for name, s := range gen {
		files["programs/gen/"+name] = s
	}
	g.write(files)
	g.commit("", "Generated program with 1000 pairs")
	pairs := gen["pairs.cue"]
	for k := 1; k < 50; k++ {
		pairs = diffVary(b, pairs, k)
		g.write(map[string]string{"programs/gen/pairs.cue": pairs})
		g.commit("", fmt.Sprintf("Variation %d", k))
	}
	last := map[string]string{}
	for name, s := range gen {
		last[name] = s
	}
	last["pairs.cue"] = pairs
	return g.dir, last
}

func BenchmarkDiff1000(b *testing.B) {
	dir, _ := diffBenchRepo(b)
	// Once outside the timing: the history is what it should be.
	out, errOut, code := diffRun(b, dir, "diff", "HEAD~49", "HEAD", "--now", diffNow)
	if code != 0 || errOut != "" || strings.Contains(out, "does not validate") {
		b.Fatalf("exit %d\n%s\n%s", code, errOut, out)
	}
	// 49 pairs paused, 49 sessions moved, 98 mentors swapped.
	for _, want := range []string{"~ pair pair-7\n", "~ pair pair-344\n", `status: "active" → "paused"`, `sessions.4.time: (none) → "10:00"`} {
		if !strings.Contains(out, want) {
			b.Fatalf("diff lacks %q:\n%s", want, out)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, errOut, code := diffRun(b, dir, "diff", "HEAD~49", "HEAD", "--now", diffNow); code != 0 {
			b.Fatalf("exit %d: %s", code, errOut)
		}
	}
}

func BenchmarkValidate1000x2(b *testing.B) {
	_, last := diffBenchRepo(b)
	dir := filepath.Join(b.TempDir(), "gen")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for name, s := range last {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		for range 2 {
			l, err := schema.NewLoader()
			if err != nil {
				b.Fatal(err)
			}
			res, err := l.Load(ctx, dir)
			if err != nil {
				b.Fatal(err)
			}
			if res.Diagnostics.HasErrors() || len(res.Programs) != 1 || len(res.Programs[0].Pairs) != 1000 {
				b.Fatalf("load: %d programs, diagnostics:\n%v", len(res.Programs), res.Diagnostics)
			}
		}
	}
}

// TestDiffPeopleFile: with people in a file outside the repository
// (settings: peopleFile), both sides of a diff read that file, validate,
// and the output says where people came from.
func TestDiffPeopleFile(t *testing.T) {
	g := diffNewRepo(t)
	files := diffPilotV1().files()
	secure := filepath.Join(t.TempDir(), "people.cue")
	if err := os.WriteFile(secure, []byte(files["programs/pilot/people.cue"]), 0o600); err != nil {
		t.Fatal(err)
	}
	delete(files, "programs/pilot/people.cue")
	files["rmctl.cue"] = fmt.Sprintf("peopleFile: %q\n", secure)
	g.write(files)
	g.commit("v1", "pilot without people")
	g.write(diffPilotV1().with(func(v *diffPilot) {
		v.setPair("nils-erik", `"nils-erik": {mentor: "nils.koch", mentee: "erik.braun", status: "ended"}`)
	}).files(), "programs/pilot/people.cue")
	if err := os.Remove(filepath.Join(g.dir, "programs", "pilot", "people.cue")); err != nil {
		t.Fatal(err)
	}

	r := diffReport(t, g.dir, 0, "v1")
	if !r.Base.Valid() || !r.Head.Valid() || r.Plan == nil {
		t.Fatalf("sides do not validate: base %v, head %v", r.Base.Diagnostics, r.Head.Diagnostics)
	}
	if diffFindChange(r, "pilot", "pair", "nils-erik") == nil {
		t.Errorf("the pair change is missing: %+v", r.Programs)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], secure) {
		t.Errorf("notes %q do not name the people file", r.Notes)
	}
	if out := diffText(t, g.dir, 0, "v1"); !strings.Contains(out, "Note: People come from "+secure) {
		t.Errorf("text output does not say where people came from:\n%s", out)
	}
}
