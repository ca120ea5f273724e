package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/engine/match"
	"github.com/rmctl/rmctl/engine/view"
	"github.com/rmctl/rmctl/schema"
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

	prog, err := loadForMatch(ctx, opts)
	if err != nil {
		return err
	}
	prop, err := match.Propose(prog, mo)
	if err != nil {
		return err
	}

	file, removed := "", ""
	switch {
	case opts.DryRun:
	case len(prop.Pairs) > 0:
		if file, err = writeProposal(ctx, opts, prop); err != nil {
			return err
		}
	default:
		// Nothing to propose: an earlier proposal is out of date.
		if p := filepath.Join(opts.Dir, match.ProposedFile); fileExists(p) {
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("removing the earlier proposal: %w", err)
			}
			removed = p
		}
	}
	if opts.Output == "json" {
		return match.JSON(s.Out, prop, file)
	}
	if err := match.Text(s.Out, prop); err != nil {
		return err
	}
	if file != "" {
		fmt.Fprintf(s.Out, "\nWrote %s.\n", file)
	}
	if removed != "" {
		fmt.Fprintf(s.Out, "\nRemoved the earlier proposal %s.\n", removed)
	}
	return nil
}

// loadForMatch loads the one program in opts.Dir, without an earlier
// proposal. An invalid program prints its diagnostics and fails: matching
// against broken references would propose nonsense.
func loadForMatch(ctx context.Context, opts *matchOptions) (*schema.Program, error) {
	s := opts.app.streams
	cwd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("finding working directory: %w", err)
	}
	abs, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	// Load through the working directory when the program lies below it,
	// so diagnostics name files as the user sees them.
	root, rel := "/", strings.TrimPrefix(filepath.ToSlash(abs), "/")
	if r, err := filepath.Rel(cwd, abs); err == nil && r != ".." && !strings.HasPrefix(r, "../") {
		root, rel = cwd, filepath.ToSlash(r)
	}
	if rel == "" {
		rel = "."
	}
	loader, err := schema.NewLoader()
	if err != nil {
		return nil, err
	}
	res, err := loader.LoadFS(ctx, match.HideProposal(os.DirFS(root)), rel)
	if err != nil {
		return nil, err
	}
	if len(res.Diagnostics) > 0 {
		view.Diagnostics(s.ErrOut, res.Diagnostics, s.Color())
	}
	if res.Diagnostics.HasErrors() || len(res.Programs) != 1 {
		return nil, fmt.Errorf("the program in %s is not valid (%s); nothing was matched", opts.Dir, view.Count(res.Diagnostics.Errors(), "error"))
	}
	return res.Programs[0], nil
}

// writeProposal writes the pairs and loads the program again as validate
// would; if the result is not valid, the files are put back as they were.
func writeProposal(ctx context.Context, opts *matchOptions, prop *match.Proposal) (string, error) {
	name := filepath.Join(opts.Dir, match.ProposedFile)
	stale := ""
	if opts.Write {
		name = filepath.Join(opts.Dir, "pairs.cue")
		// An earlier proposal would declare the same people twice.
		if p := filepath.Join(opts.Dir, match.ProposedFile); fileExists(p) {
			stale = p
		}
	}
	old, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) || !opts.Write {
		old = nil
	} else if err != nil {
		return "", fmt.Errorf("reading %s: %w", name, err)
	}
	pkg, err := schema.PackageName(opts.Dir)
	if err != nil {
		return "", err
	}
	out, err := match.CUE(prop, name, old, pkg)
	if err != nil {
		return "", err
	}
	restore, err := replaceFiles(name, out, stale)
	if err != nil {
		return "", err
	}
	loader, err := schema.NewLoader()
	if err == nil {
		var res *schema.Result
		if res, err = loader.Load(ctx, opts.Dir); err == nil && res.Diagnostics.HasErrors() {
			view.Diagnostics(opts.app.streams.ErrOut, res.Diagnostics, opts.app.streams.Color())
			err = fmt.Errorf("the proposed pairs do not validate (%s): this is a bug in rmctl match; nothing was written", view.Count(res.Diagnostics.Errors(), "error"))
		}
	}
	if err != nil {
		if rerr := restore(); rerr != nil {
			return "", fmt.Errorf("%w; restoring files: %v", err, rerr)
		}
		return "", err
	}
	return name, nil
}

// replaceFiles writes data to name (atomically) and removes stale; restore
// puts both back.
func replaceFiles(name string, data []byte, stale string) (restore func() error, err error) {
	prev, prevErr := os.ReadFile(name)
	var staleData []byte
	if stale != "" {
		if staleData, err = os.ReadFile(stale); err != nil {
			return nil, fmt.Errorf("reading %s: %w", stale, err)
		}
	}
	if err := writeAtomic(name, data); err != nil {
		return nil, err
	}
	if stale != "" {
		if err := os.Remove(stale); err != nil {
			return nil, fmt.Errorf("removing the earlier proposal %s: %w", stale, err)
		}
	}
	return func() error {
		var errs []error
		if prevErr == nil {
			errs = append(errs, writeAtomic(name, prev))
		} else {
			errs = append(errs, os.Remove(name))
		}
		if stale != "" {
			errs = append(errs, writeAtomic(stale, staleData))
		}
		return errors.Join(errs...)
	}, nil
}

func writeAtomic(name string, data []byte) error {
	tmp := name + ".rmctl-tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
