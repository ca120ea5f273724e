package schema_test

import (
	"context"
	"flag"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	_ "time/tzdata" // the cases must not depend on the host's zoneinfo

	"github.com/rmctl/rmctl/schema"
)

var update = flag.Bool("update", false, "rewrite the expected.txt golden files of examples/invalid")

// invalidDir holds one broken program per directory, each with an
// expected.txt listing exactly the diagnostics rmctl reports for it, one
// Diagnostic.String() per line (the lines `rmctl validate DIR` prints from
// the repository root, without the closing summary line). A case directory
// without .cue files of its own (duplicate-id) is loaded as DIR/... .
const invalidDir = "examples/invalid"

// minInvalidCases guards against the walk silently finding nothing.
const minInvalidCases = 30

// warningPrefix marks cases that must report warnings but no error: they are
// valid programs, rejected only by `rmctl validate --strict`.
const warningPrefix = "warning-"

// repoRoot returns the module root; tests run in the package directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found: %v", err)
	}
	return root
}

type invalidCase struct {
	name    string // the directory's name
	dir     string // slash path within the repository
	pattern string // what is passed to LoadFS
}

// invalidCases returns the case directories: every directory directly below
// invalidDir is one case.
func invalidCases(t *testing.T, fsys fs.FS) []invalidCase {
	t.Helper()
	entries, err := fs.ReadDir(fsys, invalidDir)
	if err != nil {
		t.Fatal(err)
	}
	var cases []invalidCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := path.Join(invalidDir, e.Name())
		c := invalidCase{name: e.Name(), dir: dir, pattern: dir}
		if !hasCUEFiles(t, fsys, dir) {
			c.pattern = dir + "/..."
		}
		cases = append(cases, c)
	}
	return cases
}

func hasCUEFiles(t *testing.T, fsys fs.FS, dir string) bool {
	t.Helper()
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".cue") {
			return true
		}
	}
	return false
}

func TestInvalidExamples(t *testing.T) {
	root := repoRoot(t)
	fsys := os.DirFS(root)
	cases := invalidCases(t, fsys)
	if len(cases) < minInvalidCases {
		t.Fatalf("found %d case directories in %s, want at least %d", len(cases), invalidDir, minInvalidCases)
	}
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := l.LoadFS(context.Background(), fsys, c.pattern)
			if err != nil {
				t.Fatalf("LoadFS(%q): %v", c.pattern, err)
			}
			ds := res.Diagnostics
			var got strings.Builder
			for _, d := range ds {
				got.WriteString(d.String())
				got.WriteByte('\n')
			}

			golden := filepath.Join(root, filepath.FromSlash(c.dir), "expected.txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if got.String() != string(want) {
					t.Errorf("diagnostics differ from %s/expected.txt (run with -update to accept)\n--- got:\n%s--- want:\n%s", c.dir, got.String(), want)
				}
			}

			if strings.HasPrefix(path.Base(c.dir), warningPrefix) {
				if ds.HasErrors() || ds.Warnings() == 0 {
					t.Errorf("a warning case must report warnings and no errors; got %d errors, %d warnings", ds.Errors(), ds.Warnings())
				}
			} else if !ds.HasErrors() {
				t.Errorf("no error reported: the case is valid")
			}

			for _, d := range ds {
				name := d.Pos.Filename
				if name != c.dir && !strings.HasPrefix(name, c.dir+"/") {
					t.Errorf("diagnostic names %q, outside the case directory %s: %s", name, c.dir, d)
				}
				if d.Pos.Line > 0 {
					if d.Pos.Column <= 0 {
						t.Errorf("diagnostic has a line but no column: %s", d)
					}
					continue
				}
				// Only findings about a whole directory may lack a line.
				if info, err := fs.Stat(fsys, name); err != nil || !info.IsDir() {
					t.Errorf("diagnostic about a file has no line:col: %s", d)
				}
			}
		})
	}
}

// TestValidExamples loads the reference programs together, as
// `rmctl validate` of the whole repository would, so that program ids are
// also checked for uniqueness across them.
func TestValidExamples(t *testing.T) {
	root := repoRoot(t)
	patterns := []string{"examples/digital-leadership", "examples/global-pilot", "programs/..."}
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LoadFS(context.Background(), os.DirFS(root), patterns...)
	if err != nil {
		t.Fatal(err)
	}
	// A reference program may list warnings it accepts on purpose, one
	// Diagnostic.String() per line, in accepted-warnings.txt (the global
	// pilot's joint events cannot suit three offices at once). Errors are
	// never accepted, and an accepted warning that is no longer reported
	// fails too, so the list cannot go stale.
	accepted := map[string]bool{}
	for _, dir := range patterns {
		b, err := os.ReadFile(filepath.Join(root, strings.TrimSuffix(dir, "/..."), "accepted-warnings.txt"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			accepted[line] = false
		}
	}
	for _, d := range res.Diagnostics {
		if _, ok := accepted[d.String()]; ok && d.Severity == schema.Warning {
			accepted[d.String()] = true
			continue
		}
		t.Errorf("%s", d)
	}
	for line, seen := range accepted {
		if !seen {
			t.Errorf("accepted warning no longer reported: %s", line)
		}
	}
	if len(res.Programs) < len(patterns) {
		t.Errorf("loaded %d programs from %v, want at least %d", len(res.Programs), patterns, len(patterns))
	}
	for _, p := range res.Programs {
		if len(p.Pairs) == 0 {
			t.Errorf("%s: no pairs: a reference program should exercise the pair checks", p.Dir)
		}
	}
}
