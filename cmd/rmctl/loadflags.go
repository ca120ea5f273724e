package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/engine/view"
	"github.com/rmctl/rmctl/schema"
)

// loadFlags are the flags every command that loads programs shares
// (validate, plan, apply, diff).
type loadFlags struct {
	Tags []string
	// peopleFile is the settings' peopleFile, resolved; not a flag.
	peopleFile string
}

func (f *loadFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVarP(&f.Tags, "tag", "t", nil, "set a build tag, like cue -t: a file with @if(TAG) is loaded only when TAG is set (repeatable)")
}

// newLoader returns a loader that honours the flags.
func (f *loadFlags) newLoader() (*schema.Loader, error) {
	l, err := schema.NewLoader()
	if err != nil {
		return nil, err
	}
	l.Tags = f.Tags
	l.PeopleFile = f.peopleFile
	return l, nil
}

// settingsPeopleFile returns the peopleFile of the settings in use,
// resolved, or "" without one: for commands that read no state (validate,
// diff) but must see the same people as plan and apply.
func (a *app) settingsPeopleFile(ctx context.Context) (string, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding working directory: %w", err)
	}
	file := a.configFile
	if file == "" {
		if file, err = schema.FindSettings(cwd); err != nil || file == "" {
			return "", err
		}
	} else if file, err = filepath.Abs(file); err != nil {
		return "", err
	}
	l, err := schema.NewLoader()
	if err != nil {
		return "", err
	}
	s, diags, err := l.LoadSettings(ctx, file, cwd)
	if err != nil {
		return "", err
	}
	if diags.HasErrors() {
		view.Diagnostics(a.streams.ErrOut, diags, a.streams.Color())
		return "", fmt.Errorf("invalid settings in %s", file)
	}
	return s.Path(s.PeopleFile), nil
}
