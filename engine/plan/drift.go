package plan

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
)

// Drift is a change someone made on the target to a resource rmctl manages
// (`rmctl plan --refresh`): a calendar user moved, deleted or edited it.

// DriftPolicy says what a plan does about drift (settings: target.drift).
type DriftPolicy string

// Drift policies.
const (
	// Restore (the default) plans an update that puts the declared version
	// back: the declaration is the truth.
	Restore DriftPolicy = "restore"
	// Accept adopts a moved resource's new start and end into state without
	// sending anything, and keeps them until the declaration itself changes.
	// Deletions and other edits are only reported: there is no declared
	// value to adopt them into.
	Accept DriftPolicy = "accept"
	// Report lists drift in Plan.Drift and changes nothing.
	Report DriftPolicy = "report"
)

// What a drift is, in Drift.What.
const (
	DriftMoved   = "moved"
	DriftDeleted = "deleted"
	DriftChanged = "changed"
)

// Observer reads back what a target holds for managed resources. Targets
// that can (CalDAV) implement it; plan --refresh calls it through Refresh.
type Observer interface {
	// Observe compares what the target holds for each entry with what the
	// entry recorded and returns one Observation per entry that differs;
	// entries that match are left out. It must read in bulk (one listing
	// per calendar, not one request per resource).
	Observe(ctx context.Context, entries []*state.Entry) ([]Observation, error)
}

// Observation is what a target found for one state entry that differs from
// what state recorded.
type Observation struct {
	Address string `json:"address"`
	UID     string `json:"uid"`
	// Missing: no copy is left anywhere (deleted by someone).
	Missing bool `json:"missing,omitempty"`
	// MissingIn lists the calendars whose copy is gone: all of them when
	// Missing, some of them when one person deleted their copy.
	MissingIn []string `json:"missing_in,omitempty"`
	// Fields that differ: Old is what state recorded, New what was found.
	// Field names: title, start, end, location, description, status,
	// attendees.
	Fields []FieldChange `json:"fields,omitempty"`
	// Start and End as found, when every copy found agrees on them; zero
	// otherwise. For an assignment Start is the due time.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// Sequence is the highest SEQUENCE found: a restore must send more.
	Sequence int `json:"sequence,omitempty"`
	// Refs are the copies found, with their current ETags.
	Refs []state.Ref `json:"refs,omitempty"`
}

// What classifies the observation: deleted (a copy is gone), moved (start
// or end differ) or changed (other fields).
func (o *Observation) What() string {
	if o.Missing || len(o.MissingIn) > 0 {
		return DriftDeleted
	}
	if o.timeChanged() {
		return DriftMoved
	}
	return DriftChanged
}

func (o *Observation) timeChanged() bool {
	for _, f := range o.Fields {
		if f.Field == "start" || f.Field == "end" {
			return true
		}
	}
	return false
}

// onlyTime reports whether start and end are all that changed.
func (o *Observation) onlyTime() bool {
	for _, f := range o.Fields {
		if f.Field != "start" && f.Field != "end" {
			return false
		}
	}
	return o.timeChanged()
}

// Drift is one resource changed on the target behind rmctl's back, as the
// plan shows it.
type Drift struct {
	Address   string        `json:"address"`
	What      string        `json:"what"` // moved | deleted | changed
	Fields    []FieldChange `json:"fields,omitempty"`
	MissingIn []string      `json:"missing_in,omitempty"`
	// Resolution is what applying the plan does about it: "restore" (an
	// update in Changes), "accept" (an adopt in Changes), "report"
	// (nothing), or "update" (the declaration changed too and its update
	// overwrites the server's version).
	Resolution string `json:"resolution"`
	// Note explains a resolution that is not the policy's, e.g. why accept
	// could not adopt.
	Note string `json:"note,omitempty"`
}

// Observed is the server's version an Adopt change records in state.
type Observed struct {
	Start time.Time   `json:"start"`
	End   time.Time   `json:"end,omitzero"`
	Refs  []state.Ref `json:"refs,omitempty"`
}

