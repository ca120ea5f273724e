package view

import (
	"fmt"
	"html"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rmctl/rmctl/engine/timeline"
)

// Geometry of the timeline picture, in SVG user units (CSS pixels at 100%).
// 1120 wide fits A4 landscape at the print margins the page sets.
const (
	svgWidth   = 1120
	labelWidth = 330
	plotRight  = svgWidth - 16
	headHeight = 58 // month names and event titles
	rowHeight  = 34
	legendH    = 62 // two lines of legend
)

// TimelineHTML writes the timeline as one self-contained HTML page: inline
// CSS and SVG, no script, nothing loaded from the network, laid out for A4
// landscape when printed.
func TimelineHTML(w io.Writer, tl *timeline.Timeline) error {
	var b strings.Builder
	title := "rmctl timeline"
	if len(tl.Programs) == 1 {
		title = tl.Programs[0].Title
	}
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n", esc(title))
	b.WriteString(`<style>
@page { size: A4 landscape; margin: 10mm; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; margin: 16px; }
h1 { font-size: 18px; margin: 0 0 2px; }
p.meta { font-size: 12px; color: #57606a; margin: 0 0 8px; }
section { break-inside: avoid; page-break-inside: avoid; margin-bottom: 18px; }
svg.timeline { width: 100%; height: auto; max-width: 1120px; display: block; }
@media print { body { margin: 0; } section { break-after: page; } section:last-child { break-after: auto; } }
` + svgStyle + `</style>
</head>
<body>
`)
	for i := range tl.Programs {
		p := &tl.Programs[i]
		b.WriteString("<section>\n")
		fmt.Fprintf(&b, "<h1>%s</h1>\n", esc(p.Title))
		fmt.Fprintf(&b, "<p class=\"meta\">%s · %s – %s · %s · %d pairs · as of %s</p>\n",
			esc(p.ID), p.Start, p.End, esc(p.Timezone), len(p.Pairs), tl.Now.In(p.Location()).Format("2006-01-02 15:04 MST"))
		writeSVG(&b, tl, p, false)
		b.WriteString("</section>\n")
	}
	b.WriteString("</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("writing timeline: %w", err)
	}
	return nil
}

// TimelineSVG writes the timeline as one standalone SVG image, the
// programs stacked.
func TimelineSVG(w io.Writer, tl *timeline.Timeline) error {
	var parts []string
	height := 0
	for i := range tl.Programs {
		var b strings.Builder
		h := writeSVG(&b, tl, &tl.Programs[i], true)
		parts = append(parts, fmt.Sprintf("<g transform=\"translate(0,%d)\">\n%s</g>\n", height, b.String()))
		height += h + 24
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" font-family=\"system-ui, Arial, sans-serif\">\n", svgWidth, max(height, 1), svgWidth, max(height, 1))
	b.WriteString("<style>\n" + svgStyle + "</style>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n")
	for _, p := range parts {
		b.WriteString(p)
	}
	b.WriteString("</svg>\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing timeline: %w", err)
	}
	return nil
}

// svgStyle gives every status its look; shapes differ too, so the picture
// still reads in black and white.
const svgStyle = `svg.timeline text { font-size: 12px; fill: #1f2328; }
svg.timeline .sub { font-size: 10px; fill: #57606a; }
svg.timeline .month line { stroke: #d0d7de; }
svg.timeline .month text { font-size: 11px; fill: #57606a; }
svg.timeline .row-bg { fill: #f6f8fa; }
svg.timeline .row.paused .row-bg { fill: #fff8c5; }
svg.timeline .row.ended .row-bg { fill: #eaeef2; }
svg.timeline .event rect { fill: #ddf4ff; stroke: #54aeff; stroke-width: 0.5; }
svg.timeline .event.past rect { fill: #eaeef2; stroke: #8c959f; }
svg.timeline .event text { font-size: 10px; fill: #0969da; }
svg.timeline .event.past text { fill: #57606a; }
svg.timeline .session circle { stroke: #0969da; stroke-width: 2; fill: #fff; }
svg.timeline .session.past circle { fill: #0969da; }
svg.timeline .session.planned.future circle { stroke-dasharray: 3 2; }
svg.timeline .session.planned.past circle { fill: #54aeff; stroke: #54aeff; }
svg.timeline .session.pending circle { fill: #d4a72c; stroke: #9a6700; }
svg.timeline .session.skipped circle { stroke: #8c959f; fill: #fff; stroke-dasharray: none; }
svg.timeline .session.skipped line, svg.timeline .session.cancelled line { stroke: #8c959f; stroke-width: 2; }
svg.timeline .session.cancelled line { stroke: #cf222e; }
svg.timeline .session.paused rect { fill: #fff; stroke: #9a6700; stroke-width: 2; }
svg.timeline g.session.moved circle.moved { fill: none; stroke: #bc4c00; stroke-width: 1.5; stroke-dasharray: none; }
svg.timeline .session text { font-size: 9px; fill: #57606a; }
svg.timeline .session path.warn { fill: #bf8700; stroke: #fff; stroke-width: 0.8; }
svg.timeline .tutorial path { fill: #8250df; }
svg.timeline .tutorial.future path { fill: #fff; stroke: #8250df; stroke-width: 1; }
svg.timeline .tutorial.cancelled path { fill: #8c959f; stroke: none; }
svg.timeline .today line { stroke: #cf222e; stroke-width: 1.5; }
svg.timeline .today text { fill: #cf222e; font-size: 11px; font-weight: bold; }
`

