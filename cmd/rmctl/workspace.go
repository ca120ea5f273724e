package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rmctl/rmctl/engine/gitrepo"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/view"
	"github.com/rmctl/rmctl/schema"
)

// workspace is what plan, apply and the state commands share: settings,
// the state store, and (when asked for) the loaded programs with the commit
// they came from.
type workspace struct {
	settings *schema.Settings
	store    *state.Local
	programs []*schema.Program
	commit   string
	dirty    bool
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
	ws := &workspace{
		settings: settings,
		store: state.NewLocal(settings.Path(settings.State.Path), state.LocalOptions{
			Now: a.now, LockTTL: settings.State.LockTTL.Duration,
		}),
	}
	if patterns == nil {
		return ws, nil
	}
	res, err := loader.Load(ctx, patterns...)
	if err != nil {
		return nil, err
	}
	if len(res.Diagnostics) > 0 {
		view.Diagnostics(a.streams.ErrOut, res.Diagnostics, a.streams.Color())
	}
	if res.Diagnostics.HasErrors() {
		return nil, fmt.Errorf("the programs are not valid (%s); nothing was planned", view.Count(res.Diagnostics.Errors(), "error"))
	}
	ws.programs = res.Programs
	if repo, err := gitrepo.Open(cwd); err == nil {
		// Provenance is best effort: a directory outside git plans fine.
		if commit, dirty, err := repo.Head(ctx); err == nil {
			ws.commit, ws.dirty = commit, dirty
		}
	}
	return ws, nil
}
