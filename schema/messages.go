package schema

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
)

// formats maps a schema constraint, as CUE prints it in an error, to what a
// person editing a program needs to read.
var formats = []struct{ constraint, message string }{
	{`time.Format("2006-01-02")`, "is not a valid date: write YYYY-MM-DD, for example 2027-02-01"},
	{`time.Format("15:04")`, "is not a valid time of day: write HH:MM in 24-hour form, for example 16:00"},
	{`[0-2][0-9]:[0-5][0-9]`, "is not a valid time of day: write HH:MM in 24-hour form, for example 16:00"},
	{`time.Duration`, "is not a valid duration: write for example 60m, 90m, 3h or 1h30m"},
	{`(h|m|h[0-9]+m)`, "is not a valid duration: write for example 60m, 90m, 3h or 1h30m"},
	{`@[^@`, "is not a valid e-mail address"},
	{`https?://`, "is not a web address: it must start with https://"},
	{`[1-8][0-9]|90)d$`, "is not a number of days from 0d to 90d: write for example 3d"},
	{idConstraint, "is not a valid id: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"},
	{`[a-z0-9][a-z0-9._-]*`, "is not a valid id: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"},
	{`MinRunes(1)`, "must not be empty"},
	{`[a-z_][a-z0-9_]{0,62}$`, "is not a schema name: lower-case letters, digits and _, starting with a letter or _"},
	{`[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`, "is not a workspace name: letters, digits, '.', '_' and '-', starting with a letter or digit"},
}

var (
	conflictRe = regexp.MustCompile(`^conflicting values (.+) and (.+)$`)
	invalidRe  = regexp.MustCompile(`^invalid value (.+?) \((.*)\)$`)
	boundRe    = regexp.MustCompile(`out of bound ([<>]=?)(-?[0-9.]+)$`)
	kindRe     = regexp.MustCompile(`^conflicting values (.+) and (.+) \(mismatched types (\w+) and (\w+)\)$`)
)

// humanize turns the CUE messages reported for one field into one sentence.
func humanize(path []string, msgs []string, user func() cue.Value, schema cue.Value) string {
	if len(path) == 0 && len(msgs) == 1 {
		return syntaxMessage(msgs[0])
	}
	field := ""
	if len(path) > 0 {
		field = unquote(path[len(path)-1])
	}
	var allowed []string
	got := ""
	for _, m := range msgs {
		switch {
		case strings.Contains(m, "field not allowed"):
			if len(path) >= 2 && unquote(path[len(path)-2]) == "sessions" {
				return fmt.Sprintf("%q is not a session number: sessions are numbered from 1 in the order of the session plan", field)
			}
			return unknownFieldMessage(field, schemaFields(schema, path[:len(path)-1]))
		case strings.HasPrefix(m, "incomplete value") || strings.Contains(m, "non-concrete value"):
			if user().Exists() && !lookup(user(), path).Exists() {
				return fmt.Sprintf("required field %q is missing", field)
			}
			return "needs a concrete value"
		case strings.Contains(m, "field is required but not present"):
			return fmt.Sprintf("required field %q is missing", field)
		}
		if k := kindRe.FindStringSubmatch(m); k != nil {
			// CUE names the two sides in either order; the user's is the
			// one their file holds.
			if user().Exists() && fmt.Sprint(lookup(user(), path)) == k[2] {
				return fmt.Sprintf("%s must be %s, not %s", k[2], article(k[3]), article(k[4]))
			}
			return fmt.Sprintf("%s must be %s, not %s", k[1], article(k[4]), article(k[3]))
		}
		if inv := invalidRe.FindStringSubmatch(m); inv != nil {
			// A text over its bound can be megabytes long: say how long,
			// never repeat it.
			if mr := maxRunesRe.FindStringSubmatch(inv[2]); mr != nil {
				return tooLongMessage(lookup(user(), path), mr[1])
			}
			if tb := textBoundRe.FindStringSubmatch(inv[2]); tb != nil {
				if s, err := lookup(user(), path).String(); err == nil && s == "" {
					return `"" must not be empty`
				}
				return tooLongMessage(lookup(user(), path), tb[2])
			}
			if strings.Contains(inv[2], idConstraint) {
				if s, err := lookup(user(), path).String(); err == nil && idRe.MatchString(s) {
					return tooLongMessage(lookup(user(), path), strconv.Itoa(maxID))
				}
			}
			if strings.Contains(inv[2], envNameConstraint) {
				// Not repeated: a mistaken value here is likely the secret
				// itself (a URL with its password).
				return "this is not the name of an environment variable (letters, digits and _): name the variable that holds the secret, never the secret itself"
			}
			for _, f := range formats {
				if strings.Contains(inv[2], f.constraint) {
					return shorten(inv[1]) + " " + f.message
				}
			}
			if b := boundRe.FindStringSubmatch(inv[2]); b != nil {
				return fmt.Sprintf("%s is out of range: it must be %s %s", inv[1], boundWords[b[1]], b[2])
			}
		}
		if c := conflictRe.FindStringSubmatch(m); c != nil && !strings.Contains(m, "mismatched types") {
			allowed = append(allowed, c[1])
			got = c[2]
		}
	}
	if got != "" {
		sort.Strings(allowed)
		allowed = dedupe(allowed)
		if len(allowed) == 1 {
			return fmt.Sprintf("%s is not allowed here: it must be %s", got, allowed[0])
		}
		return fmt.Sprintf("%s is not allowed: use one of %s", got, strings.Join(allowed, ", "))
	}
	for _, m := range msgs {
		if !strings.Contains(m, "errors in empty disjunction") {
			return m
		}
	}
	return msgs[0]
}

