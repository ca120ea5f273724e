package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/schema"
)

func newExportCmd(a *app) *cobra.Command {
	var flat bool
	cmd := &cobra.Command{
		Use:   "export --flat FILE",
		Short: "Print a CUE file as one line per fact, for git diff",
		Long: `Export --flat prints a CUE file as sorted lines of "path: value", one fact
per line, so that plain 'git diff' and any git UI show pair and people
changes as single changed lines. Set it up once per clone:

  git config diff.rmctl.textconv "rmctl export --flat"
  echo '*.cue diff=rmctl' >> .gitattributes

A file that cannot be read on its own is printed unchanged.`,
		Example: `  rmctl export --flat programs/dl-2027/pairs.cue`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !flat {
				return usageErrorf("export needs --flat (the only export format so far)")
			}
			src, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			l, err := schema.NewLoader()
			if err != nil {
				return err
			}
			for _, line := range l.FlatFile(args[0], src) {
				fmt.Fprintln(a.streams.Out, line)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&flat, "flat", false, "one line per fact (the format for git's textconv)")
	return cmd
}