// axis maps times to x positions over whole months.
type axis struct {
	from, to time.Time
	loc      *time.Location
}

func newAxis(p *timeline.Program) axis {
	loc := p.Location()
	lo := time.Date(p.Start.Year, p.Start.Month, p.Start.Day, 0, 0, 0, 0, loc)
	hi := time.Date(p.End.Year, p.End.Month, p.End.Day, 23, 59, 0, 0, loc)
	widen := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	for _, e := range p.Events {
		widen(e.Start)
		widen(e.End)
	}
	for _, r := range p.Pairs {
		for _, s := range r.Sessions {
			widen(s.Start)
		}
		for _, a := range r.Tutorials {
			widen(a.Due)
		}
	}
	lo, hi = lo.In(loc), hi.In(loc)
	from := time.Date(lo.Year(), lo.Month(), 1, 0, 0, 0, 0, loc)
	to := time.Date(hi.Year(), hi.Month()+1, 1, 0, 0, 0, 0, loc)
	return axis{from: from, to: to, loc: loc}
}

func (a axis) x(t time.Time) float64 {
	span := a.to.Sub(a.from).Seconds()
	return labelWidth + (plotRight-labelWidth)*t.Sub(a.from).Seconds()/span
}

func (a axis) contains(t time.Time) bool { return !t.Before(a.from) && t.Before(a.to) }

// writeSVG writes one program's picture and returns its height. standalone
// leaves out the outer <svg> (TimelineSVG nests it in a group).
func writeSVG(b *strings.Builder, tl *timeline.Timeline, p *timeline.Program, nested bool) int {
	ax := newAxis(p)
	height := headHeight + rowHeight*len(p.Pairs) + legendH
	bottom := headHeight + rowHeight*len(p.Pairs)
	if !nested {
		fmt.Fprintf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" data-program=\"%s\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n",
			esc(p.ID), svgWidth, height, esc(p.Title))
	} else {
		fmt.Fprintf(b, "<text x=\"0\" y=\"14\" font-weight=\"bold\">%s</text>\n", esc(p.Title))
	}

	// Month grid.
	b.WriteString("<g class=\"months\">\n")
	for m := ax.from; m.Before(ax.to); m = m.AddDate(0, 1, 0) {
		x, next := ax.x(m), ax.x(m.AddDate(0, 1, 0))
		fmt.Fprintf(b, "<g class=\"month\"><line x1=\"%.1f\" y1=\"20\" x2=\"%.1f\" y2=\"%d\"/><text x=\"%.1f\" y=\"32\" text-anchor=\"middle\">%s</text></g>\n",
			x, x, bottom, (x+next)/2, m.Format("Jan 2006"))
	}
	b.WriteString("</g>\n")

	// Row backgrounds and labels first, then the joint events as columns
	// across every row, then the marks on top, so no column hides a session.
	for i := range p.Pairs {
		writeRowLabel(b, &p.Pairs[i], headHeight+i*rowHeight)
	}
	b.WriteString("<g class=\"events\">\n")
	for _, e := range p.Events {
		x1, x2 := ax.x(e.Start), ax.x(e.End)
		w := max(x2-x1, 4)
		cls := "event"
		if e.Past {
			cls += " past"
		}
		cls += " " + string(e.Status)
		fmt.Fprintf(b, "<g class=\"%s\" data-event=\"%s\"><title>%s</title><rect x=\"%.1f\" y=\"38\" width=\"%.1f\" height=\"%d\" opacity=\"0.8\"/><text x=\"%.1f\" y=\"50\">%s</text></g>\n",
			cls, esc(e.ID), esc(eventTitle(e, ax.loc)), x1-w/2+(x2-x1)/2, w, bottom-38, x1+4, esc(e.Title))
	}
	b.WriteString("</g>\n")
	for i := range p.Pairs {
		writeRowMarks(b, ax, &p.Pairs[i], headHeight+i*rowHeight)
	}

	// Today.
	if ax.contains(tl.Now) {
		x := ax.x(tl.Now)
		fmt.Fprintf(b, "<g class=\"today\"><title>today: %s</title><line x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"%d\"/><text x=\"%.1f\" y=\"12\" text-anchor=\"middle\">today</text></g>\n",
			tl.Now.In(ax.loc).Format("2006-01-02 15:04 MST"), x, x, bottom+4, x)
	}

	writeLegend(b, bottom+14)
	if !nested {
		b.WriteString("</svg>\n")
	}
	return height
}

