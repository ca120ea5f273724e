package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/redact"
	"github.com/rmctl/rmctl/engine/target"
	"github.com/rmctl/rmctl/schema"
)

// app holds what every command needs from the outside world. Commands get it
// passed in rather than reaching for os.* so tests can run them in-process.
type app struct {
	streams *Streams
	getenv  func(string) string
	now     func() time.Time
	// secrets holds the target passwords once resolved, so that no message
	// rmctl prints carries one, whatever a server echoed into an error.
	secrets *target.Redactor

	configFile string // --config
	// redact and noRedact are --redact and --no-redact; people replaces
	// the loaded programs' names and e-mails with ids when redacting.
	redact, noRedact bool
	people           *redact.Redactor
	// load holds the loading flags of the running command, for the
	// workspace it opens.
	load loadFlags
}

func run(args []string, s *Streams, getenv func(string) string) int {
	if getenv("NO_COLOR") != "" {
		s.NoColor = true
	}
	a := &app{streams: s, getenv: getenv, now: time.Now, secrets: &target.Redactor{}, people: &redact.Redactor{}}
	root := newRootCmd(a)
	root.SetArgs(args)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := root.ExecuteContext(ctx)
	if err != nil {
		var silent *silentError
		if !errors.As(err, &silent) {
			fmt.Fprintf(s.ErrOut, "rmctl: %s\n", a.errorText(err))
		}
		var usage *usageError
		if errors.As(err, &usage) {
			fmt.Fprintln(s.ErrOut, "Run 'rmctl --help' for usage.")
		}
	}
	return exitCode(err)
}

// redacting reports whether output in format (text, json, markdown) shows
// ids instead of names and e-mail addresses: by default only a markdown
// rendering in CI, which is what becomes a pull-request comment.
func (a *app) redacting(format string) bool {
	switch {
	case a.noRedact:
		return false
	case a.redact:
		return true
	}
	return a.getenv("CI") != "" && format == "markdown"
}

// redactingErrors reports whether error messages hide e-mail addresses:
// in CI (whose logs more people read) unless --no-redact, or when asked.
func (a *app) redactingErrors() bool {
	return !a.noRedact && (a.redact || a.getenv("CI") != "")
}

// shownPlan returns p as output in format shows it: redacted or not.
func (a *app) shownPlan(p *plan.Plan, format string) *plan.Plan {
	if !a.redacting(format) {
		return p
	}
	return a.people.Plan(p)
}

// errorText is the message of err as rmctl prints it: without secrets,
// and, when errors are redacted, with ids for names and e-mail addresses.
func (a *app) errorText(err error) string {
	msg := a.secrets.String(err.Error())
	if a.redactingErrors() {
		msg = a.people.String(msg)
	}
	return msg
}

// diagnostics returns ds as they may be printed: with e-mail addresses
// replaced when errors are redacted.
func (a *app) diagnostics(ds schema.Diagnostics) schema.Diagnostics {
	if !a.redactingErrors() {
		return ds
	}
	return a.people.Diagnostics(ds)
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "rmctl",
		Short: "Run reverse-mentoring programs as code",
		Long: `rmctl turns reverse-mentoring programs declared in CUE into calendar
invitations and tutorial assignments, planned like 'terraform plan' and
applied idempotently.`,
		Example: `  rmctl validate ./programs/...
  rmctl plan ./programs/...
  rmctl apply --auto-approve ./programs/...`,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Cobra reports unknown commands as plain errors; mark them as usage errors.
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	root.SetIn(a.streams.In)
	root.SetOut(a.streams.Out)
	root.SetErr(a.streams.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.PersistentFlags().StringVar(&a.configFile, "config", "", "settings file (default: rmctl.cue in the current directory or a parent)")
	root.PersistentFlags().BoolVar(&a.redact, "redact", false, "replace names and e-mail addresses with ids in plan and diff output (default when CI is set and -o markdown)")
	root.PersistentFlags().BoolVar(&a.noRedact, "no-redact", false, "never redact, not even in CI")
	root.MarkFlagsMutuallyExclusive("redact", "no-redact")
	root.PersistentFlags().BoolVar(&a.streams.NoColor, "no-color", a.streams.NoColor, "disable coloured output (also: NO_COLOR)")

	root.AddCommand(
		newInitCmd(a, nil),
		newValidateCmd(a, nil),
		newFmtCmd(a, nil),
		newSchemaCmd(a),
		newPlanCmd(a, nil),
		newApplyCmd(a, nil),
		newForgetCmd(a, nil),
		newStateCmd(a),
		newForceUnlockCmd(a),
		newDiffCmd(a, nil),
		newMatchCmd(a, nil),
		newExportCmd(a),
		newTimelineCmd(a, nil),
		newReportCmd(a, nil),
		newImportCmd(a),
		newPublishCmd(a, nil),
		newSyncCmd(a),
		newVersionCmd(a),
	)
	return root
}

// usageArgs wraps a cobra argument validator so its complaints exit 2.
func usageArgs(fn cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := fn(cmd, args); err != nil {
			return &usageError{err}
		}
		return nil
	}
}

// outputFormat validates -o values.
func outputFormat(got string, allowed ...string) error {
	for _, a := range allowed {
		if got == a {
			return nil
		}
	}
	return usageErrorf("unknown output format %q: use one of %s", got, strings.Join(allowed, ", "))
}

// defaultPatterns is what commands load when given no directories: the
// repository convention ./programs/... if it exists, else the current directory.
func defaultPatterns(args []string) []string {
	if len(args) > 0 {
		return args
	}
	if fi, err := os.Stat("programs"); err == nil && fi.IsDir() {
		return []string{"./programs/..."}
	}
	return []string{"."}
}
