package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/engine/publish"
	"github.com/rmctl/rmctl/engine/view"
)

type publishOptions struct {
	app     *app
	Site    string
	Rotate  []string
	BaseURL string
}

func newPublishCmd(a *app, runF func(*publishOptions) error) *cobra.Command {
	opts := &publishOptions{app: a}
	cmd := &cobra.Command{
		Use:   "publish SITE_DIR",
		Short: "Write the outbox's calendar feeds as a static site people subscribe to",
		Long: `Publish copies the outbox's per-person calendar feeds into SITE_DIR as a
static site, each under an unguessable URL (feeds/<token>.ics), adds an
organizer feed with every session, event and tutorial, and an index for the
organizer (index-<token>.html) listing every person's link. Upload the
folder to any web server.

Tokens are kept in feed-tokens.json beside the state file (mode 0600) so
URLs stay the same from run to run; they are never printed off a terminal.
--rotate PERSON gives a person a new URL and removes the old one (for
example after a link was forwarded); --rotate _organizer does so for the
organizer feed and index.`,
		Example: `  rmctl apply --auto-approve && rmctl publish site/
  rmctl publish site/ --base-url https://calendar.example.com/rm
  rmctl publish site/ --rotate klaus.mueller`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Site = args[0]
			if opts.BaseURL != "" && !strings.HasPrefix(opts.BaseURL, "https://") && !strings.HasPrefix(opts.BaseURL, "http://") {
				return usageErrorf("--base-url %q: want an http(s) URL", opts.BaseURL)
			}
			if runF != nil {
				return runF(opts)
			}
			return runPublish(cmd, opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Rotate, "rotate", nil, "give this person (or _organizer) a new feed URL (repeatable)")
	cmd.Flags().StringVar(&opts.BaseURL, "base-url", "", "where SITE_DIR will be served, for absolute and webcal:// links in the index")
	return cmd
}

func runPublish(cmd *cobra.Command, opts *publishOptions) error {
	a := opts.app
	ws, err := a.openWorkspace(cmd.Context(), nil)
	if err != nil {
		return err
	}
	t := ws.settings.Target
	if t.Kind != "outbox" && t.Kind != "" {
		return fmt.Errorf("publish serves the outbox's feeds, but the target is %s: CalDAV calendars can be shared from the server itself", t.Kind)
	}
	tokens := filepath.Join(filepath.Dir(ws.settings.Path(ws.settings.State.Path)), "feed-tokens.json")
	res, err := publish.Publish(cmd.Context(), publish.Options{
		OutboxDir: ws.settings.Path(t.Dir), SiteDir: opts.Site, TokensFile: tokens,
		Rotate: opts.Rotate, BaseURL: opts.BaseURL, Now: a.now(),
	})
	if err != nil {
		return err
	}
	s := a.streams
	fmt.Fprintf(s.Out, "Published %d person feeds and the organizer feed to %s.\n", len(res.People), opts.Site)
	if len(res.Rotated) > 0 {
		fmt.Fprintf(s.Out, "New URLs for: %s.\n", strings.Join(res.Rotated, ", "))
	}
	if res.Removed > 0 {
		fmt.Fprintf(s.Out, "Removed %s whose URL is no longer valid.\n", view.Count(res.Removed, "feed"))
	}
	// The index's name holds the organizer's token: show it on a terminal,
	// never in a CI log.
	if s.OutTTY {
		fmt.Fprintf(s.Out, "The organizer's index: %s\n", filepath.Join(opts.Site, res.IndexFile))
	} else {
		fmt.Fprintf(s.Out, "The organizer's index is %s/index-<token>.html (the token is in %s).\n", opts.Site, tokens)
	}
	return nil
}
