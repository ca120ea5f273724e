package main

import (
	"context"
	"fmt"

	"github.com/rmctl/rmctl/engine/target"
	"github.com/rmctl/rmctl/engine/target/outbox"
)

// newTarget builds the target the settings name.
func newTarget(ctx context.Context, a *app, ws *workspace) (target.Target, error) {
	t := ws.settings.Target
	switch t.Kind {
	case "outbox", "":
		return outbox.New(ws.settings.Path(t.Dir), outbox.Options{Now: a.now})
	}
	return nil, fmt.Errorf("target kind %q is not supported by this build", t.Kind)
}
