package view

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
)

// MarkdownLimit keeps a plan comment below GitHub's 65,536-character limit
// for comment bodies, with room for the footer.
const MarkdownLimit = 65000

// PlanMarkdown writes the plan as a pull-request comment: the summary up
// front, details collapsed, cut at MarkdownLimit with a pointer to the full
// plan.
func PlanMarkdown(w io.Writer, p *plan.Plan, opts PlanOptions) error {
	var b strings.Builder
	b.WriteString("### rmctl plan\n\n")
	fmt.Fprintf(&b, "**%s**", SummaryLine(p))
	if p.Commit != "" {
		fmt.Fprintf(&b, " (commit `%s`", short(p.Commit))
		if p.Dirty {
			b.WriteString(", with uncommitted changes")
		}
		b.WriteString(")")
	}
	b.WriteString("\n\n")
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "> %s\n\n", n)
	}
	DriftMarkdown(&b, p)
	if !p.HasChanges() {
		fmt.Fprintf(&b, "No changes: %d resources are up to date.\n", p.Summary.Unchanged)
		_, err := io.WriteString(w, b.String())
		return err
	}

	if len(p.Impact) > 0 {
		// The per-person table gets at most a quarter of the comment, so
		// the changes themselves always have room.
		budget := b.Len() + MarkdownLimit/4
		b.WriteString("<details><summary>Messages per person</summary>\n\n| Person | New | Updated | Cancelled |\n|---|---:|---:|---:|\n")
		names := impactNames(p.Impact)
		for i, im := range p.Impact {
			row := fmt.Sprintf("| %s | %d | %d | %d |\n", mdEscape(names[i]), im.Send, im.Update, im.Cancel)
			if b.Len()+len(row) > budget {
				fmt.Fprintf(&b, "\n_and %d more people; run `rmctl plan` to see them all._\n", len(p.Impact)-i)
				break
			}
			b.WriteString(row)
		}
		b.WriteString("\n</details>\n\n")
	}

	sections := []struct {
		action plan.Action
		title  string
	}{{plan.Cancel, "To cancel"}, {plan.Update, "To update"}, {plan.Move, "To rename"}, {plan.Adopt, "To adopt from the calendar"}, {plan.Create, "To send"}}
	truncated := 0
	z := &plan.Zones{}
	ordered := plan.Ordered(p.Changes, opts.Order)
	for _, s := range sections {
		var rows []string
		for _, ch := range ordered {
			if ch.Action == s.action {
				rows = append(rows, markdownRow(ch, z))
			}
		}
		if len(rows) == 0 {
			continue
		}
		header := fmt.Sprintf("<details><summary>%s (%d)</summary>\n\n| | Address | What | Why |\n|---|---|---|---|\n", s.title, len(rows))
		const closing = "\n</details>\n\n"
		if b.Len()+len(header)+len(closing) > MarkdownLimit-500 {
			truncated += len(rows)
			continue
		}
		b.WriteString(header)
		for i, row := range rows {
			if b.Len()+len(row)+len(closing) > MarkdownLimit-500 {
				truncated += len(rows) - i
				break
			}
			b.WriteString(row)
		}
		b.WriteString(closing)
	}
	if len(p.Frozen) > 0 && !opts.Verbose {
		fmt.Fprintf(&b, "_%s; `rmctl plan --verbose` lists them._\n\n", frozenLine(p.Frozen))
	}
	if len(p.Frozen) > 0 && opts.Verbose && b.Len() < MarkdownLimit-2000 {
		fmt.Fprintf(&b, "<details><summary>In the past, left as sent (%d)</summary>\n\n", len(p.Frozen))
		for i, f := range plan.Ordered(p.Frozen, opts.Order) {
			line := fmt.Sprintf("- `%s`: %s\n", f.Address, mdEscape(f.Reason))
			if b.Len()+len(line) > MarkdownLimit-1000 {
				fmt.Fprintf(&b, "- _and %d more_\n", len(p.Frozen)-i)
				break
			}
			b.WriteString(line)
		}
		b.WriteString("\n</details>\n\n")
	}
	if truncated > 0 {
		fmt.Fprintf(&b, "_%d more changes are not shown to keep this comment short; run `rmctl plan` to see them all._\n", truncated)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// impactNames labels each row by name, adding the e-mail address where one
// person appears twice (an address change sends to the new address and
// cancels at the old one).
func impactNames(ims []plan.Impact) []string {
	count := map[string]int{}
	for _, im := range ims {
		count[im.Person]++
	}
	names := make([]string, len(ims))
	for i, im := range ims {
		names[i] = im.Name
		if count[im.Person] > 1 {
			names[i] = fmt.Sprintf("%s <%s>", im.Name, im.Email)
		}
	}
	return names
}

func markdownRow(ch *plan.Change, z *plan.Zones) string {
	what := ""
	switch ch.Action {
	case plan.Create, plan.Move, plan.Adopt:
		what = describe(ch.After.Title, z.Format(ch.After.Start, ch.After.Timezone), ch.After.Attendees)
	case plan.Cancel:
		what = describe(ch.Before.Title, z.Format(ch.Before.Start, ch.Before.Timezone), ch.Before.Attendees)
	case plan.Update:
		var parts []string
		for _, f := range ch.Fields {
			if f.Field == "description" {
				parts = append(parts, "description changed")
				continue
			}
			parts = append(parts, fmt.Sprintf("%s: %s → %s", f.Field, orNone(f.Old), orNone(f.New)))
		}
		what = mdEscape(strings.Join(parts, "; "))
	}
	if line := repliesLine(ch); line != "" {
		what += "; replies so far: " + mdEscape(line)
	}
	return fmt.Sprintf("| `%s` | `%s` | %s | %s |\n", ch.Action.Symbol(), ch.Address, what, mdEscape(ch.Reason))
}

func describe(title, when string, as []resource.Attendee) string {
	return mdEscape(fmt.Sprintf("%s, %s, %s", title, when, names(as)))
}

func names(as []resource.Attendee) string {
	if len(as) > 4 {
		return fmt.Sprintf("%d people", len(as))
	}
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.Name
	}
	return strings.Join(parts, ", ")
}

// mdReplacer is mdEscape's, made once.
var mdReplacer = strings.NewReplacer(
	"|", "\\|", "\n", " ", "<", "&lt;", ">", "&gt;", "`", "'",
	// Links and images: "[x](http://evil)" stays text.
	"\\", "\\\\", "[", "\\[", "]", "\\]",
	// A zero-width space inside "://" and "www." keeps a bare URL from
	// becoming a link.
	"://", ":&#8203;//", "www.", "www&#8203;.",
)

// mdEscape keeps user text (names, titles, URLs from the programs) from
// breaking the table or injecting markup into a pull-request comment:
// links, images, HTML, @mentions.
func mdEscape(s string) string {
	// An entity such as "&#64;" or "&commat;" would become an "@" after
	// the escaping; a plain "&" ("Anna & Klaus") stays as it is.
	s = mdEntity.ReplaceAllString(s, "&amp;$1")
	// A zero-width space after the "@" of "@org/team" keeps it from
	// notifying the team; the "@" inside an e-mail address mentions no one.
	return mdReplacer.Replace(breakMentions(s))
}

var mdEntity = regexp.MustCompile(`&(#?[0-9A-Za-z]+;)`)

// breakMentions puts a zero-width space after every "@" that does not
// follow a character of an e-mail address's local part.
func breakMentions(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '@' && (i == 0 || !localPartByte(s[i-1])) {
			b.WriteString("&#8203;")
		}
	}
	return b.String()
}

func localPartByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("_.+-", c) >= 0
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
