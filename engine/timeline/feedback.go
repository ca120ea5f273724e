package timeline

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/schema"
)

// Feedback is one feedback request to one person: after session Session of
// its pair, or, with Session 0, on the whole program.
type Feedback struct {
	Session int       `json:"session,omitempty"`
	Person  string    `json:"person"`
	Due     time.Time `json:"due"`
	Past    bool      `json:"past"`
	Status  Status    `json:"status"`
	// InState: the request was sent.
	InState bool `json:"inState"`
}

// indexFeedback files a feedback request's address under its pair
// ("<prog>/pair/<id>") or, for program feedback, its program ("<prog>").
// segs is the address split into at most 5 parts.
func indexFeedback(index map[string][]string, addr string, segs []string) {
	switch {
	case len(segs) == 5 && segs[1] == "pair" && segs[3] == "feedback":
		key := resource.Address(segs[0], segs[1], segs[2])
		index[key] = append(index[key], addr)
	case len(segs) == 4 && segs[1] == "feedback" && segs[2] == "program":
		index[segs[0]] = append(index[segs[0]], addr)
	}
}

// addFeedback adds the indexed feedback requests, declared or sent, to the
// pairs and programs of tl (built from progs in the same order).
func addFeedback(tl *Timeline, progs []*schema.Program, index map[string][]string, want map[string]*resource.Resource, sent map[string]*state.Entry, now time.Time) {
	for i, p := range progs {
		tp := &tl.Programs[i]
		tp.Feedback = feedbackRequests(p, index[p.ID], want, sent, now, Cancelled)
		for j := range tp.Pairs {
			row := &tp.Pairs[j]
			gone := Cancelled
			if row.Status == schema.StatusPaused {
				gone = Paused
			}
			row.Feedback = feedbackRequests(p, index[resource.Address(p.ID, "pair", row.ID)], want, sent, now, gone)
		}
	}
}

func feedbackRequests(p *schema.Program, addrs []string, want map[string]*resource.Resource, sent map[string]*state.Entry, now time.Time, gone Status) []Feedback {
	var out []Feedback
	for _, addr := range addrs {
		segs := strings.Split(addr, "/")
		f := Feedback{Person: segs[len(segs)-1]}
		if segs[1] == "pair" {
			f.Session, _ = strconv.Atoi(segs[4])
		}
		var start time.Time
		if e := sent[addr]; e != nil {
			start = e.Snapshot.Start
		}
		f.Status, f.Due, _ = status(addr, want, sent, start, time.Time{}, now, gone)
		_, f.InState = sent[addr]
		f.Due = f.Due.In(p.PersonZone(f.Person))
		f.Past = !f.Due.After(now)
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Session != out[j].Session {
			return out[i].Session < out[j].Session
		}
		return out[i].Person < out[j].Person
	})
	return out
}
