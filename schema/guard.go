package schema

import (
	"errors"
	"fmt"
	"path"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// This file bounds what a program may make CUE do. CUE evaluates whatever a
// package says, and v0.17 has neither a way to cancel an evaluation nor a
// memory limit: `import "list"; _r: list.Range(0, 1e8, 1)` alone exhausts
// memory. So rmctl refuses, before evaluating, the constructs that build
// large values from small text (imports programs do not need, string
// repetition), and watches what is left with a time and heap limit.

// allowedImports are the CUE standard library packages a program may
// import. Programs are data; these two help writing text and times. "list"
// is left out on purpose: list.Range and list.Repeat build lists of any
// length from a few characters.
var allowedImports = []string{"strings", "time"}

// refusedCalls are functions of allowed packages that build values of any
// size from small arguments.
// Each sizes its result up front and allocates it at once, so one call
// can ask for terabytes before any watchdog sees memory grow: Join of a
// list that repeats one long string, Replace of "" by a long string.
var refusedCalls = map[string]string{
	"strings.Repeat":  "it builds strings of any size from a few characters",
	"strings.Join":    "joining a list that repeats one long string builds a string of any size; write the text out or use interpolation",
	"strings.Replace": "replacing a short string by a long one builds a string of any size; write the text out or use interpolation",
}

// guardFile reports the constructs rmctl refuses in a program file.
func guardFile(f *ast.File) Diagnostics {
	var diags Diagnostics
	fail := func(p token.Pos, msg string) {
		diags = append(diags, Diagnostic{Severity: Error, Pos: toPos(p), Message: msg})
	}
	for _, d := range f.Preamble() {
		if a, ok := d.(*ast.Attribute); ok {
			switch name, _ := a.Split(); name {
			case "extern":
				fail(a.Pos(), fmt.Sprintf("%s is not supported: rmctl programs cannot embed or call out to other files; write the data into the program's .cue files", a.Text))
			}
		}
	}
	// Local import name → import path, for spotting refused calls.
	local := map[string]string{}
	for spec := range f.ImportSpecs() {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			fail(spec.Path.Pos(), fmt.Sprintf("import path %s is not a valid string", spec.Path.Value))
			continue
		}
		if !contains(allowedImports, p) {
			fail(spec.Path.Pos(), fmt.Sprintf("import %q is not allowed: a program may import only %s (programs are data; other packages can build values large enough to exhaust memory)", p, quoteList(allowedImports)))
			continue
		}
		name := path.Base(p)
		if spec.Name != nil {
			name = spec.Name.Name
		}
		local[name] = p
	}
	ast.Walk(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			x, ok := n.X.(*ast.Ident)
			if !ok {
				return true
			}
			sel, ok := n.Sel.(*ast.Ident)
			if !ok {
				return true
			}
			if p, ok := local[x.Name]; ok {
				if why, ok := refusedCalls[p+"."+sel.Name]; ok {
					fail(n.Pos(), fmt.Sprintf("%s.%s is not allowed in a program: %s", p, sel.Name, why))
				}
			}
		case *ast.BinaryExpr:
			// Multiplying a string repeats it; CUE caps each repetition
			// at a million, but repeating a repeated string ("a" * 1e6
			// * 1e6) asks for a terabyte in one allocation, which no
			// watchdog can stop. Programs need multiplication at most
			// between numbers they write out (2 * 60).
			if n.Op == token.MUL && !(isNumberLit(n.X) && isNumberLit(n.Y)) {
				fail(n.OpPos, "multiplication is allowed only between written-out numbers (such as 2 * 60): multiplying strings or computed values can build values large enough to exhaust memory")
			}
		}
		return true
	}, nil)
	return diags
}

func isNumberLit(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Kind == token.INT || e.Kind == token.FLOAT
	case *ast.UnaryExpr:
		return (e.Op == token.SUB || e.Op == token.ADD) && isNumberLit(e.X)
	case *ast.ParenExpr:
		return isNumberLit(e.X)
	case *ast.BinaryExpr:
		return e.Op == token.MUL && isNumberLit(e.X) && isNumberLit(e.Y)
	}
	return false
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, " and ")
}

// buildTagsAllow reports whether a file is part of the build with the given
// tags set, the way cue/load reads a file-level @if(expr) attribute before
// the package clause: expr combines tag names with !, && and ||.
func buildTagsAllow(f *ast.File, tags map[string]bool) (bool, *Diagnostic) {
	var found *ast.Attribute
	for _, d := range f.Preamble() {
		a, ok := d.(*ast.Attribute)
		if !ok {
			continue
		}
		if name, _ := a.Split(); name != "if" {
			continue
		}
		if found != nil {
			return false, &Diagnostic{Severity: Error, Pos: toPos(a.Pos()), Message: "a file may have only one @if attribute: combine the conditions with && or ||"}
		}
		found = a
	}
	if found == nil {
		return true, nil
	}
	_, body := found.Split()
	expr, err := parser.ParseExpr("@if", body)
	if err == nil {
		var ok bool
		if ok, err = evalTagExpr(expr, tags); err == nil {
			return ok, nil
		}
	}
	return false, &Diagnostic{Severity: Error, Pos: toPos(found.Pos()),
		Message: fmt.Sprintf("%s is not a valid build condition: write tag names combined with !, && and || (such as @if(prod && !draft))", found.Text)}
}

func evalTagExpr(e ast.Expr, tags map[string]bool) (bool, error) {
	switch e := e.(type) {
	case *ast.Ident:
		return tags[e.Name], nil
	case *ast.ParenExpr:
		return evalTagExpr(e.X, tags)
	case *ast.UnaryExpr:
		if e.Op == token.NOT {
			v, err := evalTagExpr(e.X, tags)
			return !v, err
		}
	case *ast.BinaryExpr:
		if e.Op == token.LAND || e.Op == token.LOR {
			x, err := evalTagExpr(e.X, tags)
			if err != nil {
				return false, err
			}
			y, err := evalTagExpr(e.Y, tags)
			if err != nil {
				return false, err
			}
			if e.Op == token.LAND {
				return x && y, nil
			}
			return x || y, nil
		}
	}
	return false, errors.New("unsupported build condition")
}

// Limits bound the loading of one program directory. CUE cannot interrupt
// an evaluation, so when a limit is reached Load returns a *LimitError while
// the evaluation goes on in the background; the Loader refuses further work
// and the caller should exit soon, as rmctl does.
type Limits struct {
	// Time is the longest one program directory may take to load.
	Time time.Duration
	// Heap is the most heap memory (of the whole process, in bytes) that
	// may be in use while a program loads.
	Heap uint64
}

// DefaultLimits leave ample room for the largest program measured (10,000
// pairs load in about 4 s with 410 MB, twice that for diff).
func DefaultLimits() Limits { return Limits{Time: time.Minute, Heap: 2 << 30} }

// LimitError says which limit stopped the loading of which directory.
type LimitError struct {
	Dir    string
	Reason string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s: loading stopped: %s; CUE cannot interrupt an evaluation, so rmctl stops here. Look for comprehensions or references that build very large values", e.Dir, e.Reason)
}

// heapInUse is the heap held by live and not yet collected objects.
const heapMetric = "/memory/classes/heap/objects:bytes"

// heapCheckEvery is how often the watchdog samples the heap: fast enough
// that a doubling value is caught within a step or two.
const heapCheckEvery = 10 * time.Millisecond

func heapInUse() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

func formatBytes(n uint64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}
