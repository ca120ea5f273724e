package timeline

import (
	"reflect"
	"testing"

	"github.com/rmctl/rmctl/schema"
)

func TestAbout(t *testing.T) {
	progs := []*schema.Program{{ID: "a", Dir: "work/progs/a"}, {ID: "b", Dir: "work/progs/b"}}
	a, b := &Program{ID: "a"}, &Program{ID: "b"}
	for _, tc := range []struct {
		file         string
		wantA, wantB bool
	}{
		{"progs/a/pairs.cue", true, false},
		{"b/pairs.cue", false, true},
		{"elsewhere/pairs.cue", true, true}, // cannot tell: both, the pair id decides
		{"pairs.cue", true, true},
	} {
		d := schema.Diagnostic{Pos: schema.Pos{Filename: tc.file}}
		if got := about(a, progs, d); got != tc.wantA {
			t.Errorf("%s about a: %v", tc.file, got)
		}
		if got := about(b, progs, d); got != tc.wantB {
			t.Errorf("%s about b: %v", tc.file, got)
		}
	}
}

func TestSplitPath(t *testing.T) {
	for path, want := range map[string][]string{
		"pairs.klaus-anna.sessions.3.date": {"pairs", "klaus-anna", "sessions", "3", "date"},
		`pairs."a.b".mentor`:               {"pairs", "a.b", "mentor"},
		"program.sessions.plan[2].title":   {"program", "sessions", "plan", "2", "title"},
		`pairs."broken`:                    {"pairs"},
	} {
		if got := splitPath(path); !reflect.DeepEqual(got, want) {
			t.Errorf("splitPath(%q) = %q, want %q", path, got, want)
		}
	}
}
