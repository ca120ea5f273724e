package schema

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
)

// PersonPos returns where person id is declared among the program's files:
// the first `people: id:` field in the .cue files of its directory, in
// name order. A loaded program no longer holds its syntax, so the files are
// read again; without such a field (people built some other way) it is
// the directory.
func (p *Program) PersonPos(id string) Pos {
	entries, err := os.ReadDir(p.Dir)
	if err != nil {
		return Pos{Filename: p.Dir}
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".cue") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(p.Dir, name)
		src, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		f, err := parser.ParseFile(path, src)
		if err != nil {
			continue
		}
		if pos, ok := personField(f, id); ok {
			return pos
		}
	}
	return Pos{Filename: p.Dir}
}

func personField(f *ast.File, id string) (Pos, bool) {
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
			continue
		}
		for _, e := range st.Elts {
			pf, ok := e.(*ast.Field)
			if !ok {
				continue
			}
			if l, _, err := ast.LabelName(pf.Label); err == nil && l == id {
				tp := pf.Pos()
				return Pos{Filename: tp.Filename(), Line: tp.Line(), Column: tp.Column(), Offset: tp.Offset()}, true
			}
		}
	}
	return Pos{}, false
}
