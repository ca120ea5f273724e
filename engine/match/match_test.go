package match

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	_ "time/tzdata" // the generated programs use zones on every machine

	"github.com/rmctl/rmctl/engine/match/matchtest"
	"github.com/rmctl/rmctl/schema"
)

// load loads one program from files; fatal when it does not decode.
func load(t testing.TB, files map[string]string) (*schema.Program, schema.Diagnostics) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys["prog/"+name] = &fstest.MapFile{Data: []byte(src)}
	}
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LoadFS(context.Background(), fsys, "prog")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Programs) != 1 {
		t.Fatalf("no program loaded: %v", res.Diagnostics)
	}
	return res.Programs[0], res.Diagnostics
}

func loadValid(t testing.TB, files map[string]string) *schema.Program {
	t.Helper()
	p, diags := load(t, files)
	if diags.HasErrors() {
		t.Fatalf("program does not validate:\n%v", diags)
	}
	return p
}

// wantLanguages is the rule as the README states it, written independently
// of the matcher.
func wantLanguages(p *schema.Program, id string) []string {
	if l := p.People[id].Languages; len(l) > 0 {
		return l
	}
	if l := p.People[id].Language; l != "" {
		return []string{l}
	}
	return []string{p.Language}
}

// checkHardRules fails t for any proposed pair that breaks a hard rule, and
// checks the written proposal validates both as its own file and added to
// pairs.cue.
func checkHardRules(t *testing.T, files map[string]string, p *schema.Program, prop *Proposal, opts Options) {
	t.Helper()
	count := map[string]int{}
	for _, id := range p.PairIDs {
		if p.Pairs[id].Status != schema.StatusEnded {
			count[p.Pairs[id].Mentor]++
		}
	}
	avoided := map[[2]string]bool{}
	for _, a := range opts.Avoids {
		avoided[a], avoided[[2]string{a[1], a[0]}] = true, true
	}
	seen := map[string]bool{}
	for _, pr := range prop.Pairs {
		mentor, mentee := p.People[pr.Mentor], p.People[pr.Mentee]
		if seen[pr.Mentee] {
			t.Errorf("%s: mentee %s gets two mentors", pr.ID, pr.Mentee)
		}
		seen[pr.Mentee] = true
		if _, declared := p.Pairs[pr.ID]; declared {
			t.Errorf("%s: id already declared", pr.ID)
		}
		if c := schema.ReportingChain(p.People, pr.Mentor, pr.Mentee); c != nil {
			t.Errorf("%s: mentee above mentor: %v", pr.ID, c)
		}
		if c := schema.ReportingChain(p.People, pr.Mentee, pr.Mentor); c != nil {
			t.Errorf("%s: mentor above mentee: %v", pr.ID, c)
		}
		if p.Policy.CrossDepartment == "require" && strings.EqualFold(mentor.Department, mentee.Department) {
			t.Errorf("%s: same department %s under require", pr.ID, mentor.Department)
		}
		shared := false
		for _, l := range wantLanguages(p, pr.Mentor) {
			shared = shared || slices.Contains(wantLanguages(p, pr.Mentee), l)
		}
		if !shared {
			t.Errorf("%s: no common language", pr.ID)
		}
		if avoided[[2]string{pr.Mentor, pr.Mentee}] {
			t.Errorf("%s: pairing excluded by --avoid", pr.ID)
		}
		if mentee.Role != schema.RoleMentee && !pr.Pinned {
			t.Errorf("%s: %s is not a mentee", pr.ID, pr.Mentee)
		}
		count[pr.Mentor]++
	}
	for mentor, n := range count {
		if n > p.Policy.MaxMenteesPerMentor {
			t.Errorf("mentor %s has %d pairs, policy allows %d", mentor, n, p.Policy.MaxMenteesPerMentor)
		}
	}
	if len(prop.Pairs) == 0 {
		return
	}
	// Working hours, overlaps, ids and everything else: the loader decides.
	proposed, err := CUE(prop, ProposedFile, nil, "gen")
	if err != nil {
		t.Fatal(err)
	}
	withProposal := map[string]string{ProposedFile: string(proposed)}
	written, err := CUE(prop, "pairs.cue", []byte(files["pairs.cue"]), "gen")
	if err != nil {
		t.Fatal(err)
	}
	withWrite := map[string]string{"pairs.cue": string(written)}
	for name, src := range files {
		if _, ok := withProposal[name]; !ok {
			withProposal[name] = src
		}
		if _, ok := withWrite[name]; !ok {
			withWrite[name] = src
		}
	}
	for what, fs := range map[string]map[string]string{"pairs.proposed.cue": withProposal, "--write": withWrite} {
		q, diags := load(t, fs)
		if diags.HasErrors() {
			t.Errorf("%s does not validate:\n%v\n%s", what, diags, proposed)
			continue
		}
		if want := len(p.Pairs) + len(prop.Pairs); len(q.Pairs) != want {
			t.Errorf("%s: %d pairs, want %d", what, len(q.Pairs), want)
		}
	}
}

