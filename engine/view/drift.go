package view

import (
	"fmt"
	"io"
	"strings"

	"github.com/rmctl/rmctl/engine/plan"
)

// DriftText writes the plan's drift section (plan --refresh): what someone
// changed on the target behind rmctl's back, and what apply does about it.
// It writes nothing when there is no drift, so PlanText can always call it.
func DriftText(w io.Writer, p *plan.Plan, color bool) {
	if len(p.Drift) == 0 {
		return
	}
	c := colorizer(color)
	fmt.Fprintf(w, "\n%d resources were changed on the target since they were applied:\n", len(p.Drift))
	for _, d := range p.Drift {
		fmt.Fprintf(w, "  %s %s  %s\n", c(yellow, "!"), c(bold, d.Address), c(dim, driftSummary(&d)))
		for _, f := range d.Fields {
			if f.Field == "description" {
				fmt.Fprintf(w, "      description changed on the server\n")
				continue
			}
			fmt.Fprintf(w, "      %s: %s → %s (on the server)\n", f.Field, orNone(f.Old), orNone(f.New))
		}
		if len(d.MissingIn) > 0 {
			fmt.Fprintf(w, "      missing from %s\n", strings.Join(d.MissingIn, ", "))
		}
	}
}

// DriftMarkdown writes the drift section as a markdown table; nothing when
// there is no drift.
func DriftMarkdown(w io.Writer, p *plan.Plan) {
	if len(p.Drift) == 0 {
		return
	}
	fmt.Fprintf(w, "\n**Drift:** %d resources were changed on the target since they were applied.\n\n", len(p.Drift))
	fmt.Fprintln(w, "| | resource | on the server | apply will |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, d := range p.Drift {
		var what []string
		for _, f := range d.Fields {
			if f.Field == "description" {
				what = append(what, "description changed")
				continue
			}
			what = append(what, fmt.Sprintf("%s: %s → %s", f.Field, orNone(f.Old), orNone(f.New)))
		}
		if len(d.MissingIn) > 0 {
			what = append(what, "missing from "+strings.Join(d.MissingIn, ", "))
		}
		if len(what) == 0 {
			what = append(what, d.What)
		}
		fmt.Fprintf(w, "| `!` | `%s` | %s | %s |\n", d.Address, mdEscape(d.What+": "+strings.Join(what, "; ")), mdEscape(resolutionText(&d)))
	}
}

func driftSummary(d *plan.Drift) string {
	return d.What + " on the server; " + resolutionText(d)
}

// resolutionText says in words what apply does about a drift.
func resolutionText(d *plan.Drift) string {
	var s string
	switch d.Resolution {
	case string(plan.Restore):
		s = "apply restores the declared version"
	case string(plan.Accept):
		s = "apply accepts the server's time into state"
	case string(plan.Report):
		s = "reported only, left as it is"
	case "update":
		s = "the declaration changed too; apply's update replaces it"
	default:
		s = d.Resolution
	}
	if d.Note != "" && d.Resolution != "update" {
		s += " (" + d.Note + ")"
	}
	return s
}
