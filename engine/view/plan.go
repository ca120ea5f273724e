package view

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/rmctl/rmctl/engine/apply"
	"github.com/rmctl/rmctl/engine/plan"
)

// PlanJSON writes the plan's versioned JSON form, the same bytes `--out`
// saves and `apply FILE` reads.
func PlanJSON(w io.Writer, p *plan.Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return fmt.Errorf("writing plan: %w", err)
	}
	return nil
}

// SummaryLine is the one-line outcome, e.g. "Plan: 4 to send, 2 to update,
// 1 to cancel."
func SummaryLine(p *plan.Plan) string {
	s := p.Summary
	line := fmt.Sprintf("Plan: %d to send, %d to update, %d to cancel.", s.Create, s.Update, s.Cancel)
	if s.Move > 0 {
		line = strings.TrimSuffix(line, ".") + fmt.Sprintf(", %d to rename.", s.Move)
	}
	if s.Adopt > 0 {
		line = strings.TrimSuffix(line, ".") + fmt.Sprintf(", %d to adopt from the calendar.", s.Adopt)
	}
	return line
}

// PlanText writes the plan for a person at a terminal or in a CI log.
func PlanText(out io.Writer, p *plan.Plan, color bool) {
	// A plan can run to hundreds of thousands of lines: one write each
	// would be one system call each.
	w := bufio.NewWriterSize(out, 64<<10)
	defer w.Flush()
	c := colorizer(color)
	if !p.HasChanges() {
		fmt.Fprintf(w, "No changes. %d resources are up to date.\n", p.Summary.Unchanged)
		DriftText(w, p, color)
		writeFrozen(w, p, c)
		writeNotes(w, p)
		return
	}
	fmt.Fprintln(w, "rmctl will carry out these changes:")
	fmt.Fprintln(w)
	z := &plan.Zones{}
	for i := range p.Changes {
		writeChange(w, &p.Changes[i], c, z)
	}
	DriftText(w, p, color)
	writeFrozen(w, p, c)
	if len(p.Impact) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Per person:")
		count := map[string]int{}
		for _, im := range p.Impact {
			count[im.Person]++
		}
		labels := make([]string, len(p.Impact))
		width := 0
		for i, im := range p.Impact {
			labels[i] = im.Person
			if count[im.Person] > 1 {
				labels[i] = fmt.Sprintf("%s <%s>", im.Person, im.Email)
			}
			width = max(width, len(labels[i]))
		}
		for i, im := range p.Impact {
			fmt.Fprintf(w, "  %-*s  %s\n", width, labels[i], impactText(im))
		}
	}
	writeNotes(w, p)
	fmt.Fprintln(w)
	fmt.Fprintln(w, c(bold, SummaryLine(p)))
}

func writeChange(w io.Writer, ch *plan.Change, c func(string, string) string, z *plan.Zones) {
	sym := ch.Action.Symbol()
	colour := map[plan.Action]string{plan.Create: green, plan.Update: yellow, plan.Cancel: red, plan.Move: cyan, plan.Adopt: cyan}[ch.Action]
	fmt.Fprintf(w, "  %s %s  %s\n", c(colour, sym), c(bold, ch.Address), c(dim, ch.Reason))
	switch ch.Action {
	case plan.Create:
		r := ch.After
		fmt.Fprintf(w, "      %q %s, to %s\n", r.Title, z.Format(r.Start, r.Timezone), names(r.Attendees))
	case plan.Update:
		for _, f := range ch.Fields {
			if f.Field == "description" {
				fmt.Fprintf(w, "      description changed\n")
				continue
			}
			fmt.Fprintf(w, "      %s: %s → %s\n", f.Field, orNone(f.Old), orNone(f.New))
		}
		if len(ch.Removed) > 0 {
			fmt.Fprintf(w, "      cancelled for %s\n", names(ch.Removed))
		}
	case plan.Cancel:
		b := ch.Before
		fmt.Fprintf(w, "      %q %s, for %s\n", b.Title, z.Format(b.Start, b.Timezone), names(b.Attendees))
	case plan.Adopt:
		if ch.Observed != nil && ch.Before != nil {
			fmt.Fprintf(w, "      start: %s → %s (kept as moved on the calendar; nothing is sent)\n",
				z.Format(ch.Before.Start, ch.Before.Timezone), z.Format(ch.Observed.Start, ch.Before.Timezone))
		}
	}
}

func writeFrozen(w io.Writer, p *plan.Plan, c func(string, string) string) {
	if len(p.Frozen) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%d resources in the past differ from the declaration and are left as sent:\n", len(p.Frozen))
	for _, f := range p.Frozen {
		fmt.Fprintf(w, "    %s  %s\n", f.Address, c(dim, f.Reason))
	}
}

func writeNotes(w io.Writer, p *plan.Plan) {
	for _, n := range p.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
}

func impactText(im plan.Impact) string {
	var parts []string
	if im.Send > 0 {
		parts = append(parts, fmt.Sprintf("%d to send", im.Send))
	}
	if im.Update > 0 {
		parts = append(parts, fmt.Sprintf("%d to update", im.Update))
	}
	if im.Cancel > 0 {
		parts = append(parts, fmt.Sprintf("%d to cancel", im.Cancel))
	}
	return strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func colorizer(on bool) func(code, s string) string {
	return func(code, s string) string {
		if !on || code == "" {
			return s
		}
		return code + s + reset
	}
}

// ApplySummary is the closing line of an apply.
func ApplySummary(r *apply.Result) string {
	line := fmt.Sprintf("Apply complete: %d sent, %d updated, %d cancelled.", r.Sent, r.Updated, r.Cancelled)
	if r.Moved > 0 {
		line = strings.TrimSuffix(line, ".") + fmt.Sprintf(", %d renamed.", r.Moved)
	}
	if r.Adopted > 0 {
		line = strings.TrimSuffix(line, ".") + fmt.Sprintf(", %d adopted from the calendar.", r.Adopted)
	}
	if len(r.Failed) > 0 {
		line = fmt.Sprintf("Apply incomplete: %d sent, %d updated, %d cancelled, %d failed.", r.Sent, r.Updated, r.Cancelled, len(r.Failed))
	}
	return line
}
