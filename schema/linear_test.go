package schema

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDiagnosticsStayLinear covers issue 8 item 7: 2,000 pairs of one
// overloaded mentor printed 34 MB, because each of 2,000 errors listed
// every pair. Each violation is now one diagnostic naming a few ids and a
// count, so the output grows with the number of violations, not with its
// square.
func TestDiagnosticsStayLinear(t *testing.T) {
	const n = 2000
	cases := []struct {
		name   string
		people func(i int) string // the i-th mentee's e-mail
		pairs  func(i int) string // the i-th pair
		policy string
		want   string // a part of one diagnostic
	}{
		{"one mentor for all", nil, func(i int) string {
			return fmt.Sprintf("pairs: \"p%d\": {mentor: \"klaus.meier\", mentee: \"m%d\"}\n", i, i)
		}, "", "klaus.meier mentors 2,000 active pairs (p0, p1, p10 and 1,997 more); policy.maxMenteesPerMentor allows 1"},
		{"one mentee for all", nil, func(i int) string {
			return fmt.Sprintf("pairs: \"p%d\": {mentor: \"m%d\", mentee: \"klaus.meier\"}\n", i, i)
		}, "", "klaus.meier is the mentee of 2,000 active pairs (p0, p1, p10 and 1,997 more)"},
		{"all overlapping", nil, func(i int) string {
			return fmt.Sprintf("pairs: \"p%d\": {mentor: \"klaus.meier\", mentee: \"m%d\"}\n", i, i)
		}, "maxMenteesPerMentor: 5000", "klaus.meier has "},
		{"one e-mail for all", func(i int) string { return "same@acme.example.com" }, func(i int) string {
			return fmt.Sprintf("pairs: \"p%d\": {mentor: \"m%d\", mentee: \"klaus.meier\", status: \"ended\"}\n", i, i)
		}, "", "is already used by"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var people, pairs strings.Builder
			for i := range n {
				email := fmt.Sprintf("m%d@acme.example.com", i)
				if c.people != nil {
					email = c.people(i)
				}
				fmt.Fprintf(&people, "people: \"m%d\": {name: \"M %d\", email: %q, department: \"D%d\"}\n", i, i, email, i)
				pairs.WriteString(c.pairs(i))
			}
			dir := fixture(t, func(name, src string) string {
				switch name {
				case "pairs.cue":
					return "package pilot\n" + pairs.String()
				case "people.cue":
					return src + people.String()
				case "program.cue":
					if c.policy != "" {
						return strings.Replace(src, "maxMenteesPerMentor: 1", c.policy, 1)
					}
				}
				return src
			})
			ds := load(t, dir)
			total, found := 0, false
			for _, d := range ds {
				s := d.String()
				total += len(s)
				if len(s) > 500 {
					t.Errorf("diagnostic of %d bytes: %.200s…", len(s), s)
				}
				found = found || strings.Contains(d.Message, c.want)
			}
			if !found {
				t.Errorf("no diagnostic says %q; got %d, first: %v", c.want, len(ds), ds[:min(3, len(ds))])
			}
			// Linear: at most a few hundred bytes per pair, not a list
			// of all pairs per pair (34 MB before).
			if total > n*300 {
				t.Errorf("%d diagnostics, %d bytes for %d pairs", len(ds), total, n)
			}
			t.Logf("%d diagnostics, %d bytes", len(ds), total)
		})
	}
}

// TestManyUnknownReferencesStayFast: each "did you mean" compares a
// reference with every person, so 2,000 broken references among 2,000
// people with long ids took a minute. Past a few suggestions rmctl stops
// suggesting.
func TestManyUnknownReferencesStayFast(t *testing.T) {
	const n = 2000
	pad := strings.Repeat("x", 50)
	var people, pairs strings.Builder
	for i := range n {
		fmt.Fprintf(&people, "people: \"%s%d\": {name: \"M\", email: \"m%d@acme.example.com\", department: \"D\"}\n", pad, i, i)
		fmt.Fprintf(&pairs, "pairs: \"p%d\": {mentor: \"%s%dq\", mentee: \"%s%d\"}\n", i, pad, i, pad, i)
	}
	dir := fixture(t, func(name, src string) string {
		switch name {
		case "pairs.cue":
			return "package pilot\n" + pairs.String()
		case "people.cue":
			return src + people.String()
		}
		return src
	})
	start := time.Now()
	ds := load(t, dir)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("validate took %v", d)
	}
	if ds.Errors() < n {
		t.Errorf("%d errors, want one per broken reference (%d)", ds.Errors(), n)
	}
	if !strings.Contains(ds[0].Message, "did you mean") {
		t.Errorf("the first broken reference gets no suggestion: %s", ds[0])
	}
}
