package schema

import (
	"encoding"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

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

// literalEntries is literalData for a map of entries such as pairs: an
// entry that is not plain data (a pair whose plan refers to the program's
// plan entries) is left out and named in viaCUE, so that one entry goes
// through CUE and the thousands beside it still take the fast path. ok is
// false when the map itself is not plain.
func literalEntries(files []*ast.File, name string) (data map[string]any, viaCUE map[string]bool, ok bool) {
	data, viaCUE = map[string]any{}, map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.Package, *ast.ImportDecl:
				continue
			case *ast.Field:
				label, ok := labelName(d)
				if !ok {
					return nil, nil, false
				}
				if label != name {
					continue
				}
				st, ok := d.Value.(*ast.StructLit)
				if !ok {
					return nil, nil, false
				}
				for _, e := range st.Elts {
					ef, ok := e.(*ast.Field)
					if !ok {
						return nil, nil, false
					}
					k, ok := labelName(ef)
					if !ok {
						return nil, nil, false
					}
					v, ok := literalValue(ef.Value)
					if !ok {
						viaCUE[k] = true
						continue
					}
					if !mergeInto(data, map[string]any{k: v}) {
						return nil, nil, false
					}
				}
			default:
				return nil, nil, false
			}
		}
	}
	for k := range viaCUE {
		delete(data, k)
	}
	return data, viaCUE, true
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
			// Bytes ('...') are not strings to CUE, though Unquote reads
			// both; CUE strings are valid UTF-8.
			if !isStringQuote(x.Value) {
				return nil, false
			}
			s, err := literal.Unquote(x.Value)
			return s, err == nil && utf8.ValidString(s)
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

// mergeInto unifies plain data the way CUE would: structs merge. Any other
// value given twice, even the same one twice, is not merged (false), and
// the caller leaves the data to CUE.
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

// decodeLiteral converts plain data into a typed map, honouring json tags
// and the model's encoding.TextUnmarshaler implementations. It is a direct
// reflection walk: a JSON round trip costs twice as much on large programs.
func decodeLiteral[V any](data map[string]any) (map[string]V, bool) {
	out := make(map[string]V, len(data))
	d := &literalDecoder{fields: map[reflect.Type]map[string]int{}}
	if !d.assign(reflect.ValueOf(&out).Elem(), data) {
		return nil, false
	}
	return out, true
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// literalDecoder caches the json field names of each struct type it meets.
type literalDecoder struct {
	fields map[reflect.Type]map[string]int
}

func (d *literalDecoder) assign(dst reflect.Value, src any) bool {
	if dst.CanAddr() && dst.Addr().Type().Implements(textUnmarshaler) {
		s, ok := src.(string)
		return ok && dst.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)) == nil
	}
	switch dst.Kind() {
	case reflect.Pointer:
		dst.Set(reflect.New(dst.Type().Elem()))
		return d.assign(dst.Elem(), src)
	case reflect.String:
		s, ok := src.(string)
		dst.SetString(s)
		return ok
	case reflect.Bool:
		b, ok := src.(bool)
		dst.SetBool(b)
		return ok
	case reflect.Int, reflect.Int64:
		n, ok := src.(int64)
		dst.SetInt(n)
		return ok
	case reflect.Slice:
		l, ok := src.([]any)
		if !ok {
			return false
		}
		s := reflect.MakeSlice(dst.Type(), len(l), len(l))
		for i, e := range l {
			if !d.assign(s.Index(i), e) {
				return false
			}
		}
		dst.Set(s)
		return true
	case reflect.Map:
		m, ok := src.(map[string]any)
		if !ok || dst.Type().Key().Kind() != reflect.String {
			return false
		}
		if dst.IsNil() {
			dst.Set(reflect.MakeMapWithSize(dst.Type(), len(m)))
		}
		elem := reflect.New(dst.Type().Elem()).Elem()
		for k, v := range m {
			elem.SetZero()
			if !d.assign(elem, v) {
				return false
			}
			dst.SetMapIndex(reflect.ValueOf(k).Convert(dst.Type().Key()), elem)
		}
		return true
	case reflect.Struct:
		m, ok := src.(map[string]any)
		if !ok {
			return false
		}
		fields, ok := d.fields[dst.Type()]
		if !ok {
			fields = jsonFields(dst.Type())
			d.fields[dst.Type()] = fields
		}
		for k, v := range m {
			i, ok := fields[k]
			if !ok || !d.assign(dst.Field(i), v) {
				return false
			}
		}
		return true
	}
	return false
}

// jsonFields maps json names to field indexes.
func jsonFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = i
	}
	return m
}

// planDefaults gives a plan entry from plain data what CUE's decoding
// gives the lists the entry leaves out.
func planDefaults(e PlanEntry) PlanEntry {
	if e.Topics == nil {
		e.Topics = []string{}
	}
	if e.Tutorials == nil {
		e.Tutorials = []string{}
	}
	return e
}
