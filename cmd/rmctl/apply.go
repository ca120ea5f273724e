package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/rmctl/rmctl/engine/apply"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/view"
)

type applyOptions struct {
	app         *app
	Patterns    []string
	PlanFile    string
	AutoApprove bool
	Parallelism int
	MaxCancel   int
	Timeout     time.Duration
	planFlags
}

func newApplyCmd(a *app, runF func(*applyOptions) error) *cobra.Command {
	opts := &applyOptions{app: a}
	cmd := &cobra.Command{
		Use:   "apply [DIR | DIR/... | PLANFILE]...",
		Short: "Send, update and cancel invitations so calendars match the programs",
		Long: `Apply plans like 'rmctl plan', asks for confirmation, then carries the
changes out through the configured target (by default an outbox folder of
.ics files and per-person calendar feeds). State is recorded after every
single action: an interrupted apply loses nothing, and running it again
finishes the job without sending anything twice.

Given a plan file saved with 'rmctl plan --out', apply carries out exactly
that plan, and refuses it if state has changed since it was made.`,
		Example: `  rmctl apply examples/digital-leadership
  rmctl apply --auto-approve ./programs/...
  rmctl plan --out plan.json && rmctl apply plan.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if fi, err := os.Stat(args[0]); err == nil && fi.Mode().IsRegular() {
					opts.PlanFile = args[0]
				}
			}
			if opts.PlanFile == "" {
				opts.Patterns = defaultPatterns(args)
			}
			if opts.Parallelism < 1 {
				return usageErrorf("--parallelism must be at least 1")
			}
			if opts.MaxCancel < 0 || opts.MaxCancel > 100 {
				return usageErrorf("--max-cancel is a percentage from 0 to 100")
			}
			if _, err := opts.planFlags.view(false); err != nil {
				return err
			}
			if opts.Timeout < 0 {
				return usageErrorf("--timeout must not be negative (0 means no limit)")
			}
			if runF != nil {
				return runF(opts)
			}
			return runApply(cmd, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.AutoApprove, "auto-approve", false, "apply without asking for confirmation")
	cmd.Flags().IntVar(&opts.Parallelism, "parallelism", 8, "number of actions carried out at once")
	cmd.Flags().IntVar(&opts.MaxCancel, "max-cancel", 25, "refuse to cancel more than this percentage of managed resources")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 30*time.Minute, "stop after working this long (not counting the confirmation prompt), keeping what was done; 0 means no limit")
	opts.planFlags.register(cmd)
	return cmd
}

func runApply(cmd *cobra.Command, opts *applyOptions) error {
	// A server that accepts connections and never answers would otherwise
	// keep apply (and its lock) busy for as long as every request's own
	// deadline and retries allow, times the number of changes.
	clock := &workClock{limit: opts.Timeout, cause: &errTimeout{opts.Timeout}, started: time.Now()}
	err := runApplyWithin(cmd, opts, clock)
	if err != nil && clock.current != nil && errors.Is(context.Cause(clock.current), clock.cause) && !errors.Is(err, clock.cause) {
		// Stopped by the limit outside apply proper (reading state,
		// observing the calendars): say so rather than "context deadline
		// exceeded".
		err = fmt.Errorf("%w, before any change was applied: %w", clock.cause, err)
	}
	return err
}

// errTimeout is the cause of a context ended by --timeout.
type errTimeout struct{ limit time.Duration }

func (e *errTimeout) Error() string {
	return fmt.Sprintf("the time limit of apply (--timeout %s) was reached", e.limit)
}

// workClock bounds the time apply works by --timeout, not counting the wait
// for the user's confirmation: whoever takes 30 minutes to answer should
// not see the apply they approved stop at once.
type workClock struct {
	limit   time.Duration // 0: none
	cause   error
	started time.Time     // when the clock last started
	used    time.Duration // work time before the clock last started
	current context.Context
}

// within returns parent bounded by the work time left.
func (c *workClock) within(parent context.Context) (context.Context, context.CancelFunc) {
	var cancel context.CancelFunc
	if c.limit <= 0 {
		c.current, cancel = context.WithCancel(parent)
	} else {
		c.current, cancel = context.WithTimeoutCause(parent, c.limit-c.used-time.Since(c.started), c.cause)
	}
	return c.current, cancel
}

// pause stops counting; resume counts again from now.
func (c *workClock) pause()  { c.used += time.Since(c.started) }
func (c *workClock) resume() { c.started = time.Now() }

func runApplyWithin(cmd *cobra.Command, opts *applyOptions, clock *workClock) error {
	a := opts.app
	vopts, err := opts.planFlags.view(a.streams.Color())
	if err != nil {
		return err
	}
	var patterns []string
	if opts.PlanFile == "" {
		patterns = opts.Patterns
	}
	lock := state.LockInfo{ID: newLockID(), Operation: "apply", Who: who(), PID: pid(), Created: a.now()}
	a.load = opts.loadFlags
	openCtx, cancelOpen := clock.within(cmd.Context())
	defer cancelOpen()
	ws, st, err := a.openPlanning(openCtx, patterns, &lock)
	if err != nil {
		return err
	}
	a.warnStateExposed(ws)
	// Losing the lock (renewal failed: another apply may have taken it over)
	// stops this apply: two applies at once could send things twice. The
	// lock is kept (and released) independently of --timeout.
	lockCtx, lost := context.WithCancelCause(cmd.Context())
	defer lost(nil)
	stopRenewing := keepLock(lockCtx, ws, lock.ID, lost)
	defer func() {
		stopRenewing()
		if err := ws.store.Unlock(context.WithoutCancel(lockCtx), lock.ID); err != nil {
			fmt.Fprintf(a.streams.ErrOut, "rmctl: releasing the state lock: %v\n", err)
		}
	}()
	ctx, cancelWork := clock.within(lockCtx)
	defer func() { cancelWork() }()
	if st.Replayed > 0 {
		// An earlier apply was interrupted: fold its journal in first, so
		// the serial moves on and a plan saved before it counts as stale.
		if err := ws.store.Write(ctx, st); err != nil {
			return err
		}
	}

	var p *plan.Plan
	if opts.PlanFile != "" {
		if p, err = readPlan(opts.PlanFile); err != nil {
			return err
		}
		if p.Lineage != st.Lineage || p.Serial != st.Serial {
			return fmt.Errorf("the saved plan %s is stale: it was made from state serial %d, state is now at serial %d%s; run rmctl plan again",
				opts.PlanFile, p.Serial, st.Serial, lineageNote(p.Lineage, st.Lineage))
		}
	}
	s := a.streams
	tgt, err := newTarget(ctx, a, ws)
	if err != nil {
		return err
	}
	if p == nil {
		if p, err = opts.planFlags.build(ctx, a, ws, state.IndexOf(st), st, tgt, true); err != nil {
			return err
		}
	}
	// What the programs expand to goes into state with whatever this run
	// records (nothing is written when it records nothing), for the next
	// plan to skip expanding programs that did not change.
	for prog, exp := range p.Expansions {
		if st.Expansions == nil {
			st.Expansions = map[string]state.Expansion{}
		}
		st.Expansions[prog] = exp
	}
	if !p.HasChanges() {
		view.PlanText(s.Out, a.shownPlan(p, "text"), vopts)
		// Still give the target its chance to repair what an interrupted
		// earlier run left (feeds, for the outbox).
		_, err := apply.Apply(ctx, p, st, ws.store, tgt, apply.Options{Now: a.now})
		return err
	}
	if opts.PlanFile == "" {
		view.PlanText(s.Out, a.shownPlan(p, "text"), vopts)
	}
	if err := apply.CancelGuard(p, len(st.Resources), opts.MaxCancel); err != nil {
		return err
	}
	// A saved plan was reviewed when it was made, as with Terraform: it
	// runs without asking again.
	if !opts.AutoApprove && opts.PlanFile == "" {
		clock.pause()
		ok, err := confirm(a)
		if err != nil {
			return err
		}
		clock.resume()
		cancelWork()
		ctx, cancelWork = clock.within(lockCtx)
		if !ok {
			fmt.Fprintln(s.Out, "Apply cancelled: nothing was changed.")
			return &silentError{exitError}
		}
	}

	prog := newProgress(a, len(p.Changes))
	parallelism := opts.Parallelism
	if !cmd.Flags().Changed("parallelism") && ws.settings.Target.Parallelism > 0 {
		parallelism = ws.settings.Target.Parallelism
	}
	res, err := apply.Apply(ctx, p, st, ws.store, tgt, apply.Options{
		Parallelism: parallelism, Now: a.now, Commit: p.Commit, Dirty: p.Dirty, Progress: prog.report,
	})
	prog.wait()
	fmt.Fprintln(s.Out)
	fmt.Fprintln(s.Out, view.ApplySummary(res))
	return err
}

// keepLock renews the state lock every third of its lifetime while apply
// runs: sending a large program to a slow calendar server can take longer
// than the lock's TTL, and an expired lock may be taken over by another
// apply. When renewal fails it calls lost, which stops the apply. It
// returns a function that stops the renewal.
func keepLock(ctx context.Context, ws *workspace, id string, lost context.CancelCauseFunc) (stop func()) {
	every := ws.settings.State.LockTTL.Duration / 3
	if every <= 0 {
		every = 5 * time.Minute
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := ws.store.RenewLock(ctx, id); err != nil && ctx.Err() == nil {
					lost(fmt.Errorf("lost the state lock: %w", err))
					return
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

func lineageNote(planLineage, stateLineage string) string {
	if planLineage != stateLineage {
		return " of another lineage"
	}
	return ""
}

func readPlan(file string) (*plan.Plan, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading plan: %w", err)
	}
	var p plan.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("reading plan %s: not a saved rmctl plan: %w", file, err)
	}
	if p.FormatVersion != plan.FormatVersion {
		return nil, fmt.Errorf("reading plan %s: format version %q, this rmctl reads %q", file, p.FormatVersion, plan.FormatVersion)
	}
	if p.Redacted {
		// Its attendees' addresses are ids: applying it would send nothing
		// anyone receives.
		return nil, fmt.Errorf("reading plan %s: the plan is redacted (names and e-mails replaced by ids) and cannot be applied; save plans with --out, which never redacts", file)
	}
	if err := p.Check(); err != nil {
		return nil, fmt.Errorf("reading plan %s: %w", file, err)
	}
	return &p, nil
}

func confirm(a *app) (bool, error) {
	s := a.streams
	if !s.InTTY {
		return false, usageErrorf("refusing to apply without confirmation: standard input is not a terminal; pass --auto-approve")
	}
	fmt.Fprint(s.Out, "\nDo you want to carry out these changes? Only 'yes' will be accepted: ")
	line, err := bufio.NewReader(s.In).ReadString('\n')
	if err != nil && !errors.Is(err, os.ErrClosed) && line == "" {
		return false, nil
	}
	return strings.TrimSpace(line) == "yes", nil
}

func newLockID() string { return uuid.NewString() }

func pid() int { return os.Getpid() }

func who() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name + "@" + host
}

// progress shows a bar on a terminal and one line per change otherwise, so
// CI logs say what happened to each resource.
type progress struct {
	a   *app
	p   *mpb.Progress
	bar *mpb.Bar
	mu  sync.Mutex
}

func newProgress(a *app, total int) *progress {
	pr := &progress{a: a}
	if a.streams.OutTTY {
		pr.p = mpb.New(mpb.WithOutput(a.streams.Out), mpb.WithWidth(40))
		pr.bar = pr.p.AddBar(int64(total),
			mpb.PrependDecorators(decor.Name("applying "), decor.CountersNoUnit("%d/%d")),
			mpb.AppendDecorators(decor.Percentage()))
	}
	return pr
}

func (pr *progress) report(ev apply.Progress) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if ev.Err != nil {
		fmt.Fprintf(pr.a.streams.ErrOut, "failed: %s: %s\n", ev.Change.Address, pr.a.errorText(ev.Err))
	}
	if pr.bar != nil {
		pr.bar.Increment()
		return
	}
	if ev.Err == nil {
		fmt.Fprintf(pr.a.streams.Out, "%s %s (%d/%d)\n", pastTense(ev.Change.Action), ev.Change.Address, ev.Done, ev.Total)
	}
}

func (pr *progress) wait() {
	if pr.p != nil {
		// A run that stopped early (failures, interrupt) leaves the bar
		// short of its total; without an abort, Wait would wait forever.
		if !pr.bar.Completed() {
			pr.bar.Abort(false)
		}
		pr.p.Wait()
	}
}

func pastTense(a plan.Action) string {
	switch a {
	case plan.Create:
		return "sent     "
	case plan.Update:
		return "updated  "
	case plan.Cancel:
		return "cancelled"
	case plan.Move:
		return "renamed  "
	}
	return string(a)
}
