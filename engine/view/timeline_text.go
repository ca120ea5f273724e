package view

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rmctl/rmctl/engine/timeline"
)

// TimelineJSON writes the timeline value as indented JSON.
func TimelineJSON(w io.Writer, tl *timeline.Timeline) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(tl); err != nil {
		return fmt.Errorf("writing timeline: %w", err)
	}
	return nil
}

// textCols is the number of characters per month on the text axis: a
// character is about 3.5 days, enough to tell sessions a week apart.
const textCols = 9

// Marks of the text timeline, one character each.
const (
	markTaken     = '●'
	markSent      = '○'
	markPlanned   = '◌'
	markPending   = '◐'
	markSkipped   = '×'
	markPaused    = '‖'
	markCancelled = '∅'
	markEvent     = '█'
	markTutorial  = '·'
	markToday     = '│'
)

// TimelineText writes the timeline for a terminal: one line per pair with
// a character grid over the months, then the sessions of each pair in words.
func TimelineText(out io.Writer, tl *timeline.Timeline, color bool) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	c := colorizer(color)
	for i := range tl.Programs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		writeTextProgram(w, tl, &tl.Programs[i], c)
	}
	fmt.Fprintf(w, "\n%c took place  %c sent  %c not sent yet  %c changed, not re-sent  %c skipped  %c paused  %c cancelled  %c event  %c tutorial due  %c today\n",
		markTaken, markSent, markPlanned, markPending, markSkipped, markPaused, markCancelled, markEvent, markTutorial, markToday)
}

func writeTextProgram(w io.Writer, tl *timeline.Timeline, p *timeline.Program, c func(string, string) string) {
	ax := newAxis(p)
	loc := ax.loc
	fmt.Fprintf(w, "%s  %s\n", c(bold, p.ID), p.Title)
	fmt.Fprintf(w, "%s – %s, %s, as of %s\n\n", p.Start, p.End, p.Timezone, tl.Now.In(loc).Format("2006-01-02 15:04 MST"))

	months := 0
	for m := ax.from; m.Before(ax.to); m = m.AddDate(0, 1, 0) {
		months++
	}
	width := months * textCols
	col := func(t time.Time) int {
		// Columns are proportional inside each month, so month labels
		// line up with the grid whatever the month's length.
		t = t.In(loc)
		m := (t.Year()-ax.from.Year())*12 + int(t.Month()) - int(ax.from.Month())
		first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
		days := first.AddDate(0, 1, 0).Sub(first).Hours() / 24
		frac := t.Sub(first).Hours() / 24 / days
		return min(max(m*textCols+int(frac*textCols), 0), width-1)
	}
	labels := make([]string, len(p.Pairs))
	lw := utf8.RuneCountInString("events")
	for i, r := range p.Pairs {
		labels[i] = r.Mentor + " → " + r.Mentee
		lw = max(lw, utf8.RuneCountInString(labels[i]))
	}
	today := -1
	if ax.contains(tl.Now) {
		today = col(tl.Now)
	}
	blank := func() []rune {
		g := []rune(strings.Repeat(" ", width))
		for m := range months {
			g[m*textCols] = '┊'
		}
		if today >= 0 {
			g[today] = markToday
		}
		return g
	}

	head := []rune(strings.Repeat(" ", width))
	for m, i := ax.from, 0; m.Before(ax.to); m, i = m.AddDate(0, 1, 0), i+1 {
		copy(head[i*textCols:], []rune(m.Format("Jan 06")))
	}
	fmt.Fprintf(w, "%s  %s\n", pad("", lw), strings.TrimRight(string(head), " "))

	ev := blank()
	for _, e := range p.Events {
		for x := col(e.Start); x <= col(e.End); x++ {
			ev[x] = markEvent
		}
	}
	fmt.Fprintf(w, "%s  %s\n", pad("events", lw), strings.TrimRight(string(ev), " "))

	for i, r := range p.Pairs {
		g := blank()
		for _, a := range r.Tutorials {
			if g[col(a.Due)] == ' ' || g[col(a.Due)] == '┊' {
				g[col(a.Due)] = markTutorial
			}
		}
		for _, s := range r.Sessions {
			g[col(s.Start)] = sessionMark(s)
		}
		line := strings.TrimRight(string(g), " ")
		extra := fmt.Sprintf("  %s → %s, %s", r.MentorDepartment, r.MenteeDepartment, r.Timezone)
		if r.Status != "active" {
			extra += ", " + r.Status
		}
		fmt.Fprintf(w, "%s  %s%s\n", pad(labels[i], lw), pad(line, width), c(dim, extra))
	}

	fmt.Fprintln(w)
	for _, e := range p.Events {
		fmt.Fprintf(w, "event %s: %s – %s, %s\n", e.ID, e.Start.In(loc).Format("Mon 2006-01-02 15:04"), e.End.In(loc).Format("15:04"), eventState(e))
	}
	for _, r := range p.Pairs {
		fmt.Fprintf(w, "%s:", r.ID)
		for _, s := range r.Sessions {
			fmt.Fprintf(w, " %d %c %s", s.Number, sessionMark(s), s.Start.Format("01-02"))
			if s.Moved {
				fmt.Fprint(w, " (moved)")
			}
			if len(s.Warnings) > 0 {
				fmt.Fprint(w, " (!)")
			}
		}
		if n := len(r.Tutorials); n > 0 {
			fmt.Fprintf(w, "; %s", Count(n, "tutorial"))
		}
		fmt.Fprintln(w)
		for _, m := range r.Warnings {
			fmt.Fprintf(w, "  ! %s\n", m)
		}
		for _, s := range r.Sessions {
			for _, m := range s.Warnings {
				fmt.Fprintf(w, "  ! session %d: %s\n", s.Number, m)
			}
		}
	}
}

func eventState(e timeline.Event) string {
	s := string(e.Status)
	switch e.Status {
	case timeline.Planned:
		s = "not sent yet"
	case timeline.Pending:
		s = "sent, changed since"
	}
	if e.Past {
		s += ", past"
	}
	return s
}

func sessionMark(s timeline.Session) rune {
	switch s.Status {
	case timeline.Skipped:
		return markSkipped
	case timeline.Paused:
		return markPaused
	case timeline.Cancelled:
		return markCancelled
	}
	switch {
	case s.Past:
		return markTaken
	case s.Status == timeline.Pending:
		return markPending
	case s.Status == timeline.Sent:
		return markSent
	}
	return markPlanned
}

// pad pads s with spaces to n characters (runes, not bytes: names and
// departments carry umlauts).
func pad(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}
