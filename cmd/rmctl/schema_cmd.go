package main

import (
	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/schema"
)

func newSchemaCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the embedded CUE schema programs are checked against",
		Long: `Schema prints the CUE schema rmctl applies to every program, with its
defaults. Editors and 'cue vet' can use it: copy it beside a program's files
and give it the program's package name.`,
		Example: `  rmctl schema > schema.cue`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := a.streams.Out.Write(schema.Source)
			return err
		},
	}
}
