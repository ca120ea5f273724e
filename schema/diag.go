package schema

import (
	"fmt"
	"sort"
	"strings"
)

// Severity says whether a diagnostic makes a program invalid.
type Severity string

// Severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Pos is a position in a user's file. Line and Column are 1-based; zero means
// unknown (for example a missing directory has no line).
type Pos struct {
	Filename string `json:"filename"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Offset   int    `json:"byte"`
}

func (p Pos) String() string {
	switch {
	case p.Filename == "":
		return "-"
	case p.Line == 0:
		return p.Filename
	}
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}

// Diagnostic is one finding about a program: where, how bad, which field, and
// what is wrong in words a non-programmer understands.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Pos      Pos      `json:"pos"`
	Path     string   `json:"path,omitempty"` // field path, such as pairs.klaus-anna.mentor
	Message  string   `json:"message"`
}

// String formats the diagnostic the way compilers do:
// file:line:col: severity: path: message.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	b.WriteString(string(d.Severity))
	b.WriteString(": ")
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics is a list of findings.
type Diagnostics []Diagnostic

// Errors counts the error diagnostics.
func (ds Diagnostics) Errors() int { return ds.count(Error) }

// Warnings counts the warning diagnostics.
func (ds Diagnostics) Warnings() int { return ds.count(Warning) }

func (ds Diagnostics) count(s Severity) int {
	n := 0
	for _, d := range ds {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool { return ds.Errors() > 0 }

// Sort orders diagnostics by file, line and column, so output is stable.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return ds[i].Message < ds[j].Message
	})
}

// FormatPath joins field path segments the way users write them, quoting
// only keys that would otherwise be ambiguous (ids containing dots).
func FormatPath(segs ...string) string {
	var b strings.Builder
	for i, s := range segs {
		if _, ok := indexSeg(s); ok {
			b.WriteString(s)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		if s == "" || strings.ContainsAny(s, ". \"") {
			fmt.Fprintf(&b, "%q", s)
		} else {
			b.WriteString(s)
		}
	}
	return b.String()
}
