package address

import (
	"strings"
	"testing"
)

func TestEmail(t *testing.T) {
	for _, ok := range []string{
		"anna.schmidt@example.com", "a+tag@sub.example.co.uk", "müller@example.de", "x_y-z@a-b.example",
	} {
		if err := Email(ok); err != nil {
			t.Errorf("Email(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{
		"", "r,evil@x.com", "Anna <a@example.com>", "a@example.com, b@example.com", "a@example.com (x)",
		"a@localhost", "a@example..com", "@example.com", "a@[127.0.0.1]", "a b@example.com",
		"a\x00@example.com", "a@example.com\u2028", "a\u0085@example.com", "a\u00a0@example.com",
		"a\u200b@example.com", "a\u202e@example.com", "a@ex\ufeffample.com", "a\xff@example.com",
		"\"a b\"@example.com", strings.Repeat("a", 250) + "@example.com",
	} {
		if err := Email(bad); err == nil {
			t.Errorf("Email(%q) = nil, want an error", bad)
		}
	}
}

func TestURL(t *testing.T) {
	for _, ok := range []string{"https://example.com", "http://learn.example.com/a?b=c#d", "https://example.com/ä"} {
		if err := URL(ok); err != nil {
			t.Errorf("URL(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{
		"", "example.com", "ftp://example.com", "https://", "https://u:p@example.com/",
		"https://example.com/\x00", "https://example.com/\u2028", "https://example.com/\u0085",
		"https://example.com/\u00a0x", "https://example.com/\u200b", "https://example.com/\u202egpj.exe",
		"https://example.com/" + strings.Repeat("a", 2000),
	} {
		if err := URL(bad); err == nil {
			t.Errorf("URL(%q) = nil, want an error", bad)
		}
	}
}

func TestVisibleNamesTheCharacter(t *testing.T) {
	err := Visible("a\u202eb")
	if err == nil || !strings.Contains(err.Error(), "U+202E, right-to-left override") {
		t.Errorf("Visible = %v, want it to name U+202E", err)
	}
}
