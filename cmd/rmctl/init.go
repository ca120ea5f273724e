package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/internal/skeleton"
)

type initOptions struct {
	app      *app
	Dir      string
	Language string
	Force    bool
}

func newInitCmd(a *app, runF func(*initOptions) error) *cobra.Command {
	opts := &initOptions{app: a}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a commented program skeleton, rmctl.cue and .gitignore",
		Long: `Init writes a new program into DIR (default: the current directory):
program.cue, people.cue and pairs.cue with comments on every field, rmctl.cue
(the outbox target) and a .gitignore that keeps .rmctl/ out of git, because
state and outbox hold every participant's e-mail address. The skeleton
validates as written; edit it from there.

Existing files are left alone and nothing is written, unless --force.`,
		Example: `  rmctl init programs/pilot-2027
  rmctl init --language en .`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if !slices.Contains(skeleton.Languages, opts.Language) {
				return usageErrorf("--language %q: want one of %s", opts.Language, strings.Join(skeleton.Languages, ", "))
			}
			if runF != nil {
				return runF(opts)
			}
			return runInit(cmd, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Language, "language", "de", "language of the comments and invitations: de or en")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "overwrite files that exist")
	return cmd
}

func runInit(cmd *cobra.Command, opts *initOptions) error {
	a := opts.app
	written, err := skeleton.Write(cmd.Context(), opts.Dir, skeleton.Options{Language: opts.Language, Force: opts.Force, Now: a.now()})
	if err != nil {
		return err
	}
	for _, p := range written {
		fmt.Fprintf(a.streams.Out, "wrote %s\n", filepath.ToSlash(p))
	}
	// plan and apply find rmctl.cue in the working directory or above it.
	next := "rmctl validate . && rmctl plan ."
	if filepath.Clean(opts.Dir) != "." {
		next = "cd " + opts.Dir + " && " + next
	}
	fmt.Fprintf(a.streams.Out, "\nNext: %s\n", next)
	return nil
}
