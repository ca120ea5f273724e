package schema

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestPlainCheckerCompiles keeps the embedded schema within what the
// plain checker understands: if it stops compiling, every load silently
// falls back to CUE alone and validate is three times slower.
func TestPlainCheckerCompiles(t *testing.T) {
	if _, err := compilePlainChecker(Source); err != nil {
		t.Fatalf("the plain checker does not understand the schema: %v", err)
	}
	l, err := NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	if l.plain == nil {
		t.Fatal("NewLoader has no plain checker")
	}
}

// TestPlainCheckerRefuses checks that the compiler refuses what it does not
// understand rather than guessing.
func TestPlainCheckerRefuses(t *testing.T) {
	for _, body := range []string{
		`people: [string]: {name: strings.ToUpper("x")}`,
		`people: [string]: #P
#P: {name: string, {extra: string}}`,
		`people: [string]: {name: =~"("}`,
		`people: [string]: {name: >"a"}`,
		`people: [string]: {name: null}`,
		`people: [string]: {a: 1.5}`,
		`people: [string]: #A & #B
#A: {a: string}
#B: {b: string}`,
		`people: [string]: {name: other}
other: string`,
		`people: [string]: {for x in [1] {a: x}}`,
		`people: [string]: {[N=string]: string}`,
	} {
		src := "package rmctl\nimport \"strings\"\n" + body + "\npairs: [string]: {}\n"
		if _, err := compilePlainChecker([]byte(src)); err == nil {
			t.Errorf("compiled, want refused:\n%s", body)
		}
	}
}

// TestPlainLoadMatchesCUE loads every example, valid or not, once with the
// plain checker and once with CUE alone: programs and diagnostics must be
// the same. The invalid examples show that anything wrong is left to CUE.
func TestPlainLoadMatchesCUE(t *testing.T) {
	dirs, _ := filepath.Glob("../examples/invalid/*")
	dirs = append(dirs, "../examples/digital-leadership", "../examples/global-pilot", "../examples/matching")
	progs, _ := filepath.Glob("../programs/*")
	dirs = append(dirs, progs...)
	dirs = append(dirs, generate(t, 200))
	fast, slow := bothLoaders(t)
	plainTaken := 0
	for _, dir := range dirs {
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			continue
		}
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			a := loadBoth(t, fast, slow, dir)
			if !a.Diagnostics.HasErrors() && len(a.Programs) > 0 {
				plainTaken++
			}
		})
	}
	if plainTaken < 4 {
		t.Errorf("only %d valid programs compared", plainTaken)
	}
}

// TestPlainPathTaken checks that the programs rmctl is measured on take
// the plain path, so a change that quietly sends them through CUE fails
// here rather than only in a benchmark.
func TestPlainPathTaken(t *testing.T) {
	for _, dir := range []string{"../examples/digital-leadership", "../examples/matching", generate(t, 50)} {
		files, pkg := parseDir(t, dir)
		l, err := NewLoader()
		if err != nil {
			t.Fatal(err)
		}
		sf, err := parser.ParseFile(schemaFile, []byte(replacePackage(string(Source), pkg)))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, ok := l.loadPlain(dir, files, sf, testSource(l, dir, files)); !ok {
			t.Errorf("%s: the plain path was not taken", dir)
		}
	}
}

// bothLoaders returns a loader with the plain checker and one with CUE alone.
func bothLoaders(t testing.TB) (plain, cueOnly *Loader) {
	t.Helper()
	plain, err := NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	if cueOnly, err = NewLoader(); err != nil {
		t.Fatal(err)
	}
	cueOnly.noPlain = true
	return plain, cueOnly
}

// loadBoth loads dir with both loaders, reports how the results differ and
// returns the plain checker's.
func loadBoth(t *testing.T, plain, cueOnly *Loader, dir string) *Result {
	t.Helper()
	a, err := plain.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cueOnly.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	sameLoad(t, b, a)
	return a
}

// sameLoad reports how a load with the plain checker (plain) differs from
// one with CUE alone (cue).
func sameLoad(t *testing.T, cue, plain *Result) {
	t.Helper()
	if d := cmp.Diff(cue.Diagnostics, plain.Diagnostics); d != "" {
		t.Errorf("diagnostics differ (-cue +plain):\n%s", d)
	}
	if d := cmp.Diff(cue.Programs, plain.Programs, cmpopts.IgnoreUnexported(Program{}), cmpopts.EquateEmpty(),
		cmp.Comparer(func(x, y *time.Location) bool { return x.String() == y.String() })); d != "" {
		t.Errorf("programs differ (-cue +plain):\n%s", d)
	}
}

