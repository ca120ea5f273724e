// Package redact owns rmctl's redaction of personal data: it turns a plan
// or a diff into a copy in which every person's name and e-mail address is
// replaced by their id, for output that ends up where more people read it
// than should (a pull-request comment, a CI log). Views render the redacted
// value exactly as they render any other, so redaction is one
// transformation of the value, not a string filter in every view.
//
// The names and addresses to replace are gathered from the value itself
// (every attendee, organizer and impact row it carries, before and after)
// and from the programs loaded, so a person who is no longer declared but
// still in state is redacted too. Any e-mail address left over (in a title
// or a free-text reason) becomes Placeholder.
package redact

import (
	"cmp"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/rmctl/rmctl/engine/diff"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/schema"
)

// Placeholder replaces an e-mail address that belongs to no known person.
const Placeholder = "[e-mail]"

// OrganizerID stands for a program's organizer, who has no person id.
const OrganizerID = "organizer"

// email matches what could be an e-mail address in free text; it errs on
// the side of replacing too much.
var email = regexp.MustCompile(`[^\s<>"'()\[\],;:@]+@[^\s<>"'()\[\],;:@]+`)

// Redactor replaces known names and e-mail addresses with ids. The zero
// value knows nobody and still replaces every e-mail address.
type Redactor struct {
	ids   map[string]string // name or lower-case e-mail → id
	names []string          // longest first, so "Anna Maria" goes before "Anna"
	dirty bool              // names changed since repl was built
	repl  *strings.Replacer
}

// New returns a Redactor that knows the people and organizers of programs.
func New(programs ...*schema.Program) *Redactor {
	r := &Redactor{}
	r.AddPrograms(programs...)
	return r
}

// AddPrograms makes r replace the names and e-mail addresses of the
// people and organizers of programs.
func (r *Redactor) AddPrograms(programs ...*schema.Program) {
	for _, p := range programs {
		r.addProgram(p)
	}
}

// Add makes r replace name and email with id. The first id given for a
// name or address wins.
func (r *Redactor) Add(id, name, addr string) {
	if r.ids == nil {
		r.ids = map[string]string{}
	}
	if addr != "" {
		if _, ok := r.ids[strings.ToLower(addr)]; !ok {
			r.ids[strings.ToLower(addr)] = id
		}
	}
	// A name as short as an id would replace parts of ordinary words.
	if len(strings.TrimSpace(name)) >= 3 && name != id {
		if _, ok := r.ids[name]; !ok {
			r.ids[name] = id
			r.names = append(r.names, name)
			r.dirty = true
		}
	}
}

// String returns s with every known e-mail address replaced by its id,
// every other address by Placeholder, and every known name by its id.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	s = email.ReplaceAllStringFunc(s, func(a string) string {
		if id, ok := r.ids[strings.ToLower(a)]; ok {
			return id
		}
		return Placeholder
	})
	if len(r.names) == 0 {
		return s
	}
	if r.dirty || r.repl == nil {
		// One Replacer for all names: it walks s once with a trie, where
		// a loop over the names would cost names × strings, which for a
		// program of thousands of people is minutes.
		slices.SortStableFunc(r.names, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
		pairs := make([]string, 0, 2*len(r.names))
		for _, n := range r.names {
			pairs = append(pairs, n, r.ids[n]) // longest first: it wins where names overlap
		}
		r.repl, r.dirty = strings.NewReplacer(pairs...), false
	}
	return r.repl.Replace(s)
}

// Plan returns a redacted copy of p, marked Redacted; p is left as it is.
// People named in p are learnt first, so its own attendees are covered
// even when r knows nobody.
func (r *Redactor) Plan(p *plan.Plan) *plan.Plan {
	if p == nil {
		return nil
	}
	r.learnPlan(p)
	out := *p
	out.Redacted = true
	out.Changes = r.changes(p.Changes)
	out.Frozen = r.changes(p.Frozen)
	out.Notes = r.strings(p.Notes)
	if p.Drift != nil {
		out.Drift = make([]plan.Drift, len(p.Drift))
		for i, d := range p.Drift {
			d.Fields = r.fields(d.Fields)
			d.Note = r.String(d.Note)
			out.Drift[i] = d
		}
	}
	if p.Impact != nil {
		out.Impact = make([]plan.Impact, len(p.Impact))
		for i, im := range p.Impact {
			im.Name, im.Email = im.Person, im.Person
			out.Impact[i] = im
		}
	}
	return &out
}