// Refresh asks o about the entries of st that a plan with opts could act
// on: selected by Targets/Excludes and not yet begun (past resources are
// frozen, so their drift would change nothing). The result goes into
// Options.Observed. It is the only step of planning that does I/O, and it
// does it through the Observer.
func Refresh(ctx context.Context, o Observer, st *state.State, opts Options) ([]Observation, error) {
	var entries []*state.Entry
	for _, addr := range st.Addresses() {
		e := st.Resources[addr]
		if len(opts.Targets) > 0 && !matchAny(opts.Targets, addr) || matchAny(opts.Excludes, addr) {
			continue
		}
		if e.Snapshot.Start.Before(opts.Now) {
			continue
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return []Observation{}, nil
	}
	obs, err := o.Observe(ctx, entries)
	if err != nil {
		return nil, fmt.Errorf("refresh: %w", err)
	}
	if obs == nil {
		obs = []Observation{} // refreshed, found nothing: not the same as not refreshed
	}
	return obs, nil
}

// declaredHash is the hash of the declaration state was last brought in
// line with: the entry's own hash, unless drift was accepted, which makes
// the snapshot differ from the declaration on purpose.
func declaredHash(e *state.Entry) string {
	if e.DeclaredHash != "" {
		return e.DeclaredHash
	}
	return e.Hash
}

// driftIndex keys observations by UID, which survives renames (moved
// declarations), unlike the address.
func driftIndex(obs []Observation) map[string]*Observation {
	if len(obs) == 0 {
		return nil
	}
	m := make(map[string]*Observation, len(obs))
	for i := range obs {
		m[obs[i].UID] = &obs[i]
	}
	return m
}

// foldDrift handles an observation for a resource whose declaration has
// not changed since it was applied. It returns the change to make, if any,
// and records the drift in p.Drift.
func (p *Plan) foldDrift(o *Observation, entry *state.Entry, r *resource.Resource, policy DriftPolicy) *Change {
	d := Drift{Address: r.Address, What: o.What(), Fields: o.Fields, MissingIn: o.MissingIn, Resolution: string(policy)}
	switch policy {
	case Accept, Report:
	case "", Restore:
		d.Resolution = string(Restore)
	default:
		// Settings are validated; should one slip through, doing nothing
		// is the only harmless reading.
		d.Resolution, d.Note = string(Report), fmt.Sprintf("unknown drift policy %q", policy)
	}
	if policy == Accept {
		switch {
		case d.What != DriftMoved:
			d.Resolution, d.Note = string(Report), "only a moved time can be accepted; "+d.What+" is left as it is on the server"
		case !o.onlyTime():
			d.Resolution, d.Note = string(Report), "moved and otherwise edited; accept adopts times only, so it is left as it is on the server"
		case o.Start.IsZero():
			d.Resolution, d.Note = string(Report), "the copies disagree on the time; left as they are"
		}
	}
	p.Drift = append(p.Drift, d)

	switch DriftPolicy(d.Resolution) {
	case Restore:
		c := &Change{Address: r.Address, Action: Update, Kind: r.Kind, UID: r.UID,
			Sequence: max(entry.Sequence, o.Sequence) + 1, Before: &entry.Snapshot, After: r}
		switch d.What {
		case DriftDeleted:
			c.Reason = "deleted on the server: restoring"
			if !o.Missing {
				c.Reason = "deleted on the server in " + strings.Join(o.MissingIn, ", ") + ": restoring"
			}
		case DriftMoved:
			c.Reason = "moved on the server by someone: restoring"
		default:
			c.Reason = "changed on the server by someone (" + fieldNames(o.Fields) + "): restoring"
		}
		// The update puts back what state recorded: found → recorded.
		for _, f := range o.Fields {
			c.Fields = append(c.Fields, FieldChange{Field: f.Field, Old: f.New, New: f.Old})
		}
		return c
	case Accept:
		after := *r
		return &Change{Address: r.Address, Action: Adopt, Kind: r.Kind, UID: r.UID,
			Reason:   "moved on the server by someone: accepting the calendar's time",
			Sequence: entry.Sequence, Before: &entry.Snapshot, After: &after, Fields: o.Fields,
			Observed: &Observed{Start: o.Start.UTC(), End: o.End.UTC(), Refs: o.Refs}}
	}
	return nil
}

// noteDrift records drift of a resource whose declaration changed as well:
// the planned update overwrites the server's version, and must send a
// SEQUENCE above the one found there.
func (p *Plan) noteDrift(o *Observation, c *Change) {
	p.Drift = append(p.Drift, Drift{Address: c.Address, What: o.What(), Fields: o.Fields, MissingIn: o.MissingIn,
		Resolution: "update", Note: "the declaration changed too; its update replaces the server's version"})
	c.Sequence = max(c.Sequence, o.Sequence+1)
}

func fieldNames(fs []FieldChange) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Field
	}
	return strings.Join(names, ", ")
}

func sortDrift(ds []Drift) {
	sort.Slice(ds, func(i, j int) bool { return ds[i].Address < ds[j].Address })
}
