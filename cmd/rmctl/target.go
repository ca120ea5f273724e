package main

import (
	"context"
	"fmt"

	"github.com/rmctl/rmctl/engine/target"
	"github.com/rmctl/rmctl/engine/target/caldav"
	"github.com/rmctl/rmctl/engine/target/email"
	"github.com/rmctl/rmctl/engine/target/outbox"
)

// newTarget builds the target the settings name; secrets come from the
// environment or a credentials file, never from the settings.
func newTarget(ctx context.Context, a *app, ws *workspace) (target.Target, error) {
	t := ws.settings.Target
	switch t.Kind {
	case "outbox", "":
		return outbox.New(ws.settings.Path(t.Dir), outbox.Options{Now: a.now, Tasks: t.Tasks})
	case "caldav":
		password, err := target.Secret(a.getenv, t.PasswordEnv, ws.settings.Path(t.CredentialsFile))
		if err != nil {
			return nil, fmt.Errorf("CalDAV target: %w", err)
		}
		a.secrets.Add(t.Username, password)
		return caldav.New(caldav.Config{URL: t.URL, Username: t.Username, Password: password})
	case "email":
		password, err := target.Secret(a.getenv, t.PasswordEnv, ws.settings.Path(t.CredentialsFile))
		if err != nil {
			return nil, fmt.Errorf("e-mail target: %w", err)
		}
		a.secrets.Add(t.Username, password)
		return email.New(email.Config{Addr: t.SMTP, TLS: t.TLS, Username: t.Username, Password: password, From: t.From, Now: a.now, BatchSize: t.Batch})
	}
	return nil, fmt.Errorf("target kind %q is not supported by this build", t.Kind)
}
