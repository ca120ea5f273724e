package schema

import (
	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
)

// loadPlain is the fast way to load a program whose people and pairs are
// plain data: the plainChecker checks them in Go, and CUE evaluates only
// what is left (program, moved, any entry that is not plain data, such as a
// pair whose plan refers to the program's, and any entry the checker cannot
// vouch for). CUE thus sees every entry that may be wrong, with the schema,
// exactly as in a full evaluation, and reports it with the same position
// and words; the entries it does not see are valid and contribute nothing
// but their data. TestPlainLoadMatchesCUE and FuzzPlainLoad hold the result
// (programs and diagnostics) to what evaluating everything in CUE gives.
//
// ok=false means the program is not for this path (it is not plain data,
// or refers to people or pairs, or does not even build): loadDir then
// evaluates the whole package in CUE.
//
// At 10,000 pairs this is validate in 0.73 s and 169 MB peak RSS instead
// of 2.5 s and 517 MB (bench/validate.sh); a program with one wrong entry
// costs the same rather than a full evaluation.
func (l *Loader) loadPlain(dir string, files []*ast.File, schemaAST *ast.File, src *source) (*Program, Diagnostics, bool) {
	if l.plain == nil || l.noPlain {
		return nil, nil, false
	}
	people, peopleVia, ok := literalEntries(files, "people")
	if !ok {
		return nil, nil, false
	}
	pairs, pairsVia, ok := literalEntries(files, "pairs")
	if !ok {
		return nil, nil, false
	}
	leaveToCUE(l.plain.people, people, peopleVia)
	leaveToCUE(l.plain.pairs, pairs, pairsVia)
	// CUE would evaluate a reference against the whole of people or pairs;
	// with the plain entries taken out it would see a part. An entry left
	// to CUE may also name a plain sibling directly (pairs: {a: {...}, b:
	// a}); with the sibling gone, the name would mean something else (a
	// top-level field, or a kind: a pair called bool). Any identifier
	// spelled like people, pairs or a plain entry's id sends the program
	// to CUE whole. Plain entries hold no identifiers, so only what is left
	// needs looking at (walking all of it cost 80 ms at 10,000 pairs).
	rest := withoutEntries(files, map[string]map[string]bool{"people": peopleVia, "pairs": pairsVia})
	taken := map[string]bool{"people": true, "pairs": true}
	for _, m := range []map[string]any{people, pairs} {
		for id := range m {
			taken[id] = true
		}
	}
	if refersTo(rest, taken) {
		return nil, nil, false
	}
	complete(l.plain.people, people)
	complete(l.plain.pairs, pairs)
	var plain rawModel
	if plain.People, ok = decodeLiteral[Person](people); !ok {
		return nil, nil, false
	}
	if plain.Pairs, ok = decodeLiteral[Pair](pairs); !ok {
		return nil, nil, false
	}

	v, err := l.build(src.dir, rest, schemaAST)
	if err != nil {
		return nil, nil, false
	}
	if err := v.Err(); err != nil && !isEvalOnly(err) {
		return nil, nil, false
	}
	diags := checkTopLevel(v)
	if v.Validate(cue.Concrete(true)) != nil {
		return nil, append(diags, l.invalid(v, src, files, &plain)...), true
	}

	raw := rawModel{People: plain.People, Pairs: plain.Pairs}
	for _, part := range []struct {
		name string
		into any
	}{{"program", &raw.Program}, {"moved", &raw.Moved}} {
		if err := v.LookupPath(cue.ParsePath(part.name)).Decode(part.into); err != nil {
			return nil, nil, false
		}
	}
	if !decodeVia(v, "people", peopleVia, raw.People) || !decodeVia(v, "pairs", pairsVia, raw.Pairs) {
		return nil, nil, false
	}
	p := raw.program(dir, src)
	p.peopleFile = l.PeopleFile
	return p, append(diags, l.check(p, nil)...), true
}

// leaveToCUE moves the entries of data that keyed (a node such as people:
// [string]: #Person) does not accept into via: CUE evaluates those.
func leaveToCUE(keyed node, data map[string]any, via map[string]bool) {
	for id, x := range data {
		if !keyed.valid(map[string]any{id: x}) {
			via[id] = true
			delete(data, id)
		}
	}
}

// decodeVia decodes the entries of people or pairs that CUE evaluated.
func decodeVia[T any](v cue.Value, field string, ids map[string]bool, into map[string]T) bool {
	for id := range ids {
		var t T
		if err := v.LookupPath(cue.MakePath(cue.Str(field), cue.Str(id))).Decode(&t); err != nil {
			return false
		}
		into[id] = t
	}
	return true
}

// refersTo reports whether any file may refer to one of names: an
// identifier of such a name anywhere but a field's own label, or a label
// that is computed.
func refersTo(files []*ast.File, names map[string]bool) bool {
	found := false
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.Field:
			switch n.Label.(type) {
			case *ast.Ident, *ast.BasicLit:
			default:
				found = true
				return false
			}
			ast.Walk(n.Value, visit, nil)
			return false
		case *ast.Ident:
			found = names[n.Name]
		}
		return !found
	}
	for _, f := range files {
		ast.Walk(f, visit, nil)
		if found {
			return true
		}
	}
	return false
}

// withoutEntries returns files with the entries of the top-level fields in
// keep left out, except the ids keep names. The files themselves are not
// changed: diagnostics still read them whole.
func withoutEntries(files []*ast.File, keep map[string]map[string]bool) []*ast.File {
	out := make([]*ast.File, len(files))
	for i, f := range files {
		out[i] = f
		var decls []ast.Decl
		for j, d := range f.Decls {
			fd, ok := d.(*ast.Field)
			if !ok {
				continue
			}
			name, _ := labelName(fd)
			ids, ok := keep[name]
			if !ok {
				continue
			}
			st, ok := fd.Value.(*ast.StructLit)
			if !ok {
				continue
			}
			if decls == nil {
				decls = append([]ast.Decl(nil), f.Decls...)
			}
			var elts []ast.Decl
			for _, e := range st.Elts {
				if ef, ok := e.(*ast.Field); ok {
					if id, ok := labelName(ef); ok && ids[id] {
						elts = append(elts, e)
					}
				}
			}
			nst := *st
			nst.Elts = elts
			nfd := *fd
			nfd.Value = &nst
			decls[j] = &nfd
		}
		if decls != nil {
			nf := *f
			nf.Decls = decls
			out[i] = &nf
		}
	}
	return out
}
