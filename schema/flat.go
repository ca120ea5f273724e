package schema

import (
	"fmt"
	"sort"
	"strconv"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/parser"
)

// FlatFile returns one line per concrete fact of a single CUE file, such as
// `pairs.klaus-anna.mentor: "anna.schmidt"`, sorted. It is rmctl's git
// textconv: git hands it one file version at a time, so it evaluates the
// file alone, without the schema. A file that does not evaluate on its own
// (it refers to another file of its package) is returned unchanged, so a
// diff is never lost.
func (l *Loader) FlatFile(name string, src []byte) []string {
	f, err := parser.ParseFile(name, src)
	if err != nil {
		return splitLines(src)
	}
	v := l.ctx.BuildFile(f)
	if v.Err() != nil {
		return splitLines(src)
	}
	var lines []string
	flatValue(v, "", &lines)
	sort.Strings(lines)
	return lines
}

func flatValue(v cue.Value, prefix string, out *[]string) {
	join := func(sel string) string {
		if prefix == "" {
			return sel
		}
		return prefix + "." + sel
	}
	switch v.IncompleteKind() {
	case cue.StructKind:
		it, err := v.Fields()
		if err != nil {
			return
		}
		for it.Next() {
			flatValue(it.Value(), join(FormatPath(it.Selector().Unquoted())), out)
		}
		return
	case cue.ListKind:
		it, err := v.List()
		if err != nil {
			return
		}
		for i := 0; it.Next(); i++ {
			flatValue(it.Value(), prefix+"["+strconv.Itoa(i)+"]", out)
		}
		return
	}
	if v.IsConcrete() {
		*out = append(*out, fmt.Sprintf("%s: %v", prefix, v))
	}
}

func splitLines(src []byte) []string {
	var lines []string
	start := 0
	for i, b := range src {
		if b == '\n' {
			lines = append(lines, string(src[start:i]))
			start = i + 1
		}
	}
	if start < len(src) {
		lines = append(lines, string(src[start:]))
	}
	return lines
}