// TestProposalsKeepHardRules matches random programs, with reporting chains
// across mentors and mentees, departments, languages and zones, and random
// --avoid pairs: no proposal may break a hard rule, and the loader must
// accept the proposal file and pairs.cue with the pairs written into it.
func TestProposalsKeepHardRules(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		r := rand.New(rand.NewPCG(seed, 1))
		cfg := matchtest.Config{Seed: seed, Mentees: 2 + r.IntN(14), Mentors: 2 + r.IntN(14), Declared: r.IntN(3)}
		t.Run(fmt.Sprintf("seed%d-%dx%d", seed, cfg.Mentees, cfg.Mentors), func(t *testing.T) {
			files := matchtest.Program(cfg)
			p := loadValid(t, files)
			var opts Options
			for range r.IntN(4) {
				opts.Avoids = append(opts.Avoids, [2]string{fmt.Sprintf("dev%03d", r.IntN(cfg.Mentors)), fmt.Sprintf("exec%03d", r.IntN(cfg.Mentees))})
			}
			prop, err := Propose(p, opts)
			if err != nil {
				t.Fatal(err)
			}
			checkHardRules(t, files, p, prop, opts)
			// Everyone is accounted for: paired now, or unmatched with a reason.
			placed := map[string]bool{}
			for _, pr := range prop.Pairs {
				placed[pr.Mentee] = true
			}
			for _, u := range prop.Unmatched {
				if placed[u.Mentee] || u.Reason == "" {
					t.Errorf("unmatched %s: placed=%v reason=%q", u.Mentee, placed[u.Mentee], u.Reason)
				}
				placed[u.Mentee] = true
			}
			for _, id := range p.PersonIDs {
				if p.People[id].Role == schema.RoleMentee && !placed[id] && !declaredMentee(p, id) {
					t.Errorf("mentee %s neither paired nor reported", id)
				}
			}
		})
	}
}

func declaredMentee(p *schema.Program, id string) bool {
	for _, pr := range p.Pairs {
		if pr.Mentee == id {
			return true
		}
	}
	return false
}

// TestAssignmentIsOptimal compares the solver with brute force on small
// random programs: it places as many mentees as any assignment can, and
// among those reaches the highest total score.
func TestAssignmentIsOptimal(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		r := rand.New(rand.NewPCG(seed, 2))
		cfg := matchtest.Config{Seed: seed + 100, Mentees: 1 + r.IntN(8), Mentors: 1 + r.IntN(8), MaxLoad: 1 + r.IntN(2)}
		t.Run(fmt.Sprintf("seed%d-%dx%d", seed, cfg.Mentees, cfg.Mentors), func(t *testing.T) {
			p := loadValid(t, matchtest.Program(cfg))
			m, err := newMatcher(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			pairs, _ := m.solve()
			gotN, gotScore := len(pairs), int64(0)
			for _, pr := range pairs {
				if rule, why := m.check(pr.Mentor, pr.Mentee); rule != "" {
					t.Fatalf("solver proposes a forbidden pair: %s", why)
				}
				s, _ := m.score(pr.Mentor, pr.Mentee)
				gotScore += s
			}
			wantN, wantScore := bruteForce(m)
			if gotN != wantN || gotScore != wantScore {
				t.Errorf("solver places %d mentees for %d milli-points; brute force %d for %d", gotN, gotScore, wantN, wantScore)
			}
		})
	}
}

