package target

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Secret resolves a target password from the environment variable named
// env, or else from a credentials file holding KEY=VALUE lines (the key
// being env, or "password"). Secrets never come from program or settings
// files, and errors name where rmctl looked, never the value.
func Secret(getenv func(string) string, env, credentialsFile string) (string, error) {
	if env != "" {
		if v := getenv(env); v != "" {
			return v, nil
		}
	}
	if credentialsFile != "" {
		f, err := os.Open(credentialsFile)
		if err != nil {
			return "", fmt.Errorf("reading credentials file: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
			if !ok || strings.HasPrefix(k, "#") {
				continue
			}
			k = strings.TrimSpace(k)
			if k == env && env != "" || strings.EqualFold(k, "password") {
				return strings.TrimSpace(v), nil
			}
		}
		if err := sc.Err(); err != nil {
			return "", fmt.Errorf("reading credentials file %s: %w", credentialsFile, err)
		}
		return "", fmt.Errorf("credentials file %s has no %s= or password= line", credentialsFile, env)
	}
	if env != "" {
		return "", fmt.Errorf("the password is expected in the environment variable %s, which is not set", env)
	}
	return "", nil
}

// Redacted replaces a secret in text.
const Redacted = "[redacted]"

// minSecret is the shortest secret a Redactor replaces: replacing every
// "ab" would garble messages, and so short a password protects nothing.
const minSecret = 3

// Redactor removes configured secrets from text that rmctl prints or
// stores: the password itself and the encodings protocols carry it in
// (HTTP Basic, SMTP AUTH PLAIN and LOGIN, URL escaping), since a server
// may echo any of them in an error. The zero value and a nil *Redactor
// redact nothing; Add may be called while other goroutines redact.
type Redactor struct {
	mu    sync.RWMutex
	forms []string // longest first, so a form containing another goes whole
}

// Add registers password (with username, for the encodings that carry
// both).
func (r *Redactor) Add(username, password string) {
	if r == nil || len(password) < minSecret {
		return
	}
	b64 := base64.StdEncoding.EncodeToString
	forms := []string{
		password,
		url.QueryEscape(password),
		url.PathEscape(password),
		b64([]byte(password)),                              // AUTH LOGIN
		b64([]byte(username + ":" + password)),             // HTTP Basic
		b64([]byte("\x00" + username + "\x00" + password)), // AUTH PLAIN
		strings.TrimRight(b64([]byte(username+":"+password)), "="),
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range forms {
		if !slices.Contains(r.forms, f) {
			r.forms = append(r.forms, f)
		}
	}
	sort.SliceStable(r.forms, func(i, j int) bool { return len(r.forms[i]) > len(r.forms[j]) })
}

// String returns s with every registered secret replaced by Redacted.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, Redacted)
	}
	return s
}

// Error returns err with its message redacted. The result still unwraps
// to err, so errors.Is and errors.As see the same chain; only the text,
// which is what gets printed, changes.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: r.String(err.Error()), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Excerpt makes text from a server fit for an error message: control and
// formatting characters (which could rewrite a terminal line or reverse
// text) go, whitespace runs become one space, invalid UTF-8 is replaced,
// and the result is cut to at most max bytes on a rune boundary, "…"
// marking the cut. Redact secrets before taking the excerpt: a cut could
// leave the start of one.
func Excerpt(s string, max int) string {
	var b strings.Builder
	space := false
	for _, c := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case unicode.IsSpace(c):
			space = b.Len() > 0
			continue
		case unicode.IsControl(c), unicode.Is(unicode.Cf, c):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(c)
	}
	out := b.String()
	if len(out) <= max {
		return out
	}
	const ellipsis = "…"
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	if cut < 0 {
		cut = 0
	}
	return out[:cut] + ellipsis
}
