package main

import (
	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/engine/view"
)

type validateOptions struct {
	app      *app
	Patterns []string
	Output   string
	Strict   bool
	loadFlags
}

func newValidateCmd(a *app, runF func(*validateOptions) error) *cobra.Command {
	opts := &validateOptions{app: a}
	cmd := &cobra.Command{
		Use:   "validate [DIR | DIR/...]...",
		Short: "Check programs against the schema and the program rules",
		Long: `Validate loads each program directory, applies the embedded schema and
checks references, uniqueness, policies and the calendar (working hours in
every participant's time zone, overlaps). Every problem is reported at once,
with file:line:col.

Exit status: 0 valid, 1 invalid (or warnings with --strict), 2 usage error.`,
		Example: `  rmctl validate examples/digital-leadership
  rmctl validate ./programs/...
  rmctl validate -o json ./programs/... > validate.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Patterns = defaultPatterns(args)
			if err := outputFormat(opts.Output, "text", "json"); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runValidate(cmd, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "treat warnings as errors")
	opts.loadFlags.register(cmd)
	return cmd
}

func runValidate(cmd *cobra.Command, opts *validateOptions) error {
	pf, err := opts.app.settingsPeopleFile(cmd.Context())
	if err != nil {
		return err
	}
	opts.loadFlags.peopleFile = pf
	l, err := opts.newLoader()
	if err != nil {
		return err
	}
	res, err := l.Load(cmd.Context(), opts.Patterns...)
	if err != nil {
		return err
	}
	res.Diagnostics = append(res.Diagnostics, settingsWarnings(cmd.Context(), opts.app, l, res.Programs)...)
	a := opts.app
	s := a.streams
	failed := res.Diagnostics.HasErrors() || opts.Strict && res.Diagnostics.Warnings() > 0
	if opts.Output == "json" {
		if err := view.DiagnosticsJSON(s.Out, a.diagnostics(res.Diagnostics), !failed); err != nil {
			return err
		}
	} else {
		view.Diagnostics(s.Out, a.diagnostics(res.Diagnostics), s.Color())
		view.ValidateSummary(s.Out, res, failed)
	}
	if failed {
		return &silentError{exitError}
	}
	return nil
}
