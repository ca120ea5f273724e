package schema

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// PeopleFile is a people.cue file being merged with an HR export. It edits
// the file's syntax tree, not its value, so hand-written fields, comments
// and the order of people survive a re-import; Bytes formats it the way
// `rmctl fmt` does.
type PeopleFile struct {
	name   string
	file   *ast.File
	people *ast.StructLit
	byID   map[string]*ast.StructLit
	order  []string
}

// PeopleEntry is a person already in the file.
type PeopleEntry struct {
	ID    string
	Email string
}

// NewPeopleFile starts an empty people file of package pkg.
func NewPeopleFile(name, pkg string) *PeopleFile {
	people := &ast.StructLit{Lbrace: token.Blank.Pos(), Rbrace: token.Newline.Pos()}
	f := &ast.File{Filename: name, Decls: []ast.Decl{
		&ast.Package{Name: ast.NewIdent(pkg)},
		&ast.Field{Label: ast.NewIdent("people"), Value: people},
	}}
	ast.SetRelPos(f.Decls[1], token.NewSection)
	return &PeopleFile{name: name, file: f, people: people, byID: map[string]*ast.StructLit{}}
}

// ParsePeopleFile reads an existing people file. Its people are the
// fields of the top-level people struct; a file without one gets it.
func ParsePeopleFile(name string, src []byte) (*PeopleFile, error) {
	f, err := parser.ParseFile(name, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	pf := &PeopleFile{name: name, file: f, byID: map[string]*ast.StructLit{}}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		if l, _, err := ast.LabelName(fd.Label); err != nil || l != "people" {
			continue
		}
		st, ok := fd.Value.(*ast.StructLit)
		if !ok {
			return nil, fmt.Errorf("%s: people is not a plain struct, so it cannot be merged", fd.Pos())
		}
		if !st.Lbrace.IsValid() {
			// `people: "x": {...}` shorthand: give it braces so added
			// people go inside it.
			st.Lbrace, st.Rbrace = token.Blank.Pos(), token.Newline.Pos()
		}
		pf.people = st
	}
	if pf.people == nil {
		pf.people = &ast.StructLit{Lbrace: token.Blank.Pos(), Rbrace: token.Newline.Pos()}
		field := &ast.Field{Label: ast.NewIdent("people"), Value: pf.people}
		ast.SetRelPos(field, token.NewSection)
		f.Decls = append(f.Decls, field)
	}
	for _, e := range pf.people.Elts {
		fd, ok := e.(*ast.Field)
		if !ok {
			continue
		}
		id, _, err := ast.LabelName(fd.Label)
		if err != nil {
			continue
		}
		if st, ok := fd.Value.(*ast.StructLit); ok {
			pf.byID[id] = st
			pf.order = append(pf.order, id)
		}
	}
	return pf, nil
}

// People lists the people in the file with their e-mail addresses (empty
// when not written as a plain string).
func (pf *PeopleFile) People() []PeopleEntry {
	out := make([]PeopleEntry, 0, len(pf.order))
	for _, id := range pf.order {
		email, _ := stringField(pf.byID[id], "email")
		out = append(out, PeopleEntry{ID: id, Email: email})
	}
	return out
}

// Set writes values (field → string) for person id, in the order of
// fields, adding the person at the end when new. Fields not in values are
// left as they are. It returns the fields that changed.
func (pf *PeopleFile) Set(id string, fields []string, values map[string]string) (changed []string) {
	st, ok := pf.byID[id]
	if !ok {
		st = &ast.StructLit{Lbrace: token.Blank.Pos(), Rbrace: token.Newline.Pos()}
		field := &ast.Field{Label: ast.NewString(id), Value: st}
		ast.SetRelPos(field, token.Newline)
		pf.people.Elts = append(pf.people.Elts, field)
		pf.byID[id] = st
		pf.order = append(pf.order, id)
	}
	for _, name := range fields {
		v, ok := values[name]
		if !ok {
			continue
		}
		if old, found := stringField(st, name); found && old == v {
			continue
		}
		changed = append(changed, name)
		if fd := findField(st, name); fd != nil {
			fd.Value = ast.NewString(v)
			continue
		}
		fd := &ast.Field{Label: ast.NewIdent(name), Value: ast.NewString(v)}
		// A person written on one line stays on one line.
		if st.Lbrace.IsValid() && st.Rbrace.IsValid() && st.Lbrace.Line() == st.Rbrace.Line() && st.Lbrace.Line() > 0 {
			ast.SetRelPos(fd, token.Blank)
		} else {
			ast.SetRelPos(fd, token.Newline)
		}
		st.Elts = append(st.Elts, fd)
	}
	return changed
}

// Bytes returns the file formatted as `rmctl fmt` formats it.
func (pf *PeopleFile) Bytes() ([]byte, error) {
	out, err := format.Node(pf.file, format.Simplify())
	if err != nil {
		return nil, fmt.Errorf("formatting %s: %w", pf.name, err)
	}
	// Nodes made here carry no positions; a second pass through the
	// parser gives exactly what `rmctl fmt` makes of the file.
	f, err := parser.ParseFile(pf.name, out, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("formatting %s: %w", pf.name, err)
	}
	if out, err = format.Node(f, format.Simplify()); err != nil {
		return nil, fmt.Errorf("formatting %s: %w", pf.name, err)
	}
	return out, nil
}

func findField(st *ast.StructLit, name string) *ast.Field {
	for _, e := range st.Elts {
		if fd, ok := e.(*ast.Field); ok {
			if l, _, err := ast.LabelName(fd.Label); err == nil && l == name {
				return fd
			}
		}
	}
	return nil
}

// stringField returns the value of a field written as a string literal.
func stringField(st *ast.StructLit, name string) (string, bool) {
	fd := findField(st, name)
	if fd == nil {
		return "", false
	}
	lit, ok := fd.Value.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := literal.Unquote(lit.Value)
	if err != nil {
		return "", false
	}
	return s, true
}

// PackageOf returns the package name the .cue files in dir declare, other
// than skip (the file about to be written), or "" when there are none.
func PackageOf(dir, skip string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("reading %s: %w", dir, err)
	}
	for _, e := range entries {
		name := filepath.Join(dir, e.Name())
		if e.IsDir() || filepath.Ext(name) != ".cue" || filepath.Clean(name) == filepath.Clean(skip) {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", name, err)
		}
		f, err := parser.ParseFile(name, src, parser.PackageClauseOnly)
		if err != nil {
			continue // a broken neighbour is validate's business
		}
		if pkg := f.PackageName(); pkg != "" {
			return pkg, nil
		}
	}
	return "", nil
}
