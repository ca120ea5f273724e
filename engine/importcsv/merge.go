package importcsv

import (
	"sort"

	"github.com/rmctl/rmctl/schema"
)

// Change is one person whose fields the import changed.
type Change struct {
	ID     string
	Fields []string
}

// Changes say what an import did to people.cue, by id.
type Changes struct {
	Added     []string
	Changed   []Change
	Left      []string // in people.cue, not in the export: kept
	Unchanged int
}

// ExistingIn lists the people of pf for Resolve.
func ExistingIn(pf *schema.PeopleFile) []Existing {
	var out []Existing
	for _, p := range pf.People() {
		if p.Email != "" {
			out = append(out, Existing{ID: p.ID, Email: p.Email})
		}
	}
	return out
}

// Merge writes res's people into pf: new people at the end, changed fields
// in place, everything else (other fields, comments, people not in the
// export) untouched.
func Merge(pf *schema.PeopleFile, res *Result) Changes {
	var c Changes
	for _, p := range res.People {
		changed := pf.Set(p.ID, Fields, p.Fields)
		switch {
		case p.New:
			c.Added = append(c.Added, p.ID)
		case len(changed) > 0:
			c.Changed = append(c.Changed, Change{ID: p.ID, Fields: changed})
		default:
			c.Unchanged++
		}
	}
	c.Left = res.Left
	sort.Strings(c.Added)
	sort.Slice(c.Changed, func(i, j int) bool { return c.Changed[i].ID < c.Changed[j].ID })
	return c
}
