package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestMatchOptions(t *testing.T) {
	tests := []struct {
		args []string
		want matchOptions
		code int
	}{
		{args: nil, want: matchOptions{Dir: ".", Output: "text"}},
		{
			args: []string{"-o", "json", "--write", "--pin", "a,b", "--pin", "c,d", "--avoid", "e,f", "--dry-run", "prog"},
			want: matchOptions{Dir: "prog", Output: "json", Write: true, DryRun: true, Pins: []string{"a,b", "c,d"}, Avoids: []string{"e,f"}},
		},
		{args: []string{"-o", "markdown"}, code: exitUsage},
		{args: []string{"a", "b"}, code: exitUsage},
		{args: []string{"progs/..."}, code: exitUsage},
	}
	for _, tc := range tests {
		a, _, _ := testApp()
		var got *matchOptions
		code, _ := execUnderRoot(t, a, newMatchCmd(a, func(o *matchOptions) error { got = o; return nil }), tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d", tc.args, code, tc.code)
			continue
		}
		if tc.code != 0 {
			continue
		}
		got.app = nil
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%v: options %+v, want %+v", tc.args, *got, tc.want)
		}
	}
}

// TestMatchREADME runs the README's matching example and compares the
// output with what the README shows, so the documented run stays real.
func TestMatchREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "$ rmctl match examples/matching\n"
	_, after, ok := strings.Cut(string(readme), start)
	want, _, ok2 := strings.Cut(after, "```")
	if !ok || !ok2 {
		t.Fatal("README has no matching example")
	}

	dir := t.TempDir()
	prog := filepath.Join(dir, "examples", "matching")
	if err := os.MkdirAll(prog, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"program.cue", "people.cue", "pairs.cue"} {
		src, err := os.ReadFile(filepath.Join("../../examples/matching", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(prog, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	a, out, errOut := testApp()
	if code := run([]string{"match", "examples/matching"}, a.streams, a.getenv); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := strings.ReplaceAll(out.String(), string(filepath.Separator), "/"); got != want {
		t.Errorf("README shows\n%s\nthe command prints\n%s", want, got)
	}
	proposed, err := os.ReadFile(filepath.Join(prog, "pairs.proposed.cue"))
	if err != nil {
		t.Fatal(err)
	}
	if _, rest, _ := strings.Cut(string(readme), "and `examples/matching/pairs.proposed.cue` begins:\n\n```cue\n"); rest == "" || !strings.HasPrefix(string(proposed), strings.SplitN(rest, "\t...\n", 2)[0]) {
		t.Errorf("README's pairs.proposed.cue is not how the file begins:\n%s", proposed)
	}
}
