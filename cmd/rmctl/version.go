package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Release builds set these with -ldflags "-X main.version=v1.2.3
// -X main.commit=… -X main.date=…". They are only a fallback: a binary
// built by `go install …@v1.2.3` or with VCS stamping carries the same
// facts in its build info, which wins. They are never written at run time.
var (
	version string
	commit  string
	date    string
)

// versionInfo is what `rmctl version` reports.
type versionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"date,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"goVersion,omitempty"`
}

// linkInfo holds the link-time fallback values.
type linkInfo struct{ version, commit, date string }

// buildVersion combines the build info (nil when the binary has none) with
// the link-time values. A source build outside a module version reports
// Main.Version "(devel)", which is no better than nothing.
func buildVersion(bi *debug.BuildInfo, link linkInfo) versionInfo {
	v := versionInfo{Version: link.version, Commit: link.commit, Date: link.date}
	if bi != nil {
		v.GoVersion = bi.GoVersion
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.time":
				v.Date = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	return v
}

// writeText prints one line, e.g.
// "rmctl v1.2.3 (commit 0123456789ab, 2026-11-29T20:00:00Z) go1.26.8".
func (v versionInfo) writeText(w io.Writer) error {
	line := "rmctl " + v.Version
	var details []string
	if v.Commit != "" {
		c := v.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if v.Modified {
			c += "+modified"
		}
		details = append(details, "commit "+c)
	}
	if v.Date != "" {
		details = append(details, v.Date)
	}
	if len(details) > 0 {
		line += " (" + strings.Join(details, ", ") + ")"
	}
	if v.GoVersion != "" {
		line += " " + v.GoVersion
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

func newVersionCmd(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print rmctl's version, commit and build date",
		Example: `  rmctl version
  rmctl version -o json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFormat(output, "text", "json"); err != nil {
				return err
			}
			bi, ok := debug.ReadBuildInfo()
			if !ok {
				bi = nil
			}
			v := buildVersion(bi, linkInfo{version: version, commit: commit, date: date})
			if output == "json" {
				enc := json.NewEncoder(a.streams.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(v); err != nil {
					return fmt.Errorf("writing version: %w", err)
				}
				return nil
			}
			if err := v.writeText(a.streams.Out); err != nil {
				return fmt.Errorf("writing version: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}
