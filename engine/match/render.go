package match

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/rmctl/rmctl/schema"
)

// ProposedFile is the file match writes next to a program's files.
const ProposedFile = "pairs.proposed.cue"

// CUE returns src with the proposal's pairs added, each under a comment
// with its score and reasons, formatted like `rmctl fmt`. src nil makes the
// proposal file of package pkg, whose header also lists the mentees left
// unmatched, so a reviewer sees them in the pull request.
func CUE(prop *Proposal, name string, src []byte, pkg string) ([]byte, error) {
	header := []string{
		fmt.Sprintf("Pairs proposed by `rmctl match` for %s: review them, then move them", prop.Program),
		"into pairs.cue (or run `rmctl match --write`). Each comment gives the",
		"pair's score and what it scored on (weights: program.matching).",
	}
	if filepath.Base(name) != ProposedFile {
		header = []string{fmt.Sprintf("Pairs of %s. Scores in comments are from `rmctl match` (weights: program.matching).", prop.Program)}
	}
	if len(prop.Unmatched) > 0 {
		header = append(header, "", "Not matched:")
		for _, u := range prop.Unmatched {
			header = append(header, fmt.Sprintf("  %s: %s", u.Mentee, u.Reason))
		}
	}
	pairs := make([]schema.NewPair, len(prop.Pairs))
	for i, pr := range prop.Pairs {
		pairs[i] = schema.NewPair{ID: pr.ID, Mentor: pr.Mentor, Mentee: pr.Mentee, Time: pr.Time, Comment: pairComment(pr)}
	}
	return schema.AddPairs(name, src, pkg, header, pairs)
}

func pairComment(pr Pair) []string {
	first := fmt.Sprintf("score %.2f (rmctl match)", pr.Score)
	if pr.Pinned {
		first = fmt.Sprintf("score %.2f (rmctl match, pinned with --pin)", pr.Score)
	}
	lines := []string{first}
	for _, r := range pr.Reasons {
		lines = append(lines, fmt.Sprintf("  +%.2f %s", r.Points, r.Detail))
	}
	if pr.Time != nil {
		lines = append(lines, fmt.Sprintf("  sessions at %s: the program's slot time does not suit both calendars", pr.Time))
	}
	return lines
}

// Text writes the proposal for a terminal.
func Text(w io.Writer, prop *Proposal) error {
	b := bufio.NewWriter(w)
	switch len(prop.Pairs) {
	case 0:
		fmt.Fprintf(b, "No new pairs for %s.\n", prop.Program)
	case 1:
		fmt.Fprintf(b, "Proposed 1 pair for %s, score %.2f:\n", prop.Program, prop.Score)
	default:
		fmt.Fprintf(b, "Proposed %d pairs for %s, total score %.2f:\n", len(prop.Pairs), prop.Program, prop.Score)
	}
	for _, pr := range prop.Pairs {
		pin := ""
		if pr.Pinned {
			pin = " (pinned)"
		}
		fmt.Fprintf(b, "\n  + %s: %s → %s, score %.2f%s\n", pr.ID, pr.Mentor, pr.Mentee, pr.Score, pin)
		for _, line := range pairComment(pr)[1:] {
			fmt.Fprintf(b, "    %s\n", strings.TrimSpace(line))
		}
	}
	if len(prop.Unmatched) > 0 {
		fmt.Fprintf(b, "\nNot matched (%d):\n", len(prop.Unmatched))
		for _, u := range prop.Unmatched {
			fmt.Fprintf(b, "  %s: %s\n", u.Mentee, u.Reason)
		}
	}
	return b.Flush()
}

// JSON writes the proposal for tools; file is where it was written ("" for
// nowhere).
func JSON(w io.Writer, prop *Proposal, file string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	err := enc.Encode(struct {
		Version int    `json:"version"`
		File    string `json:"file,omitempty"`
		*Proposal
	}{Version, file, prop})
	if err != nil {
		return fmt.Errorf("writing the proposal as JSON: %w", err)
	}
	return nil
}
