package view

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/rmctl/rmctl/engine/diff"
	"github.com/rmctl/rmctl/schema"
)

// DiffJSON writes the versioned JSON form of a diff report.
func DiffJSON(w io.Writer, r *diff.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing diff: %w", err)
	}
	return nil
}

func sideLabel(s *diff.Side) string {
	if s.Commit == "" {
		return s.Label
	}
	l := fmt.Sprintf("%s (%s", s.Label, short(s.Commit))
	if s.Subject != "" {
		l += fmt.Sprintf(" %q", s.Subject)
	}
	return l + ")"
}

// DiffText writes what a change means, for a reviewer at a terminal.
func DiffText(out io.Writer, r *diff.Report, color bool) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	c := colorizer(color)
	fmt.Fprintf(w, "Comparing %s → %s\n", sideLabel(r.Base), sideLabel(r.Head))
	for _, n := range r.Notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
	for _, s := range []*diff.Side{r.Base, r.Head} {
		if !s.Valid() {
			fmt.Fprintf(w, "\n%s does not validate (%s); consequences cannot be computed:\n", s.Label, plural(s.Diagnostics.Errors(), "error"))
			Diagnostics(w, firstErrors(s), color)
		}
	}
	if !r.HasChanges() {
		fmt.Fprintln(w, "\nNo changes to programs, people, pairs, events, the session plan or tutorials.")
		return
	}
	for _, p := range r.Programs {
		fmt.Fprintf(w, "\nProgram %s: %s\n", c(bold, p.ID), p.Status)
		if p.Status != "changed" {
			fmt.Fprintf(w, "  %s\n", countKinds(p.Changes))
			continue
		}
		for _, ch := range p.Changes {
			sym := map[string]string{"added": c(green, "+"), "removed": c(red, "-"), "changed": c(yellow, "~"), "renamed": c(cyan, ">")}[ch.Change]
			head := fmt.Sprintf("%s %s", entityName(ch.Kind), ch.ID)
			switch ch.Change {
			case "renamed":
				fmt.Fprintf(w, "  %s %s renamed from %s\n", sym, head, ch.From)
			case "added", "removed":
				fmt.Fprintf(w, "  %s %s %s%s\n", sym, head, ch.Change, pairSummary(ch))
				continue
			default:
				fmt.Fprintf(w, "  %s %s\n", sym, head)
			}
			for _, f := range ch.Fields {
				fmt.Fprintf(w, "      %s: %s → %s\n", f.Field, orNone(f.Old), orNone(f.New))
			}
		}
	}
	if r.Plan == nil {
		return
	}
	fmt.Fprintf(w, "\nWhat this means: %s\n", consequences(r))
	if len(r.Plan.Impact) > 0 {
		fmt.Fprintln(w, "Per person:")
		width := 0
		for _, im := range r.Plan.Impact {
			width = max(width, len(im.Person))
		}
		for _, im := range r.Plan.Impact {
			fmt.Fprintf(w, "  %-*s  %s\n", width, im.Person, impactText(im))
		}
	}
}

// countKinds summarizes an added or removed program: "12 people, 6 pairs, ...".
func countKinds(cs []diff.Change) string {
	n := map[string]int{}
	for _, c := range cs {
		n[c.Kind]++
	}
	var parts []string
	for _, k := range []struct{ kind, one, many string }{
		{"person", "person", "people"}, {"pair", "pair", "pairs"}, {"event", "event", "events"},
		{"session", "session plan entry", "session plan entries"}, {"tutorial", "tutorial", "tutorials"},
	} {
		switch n[k.kind] {
		case 0:
		case 1:
			parts = append(parts, "1 "+k.one)
		default:
			parts = append(parts, fmt.Sprintf("%d %s", n[k.kind], k.many))
		}
	}
	return strings.Join(parts, ", ")
}

// pairSummary names who an added pair joins.
func pairSummary(ch diff.Change) string {
	if ch.Kind != "pair" || ch.Change != "added" {
		return ""
	}
	var mentor, mentee string
	for _, f := range ch.Fields {
		switch f.Field {
		case "mentor":
			mentor = strings.Trim(f.New, `"`)
		case "mentee":
			mentee = strings.Trim(f.New, `"`)
		}
	}
	return fmt.Sprintf(": mentor %s, mentee %s", mentor, mentee)
}

func consequences(r *diff.Report) string {
	s := r.Plan.Summary
	line := fmt.Sprintf("%s to send, %d to update (%d moved in time), %d to cancel.", plural(s.Create, "invitation"), s.Update, r.Moves, s.Cancel)
	if s.Move > 0 {
		line += fmt.Sprintf(" %d renamed, keeping their identity.", s.Move)
	}
	if s.Frozen > 0 {
		line += fmt.Sprintf(" %d in the past stay as sent.", s.Frozen)
	}
	return line
}

func firstErrors(s *diff.Side) schema.Diagnostics {
	var out schema.Diagnostics
	for _, d := range s.Diagnostics {
		if len(out) == 10 {
			break
		}
		out = append(out, d)
	}
	return out
}

func entityName(kind string) string {
	if kind == "session" {
		return "session plan entry"
	}
	return kind
}

// DiffMarkdown writes the diff as a pull-request comment section.
func DiffMarkdown(w io.Writer, r *diff.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### rmctl diff\n\n%s → %s\n\n", mdEscape(sideLabel(r.Base)), mdEscape(sideLabel(r.Head)))
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "> %s\n\n", mdEscape(n))
	}
	for _, s := range []*diff.Side{r.Base, r.Head} {
		if !s.Valid() {
			fmt.Fprintf(&b, "> **%s does not validate** (%s); consequences cannot be computed.\n\n", mdEscape(s.Label), plural(s.Diagnostics.Errors(), "error"))
		}
	}
	if !r.HasChanges() {
		b.WriteString("No changes to programs, people, pairs, events, the session plan or tutorials.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	if r.Plan != nil {
		fmt.Fprintf(&b, "**%s**\n\n", consequences(r))
	}
	for _, p := range r.Programs {
		fmt.Fprintf(&b, "<details open><summary>Program <code>%s</code>: %s</summary>\n\n| | What | Details |\n|---|---|---|\n", mdEscape(p.ID), p.Status)
		for _, ch := range p.Changes {
			var parts []string
			if ch.Change == "renamed" {
				parts = append(parts, "renamed from "+ch.From)
			}
			if ch.Change != "added" {
				for _, f := range ch.Fields {
					parts = append(parts, fmt.Sprintf("%s: %s → %s", f.Field, orNone(f.Old), orNone(f.New)))
				}
			}
			fmt.Fprintf(&b, "| %s | %s %s | %s |\n", ch.Change, entityName(ch.Kind), mdEscape(ch.ID), mdEscape(strings.Join(parts, "; ")))
			if b.Len() > MarkdownLimit-2000 {
				b.WriteString("\n_More changes are not shown; run `rmctl diff` locally._\n")
				break
			}
		}
		b.WriteString("\n</details>\n\n")
	}
	if r.Plan != nil && len(r.Plan.Impact) > 0 && b.Len() < MarkdownLimit-5000 {
		b.WriteString("<details><summary>Per person</summary>\n\n| Person | Send | Update | Cancel |\n|---|---:|---:|---:|\n")
		for _, im := range r.Plan.Impact {
			if b.Len() > MarkdownLimit-1000 {
				break
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %d |\n", mdEscape(im.Name), im.Send, im.Update, im.Cancel)
		}
		b.WriteString("\n</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
