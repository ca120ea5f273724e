package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target"
	"github.com/rmctl/rmctl/engine/view"
)

// planFlags are the flags plan and apply share.
type planFlags struct {
	Targets  []string
	Excludes []string
	Now      string
	Prune    bool
	Refresh  bool
	Sort     string
	Verbose  bool
	loadFlags
}

func (f *planFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.Targets, "target", nil, "only resources whose address matches this glob or prefix (repeatable)")
	cmd.Flags().StringArrayVar(&f.Excludes, "exclude", nil, "leave out resources whose address matches this glob or prefix (repeatable)")
	cmd.Flags().StringVar(&f.Now, "now", "", "plan as if it were this time (RFC 3339 or YYYY-MM-DD); resources before it are frozen")
	cmd.Flags().BoolVar(&f.Prune, "prune", false, "also cancel resources of programs in state that were not loaded")
	f.loadFlags.register(cmd)
	cmd.Flags().BoolVar(&f.Refresh, "refresh", false, "read back what the target holds and show drift (someone moved, deleted or edited an event)")
	cmd.Flags().StringVar(&f.Sort, "sort", string(plan.ByTime), "order of the changes shown: time (a timeline within each program) or address; JSON is always by address")
	cmd.Flags().BoolVar(&f.Verbose, "verbose", false, "list past resources that differ from the declarations, not just their number")
}

// view returns how to render the plan for people.
func (f *planFlags) view(color bool) (view.PlanOptions, error) {
	order, err := plan.ParseOrder(f.Sort)
	if err != nil {
		return view.PlanOptions{}, usageErrorf("--sort: %v", err)
	}
	return view.PlanOptions{Color: color, Order: order, Verbose: f.Verbose}, nil
}

// build makes the plan: expansion against state, after reading the target
// and the replies mailbox (when configured) back when --refresh asks for it.
// ix indexes st; st may be nil without --refresh (which needs it whole).
// With record the plan records what the programs expand to, for apply.
func (f *planFlags) build(ctx context.Context, a *app, ws *workspace, ix *state.Index, st *state.State, tgt target.Target, record bool) (*plan.Plan, error) {
	now, err := f.now(a)
	if err != nil {
		return nil, err
	}
	opts := plan.Options{
		Now: now, Targets: f.Targets, Excludes: f.Excludes, Prune: f.Prune,
		Commit: ws.commit, Dirty: ws.dirty, Drift: plan.DriftPolicy(ws.settings.Target.Drift),
		Record: record,
	}
	if f.Refresh && ws.settings.Replies != nil {
		if err := refreshReplies(ctx, a, ws, st); err != nil {
			return nil, err
		}
	}
	if obs, ok := tgt.(plan.Observer); f.Refresh && (ok || ws.settings.Replies == nil) {
		if !ok {
			return nil, usageErrorf("--refresh: the %s target cannot read back what it holds", ws.settings.Target.Kind)
		}
		if opts.Observed, err = plan.Refresh(ctx, obs, st, opts); err != nil {
			return nil, fmt.Errorf("refreshing from the target: %w", err)
		}
		if opts.Observed == nil {
			opts.Observed = []plan.Observation{} // refreshed, nothing differs
		}
	}
	return engine.Plan(ws.programs, ix, opts)
}

func (f *planFlags) now(a *app) (time.Time, error) {
	if f.Now == "" {
		return a.now(), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.Parse(layout, f.Now); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErrorf("--now %q: want RFC 3339 (2027-03-01T09:00:00Z) or a date (2027-03-01)", f.Now)
}

type planOptions struct {
	app              *app
	Patterns         []string
	Output           string
	Out              string
	DetailedExitCode bool
	planFlags
}

func newPlanCmd(a *app, runF func(*planOptions) error) *cobra.Command {
	opts := &planOptions{app: a}
	cmd := &cobra.Command{
		Use:   "plan [DIR | DIR/...]...",
		Short: "Show which invitations would be sent, updated or cancelled",
		Long: `Plan expands the programs into calendar invitations and tutorial
assignments, compares them with the state of what was applied, and shows
the difference: + to send, ~ to update, - to cancel, with the reason, in
time order within each program (--sort address for address order), and the
messages each person receives. Resources that lie in the past are never
changed; those that differ from the declarations are counted in one line
(--verbose lists them).

Exit status: 0 success; with --detailed-exitcode 0 no changes, 1 error,
2 changes present.`,
		Example: `  rmctl plan
  rmctl plan examples/digital-leadership
  rmctl plan -o markdown > plan.md
  rmctl plan --out plan.json && rmctl apply plan.json
  rmctl plan --target 'dl-2027/pair/klaus-anna/**'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Patterns = defaultPatterns(args)
			if err := outputFormat(opts.Output, "text", "json", "markdown"); err != nil {
				return err
			}
			if _, err := opts.planFlags.view(false); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runPlan(cmd, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: text, json or markdown")
	cmd.Flags().StringVar(&opts.Out, "out", "", "save the plan to FILE for 'rmctl apply FILE'")
	cmd.Flags().BoolVar(&opts.DetailedExitCode, "detailed-exitcode", false, "exit 2 when the plan has changes, 0 when it has none")
	opts.planFlags.register(cmd)
	return cmd
}

func runPlan(cmd *cobra.Command, opts *planOptions) error {
	a := opts.app
	ctx := cmd.Context()
	if _, err := opts.planFlags.now(a); err != nil {
		return err
	}
	vopts, err := opts.planFlags.view(a.streams.Color())
	if err != nil {
		return err
	}
	a.load = opts.loadFlags
	var ws *workspace
	var st *state.State
	var ix *state.Index
	if opts.Refresh {
		// Refreshing reads every entry back from the target.
		if ws, st, err = a.openPlanning(ctx, opts.Patterns, nil); err != nil {
			return err
		}
		ix = state.IndexOf(st)
	} else if ws, ix, err = a.openPlanIndex(ctx, opts.Patterns); err != nil {
		return err
	}
	a.warnStateExposed(ws)
	var tgt target.Target
	if opts.Refresh {
		if tgt, err = newTarget(ctx, a, ws); err != nil {
			return err
		}
	}
	// A saved plan records what the programs expand to: apply keeps it.
	p, err := opts.planFlags.build(ctx, a, ws, ix, st, tgt, opts.Out != "")
	if err != nil {
		return err
	}
	if opts.Out != "" {
		if err := savePlan(opts.Out, p); err != nil {
			return err
		}
	}
	s := a.streams
	shown := p // the saved plan is never redacted: apply needs the addresses
	if a.redacting(opts.Output) {
		shown = a.people.Plan(p)
	}
	switch opts.Output {
	case "json":
		err = view.PlanJSON(s.Out, shown)
	case "markdown":
		err = view.PlanMarkdown(s.Out, shown, vopts)
	default:
		view.PlanText(s.Out, shown, vopts)
		if opts.Out != "" {
			fmt.Fprintf(s.Out, "\nSaved the plan to %s. To carry it out exactly: rmctl apply %s\n", opts.Out, opts.Out)
		}
	}
	if err != nil {
		return err
	}
	if opts.DetailedExitCode && (p.HasChanges() || len(p.Drift) > 0) {
		return &silentError{exitChanges}
	}
	return nil
}

func savePlan(file string, p *plan.Plan) error {
	f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("saving plan: %w", err)
	}
	if err := view.PlanJSON(f, p); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("saving plan: %w", err)
	}
	return nil
}
