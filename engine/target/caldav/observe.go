package caldav

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/rmctl/rmctl/engine/ical"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target/caldav/davclient"
)

var _ plan.Observer = (*Target)(nil)

// found is one object of a listed calendar.
type found struct {
	href, etag string
	obj        *object
}

// Observe implements plan.Observer: it lists every calendar that should
// hold a copy of the entries with one calendar-query REPORT each (never one
// GET per event), finds each entry's copies by UID and compares them by
// meaning with what state recorded. DTSTAMP, SEQUENCE, PARTSTAT and other
// parameters, property order and properties rmctl does not manage
// (server-added ones among them) are ignored; a task's STATUS too, since it
// changes when its assignee completes it.
func (t *Target) Observe(ctx context.Context, entries []*state.Entry) ([]plan.Observation, error) {
	type copyOf struct{ calendar, href string }
	copies := make([][]copyOf, len(entries))
	calendars := map[string]map[string][]found{} // calendar URL → UID → objects
	for i, e := range entries {
		for _, ref := range e.Refs {
			if ref.Target == Kind && ref.Calendar != "" {
				copies[i] = append(copies[i], copyOf{ref.Calendar, ref.Href})
			}
		}
		if len(copies[i]) == 0 {
			// Recorded by another target (or an older run): look where
			// this target would have put it.
			r := resource.FromSnapshot(e.Address, e.UID, e.Snapshot)
			for _, c := range t.calendars(&r) {
				copies[i] = append(copies[i], copyOf{calendar: c.url})
			}
		}
		for _, c := range copies[i] {
			calendars[c.calendar] = nil
		}
	}

	urls := make([]string, 0, len(calendars))
	for u := range calendars {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	listed := make([]map[string][]found, len(urls))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(t.parallel)
	for i, u := range urls {
		g.Go(func() error {
			objs, err := t.client.List(gctx, u)
			if errors.Is(err, davclient.ErrNotFound) {
				// The whole calendar is gone: every copy in it is missing.
				listed[i] = map[string][]found{}
				return nil
			}
			if err != nil {
				return fmt.Errorf("caldav: reading calendar %s: %w", u, err)
			}
			byUID := make(map[string][]found, len(objs))
			for _, obj := range objs {
				o, err := parseObject(obj.Data)
				if err != nil {
					// Not readable, so not something rmctl wrote: an
					// object of ours that went bad shows up as missing.
					continue
				}
				byUID[o.uid] = append(byUID[o.uid], found{href: obj.Href, etag: obj.ETag, obj: o})
			}
			listed[i] = byUID
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i, u := range urls {
		calendars[u] = listed[i]
	}

	var out []plan.Observation
	for i, e := range entries {
		o := plan.Observation{Address: e.Address, UID: e.UID}
		// Whose copy is in which calendar: a joint event's copy lists
		// only its person (ownCopies).
		snap := e.Snapshot
		r := resource.FromSnapshot(e.Address, e.UID, e.Snapshot)
		person := map[string]string{} // by calendar path: refs may name another host
		if t.ownCopies(&r) {
			for _, c := range t.calendars(&r) {
				person[calendarPath(c.url)] = c.person
			}
		}
		var times [][2]time.Time
		seen := map[string]bool{}
		for _, c := range copies[i] {
			fs := pick(calendars[c.calendar][e.UID], c.href)
			if fs == nil {
				o.MissingIn = append(o.MissingIn, c.calendar)
				continue
			}
			o.Refs = append(o.Refs, state.Ref{Target: Kind, Calendar: c.calendar, Href: fs.href, ETag: fs.etag})
			o.Sequence = max(o.Sequence, fs.obj.sequence)
			times = append(times, [2]time.Time{fs.obj.start, fs.obj.end})
			want := &e.Snapshot
			if p, ok := person[calendarPath(c.calendar)]; ok {
				snap.Attendees = copyAttendees(e.Snapshot.Attendees, p)
				want = &snap
			}
			for _, f := range compare(want, fs.obj) {
				if !seen[f.Field] {
					seen[f.Field] = true
					o.Fields = append(o.Fields, f)
				}
			}
		}
		if len(o.MissingIn) == 0 && len(o.Fields) == 0 {
			continue
		}
		o.Missing = len(o.Refs) == 0
		if len(times) > 0 {
			agree := true
			for _, tt := range times[1:] {
				agree = agree && tt[0].Equal(times[0][0]) && tt[1].Equal(times[0][1])
			}
			if agree {
				o.Start, o.End = times[0][0], times[0][1]
			}
		}
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out, nil
}

// calendarPath is the path of a calendar URL, which identifies a person's
// calendar also when refs were recorded through another host name (a proxy,
// a renamed server).
func calendarPath(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Path
	}
	return u
}

// pick chooses the copy at the recorded href among the objects with the
// entry's UID, else the first (the server or a client moved it).
func pick(fs []found, href string) *found {
	for i := range fs {
		if href != "" && fs[i].href == href {
			return &fs[i]
		}
	}
	if len(fs) > 0 {
		return &fs[0]
	}
	return nil
}

// compare lists what differs between state's snapshot and a stored object:
// Old is the recorded value, New the found one, formatted like plan fields.
func compare(s *resource.Snapshot, o *object) []plan.FieldChange {
	var out []plan.FieldChange
	add := func(field, old, new string) {
		if old != new {
			out = append(out, plan.FieldChange{Field: field, Old: old, New: new})
		}
	}
	add("title", ical.CleanText(s.Title), o.summary)
	if !s.Start.Truncate(time.Second).Equal(o.start) {
		add("start", plan.FormatTime(s.Start, s.Timezone), plan.FormatTime(o.start, s.Timezone))
	}
	if s.Kind != resource.Assignment && !s.End.Truncate(time.Second).Equal(o.end) {
		add("end", plan.FormatTime(s.End, s.Timezone), plan.FormatTime(o.end, s.Timezone))
	}
	add("location", ical.CleanText(s.Location), o.location)
	if !sameDescription(s, o.description) {
		out = append(out, plan.FieldChange{Field: "description", Old: "(recorded text)", New: "(text on the server)"})
	}
	if s.Kind != resource.Assignment {
		// A task's STATUS belongs to its assignee (completed or not).
		status := o.status
		if status == "" {
			status = ical.StatusConfirmed
		}
		add("status", ical.StatusConfirmed, status)
	}
	want := make([]string, 0, len(s.Attendees))
	for _, a := range s.Attendees {
		want = append(want, strings.ToLower(a.Email))
	}
	sort.Strings(want)
	add("attendees", strings.Join(compactStrings(want), ", "), strings.Join(o.attendees, ", "))
	return out
}

// sameDescription compares a stored description with the recorded hash,
// hashed as resource.Snapshot hashes it. ical.Object appends an
// assignment's URL to its text when the text lacks it; that is taken off
// again before hashing.
func sameDescription(s *resource.Snapshot, desc string) bool {
	hash := func(d string) string {
		r := resource.Resource{Description: d}
		return r.Snapshot().DescriptionHash
	}
	if hash(desc) == s.DescriptionHash {
		return true
	}
	if s.Kind == resource.Assignment && s.URL != "" {
		if desc == s.URL {
			return hash("") == s.DescriptionHash
		}
		if base, ok := strings.CutSuffix(desc, "\n\n"+s.URL); ok {
			return hash(base) == s.DescriptionHash
		}
	}
	return false
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
