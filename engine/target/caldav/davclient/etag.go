package davclient

import "strings"

// normalizeETag returns an ETag in one canonical form, the strong tag's
// opaque text without quotes: servers send it quoted in headers, while
// PROPFIND answers and go-webdav hand it back unquoted. A weak tag keeps its
// W/ prefix (and quotes) so it is never mistaken for a strong one.
func normalizeETag(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "W/") {
		return s
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// quoteETag is the form for If-Match, which needs the quotes (RFC 9110
// entity-tag). Without them Radicale and Xandikos never match.
func quoteETag(s string) string {
	s = normalizeETag(s)
	if strings.HasPrefix(s, "W/") {
		return s
	}
	return `"` + s + `"`
}