// bruteForce tries every assignment of mentees to mentors with room.
func bruteForce(m *matcher) (bestN int, bestScore int64) {
	type edge struct {
		ok    bool
		score int64
	}
	edges := make([][]edge, len(m.mentees))
	for i, e := range m.mentees {
		edges[i] = make([]edge, len(m.mentors))
		for j, mt := range m.mentors {
			if rule, _ := m.check(mt, e); rule == "" {
				s, _ := m.score(mt, e)
				edges[i][j] = edge{true, s}
			}
		}
	}
	room := make([]int, len(m.mentors))
	for j, mt := range m.mentors {
		room[j] = m.capacity[mt]
	}
	bestN, bestScore = -1, -1
	var try func(i, n int, score int64)
	try = func(i, n int, score int64) {
		if i == len(m.mentees) {
			if n > bestN || n == bestN && score > bestScore {
				bestN, bestScore = n, score
			}
			return
		}
		try(i+1, n, score) // i stays unmatched
		for j := range m.mentors {
			if edges[i][j].ok && room[j] > 0 {
				room[j]--
				try(i+1, n+1, score+edges[i][j].score)
				room[j]++
			}
		}
	}
	try(0, 0, 0)
	return bestN, bestScore
}

// TestAssignBruteForce checks the solver alone on random weight matrices,
// rectangular both ways and with forbidden (0) entries.
func TestAssignBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for range 300 {
		rows, cols := r.IntN(7), r.IntN(7)
		w := make([][]int64, rows)
		for i := range w {
			w[i] = make([]int64, cols)
			for j := range w[i] {
				if r.IntN(3) > 0 {
					w[i][j] = 1 + r.Int64N(20)
				}
			}
		}
		got := assign(rows, cols, func(i, j int) int64 { return w[i][j] })
		var sum int64
		usedCol := map[int]bool{}
		for i, j := range got {
			if j < 0 {
				continue
			}
			if usedCol[j] || w[i][j] == 0 {
				t.Fatalf("invalid assignment %v for %v", got, w)
			}
			usedCol[j] = true
			sum += w[i][j]
		}
		var best int64
		var try func(i int, used uint, s int64)
		try = func(i int, used uint, s int64) {
			if i == rows {
				best = max(best, s)
				return
			}
			try(i+1, used, s)
			for j := range cols {
				if used&(1<<j) == 0 && w[i][j] > 0 {
					try(i+1, used|1<<j, s+w[i][j])
				}
			}
		}
		try(0, 0, 0)
		if sum != best {
			t.Fatalf("assign gives %d, best is %d, for %v (got %v)", sum, best, w, got)
		}
	}
}

// TestExample runs the README's example: who is matched, and the reasons
// given for who is not.
func TestExample(t *testing.T) {
	files := exampleFiles(t)
	p := loadValid(t, files)
	prop, err := Propose(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, pr := range prop.Pairs {
		got = append(got, pr.ID)
	}
	if want := []string{"aisha-martin", "lina-olivia", "yuki-kenji"}; !slices.Equal(got, want) {
		t.Errorf("pairs %v, want %v", got, want)
	}
	reasons := map[string]string{}
	for _, u := range prop.Unmatched {
		reasons[u.Mentee] = u.Reason
	}
	want := map[string]string{
		"klaus.mueller": "no mentor shares a language (de)",
		"clara.weiss":   "none of the 5 mentors fits: 4 in their reporting line, 1 full",
	}
	for id, w := range want {
		if reasons[id] != w {
			t.Errorf("%s: reason %q, want %q", id, reasons[id], w)
		}
	}
	if len(reasons) != len(want) {
		t.Errorf("unmatched: %v", reasons)
	}
	checkHardRules(t, files, p, prop, Options{})

	// Same program, same proposal, byte for byte.
	var a, b bytes.Buffer
	if err := JSON(&a, prop, ""); err != nil {
		t.Fatal(err)
	}
	again, _ := Propose(loadValid(t, files), Options{})
	if err := JSON(&b, again, ""); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("two runs differ:\n%s\n%s", a.String(), b.String())
	}
}

