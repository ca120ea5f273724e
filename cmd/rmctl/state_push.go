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

	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/view"
	"github.com/rmctl/rmctl/schema"
)

// stateMoveOptions are the flags of state push, pull and migrate: the
// state file and where PostgreSQL state is. Unset flags take the values of
// rmctl.cue.
type stateMoveOptions struct {
	backend string // --to (push) or --from (pull)
	file    string
	pg      postgresConfig
}

func (o *stateMoveOptions) flags(cmd *cobra.Command, withFile bool) {
	if withFile {
		cmd.Flags().StringVar(&o.file, "file", "", "the state file (default: state.path in rmctl.cue, .rmctl/state.json)")
	}
	cmd.Flags().StringVar(&o.pg.urlEnv, "url-env", "", "environment variable holding the PostgreSQL URL (default: state.urlEnv, RMCTL_PG_URL)")
	cmd.Flags().StringVar(&o.pg.schema, "schema", "", "PostgreSQL schema (default: state.schema, rmctl)")
	cmd.Flags().StringVar(&o.pg.workspace, "workspace", "", "workspace in the schema (default: state.workspace, default)")
}

// resolve fills unset flags from the settings.
// open checks the backend flag (--to or --from), reads the settings and
// resolves the options against them: what push and pull both start with.
func (o *stateMoveOptions) open(ctx context.Context, a *app, flag string) (*workspace, error) {
	if err := checkBackendFlag(flag, o.backend); err != nil {
		return nil, err
	}
	ws, err := a.openWorkspace(ctx, nil)
	if err != nil {
		return nil, err
	}
	o.resolve(ws.settings)
	return ws, nil
}

func (o *stateMoveOptions) resolve(s *schema.Settings) {
	if o.file == "" {
		o.file = s.Path(s.State.Path)
	} else {
		o.file = s.Path(o.file)
	}
	if o.pg.urlEnv == "" {
		o.pg.urlEnv = s.State.URLEnv
	}
	if o.pg.schema == "" {
		o.pg.schema = s.State.Schema
	}
	if o.pg.workspace == "" {
		o.pg.workspace = s.State.Workspace
	}
}

func checkBackendFlag(flag, v string) error {
	if v != "postgres" {
		return usageErrorf("--%s must be postgres (the file backend is the other side), not %q", flag, v)
	}
	return nil
}

func newStatePushCmd(a *app) *cobra.Command {
	var o stateMoveOptions
	cmd := &cobra.Command{
		Use:   "push --to postgres",
		Short: "Copy the state file into PostgreSQL, keeping lineage and serial",
		Long: `Push copies the state file (with the journal of an interrupted apply folded
in) into PostgreSQL state, keeping its lineage and serial, so plans saved
before stay valid. Both sides are locked while it copies. It refuses to
replace PostgreSQL state of another lineage unless that is empty, or a newer
state of the same lineage. The file is left as it is: once rmctl.cue says
state: {backend: "postgres"}, rmctl no longer reads it.`,
		Example: `  RMCTL_PG_URL=postgres://rmctl:…@db:5432/rmctl rmctl state push --to postgres`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ws, err := o.open(ctx, a, "to")
			if err != nil {
				return err
			}
			if _, err := os.Stat(o.file); err != nil {
				return fmt.Errorf("no state file to push: %w", err)
			}
			src := a.openLocal(o.file, ws.settings)
			dst, err := a.openPostgres(o.pg, ws.settings)
			if err != nil {
				return err
			}
			defer dst.Close()
			st, err := moveState(ctx, "state push", src, dst, dst.Import)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.streams.Out, "Pushed %s (lineage %s, serial %d) from %s to %s.\n",
				view.Count(len(st.Resources), "resource"), st.Lineage, st.Serial, o.file, dst)
			if ws.settings.State.Backend != "postgres" {
				fmt.Fprintf(a.streams.Out, "Set state: {backend: \"postgres\"} in %s to use it.\n", schema.SettingsFile)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.backend, "to", "", "where to copy state: postgres")
	_ = cmd.MarkFlagRequired("to")
	o.flags(cmd, true)
	return cmd
}

