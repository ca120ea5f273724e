package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/view"
)

func newStateCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Inspect and edit what rmctl recorded as applied",
		// Cobra checks Args only for commands that run, so this one runs:
		// an unknown subcommand is a usage error, not a silent help page.
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(newStateListCmd(a), newStateShowCmd(a), newStateRmCmd(a), newStateCheckCmd(a), newStateRestoreCmd(a),
		newStatePushCmd(a), newStatePullCmd(a), newStateMigrateCmd(a))
	return cmd
}

func newStateListCmd(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list [PATTERN]...",
		Short: "List recorded resources, optionally those matching address globs",
		Example: `  rmctl state list
  rmctl state list 'dl-2027/pair/klaus-anna/**'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFormat(output, "text", "json"); err != nil {
				return err
			}
			_, st, err := a.openPlanning(cmd.Context(), nil, nil)
			if err != nil {
				return err
			}
			var addrs []string
			for _, addr := range st.Addresses() {
				if len(args) == 0 || matchesAny(args, addr) {
					addrs = append(addrs, addr)
				}
			}
			if output == "json" {
				return json.NewEncoder(a.streams.Out).Encode(addrs)
			}
			for _, addr := range addrs {
				fmt.Fprintln(a.streams.Out, addr)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

func matchesAny(patterns []string, addr string) bool {
	for _, p := range patterns {
		if resource.Match(p, addr) {
			return true
		}
	}
	return false
}

func newStateShowCmd(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:     "show ADDRESS",
		Short:   "Show one recorded resource: UID, sequence, times, attendees, commit",
		Example: `  rmctl state show dl-2027/pair/klaus-anna/session/3`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFormat(output, "text", "json"); err != nil {
				return err
			}
			_, st, err := a.openPlanning(cmd.Context(), nil, nil)
			if err != nil {
				return err
			}
			e := st.Resources[args[0]]
			if r, ok := st.Retired[args[0]]; e == nil && ok {
				return fmt.Errorf("no resource %q in state: it was cancelled (SEQUENCE %d), and state keeps only that, to send it above its cancellation if it is declared again", args[0], r.Sequence)
			}
			if e == nil {
				return fmt.Errorf("no resource %q in state (see rmctl state list)", args[0])
			}
			if output == "json" {
				enc := json.NewEncoder(a.streams.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(e)
			}
			showEntry(a, e)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

func showEntry(a *app, e *state.Entry) {
	w := tabwriter.NewWriter(a.streams.Out, 0, 4, 2, ' ', 0)
	s := e.Snapshot
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%s\t%s\n", k, v)
		}
	}
	row("address", e.Address)
	row("uid", e.UID)
	row("kind", string(s.Kind))
	row("title", s.Title)
	row("start", plan.FormatTime(s.Start, s.Timezone))
	if !s.End.IsZero() {
		row("end", plan.FormatTime(s.End, s.Timezone))
	}
	row("location", s.Location)
	row("url", s.URL)
	row("sequence", fmt.Sprint(e.Sequence))
	row("organizer", fmt.Sprintf("%s <%s>", s.Organizer.Name, s.Organizer.Email))
	for i, at := range s.Attendees {
		k := ""
		if i == 0 {
			k = "attendees"
		}
		answer := ""
		if e.Replies != nil {
			if r, ok := e.Replies.By[at.ID]; ok {
				answer = ", " + strings.ToLower(r.PartStat)
			}
		}
		fmt.Fprintf(w, "%s\t%s <%s> (%s%s)\n", k, at.Name, at.Email, at.Role, answer)
	}
	commit := e.Commit
	if e.Dirty {
		commit += " (with uncommitted changes)"
	}
	row("commit", commit)
	row("applied", e.AppliedAt.UTC().Format("2006-01-02 15:04:05 MST"))
	refs := append([]state.Ref(nil), e.Refs...)
	sort.Slice(refs, func(i, j int) bool { return refs[i].Href < refs[j].Href })
	for _, r := range refs {
		row("stored at", fmt.Sprintf("%s %s (etag %s)", r.Target, r.Href, r.ETag))
	}
	w.Flush()
}

func newStateRmCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "rm ADDRESS...",
		Short: "Forget resources without cancelling them",
		Long: `Rm removes resources from state without touching any calendar: rmctl
stops managing them. A later plan will offer to send them again if they
are still declared.

It also forgets cancelled resources: state remembers the SEQUENCE of every
cancellation, so that a resource declared again is sent above it. After rm
such a resource is sent again as new (SEQUENCE 0), which calendars that
hold its cancellation may ignore.`,
		Example: `  rmctl state rm dl-2027/pair/klaus-anna/session/3`,
		Args:    usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			lock := state.LockInfo{ID: newLockID(), Operation: "state rm", Who: who(), PID: pid(), Created: a.now()}
			ws, st, err := a.openPlanning(ctx, nil, &lock)
			if err != nil {
				return err
			}
			defer ws.store.Unlock(context.WithoutCancel(ctx), lock.ID)
			for _, addr := range args {
				if _, retired := st.Retired[addr]; st.Resources[addr] == nil && !retired {
					return fmt.Errorf("no resource %q in state; nothing was removed", addr)
				}
			}
			for _, addr := range args {
				if st.Resources[addr] == nil {
					delete(st.Retired, addr)
					fmt.Fprintf(a.streams.Out, "Removed %s (cancelled)\n", addr)
					continue
				}
				delete(st.Resources, addr)
				fmt.Fprintf(a.streams.Out, "Removed %s\n", addr)
			}
			return ws.store.Write(ctx, st)
		},
	}
}

func newStateCheckCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Check state, journal and backup for damage without changing anything",
		Long: `Check reads the state file, its journal and the backup with the strict checks
plan and apply use (checksum, resource count, serials, entries) and reports
what it finds. It exits 1 when the state or journal is damaged.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := a.openWorkspace(cmd.Context(), nil)
			if err != nil {
				return err
			}
			out := a.streams.Out
			local, ok := ws.store.(*state.Local)
			if !ok {
				fmt.Fprintln(out, notNeeded)
				return nil
			}
			rep, err := local.Check(cmd.Context())
			path := local.Path()
			if rep != nil && rep.Backup != nil {
				fmt.Fprintf(out, "Backup %s: serial %d, %s.\n", path+state.BackupSuffix, rep.Backup.Serial, view.Count(rep.Backup.Resources, "resource"))
			} else if rep != nil && rep.BackupErr != nil {
				fmt.Fprintf(out, "Backup %s is not usable: %v\n", path+state.BackupSuffix, rep.BackupErr)
			}
			if errors.Is(err, fs.ErrNotExist) {
				fmt.Fprintf(out, "No state yet at %s.\n", path)
				return nil
			}
			if err != nil {
				return err
			}
			format := "checksum correct"
			if rep.Version < 2 {
				format = fmt.Sprintf("format %d without checksum; the next apply adds one", rep.Version)
			}
			fmt.Fprintf(out, "State %s: lineage %s, serial %d, %s, %s.\n", path, rep.Lineage, rep.Serial, view.Count(rep.Resources, "resource"), format)
			if rep.Retired > 0 {
				fmt.Fprintf(out, "Retired: %s, sent again above their cancellation if declared again.\n", view.Count(rep.Retired, "cancelled resource"))
			}
			if rep.Journal > 0 {
				fmt.Fprintf(out, "Journal: %s of an interrupted apply, folded in by the next apply.\n", view.Count(rep.Journal, "recorded action"))
			}
			return nil
		},
	}
}

