package skeleton_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rmctl/rmctl/internal/skeleton"
	"github.com/rmctl/rmctl/schema"
)

// TestSkeletonValidates writes the skeleton in each language, starting in
// every month of a year, and loads it as rmctl would: program and settings
// without a single diagnostic, warnings included.
func TestSkeletonValidates(t *testing.T) {
	l, err := schema.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, lang := range skeleton.Languages {
		for m := time.January; m <= time.December; m++ {
			now := time.Date(2026, m, 28, 10, 0, 0, 0, time.UTC)
			dir := filepath.Join(t.TempDir(), "prog")
			written, err := skeleton.Write(ctx, dir, skeleton.Options{Language: lang, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(written) != 5 {
				t.Errorf("wrote %v", written)
			}
			res, err := l.Load(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Diagnostics) > 0 || len(res.Programs) != 1 {
				t.Fatalf("%s, %s: %d programs, diagnostics:\n%v", lang, m, len(res.Programs), res.Diagnostics)
			}
			p := res.Programs[0]
			if p.Language != lang || len(p.Pairs) != 2 || p.Start.Month != (m+1)%12+1 {
				t.Errorf("%s, %s: language %s, %d pairs, start %s", lang, m, p.Language, len(p.Pairs), p.Start)
			}
			settings, diags, err := l.LoadSettings(ctx, filepath.Join(dir, schema.SettingsFile), dir)
			if err != nil || len(diags) > 0 {
				t.Fatalf("%s: settings: %v %v", lang, err, diags)
			}
			if settings.Target.Kind != "outbox" || settings.State.Path != ".rmctl/state.json" {
				t.Errorf("%s: settings %+v", lang, settings)
			}
			// As `rmctl fmt` would write them, so that `fmt --check` in CI
			// passes on a program that starts from the skeleton.
			var cue []string
			for _, w := range written {
				if strings.HasSuffix(w, ".cue") {
					cue = append(cue, w)
				}
			}
			if f, err := schema.Format(cue, false); err != nil || len(f.Changed) > 0 {
				t.Errorf("%s: not formatted: %v %v", lang, f, err)
			}
			ignore, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
			if err != nil || !strings.Contains(string(ignore), "\n.rmctl/\n") {
				t.Errorf("%s: .gitignore %q, %v", lang, ignore, err)
			}
		}
	}
}

// TestSkeletonRefusesToOverwrite: without Force nothing is written when any
// file exists, and the existing file keeps its content; with Force all are
// written.
func TestSkeletonRefusesToOverwrite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mine := filepath.Join(dir, "people.cue")
	if err := os.WriteFile(mine, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := skeleton.Write(ctx, dir, skeleton.Options{Language: "de", Now: time.Now()})
	if !errors.Is(err, skeleton.ErrExists) || !strings.Contains(err.Error(), "people.cue") {
		t.Fatalf("err = %v, want a refusal naming people.cue", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files after a refused init, want only the one that was there", len(entries))
	}
	if _, err := skeleton.Write(ctx, dir, skeleton.Options{Language: "en", Force: true, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(mine); string(b) == "mine" {
		t.Error("--force did not overwrite people.cue")
	}
	if _, err := skeleton.Write(ctx, t.TempDir(), skeleton.Options{Language: "fr"}); err == nil {
		t.Error("language fr accepted")
	}
}