func writeRowLabel(b *strings.Builder, r *timeline.Pair, y int) {
	mid := y + rowHeight/2
	fmt.Fprintf(b, "<g class=\"row %s\" data-pair-label=\"%s\">\n", esc(r.Status), esc(r.ID))
	fmt.Fprintf(b, "<rect class=\"row-bg\" x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n", y+1, svgWidth, rowHeight-2)
	label := r.Mentor + " → " + r.Mentee
	if r.Status != "active" {
		label += " (" + r.Status + ")"
	}
	warn := ""
	if len(r.Warnings) > 0 {
		label = "⚠ " + label
		warn = "\nwarning: " + strings.Join(r.Warnings, "\nwarning: ")
	}
	fmt.Fprintf(b, "<text x=\"6\" y=\"%d\"><title>pair %s: mentor %s (%s), mentee %s (%s), %s, %s%s</title>%s</text>\n",
		mid-2, esc(r.ID), esc(r.Mentor), esc(r.MentorDepartment), esc(r.Mentee), esc(r.MenteeDepartment), esc(r.Timezone), esc(r.Status), esc(warn), esc(label))
	fmt.Fprintf(b, "<text class=\"sub\" x=\"6\" y=\"%d\">%s → %s · %s</text>\n",
		mid+11, esc(r.MentorDepartment), esc(r.MenteeDepartment), esc(r.Timezone))
	b.WriteString("</g>\n")
}

// writeRowMarks draws a pair's sessions and tutorials; the group carries
// the pair's id so a reader (or a test) finds them by pair.
func writeRowMarks(b *strings.Builder, ax axis, r *timeline.Pair, y int) {
	mid := y + rowHeight/2
	fmt.Fprintf(b, "<g class=\"marks\" data-pair=\"%s\">\n", esc(r.ID))
	for _, a := range r.Tutorials {
		x := ax.x(a.Due)
		cls := "tutorial"
		switch {
		case a.Status == timeline.Cancelled || a.Status == timeline.Paused:
			cls += " cancelled"
		case a.Past:
			cls += " past"
		default:
			cls += " future"
		}
		fmt.Fprintf(b, "<g class=\"%s\" data-tutorial=\"%s\" data-person=\"%s\"><title>tutorial %s (%s) for %s, due %s, %s</title><path d=\"M%.1f %d l4 7 h-8 z\"/></g>\n",
			cls, esc(a.Tutorial), esc(a.Person), esc(a.Tutorial), esc(a.Title), esc(a.Person),
			a.Due.Format("Mon 2006-01-02"), a.Status, x, mid+5)
	}
	for _, s := range r.Sessions {
		x := ax.x(s.Start)
		cls := "session " + string(s.Status)
		if s.Past {
			cls += " past"
		} else {
			cls += " future"
		}
		if s.Moved {
			cls += " moved"
		}
		if len(s.Warnings) > 0 {
			cls += " warning"
		}
		fmt.Fprintf(b, "<g class=\"%s\" data-pair=\"%s\" data-session=\"%d\" data-start=\"%s\"><title>%s</title>",
			cls, esc(r.ID), s.Number, s.Start.UTC().Format(time.RFC3339), esc(sessionTitle(r, s)))
		cy := mid - 3
		switch s.Status {
		case timeline.Skipped, timeline.Cancelled:
			if s.Status == timeline.Skipped {
				fmt.Fprintf(b, "<circle cx=\"%.1f\" cy=\"%d\" r=\"7\"/>", x, cy)
			}
			fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
				x-5, cy-5, x+5, cy+5, x-5, cy+5, x+5, cy-5)
		case timeline.Paused:
			fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"12\"/>", x-6, cy-6)
		default:
			fmt.Fprintf(b, "<circle cx=\"%.1f\" cy=\"%d\" r=\"7\"/>", x, cy)
		}
		if s.Moved {
			fmt.Fprintf(b, "<circle class=\"moved\" cx=\"%.1f\" cy=\"%d\" r=\"10\"/>", x, cy)
		}
		if len(s.Warnings) > 0 {
			fmt.Fprintf(b, "<path class=\"warn\" d=\"M%.1f %d l5 -9 l5 9 z\"/>", x+5, cy-3)
		}
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text></g>\n", x, mid+14, s.Number)
	}
	b.WriteString("</g>\n")
}

