package view

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rmctl/rmctl/engine/apply"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
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

// PlanOptions steer the renderings of a plan for people (text and
// markdown); the JSON form is the plan value itself and ignores them.
type PlanOptions struct {
	Color bool
	// Order of the changes; the zero value is plan.ByTime.
	Order plan.Order
	// Verbose lists past resources that differ from the declarations one
	// by one instead of counting them in one line.
	Verbose bool
}

// PlanText writes the plan for a person at a terminal or in a CI log.
func PlanText(out io.Writer, p *plan.Plan, opts PlanOptions) {
	// A plan can run to hundreds of thousands of lines: one write each
	// would be one system call each.
	w := bufio.NewWriterSize(out, 64<<10)
	defer w.Flush()
	c := colorizer(opts.Color)
	z := &plan.Zones{}
	if !p.HasChanges() {
		fmt.Fprintf(w, "No changes. %d resources are up to date.\n", p.Summary.Unchanged)
		DriftText(w, p, opts.Color)
		writeFrozen(w, p, opts, c, z)
		writeNotes(w, p)
		return
	}
	fmt.Fprintln(w, "rmctl will carry out these changes:")
	fmt.Fprintln(w)
	for _, ch := range plan.Ordered(p.Changes, opts.Order) {
		writeChange(w, ch, c, z)
	}
	DriftText(w, p, opts.Color)
	writeFrozen(w, p, opts, c, z)
	if len(p.Impact) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Messages per person (someone added to an updated invitation receives it as new):")
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
			fmt.Fprintf(w, "  %-*s  %s\n", width, labels[i], messagesText(im))
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
		// Say what is updated and when, unless the fields below say it.
		if r := ch.After; !slices.ContainsFunc(ch.Fields, func(f plan.FieldChange) bool { return f.Field == "start" }) {
			fmt.Fprintf(w, "      %q %s\n", r.Title, z.Format(r.Start, r.Timezone))
		}
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
		if line := repliesLine(ch); line != "" {
			// Mirrors replies.Keep: a new time or place asks everyone again.
			asked := slices.ContainsFunc(ch.Fields, func(f plan.FieldChange) bool {
				return f.Field == "start" || f.Field == "duration" || f.Field == "location"
			})
			if asked {
				fmt.Fprintf(w, "      replies so far: %s; everyone is asked again\n", line)
			} else {
				fmt.Fprintf(w, "      replies so far: %s; kept\n", line)
			}
		}
	case plan.Cancel:
		b := ch.Before
		fmt.Fprintf(w, "      %q %s, for %s\n", b.Title, z.Format(b.Start, b.Timezone), names(b.Attendees))
		if line := repliesLine(ch); line != "" {
			fmt.Fprintf(w, "      replies so far: %s\n", line)
		}
	case plan.Adopt:
		if ch.Observed != nil && ch.Before != nil {
			fmt.Fprintf(w, "      start: %s → %s (kept as moved on the calendar; nothing is sent)\n",
				z.Format(ch.Before.Start, ch.Before.Timezone), z.Format(ch.Observed.Start, ch.Before.Timezone))
		}
	}
}

// repliesLine summarises the recorded answers of a change, declines
// first: "2 declined (anna.schmidt, klaus.mueller), 1 accepted".
func repliesLine(ch *plan.Change) string {
	if len(ch.Replies) == 0 {
		return ""
	}
	by := map[string][]string{}
	for person, ps := range ch.Replies {
		by[ps] = append(by[ps], person)
	}
	var parts []string
	for _, ps := range []string{"DECLINED", "TENTATIVE", "ACCEPTED", "DELEGATED"} {
		people := by[ps]
		if len(people) == 0 {
			continue
		}
		slices.Sort(people)
		part := fmt.Sprintf("%d %s", len(people), strings.ToLower(ps))
		if ps != "ACCEPTED" {
			part += " (" + strings.Join(people, ", ") + ")"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}

// writeFrozen counts past resources that differ from the declarations in
// one line; they are never changed, so listing them on every plan would
// bury what will change. --verbose lists them.
func writeFrozen(w io.Writer, p *plan.Plan, opts PlanOptions, c func(string, string) string, z *plan.Zones) {
	if len(p.Frozen) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s", frozenLine(p.Frozen))
	if !opts.Verbose {
		fmt.Fprintln(w, "; --verbose lists them.")
		return
	}
	fmt.Fprintln(w, ":")
	for _, f := range plan.Ordered(p.Frozen, opts.Order) {
		fmt.Fprintf(w, "    %s  %s  %s\n", f.Address, frozenWhen(f, z), c(dim, f.Reason))
	}
}

// frozenLine is "15 past invitations differ from the declarations and are
// left as sent", naming what they are.
func frozenLine(fs []plan.Change) string {
	assignments := 0
	for _, f := range fs {
		if f.Kind == resource.Assignment {
			assignments++
		}
	}
	n := len(fs)
	what := "invitations"
	switch {
	case assignments == n && n == 1:
		what = "tutorial assignment"
	case assignments == n:
		what = "tutorial assignments"
	case assignments > 0:
		what = "invitations and tutorial assignments"
	case n == 1:
		what = "invitation"
	}
	if n == 1 {
		return fmt.Sprintf("1 past %s differs from the declarations and is left as sent", what)
	}
	return fmt.Sprintf("%d past %s differ from the declarations and are left as sent", n, what)
}

// frozenWhen is when a past resource took place as it was sent.
func frozenWhen(f *plan.Change, z *plan.Zones) string {
	if f.Before != nil {
		return z.Format(f.Before.Start, f.Before.Timezone)
	}
	if f.After != nil {
		return z.Format(f.After.Start, f.After.Timezone)
	}
	return ""
}

func writeNotes(w io.Writer, p *plan.Plan) {
	for _, n := range p.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
}

// messagesText says how many messages a plan sends one person: new
// invitations and assignments, updates, cancellations.
func messagesText(im plan.Impact) string {
	var parts []string
	if im.Send > 0 {
		parts = append(parts, fmt.Sprintf("%d new", im.Send))
	}
	if im.Update > 0 {
		parts = append(parts, fmt.Sprintf("%d updated", im.Update))
	}
	if im.Cancel > 0 {
		parts = append(parts, fmt.Sprintf("%d cancelled", im.Cancel))
	}
	return strings.Join(parts, ", ")
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
