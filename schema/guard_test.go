package schema_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rmctl/rmctl/schema"
)

// writeProgram writes files into a new directory and returns it.
func writeProgram(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "prog")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestGuardRefusesAmplifiers(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"import-list", "package p\n\nimport \"list\"\n\n_r: list.Range(0, 1e8, 1)\nprogram: {}\n", `3:8: error: import "list" is not allowed: a program may import only "strings" and "time"`},
		{"import-module", "package p\n\nimport \"example.com/x\"\n\nprogram: x.y\n", `3:8: error: import "example.com/x" is not allowed`},
		{"strings-repeat", "package p\n\nimport s \"strings\"\n\n_r: s.Repeat(\"ab\", 1000000)\nprogram: {}\n", "5:5: error: strings.Repeat is not allowed in a program"},
		{"strings-join", "package p\n\nimport \"strings\"\n\n_x: \"long\"\n_r: strings.Join([_x, _x, _x], \"\")\nprogram: {}\n", "6:5: error: strings.Join is not allowed in a program"},
		{"strings-replace", "package p\n\nimport \"strings\"\n\n_r: strings.Replace(\"abc\", \"\", \"long\", -1)\nprogram: {}\n", "5:5: error: strings.Replace is not allowed in a program"},
		{"string-times", "package p\n\n_a: \"x\" * 1000000\n_b: _a * 1000000\nprogram: {}\n", "3:9: error: multiplication is allowed only between written-out numbers"},
		{"embed", "@extern(embed)\n\npackage p\n\nprogram: _ @embed(file=\"x.json\")\n", "1:1: error: @extern(embed) is not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeProgram(t, map[string]string{"p.cue": tc.src})
			l, err := schema.NewLoader()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := l.Load(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range res.Diagnostics {
				got = append(got, d.String())
			}
			if !strings.Contains(strings.Join(got, "\n"), filepath.Join(dir, "p.cue")+":"+tc.want) {
				t.Errorf("want a diagnostic %q; got:\n%s", tc.want, strings.Join(got, "\n"))
			}
		})
	}
}

// TestGuardAllowsNumberArithmetic keeps what programs may write.
func TestGuardAllowsNumberArithmetic(t *testing.T) {
	dir := writeProgram(t, map[string]string{"p.cue": "package p\n\nimport \"strings\"\n\n_m: 2 * 60 * -1.5\n_s: strings.ToUpper(\"x\")\nprogram: {}\n"})
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range res.Diagnostics {
		if strings.Contains(d.Message, "not allowed") {
			t.Errorf("refused: %s", d)
		}
	}
}

// runawayEnv makes the test binary a child that loads one directory with
// tight limits: a runaway evaluation cannot be stopped inside a process, so
// it is tested in one that exits afterwards.
const runawayEnv = "RMCTL_TEST_RUNAWAY_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(runawayEnv); dir != "" {
		l, err := schema.NewLoader()
		if err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		l.Limits = schema.Limits{Time: 2 * time.Second, Heap: 256 << 20}
		if os.Getenv("RMCTL_TEST_MEMORY") != "" {
			l.Limits.Time = time.Minute // only the heap limit may stop it
		}
		ctx := context.Background()
		if os.Getenv("RMCTL_TEST_CANCEL") != "" {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
		}
		_, err = l.Load(ctx, dir)
		var le *schema.LimitError
		fmt.Printf("limit=%v err=%v\n", errors.As(err, &le), err)
		os.Exit(3)
	}
	os.Exit(m.Run())
}

