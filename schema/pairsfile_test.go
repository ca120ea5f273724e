package schema

import (
	"os"
	"strings"
	"testing"
)

// TestAddPairsKeepsFile checks that pairs join an existing pairs struct with
// every earlier line and comment kept, and that a new file is complete.
func TestAddPairsKeepsFile(t *testing.T) {
	src, err := os.ReadFile("../examples/digital-leadership/pairs.cue")
	if err != nil {
		t.Fatal(err)
	}
	at := Clock{9, 30}
	pairs := []NewPair{
		{ID: "a-b", Mentor: "a", Mentee: "b", Comment: []string{"score 3.0", "line\nbreak"}},
		{ID: "c-d", Mentor: "c", Mentee: "d", Time: &at},
	}
	out, err := AddPairs("pairs.cue", src, "ignored", nil, pairs)
	if err != nil {
		t.Fatal(err)
	}
	old := strings.TrimSuffix(string(src), "}\n")
	if !strings.HasPrefix(string(out), old) {
		t.Errorf("existing content changed:\n%s", out)
	}
	want := "\n\t// score 3.0\n\t// line break\n\t\"a-b\": {\n\t\tmentor: \"a\"\n\t\tmentee: \"b\"\n\t}\n\n\t\"c-d\": {\n\t\tmentor: \"c\"\n\t\tmentee: \"d\"\n\t\tslot: time: \"09:30\"\n\t}\n}\n"
	if got := strings.TrimPrefix(string(out), old); got != want {
		t.Errorf("added pairs:\n%q\nwant\n%q", got, want)
	}

	out, err = AddPairs("new.cue", nil, "demo", []string{"Proposed by rmctl match."}, pairs[:1])
	if err != nil {
		t.Fatal(err)
	}
	want = "// Proposed by rmctl match.\npackage demo\n\npairs: {\n\t// score 3.0\n\t// line break\n\t\"a-b\": {\n\t\tmentor: \"a\"\n\t\tmentee: \"b\"\n\t}\n}\n"
	if string(out) != want {
		t.Errorf("new file:\n%s\nwant\n%s", out, want)
	}

	// A file without a pairs struct gets one at the end.
	out, err = AddPairs("p.cue", []byte("package demo\n\n// kept\nmoved: []\n"), "demo", nil, pairs[1:])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "package demo\n\n// kept\nmoved: []\n") || !strings.Contains(string(out), "\npairs: \"c-d\": {\n") {
		t.Errorf("file without pairs:\n%s", out)
	}
}
