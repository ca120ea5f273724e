package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rmctl/rmctl/engine/gitrepo"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/state/postgres"
	"github.com/rmctl/rmctl/engine/view"
	"github.com/rmctl/rmctl/schema"
)

// workspace is what plan, apply and the state commands share: settings,
// the state store, and (when asked for) the loaded programs with the commit
// they came from.
type workspace struct {
	settings *schema.Settings
	store    stateStore
	programs []*schema.Program
	diags    schema.Diagnostics // of loading the programs (warnings only: errors fail the load)
	commit   string
	dirty    bool
}

// stateStore is what the commands need of a state backend: the Store
// contract, lock renewal for long applies, and force-unlock. What only one
// backend has (the file backend's backup, check and restore; PostgreSQL's
// migrations and import) is asked for where it is used.
type stateStore interface {
	state.Store
	RenewLock(ctx context.Context, id string) error
	ForceUnlock(ctx context.Context, id string) error
}

// backupStore is a backend that keeps a copy of the last good state.
type backupStore interface {
	Backup(ctx context.Context, s *state.State) error
}

// openWorkspace reads settings and opens state. With patterns it also loads
// programs; invalid programs print their diagnostics and fail the command.
func (a *app) openWorkspace(ctx context.Context, patterns []string) (*workspace, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("finding working directory: %w", err)
	}
	loader, err := schema.NewLoader()
	if err != nil {
		return nil, err
	}
	file := a.configFile
	if file == "" {
		if file, err = schema.FindSettings(cwd); err != nil {
			return nil, err
		}
	} else if file, err = filepath.Abs(file); err != nil {
		return nil, err
	}
	settings, diags, err := loader.LoadSettings(ctx, file, cwd)
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		view.Diagnostics(a.streams.ErrOut, diags, a.streams.Color())
		return nil, fmt.Errorf("invalid settings in %s", file)
	}
	ws := &workspace{settings: settings}
	if ws.store, err = a.openStore(settings); err != nil {
		return nil, err
	}
	if patterns == nil {
		return ws, nil
	}
	if err := ws.loadPrograms(ctx, a, loader, cwd, patterns); err != nil {
		return nil, err
	}
	return ws, nil
}

// loadPrograms loads and validates the programs; invalid ones print their
// diagnostics and fail the command.
func (ws *workspace) loadPrograms(ctx context.Context, a *app, loader *schema.Loader, cwd string, patterns []string) error {
	// Provenance (HEAD and whether the tree is dirty) is read while the
	// programs load: after the load it added 30–60 ms to every plan of a
	// 10,000-pair program in git. The channel is buffered, so the reader
	// finishes even when the load fails.
	type provenance struct {
		commit string
		dirty  bool
	}
	prov := make(chan provenance, 1)
	go func() {
		var p provenance
		// Best effort: a directory outside git plans fine.
		if repo, err := gitrepo.Open(cwd); err == nil {
			if commit, dirty, err := repo.Head(ctx); err == nil {
				p = provenance{commit, dirty}
			}
			repo.Close()
		}
		prov <- p
	}()
	res, err := loader.Load(ctx, patterns...)
	if err != nil {
		return err
	}
	if len(res.Diagnostics) > 0 {
		view.Diagnostics(a.streams.ErrOut, a.diagnostics(res.Diagnostics), a.streams.Color())
	}
	if res.Diagnostics.HasErrors() {
		return fmt.Errorf("the programs are not valid (%s); nothing was planned", view.Count(res.Diagnostics.Errors(), "error"))
	}
	ws.programs, ws.diags = res.Programs, res.Diagnostics
	a.people.AddPrograms(res.Programs...)
	p := <-prov
	ws.commit, ws.dirty = p.commit, p.dirty
	return nil
}