func TestLimitsStopRunawayEvaluation(t *testing.T) {
	var doubling strings.Builder
	doubling.WriteString("package p\n\nprogram: {}\n_s0: \"" + strings.Repeat("a", 64) + "\"\n")
	for i := 1; i <= 36; i++ {
		fmt.Fprintf(&doubling, "_s%d: \"\\(_s%d)\\(_s%d)\"\n", i, i-1, i-1)
	}
	doubling.WriteString("program: title: _s36\n")
	digits := "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"
	nested := "package p\n\nprogram: {}\n_l: [for a in " + digits
	for _, v := range "bcdefghi" {
		nested += fmt.Sprintf(" for %c in %s", v, digits)
	}
	nested += " {a + i}]\nprogram: title: \"\\(len(_l))\"\n"

	for _, tc := range []struct {
		name, src, env, want string
	}{
		{"memory", doubling.String(), "RMCTL_TEST_MEMORY=1", "limit=true err=" + "%s: loading stopped: evaluating the program used more than 256 MiB of memory"},
		{"time", nested, "", "limit=true err=%s: loading stopped: the program took longer than 2s to evaluate"},
		{"cancel", nested, "RMCTL_TEST_CANCEL=1", "limit=false err=context deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeProgram(t, map[string]string{"p.cue": tc.src})
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			start := time.Now()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), runawayEnv+"="+dir, tc.env)
			out, _ := cmd.CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("the load did not stop within 60s; output:\n%s", out)
			}
			want := tc.want
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, dir)
			}
			if !strings.Contains(string(out), want) {
				t.Errorf("want %q; got:\n%s", want, out)
			}
			t.Logf("stopped after %v", time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestBuildTags: a file behind @if(tag) is loaded only when the tag is set,
// as with cue -t.
func TestBuildTags(t *testing.T) {
	root := repoRoot(t)
	dir := filepath.Join(root, "examples", "invalid", "if-tag-unknown-field")
	for _, tc := range []struct {
		tags      []string
		want, not string
	}{
		{nil, "tagged.cue:6:1: error: reminders: unknown field", "extra.cue"},
		{[]string{"draft"}, "extra.cue:6:1: error: drafts: unknown field", "tagged.cue"},
	} {
		l, err := schema.NewLoader()
		if err != nil {
			t.Fatal(err)
		}
		l.Tags = tc.tags
		res, err := l.Load(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		for _, d := range res.Diagnostics {
			got.WriteString(d.String() + "\n")
		}
		if !strings.Contains(got.String(), tc.want) || strings.Contains(got.String(), tc.not) {
			t.Errorf("tags %v: want %q and nothing about %s; got:\n%s", tc.tags, tc.want, tc.not, got.String())
		}
	}
}

func TestBuildTagsInvalidCondition(t *testing.T) {
	dir := writeProgram(t, map[string]string{"p.cue": "@if(a +)\n\npackage p\n\nprogram: {}\n"})
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) != 1 || !strings.Contains(res.Diagnostics[0].String(), "p.cue:1:1: error: @if(a +) is not a valid build condition") {
		t.Errorf("got %v", res.Diagnostics)
	}
}

// TestDiagnosticsHavePositions: errors CUE reports by a schema definition
// (#Contact.email) or in a hidden field get the user's field and position.
func TestDiagnosticsHavePositions(t *testing.T) {
	for _, src := range []string{
		"package p\n\nprogram: {}\n",
		"package p\n\n_a: b: _a\nprogram: _a\n",
	} {
		dir := writeProgram(t, map[string]string{"p.cue": src})
		l, err := schema.NewLoader()
		if err != nil {
			t.Fatal(err)
		}
		res, err := l.Load(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Diagnostics.HasErrors() {
			t.Fatalf("%q: no errors", src)
		}
		for _, d := range res.Diagnostics {
			if d.Pos.Line == 0 || strings.HasPrefix(d.Path, "#") {
				t.Errorf("%q: diagnostic without a position or field: %s", src, d)
			}
		}
	}
}

// TestPanicBecomesDiagnostic: no input may crash rmctl; a panic while
// loading (here injected through the time zone database) is reported
// against the directory, and the loader refuses further use.
func TestPanicBecomesDiagnostic(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "examples", "digital-leadership")
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	l.LoadLocation = func(string) (*time.Location, error) { panic("boom") }
	res, err := l.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) != 1 || !strings.Contains(res.Diagnostics[0].Message, "internal error while evaluating this program (please report it): boom") {
		t.Errorf("got %v", res.Diagnostics)
	}
	if _, err := l.Load(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "stopped by an earlier error") {
		t.Errorf("second Load: %v, want a refusal", err)
	}
}
