package match

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/schema"
)

// TestWriteRestoresOnInvalid checks that pairs the loader rejects leave
// every file as it was, the earlier proposal included.
func TestWriteRestoresOnInvalid(t *testing.T) {
	dir := t.TempDir()
	for name, src := range exampleFiles(t) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stale := []byte("package gen\n")
	if err := os.WriteFile(filepath.Join(dir, ProposedFile), stale, 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "pairs.cue"))
	bad := &Proposal{Program: "match-2027", Pairs: []Pair{{ID: "x-y", Mentor: "nobody", Mentee: "klaus.mueller"}}}
	w, err := Write(context.Background(), dir, bad, true)
	if err != nil {
		t.Fatal(err)
	}
	if !w.Diagnostics.HasErrors() || w.File != "" || w.Removed != "" {
		t.Fatalf("Write = %+v, want errors and nothing written", w)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "pairs.cue"))
	if string(after) != string(before) {
		t.Errorf("pairs.cue changed:\n%s", after)
	}
	if got, err := os.ReadFile(filepath.Join(dir, ProposedFile)); err != nil || string(got) != string(stale) {
		t.Errorf("earlier proposal not restored: %q, %v", got, err)
	}

	// A good proposal goes in, and the earlier proposal goes.
	p, diags, err := Load(context.Background(), dir, dir)
	if err != nil || diags.HasErrors() {
		t.Fatalf("Load: %v %v", err, diags)
	}
	prop, err := Propose(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w, err = Write(context.Background(), dir, prop, true); err != nil || w.Diagnostics.HasErrors() {
		t.Fatalf("Write: %v %v", err, w.Diagnostics)
	}
	if _, err := os.Stat(filepath.Join(dir, ProposedFile)); !os.IsNotExist(err) {
		t.Errorf("earlier proposal still there: %v", err)
	}
}

// TestLoadNamesFiles checks diagnostics name files as validate does: below
// the working directory relative to it, elsewhere by absolute path.
func TestLoadNamesFiles(t *testing.T) {
	dir := t.TempDir()
	files := exampleFiles(t)
	// Same department under "warn": a warning with a position.
	files["pairs.cue"] = "package gen\n\npairs: \"x\": {mentor: \"lina.park\", mentee: \"kenji.sato\"}\n"
	files["people.cue"] = strings.Replace(files["people.cue"], `department: "APAC Operations"`, `department: "IT"`, 1)
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, "prog", name), []byte(src), 0o644); err != nil {
			if err := os.MkdirAll(filepath.Join(dir, "prog"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "prog", name), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct{ cwd, dir, want string }{
		{dir, "prog", filepath.Join("prog", "pairs.cue")},
		{t.TempDir(), filepath.Join(dir, "prog"), filepath.Join(dir, "prog", "pairs.cue")},
	} {
		_, diags, err := Load(context.Background(), tc.cwd, tc.dir)
		if err != nil {
			t.Fatal(err)
		}
		// Other rules may warn too (the kick-off is evening in Tokyo);
		// the cross-department warning is the one whose file is checked.
		var found []schema.Diagnostic
		for _, d := range diags {
			if d.Path == "pairs.x.mentor" {
				found = append(found, d)
			}
		}
		if len(found) != 1 || found[0].Pos.Filename != tc.want {
			t.Errorf("cwd %s, dir %s: diagnostics %v, want one at pairs.x.mentor in %s", tc.cwd, tc.dir, diags, tc.want)
		}
	}
}
