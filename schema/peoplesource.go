package schema

import (
	"fmt"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
)

// peopleFileAST reads the people file named in the settings (peopleFile),
// which lies outside the repository so that names and e-mail addresses
// need not be committed, and gives it package pkg so that it joins a
// program's package as one more file. It may declare people and nothing
// else. Positions in diagnostics point into it under the name it was
// given.
func (l *Loader) peopleFileAST(pkg string) (*ast.File, Diagnostics) {
	name := l.PeopleFile
	src, err := readLocalFile(name)
	if err != nil {
		return nil, Diagnostics{{Severity: Error, Pos: Pos{Filename: name}, Path: "peopleFile",
			Message: fmt.Sprintf("cannot read the people file named in the settings: %v", trimPathError(err))}}
	}
	f, err := parser.ParseFile(name, src)
	if err != nil {
		return nil, fromCUE(err, noUser, l.schema)
	}
	diags := guardFile(f)
	hasPkg := false
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.Package:
			d.Name = ast.NewIdent(pkg)
			hasPkg = true
		case *ast.Field:
			if n, ok := labelName(d); !ok || n != "people" {
				tp := d.Pos()
				diags = append(diags, Diagnostic{Severity: Error, Pos: Pos{Filename: name, Line: tp.Line(), Column: tp.Column(), Offset: tp.Offset()},
					Message: "the people file may declare only people: {...}"})
			}
		case *ast.CommentGroup, *ast.Attribute:
		default:
			tp := d.Pos()
			diags = append(diags, Diagnostic{Severity: Error, Pos: Pos{Filename: name, Line: tp.Line(), Column: tp.Column(), Offset: tp.Offset()},
				Message: "the people file may declare only people: {...}"})
		}
	}
	if !hasPkg {
		f.Decls = append([]ast.Decl{&ast.Package{Name: ast.NewIdent(pkg)}}, f.Decls...)
	}
	return f, diags
}
