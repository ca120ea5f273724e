// Package view renders rmctl's results for people and programs: validation
// diagnostics, plans and apply summaries, as text, JSON or markdown. Views
// only format values the engine built; they decide nothing.
package view

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/rmctl/rmctl/schema"
)

// Diagnostics writes one line per diagnostic, compiler style, so editors and
// CI annotators can jump to file:line:col.
func Diagnostics(out io.Writer, ds schema.Diagnostics, color bool) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	for _, d := range ds {
		sev := string(d.Severity)
		if color {
			if d.Severity == schema.Error {
				sev = red + bold + sev + reset
			} else {
				sev = yellow + bold + sev + reset
			}
		}
		path := ""
		if d.Path != "" {
			path = d.Path + ": "
		}
		fmt.Fprintf(w, "%s: %s: %s%s\n", d.Pos, sev, path, d.Message)
	}
}

// ValidateSummary writes the closing line of `rmctl validate`.
func ValidateSummary(w io.Writer, res *schema.Result, failed bool) {
	errs, warns := res.Diagnostics.Errors(), res.Diagnostics.Warnings()
	if failed {
		fmt.Fprintf(w, "Invalid: %s, %s.\n", plural(errs, "error"), plural(warns, "warning"))
		return
	}
	pairs := 0
	for _, p := range res.Programs {
		pairs += len(p.Pairs)
	}
	fmt.Fprintf(w, "Valid: %s, %s, %s.\n", plural(len(res.Programs), "program"), plural(pairs, "pair"), plural(warns, "warning"))
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// ValidateJSONVersion is the format_version of `rmctl validate -o json`.
const ValidateJSONVersion = "1.0"

type jsonValidate struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []jsonDiagnostic `json:"diagnostics"`
}

type jsonDiagnostic struct {
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail"`
	Path     string     `json:"path,omitempty"`
	Range    *jsonRange `json:"range,omitempty"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// DiagnosticsJSON writes diagnostics in the shape of `terraform validate
// -json`, which CI tooling already knows how to read.
func DiagnosticsJSON(w io.Writer, ds schema.Diagnostics, valid bool) error {
	out := jsonValidate{
		FormatVersion: ValidateJSONVersion,
		Valid:         valid,
		ErrorCount:    ds.Errors(),
		WarningCount:  ds.Warnings(),
		Diagnostics:   []jsonDiagnostic{},
	}
	for _, d := range ds {
		jd := jsonDiagnostic{Severity: string(d.Severity), Summary: d.Message, Path: d.Path}
		if d.Pos.Filename != "" {
			p := jsonPos{Line: d.Pos.Line, Column: d.Pos.Column, Byte: d.Pos.Offset}
			jd.Range = &jsonRange{Filename: d.Pos.Filename, Start: p, End: p}
		}
		out.Diagnostics = append(out.Diagnostics, jd)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// Count formats n with the word in singular or plural: "1 error", "2 errors".
func Count(n int, word string) string { return plural(n, word) }
