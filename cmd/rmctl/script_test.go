package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary double as the rmctl command inside test
// scripts: testscript puts a copy named rmctl on PATH that runs Main.
func TestMain(m *testing.M) {
	testscript.Main(stopPostgresAfter{m}, map[string]func(){
		"rmctl": func() { os.Exit(Main()) },
	})
}

// TestScript runs the end-to-end scripts in testdata/script. Every script
// passes --now so that plans do not depend on the clock.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode":   cmdExitCode,
			"jsonpath":   cmdJSONPath,
			"countfiles": cmdCountFiles,
		},
	})
}

// cmdExitCode runs a program and checks its exit status:
//
//	exitcode 2 rmctl plan --detailed-exitcode prog
//
// stdout and stderr are kept for the following stdout/stderr commands.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exitcode")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: bad status %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdJSONPath checks one value in a JSON document:
//
//	jsonpath stdout .diagnostics[0].range.start.line 5
//	jsonpath plan.json .summary '{"create":4,...}'
//
// The path is a sequence of .field and [index] steps ("." alone is the
// whole document); the expected value is JSON, compared after decoding.
// With !, the value must differ (or the path must not exist). The special
// expected value "#N" checks the length of an array or object.
func cmdJSONPath(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: jsonpath FILE PATH JSON")
	}
	var doc any
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &doc); err != nil {
		ts.Fatalf("jsonpath: %s is not JSON: %v", args[0], err)
	}
	got, err := walkJSON(doc, args[1])
	if err != nil {
		if neg {
			return
		}
		ts.Fatalf("jsonpath: %s: %v", args[0], err)
	}
	var ok bool
	var gotText string
	if n, isLen := strings.CutPrefix(args[2], "#"); isLen {
		want, err := strconv.Atoi(n)
		if err != nil {
			ts.Fatalf("jsonpath: bad length %q", args[2])
		}
		l := -1
		switch v := got.(type) {
		case []any:
			l = len(v)
		case map[string]any:
			l = len(v)
		}
		ok, gotText = l == want, fmt.Sprintf("length %d", l)
	} else {
		var want any
		if err := json.Unmarshal([]byte(args[2]), &want); err != nil {
			ts.Fatalf("jsonpath: expected value %q is not JSON: %v", args[2], err)
		}
		b, _ := json.Marshal(got)
		ok, gotText = reflect.DeepEqual(got, want), string(b)
	}
	if ok == neg {
		if neg {
			ts.Fatalf("jsonpath: %s %s is %s, want anything else", args[0], args[1], gotText)
		}
		ts.Fatalf("jsonpath: %s %s is %s, want %s", args[0], args[1], gotText, args[2])
	}
}

func walkJSON(v any, path string) (any, error) {
	rest := path
	if rest == "." {
		return v, nil
	}
	for rest != "" {
		switch rest[0] {
		case '.':
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			key := rest[:end]
			rest = rest[end:]
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: not an object before .%s", path, key)
			}
			if v, ok = m[key]; !ok {
				return nil, fmt.Errorf("%s: no field %q", path, key)
			}
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("%s: unclosed [", path)
			}
			i, err := strconv.Atoi(rest[1:end])
			if err != nil {
				return nil, fmt.Errorf("%s: bad index %q", path, rest[1:end])
			}
			rest = rest[end+1:]
			a, ok := v.([]any)
			if !ok || i < 0 || i >= len(a) {
				return nil, fmt.Errorf("%s: no element [%d]", path, i)
			}
			v = a[i]
		default:
			return nil, fmt.Errorf("%s: bad path at %q", path, rest)
		}
	}
	return v, nil
}

// cmdCountFiles checks how many regular files (not starting with ".") a
// directory holds, optionally only those matching a glob:
//
//	countfiles .rmctl/outbox/messages 4
//	countfiles .rmctl/outbox/messages 1 '*session_2*'
func cmdCountFiles(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! countfiles")
	}
	if len(args) != 2 && len(args) != 3 {
		ts.Fatalf("usage: countfiles DIR N [GLOB]")
	}
	want, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("countfiles: bad count %q", args[1])
	}
	entries, err := os.ReadDir(ts.MkAbs(args[0]))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		ts.Fatalf("countfiles: %v", err)
	}
	var names []string
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if len(args) == 3 {
			if ok, err := filepath.Match(args[2], e.Name()); err != nil {
				ts.Fatalf("countfiles: %v", err)
			} else if !ok {
				continue
			}
		}
		names = append(names, e.Name())
	}
	if len(names) != want {
		ts.Fatalf("countfiles: %s holds %d files, want %d: %q", args[0], len(names), want, names)
	}
}
