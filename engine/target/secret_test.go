package target_test

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rmctl/rmctl/engine/target"
)

func TestRedactor(t *testing.T) {
	var r target.Redactor
	r.Add("anna", "pa ss/wörd")
	b64 := base64.StdEncoding.EncodeToString
	for _, in := range []string{
		"pa ss/wörd",
		"pa+ss%2Fw%C3%B6rd", // query escaping
		"pa%20ss%2Fw%C3%B6rd",
		b64([]byte("pa ss/wörd")),
		b64([]byte("anna:pa ss/wörd")),
		b64([]byte("\x00anna\x00pa ss/wörd")),
	} {
		got := r.String("x " + in + " y")
		if strings.Contains(got, in) || got != "x "+target.Redacted+" y" {
			t.Errorf("String(%q) = %q", in, got)
		}
	}
	err := r.Error(fmtErr("open pa ss/wörd", fs.ErrNotExist))
	if strings.Contains(err.Error(), "wörd") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Error: %q, chain kept %v", err, errors.Is(err, fs.ErrNotExist))
	}
	var nilR *target.Redactor
	if nilR.String("abc") != "abc" {
		t.Error("a nil Redactor changed text")
	}
	var short target.Redactor
	short.Add("u", "ab")
	if got := short.String("abc"); got != "abc" {
		t.Errorf("a two-byte password redacted text: %q", got)
	}
}

type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

func fmtErr(msg string, err error) error { return &wrapped{msg, err} }

func TestExcerpt(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"  a\r\n\tb  ", "a b"},
		{"a\x1b[2Jb\x07c", "a[2Jbc"},
		{"rtl\u202eevil\u200b", "rtlevil"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
	} {
		if got := target.Excerpt(tc.in, 200); got != tc.want {
			t.Errorf("Excerpt(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := strings.Repeat("ä", 300)
	got := target.Excerpt(long, 200)
	if len(got) > 200 || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("Excerpt of 600 bytes: %d bytes, valid %v, %q", len(got), utf8.ValidString(got), got[len(got)-6:])
	}
}
