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

	"github.com/rmctl/rmctl/engine/target"
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
	// load holds the loading flags of the running command, for the
	// workspace it opens.
	load loadFlags
}

func run(args []string, s *Streams, getenv func(string) string) int {
	if getenv("NO_COLOR") != "" {
		s.NoColor = true
	}
	a := &app{streams: s, getenv: getenv, now: time.Now, secrets: &target.Redactor{}}
	root := newRootCmd(a)
	root.SetArgs(args)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := root.ExecuteContext(ctx)
	if err != nil {
		var silent *silentError
		if !errors.As(err, &silent) {
			fmt.Fprintf(s.ErrOut, "rmctl: %s\n", a.secrets.String(err.Error()))
		}
		var usage *usageError
		if errors.As(err, &usage) {
			fmt.Fprintln(s.ErrOut, "Run 'rmctl --help' for usage.")
		}
	}
	return exitCode(err)
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
	root.PersistentFlags().BoolVar(&a.streams.NoColor, "no-color", a.streams.NoColor, "disable coloured output (also: NO_COLOR)")

	root.AddCommand(
		newInitCmd(a, nil),
		newValidateCmd(a, nil),
		newFmtCmd(a, nil),
		newSchemaCmd(a),
		newPlanCmd(a, nil),
		newApplyCmd(a, nil),
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
