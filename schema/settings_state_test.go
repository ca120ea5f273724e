package schema

import (
	"fmt"
	"strings"
	"testing"
)

// TestSettingsPostgresState checks the postgres state block: defaults, its
// fields refused for the local backend, and a URL never accepted inline.
func TestSettingsPostgresState(t *testing.T) {
	load := settingsLoader(t)
	s, ds := load(`state: {backend: "postgres"}` + "\n")
	if len(ds) != 0 {
		t.Fatalf("postgres defaults: %v", ds)
	}
	if s.State.Backend != "postgres" || s.State.URLEnv != "RMCTL_PG_URL" || s.State.Schema != "rmctl" || s.State.Workspace != "default" || s.State.Path != ".rmctl/state.json" {
		t.Fatalf("postgres defaults: %+v", s.State)
	}
	s, ds = load(`state: {backend: "postgres", urlEnv: "TEAM_PG", schema: "rm_state", workspace: "dl-2027"}` + "\n")
	if len(ds) != 0 || s.State.URLEnv != "TEAM_PG" || s.State.Schema != "rm_state" || s.State.Workspace != "dl-2027" {
		t.Fatalf("postgres settings: %+v %v", s.State, ds)
	}
	s, ds = load("state: lockTTL: \"1m\"\n")
	if len(ds) != 0 || s.State.Backend != "local" || s.State.URLEnv != "" {
		t.Fatalf("local defaults: %+v %v", s.State, ds)
	}
	for name, src := range map[string]string{
		"url inline":        `state: {backend: "postgres", url: "postgres://u:p@h/db"}`,
		"urlEnv with local": `state: {backend: "local", urlEnv: "RMCTL_PG_URL"}`,
		"bad env name":      `state: {backend: "postgres", urlEnv: "postgres://u:p@h/db"}`,
		"bad schema":        `state: {backend: "postgres", schema: "Robert'); DROP"}`,
		"unknown backend":   `state: {backend: "s3"}`,
		"bad ttl":           `state: {lockTTL: "abc"}`,
	} {
		if _, ds := load(src + "\n"); !ds.HasErrors() {
			t.Errorf("%s: accepted", name)
		} else if ds[0].Pos.Line != 1 || ds[0].Pos.Column == 0 {
			t.Errorf("%s: no line:col: %v", name, ds)
		} else if strings.Contains(fmt.Sprint(ds), "u:p@h") {
			t.Errorf("%s: the message repeats the URL: %v", name, ds)
		}
	}
}
