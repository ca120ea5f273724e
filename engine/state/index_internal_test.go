package state

import "testing"

// quickHash reads the declared hash without decoding where the layout
// makes it certain, and gives up (the line is then decoded) elsewhere.
func TestQuickHash(t *testing.T) {
	const key = `"p/a"`
	for _, c := range []struct {
		version int
		line    string
		want    string
		ok      bool
	}{
		{4, `"p/a":{"address":"p/a","uid":"u@rmctl","hash":"h1","sequence":0,"snapshot":{}}`, "h1", true},
		{4, `"p/a":{"address":"p/a","uid":"u@rmctl","hash":"h1","declaredHash":"d1","sequence":0}`, "d1", true},
		// Format 3 put declaredHash after the snapshot.
		{3, `"p/a":{"address":"p/a","uid":"u@rmctl","hash":"h1","sequence":0,"snapshot":{"title":"x\"declaredHash\":"}}`, "h1", true},
		{3, `"p/a":{"address":"p/a","uid":"u@rmctl","hash":"h1","sequence":0,"snapshot":{},"declaredHash":"d1"}`, "", false},
		{4, `"p/a":{"address":"p/a","uid":"u@rmctl","hash":"h1","snapshot":{},"sequence":0}`, "", false},
		{4, `"p/a":{"address":"p/b","uid":"u@rmctl","hash":"h1","sequence":0}`, "", false},
		{4, `"p/a":{"address":"p/a","uid":"","hash":"h1","sequence":0}`, "", false},
		{4, `"p/a":{"address":"p/a","uid":"u@rmctl","hash":"h\u00311","sequence":0}`, "", false},
		{4, `"p/a":{"uid":"u@rmctl","address":"p/a","hash":"h1","sequence":0}`, "", false},
	} {
		uid, got, ok := quickHash([]byte(c.line), []byte(key), c.version)
		if got != c.want || ok != c.ok || ok && uid != "u@rmctl" {
			t.Errorf("version %d %s: %q, %v; want %q, %v", c.version, c.line, got, ok, c.want, c.ok)
		}
	}
}
