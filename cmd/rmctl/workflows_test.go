package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The workflows and the composite action handle repository secrets and a
// token that can push: these checks keep the hardening of issue 8 item 15
// from regressing (actionlint checks syntax, not these rules).
func TestWorkflowsHardened(t *testing.T) {
	files, err := filepath.Glob("../../.github/workflows/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows found: %v", err)
	}
	files = append(files, "../../action.yml")
	pinned := regexp.MustCompile(`uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+# v\d`)
	// An expression in a run: script is pasted into the shell before it
	// runs: inputs and event fields there are script injection.
	inRun := regexp.MustCompile(`\$\{\{\s*(inputs\.|github\.event\.|github\.head_ref)`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		src := string(b)
		inScript := false
		scriptIndent := 0
		for i, line := range strings.Split(src, "\n") {
			trimmed := strings.TrimSpace(line)
			indent := len(line) - len(strings.TrimLeft(line, " "))
			if strings.HasPrefix(trimmed, "#") || trimmed == "" {
				continue
			}
			if inScript && indent <= scriptIndent {
				inScript = false
			}
			if strings.HasPrefix(trimmed, "run:") || strings.HasPrefix(trimmed, "- run:") {
				inScript, scriptIndent = true, indent
				if strings.HasPrefix(trimmed, "- run:") {
					scriptIndent = indent + 2
				}
			}
			if inScript && inRun.MatchString(line) {
				t.Errorf("%s:%d: expression in a run script (pass it through env:): %s", name, i+1, trimmed)
			}
			if strings.Contains(trimmed, "uses:") && !strings.Contains(trimmed, "uses: ./") && !pinned.MatchString(trimmed) {
				t.Errorf("%s:%d: action not pinned by commit SHA with a version comment: %s", name, i+1, trimmed)
			}
			if regexp.MustCompile(`push\s+(-f|--force)`).MatchString(trimmed) || strings.Contains(trimmed, "x-access-token") {
				t.Errorf("%s:%d: forced push or token in a URL: %s", name, i+1, trimmed)
			}
		}
		if name != "action.yml" && !strings.Contains(src, "\npermissions: {}\n") {
			t.Errorf("%s: top-level permissions must be {} (each job asks for its own)", name)
		}
	}
	action, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(action), "default: latest") {
		t.Error("action.yml defaults to version latest")
	}
}