// TestPinAndAvoid checks that a pin is kept, an avoided pairing never
// proposed, and a pin that breaks a hard rule refused.
func TestPinAndAvoid(t *testing.T) {
	files := exampleFiles(t)
	p := loadValid(t, files)
	opts := Options{
		Pins:   [][2]string{{"aisha.khan", "olivia.grant"}},
		Avoids: [][2]string{{"kenji.sato", "yuki.tanaka"}},
	}
	prop, err := Propose(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, pr := range prop.Pairs {
		if pr.Mentor == "aisha.khan" && pr.Mentee == "olivia.grant" && pr.Pinned {
			found = true
		}
		if pr.Mentor == "yuki.tanaka" && pr.Mentee == "kenji.sato" {
			t.Errorf("avoided pairing proposed: %s", pr.ID)
		}
	}
	if !found {
		t.Errorf("pinned pair missing: %+v", prop.Pairs)
	}
	checkHardRules(t, files, p, prop, opts)

	for _, tc := range []struct {
		pin  [2]string
		want string
	}{
		{[2]string{"noah.smith", "olivia.grant"}, "mentee olivia.grant is above mentor noah.smith in the reporting line (noah.smith → olivia.grant)"},
		{[2]string{"lina.park", "klaus.mueller"}, "lina.park speaks en, klaus.mueller speaks de"},
		{[2]string{"ben.fischer", "martin.kraus"}, "ben.fischer already mentors policy.maxMenteesPerMentor (1) pairs"},
		{[2]string{"lina.park", "sabine.roth"}, "sabine.roth already has a mentor"},
		{[2]string{"lina.park", "nobody"}, `"nobody" is not a declared person`},
	} {
		_, err := Propose(p, Options{Pins: [][2]string{tc.pin}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("pin %v: error %v, want %q", tc.pin, err, tc.want)
		}
	}
}

func exampleFiles(t testing.TB) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, name := range []string{"program.cue", "people.cue", "pairs.cue"} {
		src, err := readExample(name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = strings.Replace(src, "package matching", "package gen", 1)
	}
	return files
}

// BenchmarkPropose500 matches 500 mentees with 500 mentors.
func BenchmarkPropose500(b *testing.B) {
	p := loadValid(b, matchtest.Program(matchtest.Config{Seed: 1, Mentees: 500, Mentors: 500, MaxLoad: 1, Declared: 20}))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Propose(p, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func readExample(name string) (string, error) {
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "matching", name))
	return string(src), err
}

// TestPinsWithoutRoles checks that people without a role can be pinned and
// that pins count against a mentor's room like any pair.
func TestPinsWithoutRoles(t *testing.T) {
	files := exampleFiles(t)
	p := loadValid(t, files)
	// tom.berger has no role; policy allows one mentee per mentor.
	_, err := Propose(p, Options{Pins: [][2]string{{"tom.berger", "kenji.sato"}, {"tom.berger", "olivia.grant"}}})
	if err == nil || !strings.Contains(err.Error(), "tom.berger already mentors") {
		t.Errorf("second pin of a full mentor: %v", err)
	}
	prop, err := Propose(p, Options{Pins: [][2]string{{"tom.berger", "kenji.sato"}}})
	if err != nil {
		t.Fatal(err)
	}
	checkHardRules(t, files, p, prop, Options{})
}
