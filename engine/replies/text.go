package replies

import (
	"fmt"
	"io"
	"strings"
)

// Summary is the versioned JSON form of a sync: the answers recorded, by
// person id (never by address), and what was left aside.
type Summary struct {
	Version   int      `json:"version"`
	Messages  int      `json:"messages"`
	Recorded  []Change `json:"recorded"`
	Unknown   int      `json:"unknown"`
	Uninvited int      `json:"uninvited"`
	Stale     int      `json:"stale"`
	Known     int      `json:"known"` // already recorded
	// Unreadable counts messages that could not be read as replies.
	Unreadable int `json:"unreadable"`
}

// Summarize returns the JSON form of a sync.
func Summarize(res *Result, out Outcome) Summary {
	s := Summary{Version: 1, Messages: res.Messages, Recorded: out.Changes, Unknown: out.Unknown,
		Uninvited: out.Uninvited, Stale: out.Stale, Known: out.Known, Unreadable: res.Unreadable}
	if s.Recorded == nil {
		s.Recorded = []Change{}
	}
	return s
}

// WriteText prints one line per recorded answer, then a summary line.
func WriteText(w io.Writer, res *Result, out Outcome) {
	for _, c := range out.Changes {
		was := ""
		if c.Previous != "" {
			was = " (was " + strings.ToLower(c.Previous) + ")"
		}
		fmt.Fprintf(w, "%s: %s %s%s\n", c.Address, c.Person, strings.ToLower(c.PartStat), was)
	}
	fmt.Fprintf(w, "Read %d %s: %d %s recorded", res.Messages, plural(res.Messages, "message", "messages"),
		len(out.Changes), plural(len(out.Changes), "answer", "answers"))
	var aside []string
	if out.Unknown > 0 {
		aside = append(aside, fmt.Sprintf("%d to no invitation in state", out.Unknown))
	}
	if out.Uninvited > 0 {
		aside = append(aside, fmt.Sprintf("%d from people not invited", out.Uninvited))
	}
	if out.Stale > 0 {
		aside = append(aside, fmt.Sprintf("%d out of date", out.Stale))
	}
	if len(aside) > 0 {
		fmt.Fprintf(w, "; ignored: %s", strings.Join(aside, ", "))
	}
	fmt.Fprintln(w, ".")
	if res.Unreadable > 0 {
		fmt.Fprintf(w, "%d %s could not be read: %v\n", res.Unreadable, plural(res.Unreadable, "message", "messages"), res.FirstError)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
