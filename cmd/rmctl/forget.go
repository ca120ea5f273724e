package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/engine/forget"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/view"
)

type forgetOptions struct {
	app         *app
	Person      string
	Patterns    []string
	AutoApprove bool
	planFlags
}

func newForgetCmd(a *app, runF func(*forgetOptions) error) *cobra.Command {
	opts := &forgetOptions{app: a}
	cmd := &cobra.Command{
		Use:   "forget PERSON [DIR | DIR/...]...",
		Short: "Cancel a person's invitations and remove them from state and the target",
		Long: `Forget is for a person who leaves or asks to be forgotten. Remove them
(and their pairs) from the declarations first: forget refuses while a
program still names them and says where.

It then cancels their future invitations through the normal apply path,
under the state lock: their 1:1 sessions and assignments, and those of
their pairs, are cancelled; joint events are updated without them (they
get a cancellation). Past ones are sent nothing. Afterwards every state
entry of theirs is removed, and they are taken out of the joint events
that stay; the target removes what it keeps about them (outbox: their
objects, feed, the messages that name them, and their entry in others'
copies; CalDAV: the objects left in their calendar). It prints what was
removed by id and count, never a name or an e-mail address.`,
		Example: `  rmctl forget klaus.mueller
  rmctl forget --auto-approve klaus.mueller ./programs/...`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 {
				return usageErrorf("forget needs the id of the person to forget")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Person = args[0]
			opts.Patterns = defaultPatterns(args[1:])
			if runF != nil {
				return runF(opts)
			}
			return runForget(cmd, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.AutoApprove, "auto-approve", false, "forget without asking for confirmation")
	cmd.Flags().StringVar(&opts.Now, "now", "", "act as if it were this time (RFC 3339 or YYYY-MM-DD); invitations before it are not cancelled")
	opts.loadFlags.register(cmd)
	return cmd
}

func runForget(cmd *cobra.Command, opts *forgetOptions) error {
	a := opts.app
	s := a.streams
	now, err := opts.planFlags.now(a)
	if err != nil {
		return err
	}
	lock := state.LockInfo{ID: newLockID(), Operation: "forget", Who: who(), PID: pid(), Created: a.now()}
	a.load = opts.loadFlags
	ws, st, err := a.openPlanning(cmd.Context(), opts.Patterns, &lock)
	if err != nil {
		return err
	}
	lockCtx, lost := context.WithCancelCause(cmd.Context())
	defer lost(nil)
	stopRenewing := keepLock(lockCtx, ws, lock.ID, lost)
	defer func() {
		stopRenewing()
		if err := ws.store.Unlock(context.WithoutCancel(lockCtx), lock.ID); err != nil {
			fmt.Fprintf(s.ErrOut, "rmctl: releasing the state lock: %v\n", err)
		}
	}()
	if ds := forget.Declared(ws.programs, opts.Person); len(ds) > 0 {
		view.Diagnostics(s.ErrOut, a.diagnostics(ds), s.Color())
		return fmt.Errorf("%s is still declared (%s); remove them and their pairs first, nothing was changed", opts.Person, view.Count(len(ds), "place"))
	}
	tgt, err := newTarget(lockCtx, a, ws)
	if err != nil {
		return err
	}
	if !opts.AutoApprove {
		fmt.Fprintf(s.Out, "This cancels the invitations of %s and removes them from state and the %s target.\n", opts.Person, ws.settings.Target.Kind)
		ok, err := confirm(a)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(s.Out, "Forget cancelled: nothing was changed.")
			return &silentError{exitError}
		}
	}
	rep, err := forget.Run(lockCtx, forget.Options{
		Person: opts.Person, Programs: ws.programs, Store: ws.store, State: st, Target: tgt,
		Now: func() time.Time { return now }, Commit: ws.commit, Dirty: ws.dirty,
	})
	if rep != nil {
		printForgotten(s, rep)
	}
	return err
}

// printForgotten says what forget did, by ids and counts only.
func printForgotten(s *Streams, rep *forget.Report) {
	if rep.Applied != nil {
		fmt.Fprintf(s.Out, "Cancelled %d and updated %d invitations of %s.\n", rep.Applied.Cancelled, rep.Applied.Updated, rep.Person)
	}
	fmt.Fprintf(s.Out, "Removed %s from state", view.Count(len(rep.Removed.Entries), "resource"))
	if len(rep.Removed.Edited) > 0 {
		fmt.Fprintf(s.Out, " and took them out of %s", view.Count(len(rep.Removed.Edited), "joint event"))
	}
	fmt.Fprintln(s.Out, ":")
	for _, addr := range rep.Removed.Entries {
		fmt.Fprintf(s.Out, "  - %s\n", addr)
	}
	for _, addr := range rep.Removed.Edited {
		fmt.Fprintf(s.Out, "  ~ %s\n", addr)
	}
	if len(rep.Forgotten) > 0 {
		kinds := make([]string, 0, len(rep.Forgotten))
		for k, n := range rep.Forgotten {
			kinds = append(kinds, fmt.Sprintf("%s: %d", k, n))
		}
		slices.Sort(kinds)
		fmt.Fprintf(s.Out, "Removed from the target: %s.\n", strings.Join(kinds, ", "))
	}
}