// The schema bounds the texts every person and pair has with a pattern
// rather than strings.MaxRunes: on 10,000 pairs the builtin calls cost a
// quarter more memory than the whole evaluation otherwise needs.
var textBoundRe = regexp.MustCompile(`=~"\^\(\?s:\.\{([0-9]+),([0-9]+)\}\)\$"`)

// envNameConstraint is the pattern of settings fields naming an
// environment variable (passwordEnv, urlEnv).
const envNameConstraint = `[A-Za-z_][A-Za-z0-9_]*$`

// idConstraint is #ID's pattern as CUE prints it.
const idConstraint = `[a-z0-9][a-z0-9._-]{0,63}`

var maxRunesRe = regexp.MustCompile(`strings\.MaxRunes\(([0-9]+)\)`)

// tooLongMessage says a text is over its bound of max characters (runes).
func tooLongMessage(v cue.Value, max string) string {
	if s, err := v.String(); err == nil {
		return fmt.Sprintf("this text has %s characters; at most %s are allowed here", groupDigits(utf8.RuneCountInString(s)), max)
	}
	return fmt.Sprintf("this text is too long; at most %s characters are allowed here", max)
}

// groupDigits writes n with thousands separators: 65,536.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// maxQuoted is the most of a user's value a message repeats, in runes.
const maxQuoted = 60

// shorten cuts a quoted value CUE repeats in its message to maxQuoted
// runes, so one bad field never makes a huge diagnostic.
func shorten(quoted string) string {
	if utf8.RuneCountInString(quoted) <= maxQuoted {
		return quoted
	}
	r := []rune(quoted)
	return string(r[:maxQuoted-2]) + "…" + string(r[len(r)-1])
}

var boundWords = map[string]string{">": "greater than", ">=": "at least", "<": "less than", "<=": "at most"}

func article(kind string) string {
	switch kind {
	case "int", "string", "struct", "list":
		if kind == "int" {
			kind = "whole number"
		}
		if kind == "struct" {
			kind = "block { ... }"
		}
		return "a " + kind
	}
	return kind
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

func lookup(v cue.Value, path []string) cue.Value {
	sels := make([]cue.Selector, len(path))
	for i, s := range path {
		if n, err := strconv.Atoi(s); err == nil {
			sels[i] = cue.Index(n)
		} else {
			sels[i] = cue.Str(unquote(s))
		}
	}
	return v.LookupPath(cue.MakePath(sels...))
}

// schemaFields lists the fields the schema allows at path, for "did you mean".
func schemaFields(schema cue.Value, path []string) []string {
	if !schema.Exists() {
		return nil
	}
	v := schema
	for _, s := range path {
		s = unquote(s)
		next := v.LookupPath(cue.MakePath(cue.Str(s)))
		if !next.Exists() {
			// Keys users choose (people, pairs, ...) match a pattern.
			next = v.LookupPath(cue.MakePath(cue.AnyString))
		}
		if !next.Exists() {
			return nil
		}
		v = next
	}
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	var names []string
	for it.Next() {
		names = append(names, unquote(it.Selector().Unquoted()))
	}
	return names
}

// unknownFieldMessage names an unknown field and suggests the closest known one.
func unknownFieldMessage(name string, allowed []string) string {
	msg := fmt.Sprintf("unknown field %q", name)
	if best := closest(name, allowed); best != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", best)
	}
	if len(allowed) > 0 && len(allowed) <= 12 {
		return msg + "; allowed here: " + strings.Join(allowed, ", ")
	}
	return msg
}

// closest returns the candidate nearest to s by edit distance, if it is near
// enough to be a likely typo.
func closest(s string, candidates []string) string {
	best, bestDist := "", len(s)/2+2
	n := utf8.RuneCountInString(s)
	for _, c := range candidates {
		// The difference in length is a lower bound of the distance.
		if diff := n - utf8.RuneCountInString(c); diff >= bestDist || -diff >= bestDist {
			continue
		}
		if d := levenshtein(strings.ToLower(s), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// syntaxMessages rewords the parser's most common complaints.
var syntaxMessages = map[string]string{
	"expected '}', found 'EOF'":     `the file ends before every "{" is closed: a closing "}" is missing`,
	"expected ']', found 'EOF'":     `the file ends before every "[" is closed: a closing "]" is missing`,
	"expected ')', found 'EOF'":     `the file ends before every "(" is closed: a closing ")" is missing`,
	"string literal not terminated": `a text in quotes is not closed: a closing " is missing`,
}

var expectedRe = regexp.MustCompile(`^expected (.+), found (.+)$`)

func syntaxMessage(m string) string {
	if s, ok := syntaxMessages[m]; ok {
		return s
	}
	if e := expectedRe.FindStringSubmatch(m); e != nil {
		return fmt.Sprintf("syntax error: expected %s here, found %s", e[1], e[2])
	}
	return m
}