func newStatePullCmd(a *app) *cobra.Command {
	var o stateMoveOptions
	cmd := &cobra.Command{
		Use:   "pull [--from postgres]",
		Short: "Copy PostgreSQL state into a state file, keeping lineage and serial",
		Long: `Pull copies PostgreSQL state (with the actions of an interrupted apply folded
in) into a new state file, keeping its lineage and serial: to go back to
the file backend, or to keep a copy. Both sides are locked while it copies.
The file must not exist yet.`,
		Example: `  rmctl state pull --file backup/state.json`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ws, err := o.open(ctx, a, "from")
			if err != nil {
				return err
			}
			if _, err := os.Stat(o.file); err == nil {
				return fmt.Errorf("%s exists; pull writes a new state file only: move it away or name another with --file", o.file)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(o.file), 0o700); err != nil {
				return fmt.Errorf("creating the directory of %s: %w", o.file, err)
			}
			src, err := a.openPostgres(o.pg, ws.settings)
			if err != nil {
				return err
			}
			defer src.Close()
			dst := a.openLocal(o.file, ws.settings)
			st, err := moveState(ctx, "state pull", src, dst, func(ctx context.Context, st *state.State) error {
				// The file does not exist, so Write checks nothing and
				// writes serial+1: one less keeps the serial.
				cp := *st
				if cp.Serial > 0 {
					cp.Serial--
				}
				return dst.Write(ctx, &cp)
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.streams.Out, "Pulled %s (lineage %s, serial %d) from %s to %s.\n",
				view.Count(len(st.Resources), "resource"), st.Lineage, st.Serial, src, o.file)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.backend, "from", "postgres", "where to copy state from: postgres")
	o.flags(cmd, true)
	return cmd
}

// moveState locks both stores, folds actions recorded since the source's
// last write into it (so that its serial names exactly the state copied),
// and hands the state to put.
func moveState(ctx context.Context, op string, src, dst stateStore, put func(context.Context, *state.State) error) (st *state.State, err error) {
	lock := state.LockInfo{ID: newLockID(), Operation: op, Who: who(), PID: pid()}
	if err := src.Lock(ctx, lock); err != nil {
		return nil, err
	}
	defer func() {
		if uerr := src.Unlock(context.WithoutCancel(ctx), lock.ID); uerr != nil {
			err = errors.Join(err, fmt.Errorf("releasing the source's lock: %w", uerr))
		}
	}()
	if err := dst.Lock(ctx, lock); err != nil {
		return nil, err
	}
	defer func() {
		if uerr := dst.Unlock(context.WithoutCancel(ctx), lock.ID); uerr != nil {
			err = errors.Join(err, fmt.Errorf("releasing the destination's lock: %w", uerr))
		}
	}()
	if st, err = src.Read(ctx); err != nil {
		return nil, err
	}
	if st.Replayed > 0 {
		if err := src.Write(ctx, st); err != nil {
			return nil, err
		}
	}
	if err := put(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}

func newStateMigrateCmd(a *app) *cobra.Command {
	var o stateMoveOptions
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the PostgreSQL state schema",
		Long: `Migrate creates rmctl's tables in PostgreSQL, or brings them to the version
this rmctl expects, and prints the versions applied. Plan and apply do the
same when needed; run it explicitly where the CI role may not change the
schema and a database owner prepares it.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ws, err := a.openWorkspace(ctx, nil)
			if err != nil {
				return err
			}
			o.resolve(ws.settings)
			if ws.settings.State.Backend != "postgres" && o.pg.urlEnv == "" {
				return errors.New("state migrate is for PostgreSQL state: set state: {backend: \"postgres\"} in rmctl.cue, or name the URL's variable with --url-env")
			}
			s, err := a.openPostgres(o.pg, ws.settings)
			if err != nil {
				return err
			}
			defer s.Close()
			m, err := s.Migrate(ctx)
			if err != nil {
				return err
			}
			if len(m.Applied) == 0 {
				fmt.Fprintf(a.streams.Out, "%s: schema at version %d, nothing to migrate.\n", s, m.To)
				return nil
			}
			vs := make([]string, len(m.Applied))
			for i, v := range m.Applied {
				vs[i] = fmt.Sprint(v)
			}
			fmt.Fprintf(a.streams.Out, "%s: schema migrated from version %d to %d (applied %s).\n", s, m.From, m.To, strings.Join(vs, ", "))
			return nil
		},
	}
	o.flags(cmd, false)
	return cmd
}
