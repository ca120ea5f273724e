package view

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/rmctl/rmctl/engine/report"
)

// ReportJSON writes the report value as indented JSON.
func ReportJSON(w io.Writer, r *report.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// reportColumns are the figures of every row, in the order all
// renderings print them; the CSV header uses the first name, tables the second.
var reportColumns = []struct {
	csv, table string
	get        func(report.Counts) int
}{
	{"planned", "planned", func(c report.Counts) int { return c.Planned }},
	{"sent", "sent", func(c report.Counts) int { return c.Sent }},
	{"taken_place", "taken place", func(c report.Counts) int { return c.Taken }},
	{"skipped", "skipped", func(c report.Counts) int { return c.Skipped }},
	{"cancelled", "cancelled", func(c report.Counts) int { return c.Cancelled }},
	{"accepted", "accepted", func(c report.Counts) int { return c.Accepted }},
	{"declined", "declined", func(c report.Counts) int { return c.Declined }},
	{"reply_unknown", "reply unknown", func(c report.Counts) int { return c.NoReply }},
	{"tutorials", "tutorials", func(c report.Counts) int { return c.Tutorials }},
	{"feedback_requested", "feedback", func(c report.Counts) int { return c.Feedback }},
}

func figures(c report.Counts) []string {
	out := make([]string, len(reportColumns))
	for i, col := range reportColumns {
		out[i] = strconv.Itoa(col.get(c))
	}
	return out
}

func tableHeads() []string {
	out := make([]string, len(reportColumns))
	for i, col := range reportColumns {
		out[i] = col.table
	}
	return out
}

// summary is a program's figures in one sentence.
func summary(c report.Counts) string {
	return fmt.Sprintf("%d sessions planned, %d sent, %d taken place, %d skipped, %d cancelled; replies: %d accepted, %d declined, %d unknown; %s assigned; %s",
		c.Planned, c.Sent, c.Taken, c.Skipped, c.Cancelled, c.Accepted, c.Declined, c.NoReply,
		Count(c.Tutorials, "tutorial"), Count(c.Feedback, "feedback request"))
}

func eventSummary(p *report.Program) string {
	return fmt.Sprintf("%s: %d sent, %d over", Count(p.Events, "joint event"), p.EventsSent, p.EventsPast)
}

// ReportText writes the report as aligned tables for a terminal.
func ReportText(out io.Writer, r *report.Report) error {
	w := bufio.NewWriter(out)
	for i := range r.Programs {
		p := &r.Programs[i]
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s  %s, as of %s\n", p.ID, p.Title, r.At.In(p.Location()).Format("2006-01-02 15:04 MST"))
		fmt.Fprintf(w, "%s\n%s\n\n", summary(p.Totals), eventSummary(p))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "pair\tmentor\tmentee\tstatus\t%s\n", strings.Join(tableHeads(), "\t"))
		for _, pr := range p.Pairs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", pr.ID, pr.Mentor, pr.Mentee, pr.Status, strings.Join(figures(pr.Counts), "\t"))
		}
		fmt.Fprintf(tw, "total\t\t\t\t%s\n", strings.Join(figures(p.Totals), "\t"))
		tw.Flush()
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "person\trole\tpairs\t%s\n", strings.Join(tableHeads(), "\t"))
		for _, pp := range p.People {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", pp.ID, pp.RolesString(), strings.Join(pp.Pairs, " "), strings.Join(figures(pp.Counts), "\t"))
		}
		tw.Flush()
	}
	if len(r.Programs) > 1 {
		fmt.Fprintf(w, "\nAll programs: %s\n", summary(r.Totals))
	}
	fmt.Fprintln(w, "\nReplies are not read back from calendars yet: every reply counts as unknown.")
	if err := w.Flush(); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// ReportMarkdown writes the report as markdown tables, for a wiki page or
// an e-mail to management.
func ReportMarkdown(out io.Writer, r *report.Report) error {
	w := bufio.NewWriter(out)
	heads := tableHeads()
	sep := strings.Repeat("---:|", len(heads))
	for i := range r.Programs {
		p := &r.Programs[i]
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "## %s (`%s`)\n\nAs of %s. %s. %s.\n\n", mdEscape(p.Title), p.ID, r.At.In(p.Location()).Format("2006-01-02 15:04 MST"), summary(p.Totals), eventSummary(p))
		fmt.Fprintf(w, "| pair | mentor | mentee | status | %s |\n|---|---|---|---|%s\n", strings.Join(heads, " | "), sep)
		for _, pr := range p.Pairs {
			fmt.Fprintf(w, "| `%s` | `%s` | `%s` | %s | %s |\n", pr.ID, pr.Mentor, pr.Mentee, pr.Status, strings.Join(figures(pr.Counts), " | "))
		}
		fmt.Fprintf(w, "| **total** | | | | %s |\n\n", strings.Join(figures(p.Totals), " | "))
		fmt.Fprintf(w, "| person | role | pairs | %s |\n|---|---|---|%s\n", strings.Join(heads, " | "), sep)
		for _, pp := range p.People {
			fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", pp.ID, pp.RolesString(), strings.Join(pp.Pairs, ", "), strings.Join(figures(pp.Counts), " | "))
		}
	}
	if len(r.Programs) > 1 {
		fmt.Fprintf(w, "\n**All programs:** %s.\n", summary(r.Totals))
	}
	fmt.Fprintln(w, "\n_Replies are not read back from calendars yet: every reply counts as unknown._")
	if err := w.Flush(); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// CSVOptions make the CSV open in a spreadsheet as it is.
type CSVOptions struct {
	// BOM starts the file with a UTF-8 byte order mark, which Excel needs
	// to read umlauts as UTF-8 rather than the system's code page.
	BOM bool
	// Delimiter separates fields; ';' for Excel with a German locale,
	// where ',' is the decimal separator. Zero means ','.
	Delimiter rune
}

// ReportCSV writes the report as one table: a row per pair, per person and
// per program total, told apart by the "row" column.
func ReportCSV(out io.Writer, r *report.Report, opts CSVOptions) error {
	w := bufio.NewWriter(out)
	if opts.BOM {
		w.WriteString("\ufeff")
	}
	cw := csv.NewWriter(w)
	if opts.Delimiter != 0 {
		cw.Comma = opts.Delimiter
	}
	cw.UseCRLF = true // RFC 4180, what spreadsheets write themselves
	head := []string{"program", "row", "id", "role", "mentor", "mentee", "pairs", "status"}
	for _, col := range reportColumns {
		head = append(head, col.csv)
	}
	cw.Write(head)
	for _, p := range r.Programs {
		for _, pr := range p.Pairs {
			cw.Write(append([]string{p.ID, "pair", pr.ID, "", pr.Mentor, pr.Mentee, "", pr.Status}, figures(pr.Counts)...))
		}
		for _, pp := range p.People {
			cw.Write(append([]string{p.ID, "person", pp.ID, pp.RolesString(), "", "", strings.Join(pp.Pairs, " "), ""}, figures(pp.Counts)...))
		}
		cw.Write(append([]string{p.ID, "program", p.ID, "", "", "", "", ""}, figures(p.Totals)...))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}
