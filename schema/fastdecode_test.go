package schema

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"github.com/google/go-cmp/cmp"
)

// TestFastDecodeMatchesCUE checks that reading people and pairs from the
// syntax gives exactly what cue.Value.Decode gives, defaults included, on
// every example program and on one that uses the forms users write.
func TestFastDecodeMatchesCUE(t *testing.T) {
	dirs := []string{"../examples/digital-leadership", "../examples/global-pilot"}
	progs, _ := filepath.Glob("../programs/*")
	dirs = append(dirs, progs...)
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmp, "a.cue"), []byte(`package x
people: "anna.s": {name: "Anna", email: "a@example.com", department: "IT"}
people: {
	"bob": {name: "Bob \u00e4", email: "b@example.com", department: """
		Sales
		"""}
}
people: "carl": {name: "Carl", email: "c@example.com", department: "IT", role: "mentor", interests: ["AI", "Cloud"], languages: ["en", "de"]}
people: "dora": {name: "Dora", email: "d@example.com", department: "IT", role: "mentee", interests: []}
people: "eva": {name: "Eva", email: "e@example.com", department: "HR"}
people: "fred": {name: "Fred", email: "f@example.com", department: "Sales"}
people: "gina": {name: "Gina", email: "g@example.com", department: "Legal"}
people: "claudia.wolf": {name: "Claudia", email: "cw@example.com", department: "Marketing"}
pairs: "bob-anna": mentor: "anna.s"
pairs: "bob-anna": {mentee: "bob", slot: {week: -1, weekday: "friday"}, sessions: "2": skip: true}
pairs: "x": {mentor: "anna.s", mentee: "bob", status: "paused", start: "2027-03-01", end: "2027-05-15", language: "en"}
pairs: "own": {mentor: "carl", mentee: "gina", plan: [{title: "Eins", topics: ["A"], tutorials: []}, {title: "Zwei"}], location: "Raum 1", onlineMeeting: "https://meet.example.com/x"}
pairs: "own": sessions: "2": {title: "Zwei neu", topics: ["B"], tutorials: []}
pairs: "own": sessions: "1": {skip: false, topics: []}
pairs: "ref": {mentor: "eva", mentee: "fred", plan: [program.sessions.plan[1], {title: "Eigenes"}]}
pairs: "ref": sessions: "1": title: "Neu"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	prog, err := os.ReadFile("../examples/digital-leadership/program.cue")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "program.cue"), []byte(strings.Replace(string(prog), "package digitalleadership", "package x", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	dirs = append(dirs, tmp)

	l, err := NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			files, pkg := parseDir(t, dir)
			sf, err := parser.ParseFile(schemaFile, []byte(replacePackage(string(Source), pkg)))
			if err != nil {
				t.Fatal(err)
			}
			v, err := l.build(dir, files, sf)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := literalData(files, "people"); !ok {
				t.Fatal("people: fast path not taken for plain data")
			}
			// Pairs whose plan refers to the program's go through CUE, one
			// by one; the others still take the fast path.
			_, viaCUE, ok := literalEntries(files, "pairs")
			if !ok {
				t.Fatal("pairs: fast path not taken for plain data")
			}
			if dir == tmp && (len(viaCUE) != 1 || !viaCUE["ref"]) {
				t.Errorf("pairs through CUE = %v, want only ref", viaCUE)
			}
			var fastPeople, cuePeople map[string]Person
			var fastPairs, cuePairs map[string]Pair
			var prog Program
			var moved []Moved
			if err := decodeModel(v, files, &prog, &fastPeople, &fastPairs, &moved); err != nil {
				t.Fatal(err)
			}
			if err := v.LookupPath(cue.ParsePath("people")).Decode(&cuePeople); err != nil {
				t.Fatal(err)
			}
			if err := v.LookupPath(cue.ParsePath("pairs")).Decode(&cuePairs); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(cuePeople, fastPeople); d != "" {
				t.Errorf("people differ (-cue +fast):\n%s", d)
			}
			if d := cmp.Diff(cuePairs, fastPairs); d != "" {
				t.Errorf("pairs differ (-cue +fast):\n%s", d)
			}
			if len(cuePairs) == 0 {
				t.Error("no pairs decoded")
			}
		})
	}
	// And the loader as a whole still loads them without errors.
	res, err := l.Load(context.Background(), tmp)
	if err != nil {
		t.Fatal(err)
	}
	if res.Diagnostics.HasErrors() {
		t.Fatalf("unexpected diagnostics: %v", res.Diagnostics)
	}
}

// TestFastDecodeFallsBack checks that anything beyond plain data goes
// through CUE.
func TestFastDecodeFallsBack(t *testing.T) {
	for _, src := range []string{
		"package x\n_d: \"IT\"\npeople: a: {department: _d}\n",
		"package x\npeople: {for k in [\"a\"] {(k): {name: k}}}\n",
		"package x\npeople: a: name: \"x\" + \"y\"\n",
		"package x\npeople: a?: {name: \"x\"}\n",
	} {
		f, err := parser.ParseFile("t.cue", src)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := literalData([]*ast.File{f}, "people"); ok {
			t.Errorf("fast path taken for %q", src)
		}
	}
	// Per entry: a pair that is not plain data goes through CUE alone.
	f, err := parser.ParseFile("t.cue", "package x\npairs: a: {mentor: \"m\"}\npairs: b: plan: [program.sessions.plan[0]]\npairs: b: mentor: \"n\"\n")
	if err != nil {
		t.Fatal(err)
	}
	data, viaCUE, ok := literalEntries([]*ast.File{f}, "pairs")
	if _, plain := data["a"]; !ok || !plain || len(data) != 1 || len(viaCUE) != 1 || !viaCUE["b"] {
		t.Errorf("literalEntries = %v, %v, %v; want a plain and b through CUE", data, viaCUE, ok)
	}
	for _, src := range []string{
		"package x\npairs: [string]: {status: \"active\"}\n",
		"package x\npairs: {for k in [\"a\"] {(k): {mentor: k}}}\n",
		"package x\npairs: _p\n_p: {}\n",
	} {
		f, err := parser.ParseFile("t.cue", src)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, ok := literalEntries([]*ast.File{f}, "pairs"); ok {
			t.Errorf("per-entry fast path taken for %q", src)
		}
	}
}

func parseDir(t *testing.T, dir string) ([]*ast.File, string) {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*.cue"))
	sort.Strings(names)
	var files []*ast.File
	for _, n := range names {
		src, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(n, src)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatalf("no files in %s", dir)
	}
	return files, files[0].PackageName()
}
