// Package address owns what rmctl accepts as an e-mail address or a web
// address. validate (schema), the iCalendar encoder and the e-mail target
// all ask this package, so an address validate accepts is one apply can
// send to, and the other way round.
//
// net/mail accepts more than a mailbox a person types: display names
// ("Anna <a@x.com>"), lists and comments, and, for RFC 6532, any Unicode
// including characters nobody can see. An address here is a bare addr-spec
// as net/mail reads it, with a dot in the domain, and no control,
// formatting (zero-width, bidi override) or space-like characters (NBSP,
// U+2028), which would let two addresses look the same or end a header
// line.
package address

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Longest accepted lengths, in bytes: RFC 5321 limits a mailbox to 254
// octets; browsers and servers handle URLs up to about 2,000.
const (
	MaxEmail = 254
	MaxURL   = 2000
)

// Email returns an error saying what is wrong with addr, or nil when addr
// is a plain e-mail address such as anna.schmidt@example.com.
func Email(addr string) error {
	if addr == "" {
		return errors.New("is empty")
	}
	if len(addr) > MaxEmail {
		return fmt.Errorf("is too long: at most %d characters", MaxEmail)
	}
	if err := Visible(addr); err != nil {
		return err
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" || a.Address != addr {
		return errors.New("is not a plain e-mail address such as anna.schmidt@example.com (no name, list or comment)")
	}
	local, domain, _ := strings.Cut(addr, "@")
	if local == "" || !strings.Contains(strings.Trim(domain, "."), ".") || strings.Contains(domain, "..") ||
		strings.HasPrefix(domain, "[") {
		return errors.New("is not a plain e-mail address such as anna.schmidt@example.com")
	}
	return nil
}

// URL returns an error saying what is wrong with s, or nil when s is an
// absolute http or https address with a host.
func URL(s string) error {
	if len(s) > MaxURL {
		return fmt.Errorf("is too long: at most %d characters", MaxURL)
	}
	if err := Visible(s); err != nil {
		return err
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("is not a valid web address")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("is not a web address: it must start with https://")
	}
	if u.Host == "" || u.User != nil {
		return errors.New("is not a web address: it needs a host name after https:// (and no user or password)")
	}
	return nil
}

// Visible returns an error naming the first character of s that is not
// valid UTF-8, a control or formatting character, or any kind of space.
func Visible(s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return errors.New("is not valid UTF-8")
			}
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) || unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp) {
			return fmt.Errorf("contains %s", describe(r))
		}
	}
	return nil
}

// describe names a character people cannot see.
func describe(r rune) string {
	if name, ok := names[r]; ok {
		return fmt.Sprintf("an invisible character (U+%04X, %s)", r, name)
	}
	if r == ' ' {
		return "a space"
	}
	if unicode.IsControl(r) {
		return fmt.Sprintf("a control character (U+%04X)", r)
	}
	return fmt.Sprintf("an invisible character (U+%04X)", r)
}

var names = map[rune]string{
	0x00A0: "no-break space",
	0x0085: "next line",
	0x200B: "zero width space",
	0x200C: "zero width non-joiner",
	0x200D: "zero width joiner",
	0x200E: "left-to-right mark",
	0x200F: "right-to-left mark",
	0x2028: "line separator",
	0x2029: "paragraph separator",
	0x202A: "left-to-right embedding",
	0x202B: "right-to-left embedding",
	0x202C: "pop directional formatting",
	0x202D: "left-to-right override",
	0x202E: "right-to-left override",
	0x2060: "word joiner",
	0x2066: "left-to-right isolate",
	0x2067: "right-to-left isolate",
	0x2068: "first strong isolate",
	0x2069: "pop directional isolate",
	0xFEFF: "byte order mark",
}