// openPlanning is what plan and apply start with: settings, the lock (when
// lock is not nil), state and programs. State is read while the programs
// load: loading is CUE evaluation on one core, reading state is JSON
// decoding on the others. On failure the lock is released again.
func (a *app) openPlanning(ctx context.Context, patterns []string, lock *state.LockInfo) (ws *workspace, st *state.State, err error) {
	ws, err = a.openPlanningWith(ctx, patterns, lock, func(ws *workspace) (err error) {
		st, err = ws.store.Read(ctx)
		return err
	}, func(ws *workspace) error {
		if lock == nil {
			return nil
		}
		// Whoever takes the lock is about to change state: keep a copy of
		// the state that just passed the strict checks, for rmctl state
		// restore.
		if b, ok := ws.store.(backupStore); ok {
			return b.Backup(ctx, st)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return ws, st, nil
}

// indexReader is a backend that can read state for planning without
// decoding every entry (state.Local).
type indexReader interface {
	ReadIndex(ctx context.Context) (*state.Index, error)
}

// openPlanIndex is openPlanning for a plan that changes nothing: no lock,
// and state indexed rather than decoded where the backend can (see
// engine.Plan).
func (a *app) openPlanIndex(ctx context.Context, patterns []string) (ws *workspace, ix *state.Index, err error) {
	ws, err = a.openPlanningWith(ctx, patterns, nil, func(ws *workspace) error {
		if r, ok := ws.store.(indexReader); ok {
			ix, err = r.ReadIndex(ctx)
			return err
		}
		st, err := ws.store.Read(ctx)
		if err != nil {
			return err
		}
		ix = state.IndexOf(st)
		return nil
	}, nil)
	if err != nil {
		return nil, nil, err
	}
	return ws, ix, nil
}

// openPlanningWith opens the workspace, takes the lock when lock is not
// nil, runs read while the programs load and then after, if not nil; on
// failure the lock is released again.
func (a *app) openPlanningWith(ctx context.Context, patterns []string, lock *state.LockInfo, read, after func(*workspace) error) (ws *workspace, err error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("finding working directory: %w", err)
	}
	if ws, err = a.openWorkspace(ctx, nil); err != nil {
		return nil, err
	}
	if lock != nil {
		if err := ws.store.Lock(ctx, *lock); err != nil {
			return nil, err
		}
		// The store, not ws: every failure below returns a nil ws, and
		// the deferred release runs after that assignment.
		store := ws.store
		defer func() {
			if err != nil {
				if uerr := store.Unlock(context.WithoutCancel(ctx), lock.ID); uerr != nil {
					err = errors.Join(err, fmt.Errorf("releasing the state lock: %w", uerr))
				}
			}
		}()
	}
	var readErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		readErr = read(ws)
	}()
	if patterns != nil {
		a.load.peopleFile = ws.settings.Path(ws.settings.PeopleFile)
		loader, lerr := a.load.newLoader()
		if lerr == nil {
			lerr = ws.loadPrograms(ctx, a, loader, cwd, patterns)
		}
		err = lerr
	}
	<-done
	if err != nil {
		return nil, err
	}
	if readErr != nil {
		return nil, readErr
	}
	if after != nil {
		if err := after(ws); err != nil {
			return nil, err
		}
	}
	return ws, nil
}

// openStore opens the state backend the settings name.
func (a *app) openStore(settings *schema.Settings) (stateStore, error) {
	if settings.State.Backend == "postgres" {
		return a.openPostgres(postgresConfig{urlEnv: settings.State.URLEnv, schema: settings.State.Schema,
			workspace: settings.State.Workspace}, settings)
	}
	return a.openLocal(settings.Path(settings.State.Path), settings), nil
}

func (a *app) openLocal(path string, settings *schema.Settings) *state.Local {
	return state.NewLocal(path, state.LocalOptions{
		Now: a.now, LockTTL: settings.State.LockTTL.Duration, OnTakeOver: a.tookOver,
	})
}

// tookOver is the note every backend prints when Lock replaced the lock of
// a holder that is gone.
func (a *app) tookOver(prev state.LockInfo, why string) {
	fmt.Fprintf(a.streams.ErrOut, "rmctl: note: took over the state lock of %s (pid %d) for %q since %s, lock ID %s: %s.\n",
		prev.Who, prev.PID, prev.Operation, prev.Created.Format(time.RFC3339), prev.ID, why)
}

// postgresConfig says where PostgreSQL state is: the environment variable
// holding the URL (never the URL: it holds a password), schema, workspace.
type postgresConfig struct{ urlEnv, schema, workspace string }

// openPostgres opens PostgreSQL state. It does not connect yet.
func (a *app) openPostgres(c postgresConfig, settings *schema.Settings) (*postgres.Store, error) {
	if c.urlEnv == "" {
		c.urlEnv = "RMCTL_PG_URL"
	}
	url := a.getenv(c.urlEnv)
	if url == "" {
		return nil, fmt.Errorf("PostgreSQL state: the environment variable %s is not set; it must hold the database URL (postgres://user:password@host:5432/database)", c.urlEnv)
	}
	// Belt and braces: no error rmctl prints carries the password or the
	// URL, whatever a server or driver echoes.
	if cfg, err := pgconn.ParseConfig(url); err == nil {
		a.secrets.Add(cfg.User, cfg.Password)
	}
	a.secrets.Add("", url)
	s, err := postgres.Open(url, postgres.Options{
		Schema: c.schema, Workspace: c.workspace, Now: a.now, LockTTL: settings.State.LockTTL.Duration, OnTakeOver: a.tookOver,
	})
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL state: the value of %s is %w", c.urlEnv, err)
	}
	return s, nil
}
