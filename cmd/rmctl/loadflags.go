package main

import (
	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/schema"
)

// loadFlags are the flags every command that loads programs shares
// (validate, plan, apply, diff).
type loadFlags struct {
	Tags []string
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
	return l, nil
}