// Diff returns a redacted copy of rep: its field changes, diagnostics,
// commit subjects and consequences.
func (r *Redactor) Diff(rep *diff.Report) *diff.Report {
	if rep == nil {
		return nil
	}
	for _, s := range []*diff.Side{rep.Base, rep.Head} {
		if s != nil {
			r.AddPrograms(s.Programs...)
		}
	}
	out := *rep
	out.Base, out.Head = r.side(rep.Base), r.side(rep.Head)
	out.Plan = r.Plan(rep.Plan)
	out.Programs = make([]diff.ProgramDiff, len(rep.Programs))
	for i, pd := range rep.Programs {
		cs := make([]diff.Change, len(pd.Changes))
		for j, c := range pd.Changes {
			c.Fields = r.fields(c.Fields)
			cs[j] = c
		}
		pd.Changes = cs
		out.Programs[i] = pd
	}
	return &out
}

// Diagnostics returns ds with their messages redacted.
func (r *Redactor) Diagnostics(ds schema.Diagnostics) schema.Diagnostics {
	if ds == nil {
		return nil
	}
	out := make(schema.Diagnostics, len(ds))
	for i, d := range ds {
		d.Message = r.String(d.Message)
		out[i] = d
	}
	return out
}

func (r *Redactor) addProgram(p *schema.Program) {
	if p == nil {
		return
	}
	r.Add(OrganizerID, p.Organizer.Name, p.Organizer.Email)
	// Sorted, so that of two people sharing a name the same one always wins.
	for _, id := range slices.Sorted(maps.Keys(p.People)) {
		r.Add(id, p.People[id].Name, p.People[id].Email)
	}
}

func (r *Redactor) side(s *diff.Side) *diff.Side {
	if s == nil {
		return nil
	}
	out := *s
	out.Subject = r.String(s.Subject)
	out.Diagnostics = r.Diagnostics(s.Diagnostics)
	return &out
}

func (r *Redactor) learnPlan(p *plan.Plan) {
	learn := func(c resource.Contact, as []resource.Attendee) {
		r.Add(OrganizerID, c.Name, c.Email)
		for _, a := range as {
			r.Add(a.ID, a.Name, a.Email)
		}
	}
	for _, cs := range [][]plan.Change{p.Changes, p.Frozen} {
		for _, c := range cs {
			if c.Before != nil {
				learn(c.Before.Organizer, c.Before.Attendees)
			}
			if c.After != nil {
				learn(c.After.Organizer, c.After.Attendees)
			}
			learn(resource.Contact{}, c.Removed)
		}
	}
	for _, im := range p.Impact {
		r.Add(im.Person, im.Name, im.Email)
	}
}

func (r *Redactor) changes(cs []plan.Change) []plan.Change {
	if cs == nil {
		return nil
	}
	out := make([]plan.Change, len(cs))
	for i, c := range cs {
		c.Reason = r.String(c.Reason)
		c.Fields = r.fields(c.Fields)
		c.Removed = attendees(c.Removed)
		if c.Before != nil {
			b := *c.Before
			b.Title, b.Location = r.String(b.Title), r.String(b.Location)
			b.Organizer = organizer(b.Organizer)
			b.Attendees = attendees(b.Attendees)
			c.Before = &b
		}
		if c.After != nil {
			a := *c.After
			a.Title, a.Location = r.String(a.Title), r.String(a.Location)
			a.Description = r.String(a.Description)
			a.Organizer = organizer(a.Organizer)
			a.Attendees = attendees(a.Attendees)
			c.After = &a
		}
		out[i] = c
	}
	return out
}

func (r *Redactor) fields(fs []plan.FieldChange) []plan.FieldChange {
	if fs == nil {
		return nil
	}
	out := make([]plan.FieldChange, len(fs))
	for i, f := range fs {
		out[i] = plan.FieldChange{Field: f.Field, Old: r.String(f.Old), New: r.String(f.New)}
	}
	return out
}

func (r *Redactor) strings(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = r.String(s)
	}
	return out
}

func organizer(c resource.Contact) resource.Contact {
	if c == (resource.Contact{}) {
		return c
	}
	return resource.Contact{Name: OrganizerID, Email: OrganizerID}
}

func attendees(as []resource.Attendee) []resource.Attendee {
	if as == nil {
		return nil
	}
	out := make([]resource.Attendee, len(as))
	for i, a := range as {
		out[i] = resource.Attendee{ID: a.ID, Name: a.ID, Email: a.ID, Role: a.Role}
	}
	return out
}