// notNeeded is what state check and restore say for PostgreSQL state.
const notNeeded = "Not needed for PostgreSQL state: the database's transactions and write-ahead log replace the state file's checksum, journal and backup (back it up with pg_dump)."

func newStateRestoreCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "restore",
		Short: "Replace a damaged state with its backup",
		Long: `Restore replaces a damaged state with the backup (the state file's path plus
.backup) and replays the journal recorded on top of it. rmctl writes the
backup when apply or state rm start, after checking the state, and again
with every state it writes, so it is the last state that passed the checks.
The damaged state file and journal are kept next to it, renamed to end in
.damaged-TIME. A journal that is itself damaged is not replayed: what it
recorded will be planned again.

Review rmctl plan before the next apply.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ws, err := a.openWorkspace(ctx, nil)
			if err != nil {
				return err
			}
			local, ok := ws.store.(*state.Local)
			if !ok {
				fmt.Fprintln(a.streams.Out, notNeeded)
				return nil
			}
			lock := state.LockInfo{ID: newLockID(), Operation: "state restore", Who: who(), PID: pid(), Created: a.now()}
			if err := local.Lock(ctx, lock); err != nil {
				return err
			}
			defer local.Unlock(context.WithoutCancel(ctx), lock.ID)
			res, err := local.Restore(ctx)
			if err != nil {
				return err
			}
			out := a.streams.Out
			if res.JournalErr != nil {
				fmt.Fprintf(a.streams.ErrOut, "rmctl: warning: the journal was not replayed, what it recorded will be planned again: %v\n", res.JournalErr)
			}
			for _, p := range res.SetAside {
				fmt.Fprintf(out, "Kept %s\n", p)
			}
			fmt.Fprintf(out, "Restored %s from %s", local.Path(), local.Path()+state.BackupSuffix)
			if res.Replayed > 0 {
				fmt.Fprintf(out, " and %s in the journal", view.Count(res.Replayed, "recorded action"))
			}
			fmt.Fprintf(out, ": serial %d, %s.\nReview rmctl plan before the next apply.\n", res.Serial, view.Count(res.Resources, "resource"))
			return nil
		},
	}
}

func newForceUnlockCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "force-unlock LOCK_ID",
		Short: "Release a state lock left by a process that died",
		Long: `Force-unlock removes the state lock with the given ID. Use it only when
the process named in the lock message is gone: two applies at once could
send invitations twice.`,
		Example: `  rmctl force-unlock 3f2b9c1e-0d7a-4c55-9e61-2f7b1a9d0c4e`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := a.openWorkspace(cmd.Context(), nil)
			if err != nil {
				return err
			}
			if err := ws.store.ForceUnlock(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.streams.Out, "Released lock %s.\n", args[0])
			return nil
		},
	}
}
