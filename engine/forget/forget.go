// Package forget owns what `rmctl forget PERSON` does to a plan and to
// state: it narrows a plan to the changes that concern one person who is
// no longer declared (their sessions and assignments, and those of the
// pairs they were in, are cancelled; joint events are updated without
// them), and after that plan is applied it removes every trace of the
// person from state: the entries of their pairs and of resources that name
// them, and their attendee record in the joint events that stay.
//
// What a target keeps beyond state (the outbox's objects, feeds and
// messages; a CalDAV server's past objects) is the target's to remove; see
// target.Forgetter.
package forget

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/schema"
)

// Person is the person being forgotten as state knows them: their id and
// every e-mail address state recorded for them. Names are not collected:
// two people may share one, so nothing is ever matched by name.
type Person struct {
	ID     string
	Emails []string
}

// Find collects what state knows about person id in the given programs
// (all programs when programs is empty). ok is false when state never
// names them.
func Find(st *state.State, id string, programs []string) (p Person, ok bool) {
	p.ID = id
	for _, addr := range st.Addresses() {
		e := st.Resources[addr]
		if !inPrograms(e.Snapshot.Program, programs) {
			continue
		}
		for _, a := range e.Snapshot.Attendees {
			if a.ID != id {
				continue
			}
			ok = true
			if a.Email != "" && !slices.ContainsFunc(p.Emails, func(m string) bool { return strings.EqualFold(m, a.Email) }) {
				p.Emails = append(p.Emails, a.Email)
			}
		}
	}
	return p, ok
}

func inPrograms(prog string, programs []string) bool {
	return len(programs) == 0 || slices.Contains(programs, prog)
}

// Declared returns a diagnostic for every loaded program that still
// declares person id: forget refuses to run until the declarations no
// longer name them (pairs and managers that name them fail validation
// themselves).
func Declared(programs []*schema.Program, id string) schema.Diagnostics {
	var ds schema.Diagnostics
	for _, p := range programs {
		if _, ok := p.People[id]; ok {
			ds = append(ds, schema.Diagnostic{
				Severity: schema.Error, Pos: p.PersonPos(id), Path: "people." + id,
				Message: fmt.Sprintf("%s is still declared in program %s: remove them (and their pairs) before forgetting them", id, p.ID),
			})
		}
	}
	return ds
}

// concerns reports whether a state entry belongs to the person: it names
// them, or it lies below one of their pairs.
func concerns(addr string, e *state.Entry, id string, pairs []string) bool {
	for _, pre := range pairs {
		if strings.HasPrefix(addr, pre) {
			return true
		}
	}
	return e != nil && slices.ContainsFunc(e.Snapshot.Attendees, func(a resource.Attendee) bool { return a.ID == id })
}

// pairPrefixes are the address prefixes ("prog/pair/klaus-anna/") of the
// pairs whose sessions in state name the person.
func pairPrefixes(st *state.State, id string, programs []string) []string {
	var out []string
	for addr, e := range st.Resources {
		if e.Snapshot.Kind != resource.Session || !inPrograms(e.Snapshot.Program, programs) {
			continue
		}
		if !slices.ContainsFunc(e.Snapshot.Attendees, func(a resource.Attendee) bool { return a.ID == id }) {
			continue
		}
		// prog/pair/<pair>/session/<n>
		segs := strings.Split(addr, "/")
		if len(segs) >= 3 && segs[1] == "pair" {
			pre := strings.Join(segs[:3], "/") + "/"
			if !slices.Contains(out, pre) {
				out = append(out, pre)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Plan narrows p, built from st for the loaded programs, to the changes
// that concern person id: cancellations of their pairs' resources and of
// resources naming them, and the updates of joint events that remove them.
// Past resources stay frozen (nothing is sent about them); State removes
// them afterwards.
func Plan(p *plan.Plan, st *state.State, id string, programs []string) (*plan.Plan, error) {
	pairs := pairPrefixes(st, id, programs)
	out := *p
	out.Changes = nil
	for _, c := range p.Changes {
		if !inPrograms(programOf(c.Address), programs) {
			continue
		}
		e := st.Resources[c.Address]
		if c.MovedFrom != "" {
			e = st.Resources[c.MovedFrom]
		}
		if e == nil || !concerns(c.Address, e, id, pairs) {
			continue
		}
		if c.Action != plan.Cancel && c.Action != plan.Update {
			continue
		}
		out.Changes = append(out.Changes, c)
	}
	out.Frozen, out.Drift, out.Impact, out.Notes = nil, nil, nil, nil
	out.Unchanged = 0
	if err := out.Check(); err != nil { // also counts the summary again
		return nil, fmt.Errorf("forget: %w", err)
	}
	return &out, nil
}

func programOf(addr string) string {
	prog, _, _ := strings.Cut(addr, "/")
	return prog
}

// Removed is what State took out of state.
type Removed struct {
	// Entries are the addresses removed entirely.
	Entries []string
	// Edited are the addresses of joint events the person was taken out of.
	Edited []string
	// Retired are the addresses whose memory of a cancellation went.
	Retired []string
}

// State returns a copy of st without person id: entries of their pairs and
// of sessions and assignments naming them are dropped, joint events keep
// everyone else (their hash follows the edited snapshot).
func State(st *state.State, id string, programs []string) (*state.State, Removed) {
	pairs := pairPrefixes(st, id, programs)
	out := &state.State{Version: st.Version, Lineage: st.Lineage, Serial: st.Serial, Resources: make(map[string]*state.Entry, len(st.Resources))}
	var rm Removed
	// Cancellations are remembered by address (state.Retired), and those
	// addresses name the person and their pairs too: the records of their
	// pairs and of resources addressed to them go; everyone else's stay, so
	// their SEQUENCE protection survives the forget.
	for _, addr := range slices.Sorted(maps.Keys(st.Retired)) {
		segs := strings.Split(addr, "/")
		if inPrograms(programOf(addr), programs) && len(segs) >= 3 && segs[1] == "pair" && slices.Contains(segs[3:], id) {
			if pre := strings.Join(segs[:3], "/") + "/"; !slices.Contains(pairs, pre) {
				pairs = append(pairs, pre)
			}
		}
	}
	for _, addr := range slices.Sorted(maps.Keys(st.Retired)) {
		if inPrograms(programOf(addr), programs) && (concerns(addr, nil, id, pairs) || slices.Contains(strings.Split(addr, "/")[1:], id)) {
			rm.Retired = append(rm.Retired, addr)
			continue
		}
		if out.Retired == nil {
			out.Retired = make(map[string]state.Retirement, len(st.Retired))
		}
		out.Retired[addr] = st.Retired[addr]
	}
	for _, addr := range st.Addresses() {
		e := st.Resources[addr]
		if !inPrograms(e.Snapshot.Program, programs) || !concerns(addr, e, id, pairs) {
			out.Resources[addr] = e
			continue
		}
		if e.Snapshot.Kind != resource.Event {
			rm.Entries = append(rm.Entries, addr)
			continue
		}
		edited := *e
		edited.Snapshot.Attendees = slices.DeleteFunc(slices.Clone(e.Snapshot.Attendees), func(a resource.Attendee) bool { return a.ID == id })
		edited.Hash = edited.Snapshot.Hash()
		out.Resources[addr] = &edited
		rm.Edited = append(rm.Edited, addr)
	}
	return out, rm
}
