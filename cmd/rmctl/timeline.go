package main

import (
	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/timeline"
	"github.com/rmctl/rmctl/engine/view"
)

type timelineOptions struct {
	app      *app
	Patterns []string
	Output   string
	Now      string
}

func newTimelineCmd(a *app, runF func(*timelineOptions) error) *cobra.Command {
	opts := &timelineOptions{app: a}
	cmd := &cobra.Command{
		Use:   "timeline [DIR | DIR/...]...",
		Short: "Draw the program: every pair's sessions, the joint events and today",
		Long: `Timeline draws one picture of each program: a row per pair (mentor →
mentee, departments, time zone) with its sessions on a month axis, the joint
events as columns, tutorials as small marks and a line for today. Past and
upcoming, sent and not yet sent, moved, skipped, paused and cancelled
sessions look different; hovering a mark shows its details.

What was sent (state) wins over the declarations, because that is what
people have in their calendars; declarations fill in what was not sent yet.

-o html writes one self-contained page (no script, nothing from the
network) that prints on A4 landscape; -o svg the picture alone; -o text a
terminal version; -o json the value the pictures are drawn from.`,
		Example: `  rmctl timeline -o html examples/digital-leadership > timeline.html
  rmctl timeline -o text
  rmctl timeline --now 2027-04-20 -o svg > timeline.svg`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Patterns = defaultPatterns(args)
			if err := outputFormat(opts.Output, "text", "html", "svg", "json"); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runTimeline(cmd, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: text, html, svg or json")
	cmd.Flags().StringVar(&opts.Now, "now", "", "draw as if it were this time (RFC 3339 or YYYY-MM-DD)")
	return cmd
}

func runTimeline(cmd *cobra.Command, opts *timelineOptions) error {
	a := opts.app
	now, err := (&planFlags{Now: opts.Now}).now(a)
	if err != nil {
		return err
	}
	ws, st, err := a.openPlanning(cmd.Context(), opts.Patterns, nil)
	if err != nil {
		return err
	}
	tl := timeline.Build(ws.programs, st, engine.Expand(ws.programs), now)
	timeline.Warn(tl, ws.programs, ws.diags)
	s := a.streams
	switch opts.Output {
	case "html":
		return view.TimelineHTML(s.Out, tl)
	case "svg":
		return view.TimelineSVG(s.Out, tl)
	case "json":
		return view.TimelineJSON(s.Out, tl)
	}
	view.TimelineText(s.Out, tl, s.Color())
	return nil
}
