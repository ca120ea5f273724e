package schema

import (
	"encoding/json"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
)

// One run reports every problem: a package with shape errors (a bad date, a
// missing field) is still decoded as far as it can be, leaving out only the
// values at fault, and the Go checks run on what decoded. Diagnostics the Go
// checks make about a field that already has a shape error are dropped, and
// checks that would only repeat a shape error (a pair whose mentor has no
// valid time zone) skip the parts that depend on it.

// shapeErrors are the field paths the schema rejected.
type shapeErrors struct {
	exact map[string]bool // the paths with an error
	under map[string]bool // those paths and all their ancestors
}

func pathKey(segs []string) string { return strings.Join(segs, "\x00") }

func newShapeErrors(errs []cueerrors.Error) *shapeErrors {
	s := &shapeErrors{exact: map[string]bool{}, under: map[string]bool{}}
	for _, e := range errs {
		segs := cueSegs(e.Path())
		s.exact[pathKey(segs)] = true
		for n := 0; n <= len(segs); n++ {
			s.under[pathKey(segs[:n])] = true
		}
	}
	return s
}

// covers reports whether path or one of its ancestors has a shape error.
func (s *shapeErrors) covers(path []string) bool {
	if s == nil {
		return false
	}
	for n := len(path); n > 0; n-- {
		if s.exact[pathKey(path[:n])] {
			return true
		}
	}
	return false
}

// within reports whether there is a shape error at or below path.
func (s *shapeErrors) within(path ...string) bool {
	return s != nil && s.under[pathKey(path)]
}

// cueSegs turns CUE's error path into plain segments, as cuePath does.
func cueSegs(segs []string) []string {
	out := make([]string, len(segs))
	for i, s := range segs {
		if u, err := strconv.Unquote(s); err == nil {
			s = u
		} else if _, err := strconv.Atoi(s); err == nil {
			s = "[" + s + "]"
		}
		out[i] = s
	}
	return out
}

// salvage returns the parts of v that are valid and concrete as plain data,
// leaving out the fields that are not. Lists are kept only whole: dropping
// an element would renumber the ones after it (session n is plan entry n).
func salvage(v cue.Value) (any, bool) {
	if v.Validate(cue.Concrete(true)) == nil {
		var x any
		if v.Decode(&x) == nil {
			return x, true
		}
	}
	// A struct holding an error has kind bottom: ask for its fields instead.
	it, err := v.Fields()
	if err != nil {
		return nil, false
	}
	m := map[string]any{}
	for it.Next() {
		sel := it.Selector()
		if !sel.IsString() {
			// An invalid list element (a plan entry): lists are kept
			// only whole, so the list is left out.
			return nil, false
		}
		if x, ok := salvage(it.Value()); ok {
			m[sel.Unquoted()] = x
		}
	}
	return m, true
}

// decodePartial decodes what it can of a package that failed the schema.
func decodePartial(v cue.Value) rawModel {
	var raw rawModel
	if data, ok := salvage(v.LookupPath(cue.ParsePath("program"))); ok {
		m, _ := data.(map[string]any)
		// Keyed maps are decoded entry by entry so one bad entry does not
		// take its siblings with it.
		events, _ := m["events"].(map[string]any)
		tutorials, _ := m["tutorials"].(map[string]any)
		delete(m, "events")
		delete(m, "tutorials")
		if b, err := json.Marshal(m); err == nil {
			_ = json.Unmarshal(b, &raw.Program) // what does not fit stays zero
		}
		raw.Program.Events = decodeEntries[Event](events)
		raw.Program.Tutorials = decodeEntries[Tutorial](tutorials)
	}
	if data, ok := salvage(v.LookupPath(cue.ParsePath("people"))); ok {
		m, _ := data.(map[string]any)
		raw.People = decodeEntries[Person](m)
	}
	if data, ok := salvage(v.LookupPath(cue.ParsePath("pairs"))); ok {
		m, _ := data.(map[string]any)
		raw.Pairs = decodeEntries[Pair](m)
	}
	if data, ok := salvage(v.LookupPath(cue.ParsePath("moved"))); ok {
		if b, err := json.Marshal(data); err == nil {
			_ = json.Unmarshal(b, &raw.Moved)
		}
	}
	return raw
}

func decodeEntries[T any](m map[string]any) map[string]T {
	out := make(map[string]T, len(m))
	for k, x := range m {
		b, err := json.Marshal(x)
		if err != nil {
			continue
		}
		var t T
		if json.Unmarshal(b, &t) == nil {
			out[k] = t
		}
	}
	return out
}
