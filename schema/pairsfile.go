package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// NewPair is a pair to declare in a CUE file, with the comment that explains
// it. Time, when set, overrides the program's slot time for this pair.
type NewPair struct {
	ID      string
	Mentor  string
	Mentee  string
	Time    *Clock
	Comment []string // lines without the leading "//"
}

// AddPairs declares pairs in a CUE file and returns the file formatted like
// `rmctl fmt`. src is the file's current content, nil for a new file; its
// declarations and comments stay as they are, and the pairs join its
// top-level `pairs: {...}` struct (or a new one at the end). A new file gets
// package pkg and the header comment lines. name is used in errors only.
func AddPairs(name string, src []byte, pkg string, header []string, pairs []NewPair) ([]byte, error) {
	// The new pairs are written as text and parsed: the parser gives every
	// node the positions and comment placement the formatter expects.
	var b strings.Builder
	if src == nil {
		for _, l := range header {
			b.WriteString(commentLine(l))
		}
		fmt.Fprintf(&b, "package %s\n\n", pkg)
	} else {
		b.WriteString("package x\n\n")
	}
	b.WriteString("pairs: {\n")
	for i, p := range pairs {
		if i > 0 {
			b.WriteString("\n")
		}
		for _, l := range p.Comment {
			b.WriteString(commentLine(l))
		}
		fmt.Fprintf(&b, "%s: {\n\tmentor: %s\n\tmentee: %s\n", strconv.Quote(p.ID), strconv.Quote(p.Mentor), strconv.Quote(p.Mentee))
		if p.Time != nil {
			fmt.Fprintf(&b, "\tslot: time: %s\n", strconv.Quote(p.Time.String()))
		}
		b.WriteString("}\n")
	}
	b.WriteString("}\n")
	add, err := parser.ParseFile(name, b.String(), parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("writing pairs to %s: %w", name, err)
	}
	f := add
	if src != nil {
		if f, err = parser.ParseFile(name, src, parser.ParseComments); err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		newPairs := add.Decls[len(add.Decls)-1].(*ast.Field)
		if s := pairsStruct(f); s != nil {
			elts := newPairs.Value.(*ast.StructLit).Elts
			if len(s.Elts) > 0 && len(elts) > 0 {
				// A blank line between the old pairs and the new.
				ast.SetRelPos(elts[0], token.NewSection)
				for _, cg := range ast.Comments(elts[0]) {
					if len(cg.List) > 0 {
						cg.List[0].Slash = cg.List[0].Slash.WithRel(token.NewSection)
					}
				}
			}
			s.Elts = append(s.Elts, elts...)
		} else {
			f.Decls = append(f.Decls, newPairs)
		}
	}
	out, err := format.Node(f, format.Simplify())
	if err != nil {
		return nil, fmt.Errorf("formatting %s: %w", name, err)
	}
	return out, nil
}

// pairsStruct returns the last top-level `pairs: {...}` struct of f.
func pairsStruct(f *ast.File) *ast.StructLit {
	var found *ast.StructLit
	for _, d := range f.Decls {
		fd, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		if n, ok := labelName(fd); ok && n == "pairs" {
			if s, ok := fd.Value.(*ast.StructLit); ok {
				found = s
			}
		}
	}
	return found
}

// commentLine makes one line of a CUE comment; control characters in
// user-written text (interests) cannot end the comment early.
func commentLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
	if s == "" {
		return "//\n"
	}
	return "// " + s + "\n"
}

// PackageName returns the package name the .cue files in dir declare, for
// a file that joins them.
func PackageName(dir string) (string, error) {
	names, err := cueFiles(os.DirFS(dir), ".")
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", dir, err)
	}
	for _, n := range names {
		src, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", n, err)
		}
		f, err := parser.ParseFile(n, src, parser.PackageClauseOnly)
		if err == nil && f.PackageName() != "" {
			return f.PackageName(), nil
		}
	}
	return "", fmt.Errorf("no .cue file in %s declares a package", dir)
}
