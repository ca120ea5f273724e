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
// the first `people: id:` field in the people file (settings: peopleFile)
// or the .cue files of its directory, in name order. A loaded program no
// longer holds its syntax, so the files are read again; without such a
// field (people built some other way) it is the directory.
func (p *Program) PersonPos(id string) Pos {
	if p.peopleFile != "" {
		if pos, ok := personIn(p.peopleFile, id); ok {
			return pos
		}
	}
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
		if pos, ok := personIn(filepath.Join(p.Dir, name), id); ok {
			return pos
		}
	}
	return Pos{Filename: p.Dir}
}

func personIn(path, id string) (Pos, bool) {
	src, err := readLocalFile(path)
	if err != nil {
		return Pos{}, false
	}
	f, err := parser.ParseFile(path, src)
	if err != nil {
		return Pos{}, false
	}
	return personField(f, id)
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
