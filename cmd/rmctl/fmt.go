package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/schema"
)

type fmtOptions struct {
	app   *app
	Paths []string
	Check bool
}

func newFmtCmd(a *app, runF func(*fmtOptions) error) *cobra.Command {
	opts := &fmtOptions{app: a}
	cmd := &cobra.Command{
		Use:   "fmt [PATH | DIR/...]...",
		Short: "Format CUE files the canonical way",
		Long: `Fmt rewrites .cue files in the canonical CUE format. With --check it
changes nothing, lists the files that are not formatted and exits 1 if there
are any, which suits CI.`,
		Example: `  rmctl fmt ./programs/...
  rmctl fmt --check ./programs/...`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if len(opts.Paths) == 0 {
				opts.Paths = []string{"./..."}
			}
			if runF != nil {
				return runF(opts)
			}
			return runFmt(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Check, "check", false, "list unformatted files and exit 1 instead of rewriting them")
	return cmd
}

func runFmt(opts *fmtOptions) error {
	res, err := schema.Format(opts.Paths, !opts.Check)
	if err != nil {
		return err
	}
	s := opts.app.streams
	for _, d := range res.Diagnostics {
		fmt.Fprintln(s.ErrOut, d.String())
	}
	for _, f := range res.Changed {
		fmt.Fprintln(s.Out, f)
	}
	if res.Diagnostics.HasErrors() || opts.Check && len(res.Changed) > 0 {
		return &silentError{exitError}
	}
	return nil
}
