package main

import (
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/report"
	"github.com/rmctl/rmctl/engine/timeline"
	"github.com/rmctl/rmctl/engine/view"
)

type reportOptions struct {
	app       *app
	Patterns  []string
	Output    string
	At        string
	BOM       bool
	Delimiter string
}

func newReportCmd(a *app, runF func(*reportOptions) error) *cobra.Command {
	opts := &reportOptions{app: a}
	cmd := &cobra.Command{
		Use:   "report [DIR | DIR/...]...",
		Short: "Report progress per pair, per person and per program",
		Long: `Report counts, from the declarations and state, per pair, per person and
per program: sessions planned, sent (recorded in state), taken place (over
and neither skipped nor cancelled), skipped, cancelled (pair paused or
ended), replies accepted / declined / unknown, tutorials assigned and
feedback requested. It prints ids, never e-mail addresses.

Replies are not read back from calendars yet, so every reply counts as
unknown. Feedback requests count when sent and not cancelled; a person's
count includes their request on the whole program, a pair's does not.

-o csv writes one table for a spreadsheet: --bom adds the byte order mark
Excel needs for umlauts, --delimiter ';' suits Excel with a German locale.`,
		Example: `  rmctl report
  rmctl report --at 2027-04-30 -o markdown > progress.md
  rmctl report -o csv --bom --delimiter ';' > progress.csv`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Patterns = defaultPatterns(args)
			if err := outputFormat(opts.Output, "text", "markdown", "csv", "json"); err != nil {
				return err
			}
			if utf8.RuneCountInString(opts.Delimiter) != 1 || opts.Delimiter == "\"" || opts.Delimiter == "\n" || opts.Delimiter == "\r" {
				return usageErrorf("--delimiter %q: want one character such as , ; or a tab", opts.Delimiter)
			}
			if (opts.BOM || opts.Delimiter != ",") && opts.Output != "csv" {
				return usageErrorf("--bom and --delimiter apply to -o csv only")
			}
			if runF != nil {
				return runF(opts)
			}
			return runReport(cmd, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: text, markdown, csv or json")
	cmd.Flags().StringVar(&opts.At, "at", "", "report as of this time (RFC 3339 or YYYY-MM-DD; default: now)")
	cmd.Flags().BoolVar(&opts.BOM, "bom", false, "start the CSV with a UTF-8 byte order mark (for Excel)")
	cmd.Flags().StringVar(&opts.Delimiter, "delimiter", ",", "CSV field separator, e.g. ';' for German Excel")
	return cmd
}

func runReport(cmd *cobra.Command, opts *reportOptions) error {
	a := opts.app
	at, err := (&planFlags{Now: opts.At}).now(a)
	if err != nil {
		return usageErrorf("--at %q: want RFC 3339 (2027-03-01T09:00:00Z) or a date (2027-03-01)", opts.At)
	}
	ws, st, err := a.openPlanning(cmd.Context(), opts.Patterns, nil)
	if err != nil {
		return err
	}
	r := report.Build(timeline.Build(ws.programs, st, engine.Expand(ws.programs), at))
	out := a.streams.Out
	switch opts.Output {
	case "markdown":
		return view.ReportMarkdown(out, r)
	case "csv":
		d, _ := utf8.DecodeRuneInString(opts.Delimiter)
		return view.ReportCSV(out, r, view.CSVOptions{BOM: opts.BOM, Delimiter: d})
	case "json":
		return view.ReportJSON(out, r)
	}
	return view.ReportText(out, r)
}
