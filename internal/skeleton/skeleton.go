// Package skeleton owns `rmctl init`: the commented files of a new program
// (program.cue, people.cue, pairs.cue), its settings (rmctl.cue) and a
// .gitignore that keeps rmctl's state folder out of git, in German or
// English. The templates are embedded; the files validate as written.
package skeleton

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/rmctl/rmctl/schema"
)

//go:embed templates
var templates embed.FS

// Languages are the languages skeletons exist in.
var Languages = []string{"de", "en"}

// files maps template names to the names written; .gitignore is stored
// without its dot because embed leaves dot files out.
var files = []struct{ template, name string }{
	{"program.cue", "program.cue"},
	{"people.cue", "people.cue"},
	{"pairs.cue", "pairs.cue"},
	{"rmctl.cue", schema.SettingsFile},
	{"gitignore", ".gitignore"},
}

// Options control Write.
type Options struct {
	Language string    // "de" or "en"
	Force    bool      // overwrite files that exist
	Now      time.Time // the program starts in the month after next
}

// ErrExists is wrapped when a file to write exists and Force is not set.
var ErrExists = errors.New("refusing to overwrite")

// Write writes the skeleton into dir, creating it when missing, and returns
// the paths written. Without Force it writes nothing when any of the files
// exists.
func Write(ctx context.Context, dir string, opts Options) ([]string, error) {
	lang := opts.Language
	if !slices.Contains(Languages, lang) {
		return nil, fmt.Errorf("unknown language %q: want one of %s", lang, strings.Join(Languages, ", "))
	}
	if !opts.Force {
		var exist []string
		for _, f := range files {
			if _, err := os.Lstat(filepath.Join(dir, f.name)); err == nil {
				exist = append(exist, f.name)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("init %s: %w", dir, err)
			}
		}
		if len(exist) > 0 {
			return nil, fmt.Errorf("init %s: %w %s; nothing was written (--force overwrites them)", dir, ErrExists, strings.Join(exist, ", "))
		}
	}
	data := datesFrom(opts.Now)
	rendered := make([][]byte, len(files))
	for i, f := range files {
		src, err := templates.ReadFile("templates/" + lang + "/" + f.template)
		if err != nil {
			return nil, fmt.Errorf("init: template %s: %w", f.template, err)
		}
		t, err := template.New(f.template).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("init: template %s: %w", f.template, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return nil, fmt.Errorf("init: template %s: %w", f.template, err)
		}
		rendered[i] = b.Bytes()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	var written []string
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, rendered[i], 0o644); err != nil {
			return written, fmt.Errorf("init: %w", err)
		}
		written = append(written, p)
	}
	return written, nil
}

// dates are what the templates fill in: a five-month program starting on
// the first of the month after next, so there is time to prepare it.
type dates struct {
	ID, Title                           string
	Start, End, Kickoff, Closing, Moved schema.Date
}

func datesFrom(now time.Time) dates {
	first := time.Date(now.Year(), now.Month()+2, 1, 12, 0, 0, 0, time.UTC)
	start := schema.DateOf(first)
	end := schema.DateOf(first.AddDate(0, 5, -1))
	slot := schema.Slot{Week: 2, Weekday: schema.Weekday(time.Tuesday)}
	third := first.AddDate(0, 2, 0)
	return dates{
		ID:      fmt.Sprintf("reverse-mentoring-%d", start.Year),
		Title:   fmt.Sprintf("Reverse Mentoring %d", start.Year),
		Start:   start,
		End:     end,
		Kickoff: workday(start.AddDays(2), 1),
		Closing: workday(end.AddDays(-7), -1),
		Moved:   schema.SlotDay(third.Year(), third.Month(), slot).AddDays(2),
	}
}

// workday returns d, or the nearest Monday to Friday in direction step.
func workday(d schema.Date, step int) schema.Date {
	for {
		wd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
		if wd != time.Saturday && wd != time.Sunday {
			return d
		}
		d = d.AddDays(step)
	}
}
