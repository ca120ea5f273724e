package schema

import (
	"slices"
	"testing"
)

func TestReportingChain(t *testing.T) {
	people := map[string]Person{
		"ceo":  {},
		"vp":   {Manager: "ceo"},
		"dev":  {Manager: "vp"},
		"peer": {Manager: "ceo"},
		"a":    {Manager: "b"}, // a loop, reported by validation
		"b":    {Manager: "a"},
		"lost": {Manager: "nobody"},
	}
	for _, tc := range []struct {
		from, to string
		want     []string
	}{
		{"dev", "ceo", []string{"dev", "vp", "ceo"}},
		{"dev", "vp", []string{"dev", "vp"}},
		{"ceo", "dev", nil},
		{"dev", "peer", nil},
		{"dev", "dev", nil},
		{"a", "b", []string{"a", "b"}},
		{"a", "x", nil},
		{"lost", "nobody", nil},
	} {
		if got := ReportingChain(people, tc.from, tc.to); !slices.Equal(got, tc.want) {
			t.Errorf("ReportingChain(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
	if got := ManagerChain(people, "a"); !slices.Equal(got, []string{"b"}) {
		t.Errorf("ManagerChain through a loop = %v", got)
	}
}
