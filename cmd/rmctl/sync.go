package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/engine/replies"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target"
	"github.com/rmctl/rmctl/engine/view"
	"github.com/rmctl/rmctl/schema"
)

func newSyncCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Read back what happened outside rmctl (attendees' replies)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(newSyncRepliesCmd(a))
	return cmd
}

type syncRepliesOptions struct {
	app    *app
	Dir    string
	Output string
}

func newSyncRepliesCmd(a *app) *cobra.Command {
	opts := &syncRepliesOptions{app: a}
	cmd := &cobra.Command{
		Use:   "replies [DIR]",
		Short: "Record accept/decline replies from the IMAP mailbox in state",
		Long: `Sync replies reads the iTIP replies (accepted, declined, tentative) that
attendees' calendars sent to the mailbox named by replies in rmctl.cue,
and records each attendee's latest answer per invitation in state. Later
updates that keep time and place send these answers back instead of
asking again. DIR is where rmctl.cue is looked for (default: here).
The mailbox is opened read-only; the password comes from the environment
variable replies.passwordEnv names. With the CalDAV target, the answers
attendees' clients wrote into the server's copies are read too.`,
		Example: `  RMCTL_IMAP_PASSWORD=... rmctl sync replies`,
		Args:    usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if err := outputFormat(opts.Output, "text", "json"); err != nil {
				return err
			}
			return runSyncReplies(cmd, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
	return cmd
}

func runSyncReplies(cmd *cobra.Command, opts *syncRepliesOptions) error {
	a := opts.app
	ctx := cmd.Context()
	if opts.Dir != "" && a.configFile == "" {
		dir, err := filepath.Abs(opts.Dir)
		if err != nil {
			return err
		}
		file, err := schema.FindSettings(dir)
		if err != nil {
			return err
		}
		if file == "" {
			return fmt.Errorf("no %s in %s or its parents: replies are configured there", schema.SettingsFile, opts.Dir)
		}
		b := *a
		b.configFile = file
		a = &b
	}
	ws, err := a.openWorkspace(ctx, nil)
	if err != nil {
		return err
	}
	// Answers come from the replies mailbox and, on CalDAV, from the
	// server's copies.
	var mailbox *replies.Config
	if rc := ws.settings.Replies; rc != nil {
		if ds := ws.settings.CheckReplies(nil); len(ds) > 0 {
			view.Diagnostics(a.streams.ErrOut, ds, a.streams.Color())
		}
		cfg, err := repliesConfig(a, rc)
		if err != nil {
			return err
		}
		mailbox = &cfg
	}
	var source replies.Source
	if ws.settings.Target.Kind == "caldav" {
		tgt, err := newTarget(ctx, a, ws)
		if err != nil {
			return err
		}
		source, _ = tgt.(replies.Source)
	}
	if mailbox == nil && source == nil {
		return fmt.Errorf("nowhere to read replies from: add replies: {imap: \"host:993\", username: \"...\"} to %s (the %s target holds no answers)",
			schema.SettingsFile, ws.settings.Target.Kind)
	}
	lock := state.LockInfo{ID: newLockID(), Operation: "sync replies", Who: who(), PID: pid(), Created: a.now()}
	res, out, err := replies.Sync(ctx, mailbox, source, ws.store, lock)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return json.NewEncoder(a.streams.Out).Encode(replies.Summarize(res, out))
	}
	replies.WriteText(a.streams.Out, res, out)
	return nil
}

// repliesConfig is the IMAP configuration of the settings' replies block,
// with the password from the environment.
func repliesConfig(a *app, rc *schema.RepliesConfig) (replies.Config, error) {
	password, err := target.Secret(a.getenv, rc.PasswordEnv, "")
	if err != nil {
		return replies.Config{}, fmt.Errorf("replies: %w", err)
	}
	return replies.Config{Addr: rc.IMAP, TLS: rc.TLS, Username: rc.Username, Password: password, Mailbox: rc.Mailbox}, nil
}

// refreshReplies reads the replies mailbox and merges new answers into st
// in memory, for plan --refresh and apply --refresh: the plan shows them,
// and apply sends them on and records them with what it applies.
// `rmctl sync replies` records them all.
func refreshReplies(ctx context.Context, a *app, ws *workspace, st *state.State) error {
	cfg, err := repliesConfig(a, ws.settings.Replies)
	if err != nil {
		return err
	}
	res, err := replies.Fetch(ctx, cfg)
	if err != nil {
		return err
	}
	for addr, e := range replies.Record(st, res.Replies).Entries {
		st.Resources[addr] = e
	}
	return nil
}

// settingsWarnings are the checks of rmctl.cue against the programs
// (a replies mailbox replies never reach). Invalid or missing settings
// give none here: plan and apply report those.
func settingsWarnings(ctx context.Context, a *app, l *schema.Loader, progs []*schema.Program) schema.Diagnostics {
	cwd, err := os.Getwd()
	if err != nil {
		return nil
	}
	file := a.configFile
	if file == "" {
		if file, err = schema.FindSettings(cwd); err != nil || file == "" {
			return nil
		}
	}
	s, diags, err := l.LoadSettings(ctx, file, cwd)
	if err != nil || diags.HasErrors() {
		return nil
	}
	return s.CheckReplies(progs)
}
