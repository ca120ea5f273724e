package schema

import (
	"encoding/json"
	"strconv"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
)

// People and pairs are plain data in nearly every program, and there are
// thousands of them; decoding them through cue.Value.Decode costs more than
// evaluating the whole package, because CUE sorts every struct's fields on
// each iteration. Once the schema has accepted a package, those two maps
// can be read straight from the syntax instead. literalData does that for
// the common case and reports false for anything it does not understand
// (references, comprehensions, definitions, ...), and the caller then falls
// back to Decode. TestFastDecodeMatchesCUE keeps both paths equal.

// literalData collects the value of the top-level field name from files as
// plain Go data (map[string]any, []any, string, int64, bool), merging
// repeated declarations.
func literalData(files []*ast.File, name string) (map[string]any, bool) {
	out := map[string]any{}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.Package, *ast.ImportDecl:
				continue
			case *ast.Field:
				label, ok := labelName(d)
				if !ok {
					return nil, false
				}
				if label != name {
					continue
				}
				v, ok := literalValue(d.Value)
				if !ok {
					return nil, false
				}
				m, ok := v.(map[string]any)
				if !ok || !mergeInto(out, m) {
					return nil, false
				}
			default:
				// Embeddings, lets, comprehensions at the top level could
				// add to the field: leave it to CUE.
				return nil, false
			}
		}
	}
	return out, true
}

func labelName(f *ast.Field) (string, bool) {
	if f.Constraint != token.ILLEGAL {
		return "", false // optional or required markers: not plain data
	}
	switch l := f.Label.(type) {
	case *ast.Ident:
		if len(l.Name) > 0 && (l.Name[0] == '#' || l.Name[0] == '_') {
			return "", false
		}
		return l.Name, true
	case *ast.BasicLit:
		if l.Kind != token.STRING {
			return "", false
		}
		s, err := literal.Unquote(l.Value)
		return s, err == nil
	}
	return "", false
}

func literalValue(x ast.Expr) (any, bool) {
	switch x := x.(type) {
	case *ast.StructLit:
		m := make(map[string]any, len(x.Elts))
		for _, e := range x.Elts {
			f, ok := e.(*ast.Field)
			if !ok {
				return nil, false
			}
			k, ok := labelName(f)
			if !ok {
				return nil, false
			}
			v, ok := literalValue(f.Value)
			if !ok {
				return nil, false
			}
			if old, dup := m[k]; dup {
				om, ok1 := old.(map[string]any)
				nm, ok2 := v.(map[string]any)
				if !ok1 || !ok2 || !mergeInto(om, nm) {
					return nil, false
				}
				continue
			}
			m[k] = v
		}
		return m, true
	case *ast.ListLit:
		l := make([]any, 0, len(x.Elts))
		for _, e := range x.Elts {
			v, ok := literalValue(e)
			if !ok {
				return nil, false
			}
			l = append(l, v)
		}
		return l, true
	case *ast.BasicLit:
		switch x.Kind {
		case token.STRING:
			s, err := literal.Unquote(x.Value)
			return s, err == nil
		case token.INT:
			n, err := strconv.ParseInt(x.Value, 10, 64)
			return n, err == nil
		case token.TRUE:
			return true, true
		case token.FALSE:
			return false, true
		}
	case *ast.UnaryExpr:
		if x.Op == token.SUB {
			if v, ok := literalValue(x.X); ok {
				if n, ok := v.(int64); ok {
					return -n, true
				}
			}
		}
	}
	return nil, false
}

// mergeInto unifies plain data the way CUE would for data that CUE has
// already accepted: structs merge, equal scalars agree.
func mergeInto(dst, src map[string]any) bool {
	for k, v := range src {
		old, ok := dst[k]
		if !ok {
			dst[k] = v
			continue
		}
		om, ok1 := old.(map[string]any)
		nm, ok2 := v.(map[string]any)
		if !ok1 || !ok2 || !mergeInto(om, nm) {
			return false
		}
	}
	return true
}

// decodeLiteral converts plain data into a typed map through JSON, reusing
// the model's encoding.TextUnmarshaler implementations.
func decodeLiteral[V any](data map[string]any) (map[string]V, bool) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, false
	}
	var out map[string]V
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, false
	}
	return out, true
}