func writeLegend(b *strings.Builder, y int) {
	items := []struct{ cls, shape, label string }{
		{"session sent past", "circle", "took place"},
		{"session planned past", "circle", "took place, never sent"},
		{"session sent future", "circle", "sent, upcoming"},
		{"session planned future", "circle", "not sent yet"},
		{"session pending future", "circle", "changed, not re-sent"},
		{"session sent future moved", "moved", "moved"},
		{"session sent future warning", "warn", "warning"},
		{"session skipped", "cross", "skipped"},
		{"session paused", "square", "paused"},
		{"session cancelled", "x", "cancelled"},
		{"tutorial past", "tri", "tutorial due"},
	}
	b.WriteString("<g class=\"legend\">\n")
	// Label widths are estimated (the browser picks the font), generously,
	// and the legend wraps rather than run off the page.
	x := 6.0
	for _, it := range items {
		fmt.Fprintf(b, "<g class=\"%s\">", it.cls)
		w := 40 + float64(utf8.RuneCountInString(it.label))*6.8
		if x+w > svgWidth {
			x, y = 6, y+20
		}
		cy := y + 8
		switch it.shape {
		case "circle":
			fmt.Fprintf(b, "<circle cx=\"%.1f\" cy=\"%d\" r=\"6\"/>", x+6, cy)
		case "moved":
			fmt.Fprintf(b, "<circle cx=\"%.1f\" cy=\"%d\" r=\"6\"/><circle class=\"moved\" cx=\"%.1f\" cy=\"%d\" r=\"9\"/>", x+6, cy, x+6, cy)
		case "cross":
			fmt.Fprintf(b, "<circle cx=\"%.1f\" cy=\"%d\" r=\"6\"/><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
				x+6, cy, x+2, cy-4, x+10, cy+4, x+2, cy+4, x+10, cy-4)
		case "x":
			fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
				x+2, cy-4, x+10, cy+4, x+2, cy+4, x+10, cy-4)
		case "warn":
			fmt.Fprintf(b, "<circle cx=\"%.1f\" cy=\"%d\" r=\"6\"/><path class=\"warn\" d=\"M%.1f %d l5 -9 l5 9 z\"/>", x+6, cy, x+10, cy)
		case "square":
			fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"11\" height=\"11\"/>", x+1, cy-5)
		case "tri":
			fmt.Fprintf(b, "<path d=\"M%.1f %d l4 7 h-8 z\"/>", x+6, cy-4)
		}
		fmt.Fprintf(b, "</g><text x=\"%.1f\" y=\"%d\">%s</text>\n", x+18, cy+4, esc(it.label))
		x += w
	}
	b.WriteString("</g>\n")
}

func sessionTitle(r *timeline.Pair, s timeline.Session) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, session %d: %s\n%s – %s", r.ID, s.Number, s.Title,
		s.Start.Format("Mon 2006-01-02 15:04"), s.End.Format("15:04 MST"))
	fmt.Fprintf(&b, "\n%s", describeSession(s))
	for _, w := range s.Warnings {
		fmt.Fprintf(&b, "\nwarning: %s", w)
	}
	for _, rp := range s.Replies {
		fmt.Fprintf(&b, "\n%s %s: %s", rp.Role, rp.Person, rp.PartStat)
	}
	return b.String()
}

// describeSession says in words what the marks show.
func describeSession(s timeline.Session) string {
	var parts []string
	switch s.Status {
	case timeline.Sent:
		parts = append(parts, "sent")
	case timeline.Planned:
		parts = append(parts, "not sent yet")
	case timeline.Pending:
		parts = append(parts, "sent, changed since (the next apply updates it)")
	default:
		parts = append(parts, string(s.Status))
	}
	if s.Moved {
		parts = append(parts, "moved")
	}
	if s.Taken() {
		parts = append(parts, "took place")
	} else if s.Past {
		parts = append(parts, "past")
	}
	return strings.Join(parts, ", ")
}

func eventTitle(e timeline.Event, loc *time.Location) string {
	t := fmt.Sprintf("%s\n%s – %s", e.Title, e.Start.In(loc).Format("Mon 2006-01-02 15:04"), e.End.In(loc).Format("15:04 MST"))
	if e.Location != "" {
		t += "\n" + e.Location
	}
	return t + "\n" + string(e.Status)
}

func esc(s string) string { return html.EscapeString(s) }