// testSource is what loadDir gives loadPlain.
func testSource(l *Loader, dir string, files []*ast.File) *source {
	return &source{dir: dir, zones: map[string]*time.Location{}, files: files,
		build: func() cue.Value { v, _ := l.build(dir, files, nil); return v }}
}

// TestPlainCheckAgreesWithCUE mutates one field of a valid person and a
// valid pair at a time, with values chosen to sit on the schema's edges,
// and asks both the plain checker and CUE whether the entry is valid.
// They must agree: the plain checker may never accept what CUE refuses
// (a wrong program would pass validate), and should not refuse what CUE
// accepts (the program would silently take the slow path).
func TestPlainCheckAgreesWithCUE(t *testing.T) {
	l, err := NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	values := []string{
		`""`, `"x"`, `"Anna Schmidt"`, `"a@example.com"`, `"a@b"`, `"a b@example.com"`, `"anna.s"`, `"Anna"`, `"-x"`,
		`"` + strings.Repeat("a", 64) + `"`, `"` + strings.Repeat("a", 65) + `"`, `"` + strings.Repeat("ä", 200) + `"`, `"` + strings.Repeat("ä", 201) + `"`,
		`"line\nbreak"`, `"de"`, `"en"`, `"fr"`, `"Europe/Berlin"`, `"DE-BY"`, `"mentor"`, `"mentee"`, `"active"`, `"paused"`, `"ended"`, `"gone"`,
		`"2027-02-01"`, `"2027-02-30"`, `"2027-2-1"`, `"16:00"`, `"24:00"`, `"9:00"`, `"09:60"`, `"60m"`, `"1h30m"`, `"90"`, `"1h30"`, `"0m"`,
		`"monday"`, `"Monday"`, `"https://meet.example.com/x"`, `"http://x.y"`, `"ftp://x"`, `"https://a b"`,
		`1`, `2`, `4`, `5`, `-1`, `0`, `true`, `false`, `'bytes'`,
		`[]`, `["AI"]`, `["AI", "AI"]`, `["de", "en"]`, `["de", "de"]`, `["fr"]`, `[1]`, `[""]`, `["a\tb"]`,
		`{}`, `{week: 3}`, `{week: 5}`, `{weekday: "friday", time: "09:00"}`, `{duration: "2h"}`, `{duration: "2x"}`, `{extra: 1}`,
		`{"2": {skip: true}}`, `{"0": {skip: true}}`, `{"1": {date: "2027-03-01", time: "10:00"}}`, `{"1": {title: ""}}`, `{"x": {}}`, `{"3": {topics: ["a"], tutorials: ["t-1"]}}`, `{"3": {tutorials: ["Bad"]}}`,
		`[{title: "Eins"}]`, `[{title: "Eins", topics: ["A"], tutorials: ["x"], agenda: "A"}]`, `[{topics: []}]`, `[{title: "E", extra: 1}]`,
		`"` + strings.Repeat("x", 4001) + `"`,
	}
	person := map[string]string{"name": `"Anna"`, "email": `"anna@example.com"`, "department": `"IT"`}
	personFields := []string{"name", "email", "department", "timezone", "language", "manager", "description", "holidays", "role", "interests", "languages", "nickname"}
	pair := map[string]string{"mentor": `"anna.s"`, "mentee": `"bob"`}
	pairFields := []string{"mentor", "mentee", "status", "start", "end", "language", "timezone", "slot", "plan", "sessions", "location", "onlineMeeting", "nickname"}

	agree := func(kind, def string, base map[string]string, field, value string) {
		fields := map[string]string{}
		for k, v := range base {
			fields[k] = v
		}
		if value == "" {
			delete(fields, field)
		} else {
			fields[field] = value
		}
		var b strings.Builder
		b.WriteString("{")
		for k, v := range fields {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
		b.WriteString("}")
		src := b.String()
		x, err := parser.ParseExpr("entry", src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		cueOK := l.schema.LookupPath(cue.ParsePath(def)).Unify(l.ctx.BuildExpr(x)).Validate(cue.Concrete(true)) == nil
		data, literal := literalValue(x)
		plainOK := false
		if literal {
			check := l.plain.people
			if kind == "pairs" {
				check = l.plain.pairs
			}
			plainOK = check.valid(map[string]any{"e": data})
		}
		switch {
		case plainOK && !cueOK:
			t.Errorf("%s %s: plain checker accepts what CUE refuses", kind, src)
		case !plainOK && cueOK && literal:
			t.Errorf("%s %s: plain checker refuses what CUE accepts", kind, src)
		}
	}
	for _, f := range personFields {
		agree("people", "#Person", person, f, "")
		for _, v := range values {
			agree("people", "#Person", person, f, v)
		}
	}
	for _, f := range pairFields {
		agree("pairs", "#Pair", pair, f, "")
		for _, v := range values {
			agree("pairs", "#Pair", pair, f, v)
		}
	}
}

// FuzzPlainCheck holds the plain checker to CUE's answer on arbitrary
// entries: it must never accept a person or pair CUE refuses.
func FuzzPlainCheck(f *testing.F) {
	for _, s := range []string{
		`{name: "Anna", email: "anna@example.com", department: "IT"}`,
		`{name: "Anna", email: "anna@example.com", department: "IT", languages: ["de", "en"], interests: ["AI"]}`,
		`{mentor: "anna.s", mentee: "bob", slot: {week: -1, weekday: "friday", time: "09:00", duration: "1h30m"}}`,
		`{mentor: "a", mentee: "b", status: "paused", start: "2027-03-01", sessions: {"2": {skip: true, date: "2027-04-01"}}}`,
		`{mentor: "a", mentee: "b", plan: [{title: "Eins", topics: ["A"], tutorials: ["t"]}, {title: "Zwei"}]}`,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	l, err := NewLoader()
	if err != nil {
		f.Fatal(err)
	}
	person := l.schema.LookupPath(cue.ParsePath("#Person"))
	pair := l.schema.LookupPath(cue.ParsePath("#Pair"))
	f.Fuzz(func(t *testing.T, src string, isPair bool) {
		if len(src) > 4096 {
			return
		}
		x, err := parser.ParseExpr("entry", src)
		if err != nil {
			return
		}
		data, ok := literalValue(x)
		if !ok {
			return
		}
		def, check := person, l.plain.people
		if isPair {
			def, check = pair, l.plain.pairs
		}
		if !check.valid(map[string]any{"e": data}) {
			return
		}
		if err := def.Unify(l.ctx.BuildExpr(x)).Validate(cue.Concrete(true)); err != nil {
			t.Errorf("plain checker accepts what CUE refuses: %s\nCUE: %v", src, err)
		}
	})
}

// TestPlainPathRefusesReferences checks that a program whose files refer
// to people or pairs is evaluated whole by CUE (taking entries out would
// change what such a reference sees), that an entry which is not plain
// data is evaluated by CUE on its own, and that either way the result is
// the one CUE alone gives.
func TestPlainPathRefusesReferences(t *testing.T) {
	prog, err := os.ReadFile("../examples/digital-leadership/program.cue")
	if err != nil {
		t.Fatal(err)
	}
	base := strings.Replace(string(prog), "package digitalleadership", "package x", 1)
	fast, slow := bothLoaders(t)
	people := `
people: "anna.s": {name: "Anna", email: "a@example.com", department: "IT"}
people: "bob": {name: "Bob", email: "b@example.com", department: "Sales"}
`
	for _, c := range []struct {
		name, extra string
		plain       bool
	}{
		{"reference from a pair", people + `pairs: "p": {mentor: "anna.s", mentee: "bob", language: people["bob"].language}` + "\npeople: bob: language: \"en\"\n", false},
		{"comprehension", people + `pairs: {for k, _ in people if k == "bob" {"p": {mentor: "anna.s", mentee: k}}}`, false},
		{"pattern over pairs", people + `pairs: "p": {mentor: "anna.s", mentee: "bob"}` + "\npairs: [string]: status: \"paused\"\n", false},
		{"alias to people", people + "P=people: {}\npairs: \"p\": {mentor: \"anna.s\", mentee: P.bob.name}\n", false},
		{"interpolated reference", people + `pairs: "p": {mentor: "anna.s", mentee: "bob", location: "\(people.bob.name)'s office"}`, false},
		{"computed person", people + `people: "carl": {name: "Ca" + "rl", email: "c@example.com", department: "IT"}` + "\npairs: \"p\": {mentor: \"anna.s\", mentee: \"bob\"}\n", true},
		{"invalid computed person", people + `people: "carl": {name: "Ca" + "rl", email: "c-at-example.com", department: "IT"}` + "\npairs: \"p\": {mentor: \"anna.s\", mentee: \"bob\"}\n", true},
		{"invalid plain person", people + `people: "carl": {name: "Carl", email: "c-at-example.com", department: "IT", nickname: "C"}` + "\npairs: \"p\": {mentor: \"anna.s\", mentee: \"carl\", status: \"gone\"}\n", true},
		{"unresolved reference", people + `pairs: "p": {mentor: "anna.s", mentee: nobody}`, true},
		// Found in review: names of plain siblings, which taking the
		// siblings out would make mean something else.
		{"sibling named like a kind", people + "people: {zak: {name: \"Zak\", email: \"zak@example.com\", department: \"IT\"}, zia: {name: \"Zia\", email: \"zia@example.com\", department: \"HR\"}}\n" +
			"pairs: {bool: {mentor: \"anna.s\", mentee: \"bob\"}, other: {mentor: \"zak\", mentee: \"zia\", sessions: \"1\": skip: bool}}\n", false},
		{"sibling's field", people + `people: {zed: {name: "Zed", email: "zed@example.com", department: "IT"}, zoe: {name: "Zoe", email: "zoe@example.com", department: zed.department}}` + "\npairs: \"p\": {mentor: \"anna.s\", mentee: \"bob\"}\n", false},
		{"sibling shadowing a top-level field", people + `pairs: {sib1: {mentor: "anna.s", mentee: "bob"}, sib2: sib1}` + "\nsib1: {mentor: \"bob\", mentee: \"anna.s\"}\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "program.cue"), []byte(base+c.extra), 0o644); err != nil {
				t.Fatal(err)
			}
			files, pkg := parseDir(t, dir)
			sf, err := parser.ParseFile(schemaFile, []byte(replacePackage(string(Source), pkg)))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, ok := fast.loadPlain(dir, files, sf, testSource(fast, dir, files)); ok != c.plain {
				t.Errorf("plain path taken = %v, want %v", ok, c.plain)
			}
			loadBoth(t, fast, slow, dir)
		})
	}
}

// FuzzPlainLoad loads arbitrary bytes as a program's pairs.cue beside the
// program and people of an example, once with the plain checker and once
// with CUE alone: diagnostics and programs must be the same.
func FuzzPlainLoad(f *testing.F) {
	root := filepath.Join("..", "examples", "digital-leadership")
	for _, name := range []string{"pairs.cue", "people.cue"} {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	more, _ := filepath.Glob(filepath.Join("..", "examples", "invalid", "*", "pairs.cue"))
	for _, name := range more {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// Entries that name their siblings (found in review, see
	// TestPlainPathRefusesReferences).
	f.Add([]byte("package digitalleadership\npairs: {bool: {mentor: \"lena.hartmann\", mentee: \"thomas.keller\"}, other: {mentor: \"jonas.becker\", mentee: \"katharina.brandt\", sessions: \"1\": skip: bool}}\n"))
	f.Add([]byte("package digitalleadership\npairs: {sib1: {mentor: \"lena.hartmann\", mentee: \"thomas.keller\"}, sib2: sib1}\nsib1: {}\n"))
	program, err := os.ReadFile(filepath.Join(root, "program.cue"))
	if err != nil {
		f.Fatal(err)
	}
	people, err := os.ReadFile(filepath.Join(root, "people.cue"))
	if err != nil {
		f.Fatal(err)
	}
	var fast, slow *Loader
	runs := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		if runs++; fast == nil || runs%200 == 0 {
			fast, slow = bothLoaders(t)
		}
		fsys := fstest.MapFS{
			"prog/program.cue": &fstest.MapFile{Data: program},
			"prog/people.cue":  &fstest.MapFile{Data: people},
			"prog/pairs.cue":   &fstest.MapFile{Data: data},
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		a, err := fast.LoadFS(ctx, fsys, "prog")
		if err != nil {
			fast = nil
			return // a limit; FuzzLoad looks after those
		}
		b, err := slow.LoadFS(ctx, fsys, "prog")
		if err != nil {
			fast = nil
			return
		}
		sameLoad(t, b, a)
	})
}
