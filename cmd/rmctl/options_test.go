package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// Option-layer tests: each command's constructor takes a runF that receives
// the parsed options instead of running, so argv → options can be checked
// without loading programs or touching state.

// testApp returns an app with captured streams and a fixed clock.
func testApp() (*app, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	a := &app{
		streams: &Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		getenv:  func(string) string { return "" },
		now:     func() time.Time { return time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC) },
	}
	return a, &out, &errOut
}

// execUnderRoot runs cmd as a subcommand of the real root command, so it
// gets the root's flag error handling and persistent flags, and returns the
// exit code run would return.
func execUnderRoot(t *testing.T, a *app, cmd *cobra.Command, args ...string) (int, error) {
	t.Helper()
	root := newRootCmd(a)
	for _, c := range root.Commands() {
		if c.Name() == cmd.Name() {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(cmd)
	root.SetArgs(append([]string{cmd.Name()}, args...))
	err := root.Execute()
	return exitCode(err), err
}

func TestPlanOptions(t *testing.T) {
	t.Chdir(t.TempDir()) // no ./programs here: the default pattern is "."

	tests := []struct {
		name string
		args []string
		want planOptions
	}{
		{
			name: "defaults",
			args: nil,
			want: planOptions{Patterns: []string{"."}, Output: "text", planFlags: planFlags{Sort: "time"}},
		},
		{
			name: "all flags",
			args: []string{"-o", "json", "--out", "plan.json", "--detailed-exitcode",
				"--target", "p/pair/**", "--target", "p/event", "--exclude", "**/tutorial/**",
				"--now", "2027-03-01", "--prune", "--sort", "address", "--verbose", "progs/a", "progs/b/..."},
			want: planOptions{
				Patterns: []string{"progs/a", "progs/b/..."}, Output: "json", Out: "plan.json", DetailedExitCode: true,
				planFlags: planFlags{Targets: []string{"p/pair/**", "p/event"}, Excludes: []string{"**/tutorial/**"}, Now: "2027-03-01", Prune: true, Sort: "address", Verbose: true},
			},
		},
		{
			name: "long output flag",
			args: []string{"--output=markdown", "dir"},
			want: planOptions{Patterns: []string{"dir"}, Output: "markdown", planFlags: planFlags{Sort: "time"}},
		},
		{
			name: "build tags",
			args: []string{"-t", "draft", "--tag", "a,b", "dir"},
			want: planOptions{Patterns: []string{"dir"}, Output: "text", planFlags: planFlags{Sort: "time", loadFlags: loadFlags{Tags: []string{"draft", "a,b"}}}},
		},
		{
			// A glob given once with a comma stays one glob: --target is a
			// StringArray, not a StringSlice.
			name: "comma in target",
			args: []string{"--target", "a/{b,c}", "dir"},
			want: planOptions{Patterns: []string{"dir"}, Output: "text", planFlags: planFlags{Targets: []string{"a/{b,c}"}, Sort: "time"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _, _ := testApp()
			var got *planOptions
			cmd := newPlanCmd(a, func(o *planOptions) error { got = o; return nil })
			if code, err := execUnderRoot(t, a, cmd, tt.args...); code != 0 {
				t.Fatalf("exit %d: %v", code, err)
			}
			if got == nil {
				t.Fatal("runF was not called")
			}
			if got.app != a {
				t.Error("options do not carry the app")
			}
			got.app = nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestPlanOptionsDefaultProgramsDir(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.Mkdir("programs", 0o755); err != nil {
		t.Fatal(err)
	}
	a, _, _ := testApp()
	var got *planOptions
	cmd := newPlanCmd(a, func(o *planOptions) error { got = o; return nil })
	if code, err := execUnderRoot(t, a, cmd); code != 0 {
		t.Fatalf("exit %d: %v", code, err)
	}
	if want := []string{"./programs/..."}; !reflect.DeepEqual(got.Patterns, want) {
		t.Errorf("patterns %q, want %q", got.Patterns, want)
	}
}

func TestPlanOptionsUsageErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{"-o", "yaml"},
		{"-o", "JSON"},
		{"--output", ""},
		{"--bogus"},
		{"--detailed-exitcode=maybe"},
		{"-o"},
		{"--sort", "date"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			a, _, _ := testApp()
			called := false
			cmd := newPlanCmd(a, func(*planOptions) error { called = true; return nil })
			code, err := execUnderRoot(t, a, cmd, args...)
			if code != exitUsage {
				t.Errorf("exit %d (%v), want %d", code, err, exitUsage)
			}
			var u *usageError
			if !errors.As(err, &u) {
				t.Errorf("error %v is not a usage error", err)
			}
			if called {
				t.Error("runF called despite the usage error")
			}
		})
	}
}

func TestPlanFlagsNow(t *testing.T) {
	a, _, _ := testApp()
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"", a.now()},
		{"2027-03-01", time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"2027-03-01T09:30", time.Date(2027, 3, 1, 9, 30, 0, 0, time.UTC)},
		{"2027-03-01T09:30:00Z", time.Date(2027, 3, 1, 9, 30, 0, 0, time.UTC)},
		{"2027-03-01T10:30:00+01:00", time.Date(2027, 3, 1, 9, 30, 0, 0, time.UTC)},
	} {
		f := planFlags{Now: tt.in}
		got, err := f.now(a)
		if err != nil {
			t.Errorf("--now %q: %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("--now %q = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"tomorrow", "2027-13-01", "01.03.2027", "2027-03-01 09:30"} {
		f := planFlags{Now: bad}
		_, err := f.now(a)
		if exitCode(err) != exitUsage {
			t.Errorf("--now %q: error %v, want a usage error", bad, err)
		}
	}
}

func TestApplyOptions(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("plan.json", []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir("prog", 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want applyOptions
	}{
		{
			name: "defaults",
			want: applyOptions{Patterns: []string{"."}, Parallelism: 8, MaxCancel: 25, Timeout: 30 * time.Minute, planFlags: planFlags{Sort: "time"}},
		},
		{
			name: "plan file",
			args: []string{"plan.json"},
			want: applyOptions{PlanFile: "plan.json", Parallelism: 8, MaxCancel: 25, Timeout: 30 * time.Minute, planFlags: planFlags{Sort: "time"}},
		},
		{
			name: "directory",
			args: []string{"--auto-approve", "--parallelism", "2", "--max-cancel", "100", "--now", "2027-01-01T00:00:00Z", "prog"},
			want: applyOptions{Patterns: []string{"prog"}, AutoApprove: true, Parallelism: 2, MaxCancel: 100, Timeout: 30 * time.Minute,
				planFlags: planFlags{Now: "2027-01-01T00:00:00Z", Sort: "time"}},
		},
		{
			name: "missing path is a pattern",
			args: []string{"nowhere.json"},
			want: applyOptions{Patterns: []string{"nowhere.json"}, Parallelism: 8, MaxCancel: 25, Timeout: 30 * time.Minute, planFlags: planFlags{Sort: "time"}},
		},
		{
			name: "selection",
			args: []string{"--target", "p/**", "--exclude", "p/event", "--prune", "--max-cancel", "0", "--sort", "address", "--verbose", "prog"},
			want: applyOptions{Patterns: []string{"prog"}, Parallelism: 8, MaxCancel: 0, Timeout: 30 * time.Minute,
				planFlags: planFlags{Targets: []string{"p/**"}, Excludes: []string{"p/event"}, Prune: true, Sort: "address", Verbose: true}},
		},
		{
			name: "timeout",
			args: []string{"--timeout", "2s", "prog"},
			want: applyOptions{Patterns: []string{"prog"}, Parallelism: 8, MaxCancel: 25, Timeout: 2 * time.Second, planFlags: planFlags{Sort: "time"}},
		},
		{
			name: "no timeout",
			args: []string{"--timeout", "0", "prog"},
			want: applyOptions{Patterns: []string{"prog"}, Parallelism: 8, MaxCancel: 25, planFlags: planFlags{Sort: "time"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _, _ := testApp()
			var got *applyOptions
			cmd := newApplyCmd(a, func(o *applyOptions) error { got = o; return nil })
			if code, err := execUnderRoot(t, a, cmd, tt.args...); code != 0 {
				t.Fatalf("exit %d: %v", code, err)
			}
			if got == nil {
				t.Fatal("runF was not called")
			}
			got.app = nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}

	for _, args := range [][]string{
		{"--parallelism", "0"},
		{"--parallelism", "-3"},
		{"--max-cancel", "-1"},
		{"--max-cancel", "101"},
		{"--parallelism", "many"},
		{"--auto-approve=perhaps"},
		{"--timeout", "-1s"},
		{"--timeout", "soon"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			a, _, _ := testApp()
			called := false
			cmd := newApplyCmd(a, func(*applyOptions) error { called = true; return nil })
			if code, err := execUnderRoot(t, a, cmd, args...); code != exitUsage {
				t.Errorf("exit %d (%v), want %d", code, err, exitUsage)
			}
			if called {
				t.Error("runF called despite the usage error")
			}
		})
	}
}

func TestValidateOptions(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tt := range []struct {
		args []string
		want validateOptions
	}{
		{nil, validateOptions{Patterns: []string{"."}, Output: "text"}},
		{[]string{"-o", "json", "--strict", "a", "b/..."}, validateOptions{Patterns: []string{"a", "b/..."}, Output: "json", Strict: true}},
	} {
		a, _, _ := testApp()
		var got *validateOptions
		cmd := newValidateCmd(a, func(o *validateOptions) error { got = o; return nil })
		if code, err := execUnderRoot(t, a, cmd, tt.args...); code != 0 {
			t.Fatalf("%q: exit %d: %v", tt.args, code, err)
		}
		got.app = nil
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("%q: options %+v, want %+v", tt.args, *got, tt.want)
		}
	}
	// validate has no markdown output.
	a, _, _ := testApp()
	cmd := newValidateCmd(a, func(*validateOptions) error { t.Error("runF called"); return nil })
	if code, _ := execUnderRoot(t, a, cmd, "-o", "markdown"); code != exitUsage {
		t.Errorf("validate -o markdown: exit %d, want %d", code, exitUsage)
	}
}

func TestFmtOptions(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want fmtOptions
	}{
		{nil, fmtOptions{Paths: []string{"./..."}}},
		{[]string{"--check", "x.cue", "dir/..."}, fmtOptions{Paths: []string{"x.cue", "dir/..."}, Check: true}},
	} {
		a, _, _ := testApp()
		var got *fmtOptions
		cmd := newFmtCmd(a, func(o *fmtOptions) error { got = o; return nil })
		if code, err := execUnderRoot(t, a, cmd, tt.args...); code != 0 {
			t.Fatalf("%q: exit %d: %v", tt.args, code, err)
		}
		got.app = nil
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("%q: options %+v, want %+v", tt.args, *got, tt.want)
		}
	}
}

// TestRunGlobalFlags goes through run, the entry point Main uses: NO_COLOR
// and --no-color turn colour off, usage errors print the hint and exit 2.
func TestRunGlobalFlags(t *testing.T) {
	t.Chdir(t.TempDir())

	streams := func() (*Streams, *bytes.Buffer, *bytes.Buffer) {
		var out, errOut bytes.Buffer
		return &Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, OutTTY: true}, &out, &errOut
	}
	noEnv := func(string) string { return "" }

	s, _, _ := streams()
	if code := run([]string{"version"}, s, noEnv); code != 0 {
		t.Fatalf("version: exit %d", code)
	}
	if !s.Color() {
		t.Error("a terminal without NO_COLOR should get colour")
	}

	s, _, _ = streams()
	run([]string{"version"}, s, func(k string) string {
		if k == "NO_COLOR" {
			return "1"
		}
		return ""
	})
	if s.Color() {
		t.Error("NO_COLOR did not turn colour off")
	}

	s, _, _ = streams()
	run([]string{"--no-color", "version"}, s, noEnv)
	if s.Color() {
		t.Error("--no-color did not turn colour off")
	}

	s, out, errOut := streams()
	if code := run([]string{"plan", "--bogus"}, s, noEnv); code != exitUsage {
		t.Errorf("plan --bogus: exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(errOut.String(), "unknown flag: --bogus") || !strings.Contains(errOut.String(), "Run 'rmctl --help' for usage.") {
		t.Errorf("plan --bogus: stderr %q", errOut.String())
	}
	if out.Len() != 0 {
		t.Errorf("plan --bogus wrote to stdout: %q", out.String())
	}

	s, _, errOut = streams()
	if code := run([]string{"nonsense"}, s, noEnv); code != exitUsage {
		t.Errorf("unknown command: exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(errOut.String(), `unknown command "nonsense"`) {
		t.Errorf("unknown command: stderr %q", errOut.String())
	}

	// A runtime error (no such program directory) exits 1 without the hint.
	s, _, errOut = streams()
	if code := run([]string{"plan", "--now", "2026-01-01", filepath.Join("no", "such", "dir")}, s, noEnv); code != exitError {
		t.Errorf("plan of a missing directory: exit %d, want %d; stderr %q", code, exitError, errOut.String())
	}
	if strings.Contains(errOut.String(), "--help") {
		t.Errorf("a runtime error should not point to --help: %q", errOut.String())
	}
}

// TestTagFlagOnEveryLoadingCommand: validate, plan, apply and diff all take
// -t/--tag, into the shared loadFlags.
func TestTagFlagOnEveryLoadingCommand(t *testing.T) {
	t.Chdir(t.TempDir())
	want := []string{"draft", "prod"}
	for _, mk := range []func(a *app, got *[]string) *cobra.Command{
		func(a *app, got *[]string) *cobra.Command {
			return newValidateCmd(a, func(o *validateOptions) error { *got = o.Tags; return nil })
		},
		func(a *app, got *[]string) *cobra.Command {
			return newPlanCmd(a, func(o *planOptions) error { *got = o.Tags; return nil })
		},
		func(a *app, got *[]string) *cobra.Command {
			return newApplyCmd(a, func(o *applyOptions) error { *got = o.Tags; return nil })
		},
		func(a *app, got *[]string) *cobra.Command {
			return newDiffCmd(a, func(o *diffOptions) error { *got = o.Tags; return nil })
		},
	} {
		a, _, _ := testApp()
		var got []string
		cmd := mk(a, &got)
		if code, err := execUnderRoot(t, a, cmd, "-t", "draft", "--tag", "prod"); code != 0 {
			t.Fatalf("%s: exit %d: %v", cmd.Name(), code, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: tags %v, want %v", cmd.Name(), got, want)
		}
	}
}
