package schema_test

import (
	"testing"

	"github.com/rmctl/rmctl/schema"
)

// TestExpandFeedbackURL checks that values are escaped for where they
// stand: path-escaped before the query, query-escaped after "?" or "#", and
// that a placeholder without a value is left alone.
func TestExpandFeedbackURL(t *testing.T) {
	vals := map[string]string{"pair": "a b/c", "session": "3", "person": "x&y=z ü"}
	tests := []struct{ tmpl, want string }{
		{"https://f.example.com/{pair}/{session}", "https://f.example.com/a%20b%2Fc/3"},
		{"https://f.example.com/rm?p={pair}&s={session}&who={person}", "https://f.example.com/rm?p=a+b%2Fc&s=3&who=x%26y%3Dz+%C3%BC"},
		{"https://f.example.com/{person}?p={pair}", "https://f.example.com/x&y=z%20%C3%BC?p=a+b%2Fc"},
		{"https://f.example.com/form#{person}", "https://f.example.com/form#x%26y%3Dz+%C3%BC"},
		{"https://f.example.com/{other}?p={pair}", "https://f.example.com/{other}?p=a+b%2Fc"},
	}
	for _, tc := range tests {
		if got := schema.ExpandFeedbackURL(tc.tmpl, vals); got != tc.want {
			t.Errorf("ExpandFeedbackURL(%q) = %q, want %q", tc.tmpl, got, tc.want)
		}
	}
}
