package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/engine/match"
	"github.com/rmctl/rmctl/engine/view"
)

type matchOptions struct {
	app    *app
	Dir    string
	Output string
	Write  bool
	DryRun bool
	Pins   []string
	Avoids []string
}

func newMatchCmd(a *app, runF func(*matchOptions) error) *cobra.Command {
	opts := &matchOptions{app: a}
	cmd := &cobra.Command{
		Use:   "match [DIR]",
		Short: "Propose pairs for the mentors and mentees not yet paired",
		Long: `Match pairs every unpaired person with role "mentee" with a person with
role "mentor" who has room (policy.maxMenteesPerMentor). It never breaks a
hard rule: the reporting line in both directions, mentor load,
crossDepartment "require", a common language and sessions inside both
people's working hours. Among the allowed pairings it places as many
mentees as possible, then maximises the soft preferences weighted in
program.matching. Pairs already declared stay.

The proposal is written to pairs.proposed.cue in the program directory
(with --write: added to pairs.cue), each pair under a comment with its
score and reasons, and checked with the loader before the command ends.`,
		Example: `  rmctl match examples/matching
  rmctl match --pin lina.park,clara.weiss --avoid noah.smith,kenji.sato
  rmctl match --write
  rmctl match -o json --dry-run`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if err := outputFormat(opts.Output, "text", "json"); err != nil {
				return err
			}
			if strings.HasSuffix(opts.Dir, "...") {
				return usageErrorf("match works on one program directory, not %q", opts.Dir)
			}
			if runF != nil {
				return runF(opts)
			}
			return runMatch(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
	cmd.Flags().BoolVar(&opts.Write, "write", false, "add the pairs to pairs.cue instead of writing pairs.proposed.cue")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the proposal, write nothing")
	cmd.Flags().StringArrayVar(&opts.Pins, "pin", nil, "MENTOR,MENTEE: propose this pair whatever else scores higher (repeatable)")
	cmd.Flags().StringArrayVar(&opts.Avoids, "avoid", nil, "A,B: never pair these two (repeatable)")
	return cmd
}

func runMatch(ctx context.Context, opts *matchOptions) error {
	s := opts.app.streams
	var mo match.Options
	for _, spec := range []struct {
		flag string
		in   []string
		out  *[][2]string
	}{{"--pin", opts.Pins, &mo.Pins}, {"--avoid", opts.Avoids, &mo.Avoids}} {
		for _, v := range spec.in {
			a, b, ok := strings.Cut(v, ",")
			if !ok || a == "" || b == "" || strings.Contains(b, ",") {
				return usageErrorf("%s %q: want two person ids separated by a comma", spec.flag, v)
			}
			*spec.out = append(*spec.out, [2]string{strings.TrimSpace(a), strings.TrimSpace(b)})
		}
	}

	cwd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("finding working directory: %w", err)
	}
	prog, diags, err := match.Load(ctx, cwd, opts.Dir)
	if err != nil {
		return err
	}
	if len(diags) > 0 {
		view.Diagnostics(s.ErrOut, diags, s.Color())
	}
	if prog == nil || diags.HasErrors() {
		// Matching against broken references would propose nonsense.
		return fmt.Errorf("the program in %s is not valid (%s); nothing was matched", opts.Dir, view.Count(diags.Errors(), "error"))
	}
	prop, err := match.Propose(prog, mo)
	if err != nil {
		return err
	}
	w := &match.Written{}
	if !opts.DryRun {
		if w, err = match.Write(ctx, opts.Dir, prop, opts.Write); err != nil {
			return err
		}
		if w.Diagnostics.HasErrors() {
			view.Diagnostics(s.ErrOut, w.Diagnostics, s.Color())
			return fmt.Errorf("the proposed pairs do not validate (%s), a bug in rmctl match; the files are as they were", view.Count(w.Diagnostics.Errors(), "error"))
		}
	}
	if opts.Output == "json" {
		return match.JSON(s.Out, prop, w.File)
	}
	if err := match.Text(s.Out, prop); err != nil {
		return err
	}
	if w.File != "" {
		fmt.Fprintf(s.Out, "\nWrote %s.\n", w.File)
	}
	if w.Removed != "" {
		fmt.Fprintf(s.Out, "\nRemoved the earlier proposal %s.\n", w.Removed)
	}
	return nil
}
