package schema

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
)

//go:embed settings.cue
var settingsSource []byte

// SettingsFile is the name rmctl looks for.
const SettingsFile = "rmctl.cue"

// Settings are a repository's rmctl settings. Relative paths are resolved
// against Dir.
type Settings struct {
	// File is the settings file read, "" when defaults are in use.
	File string `json:"-"`
	// Dir is the directory relative paths are resolved against: the
	// settings file's, or the working directory without one.
	Dir    string       `json:"-"`
	Target TargetConfig `json:"target"`
	State  struct {
		Backend string   `json:"backend"`
		Path    string   `json:"path"`
		LockTTL Duration `json:"lockTTL"`
	} `json:"state"`
}

// TargetConfig is the target block; which fields apply depends on Kind.
type TargetConfig struct {
	Kind            string `json:"kind"`
	Dir             string `json:"dir,omitempty"`
	Tasks           bool   `json:"tasks,omitempty"` // outbox: assignments as VTODO
	URL             string `json:"url,omitempty"`
	Username        string `json:"username,omitempty"`
	PasswordEnv     string `json:"passwordEnv,omitempty"`
	CredentialsFile string `json:"credentialsFile,omitempty"`
	Drift           string `json:"drift,omitempty"`
	Parallelism     int    `json:"parallelism,omitempty"`
	SMTP            string `json:"smtp,omitempty"`
	TLS             string `json:"tls,omitempty"`
	From            string `json:"from,omitempty"`
	Batch           int    `json:"batch,omitempty"` // email: recipients per message
}

// Path resolves a settings path against the settings' directory.
func (s *Settings) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.Dir, p)
}

// FindSettings looks for rmctl.cue in dir and its parents, stopping at the
// repository root (a directory holding .git). It returns "" when there is none.
func FindSettings(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("finding %s: %w", SettingsFile, err)
	}
	for {
		f := filepath.Join(dir, SettingsFile)
		if _, err := os.Stat(f); err == nil {
			return f, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("finding %s: %w", SettingsFile, err)
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return "", nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// LoadSettings reads the settings file (the defaults when file is ""),
// checked against the embedded settings schema. Problems come back as
// diagnostics with positions, like program errors.
func (l *Loader) LoadSettings(ctx context.Context, file, cwd string) (*Settings, Diagnostics, error) {
	sch := l.ctx.CompileBytes(settingsSource, cue.Filename("rmctl:settings.cue")).LookupPath(cue.ParsePath("#Settings"))
	if err := sch.Err(); err != nil {
		return nil, nil, fmt.Errorf("compiling embedded settings schema: %w", err)
	}
	v, user := sch, cue.Value{}
	s := &Settings{Dir: cwd}
	if file != "" {
		src, err := os.ReadFile(file)
		if err != nil {
			return nil, nil, fmt.Errorf("reading settings: %w", err)
		}
		name := file
		if rel, err := filepath.Rel(cwd, file); err == nil && !filepath.IsAbs(rel) && len(rel) > 0 && rel[0] != '.' {
			name = rel
		}
		f, err := parser.ParseFile(name, src)
		if err != nil {
			return nil, fromCUE(err, cue.Value{}, sch), nil
		}
		user = l.ctx.BuildFile(f)
		if err := user.Err(); err != nil {
			return nil, fromCUE(err, user, sch), nil
		}
		v = sch.Unify(user)
		s.File, s.Dir = file, filepath.Dir(file)
	}
	if err := v.Validate(cue.Concrete(true)); err != nil {
		var errs []cueerrors.Error
		collectErrors(v, &errs)
		return nil, fromCUEList(errs, user, sch), nil
	}
	if err := v.Decode(s); err != nil {
		return nil, nil, fmt.Errorf("decoding settings: %w", err)
	}
	if s.State.LockTTL.Duration == 0 {
		s.State.LockTTL.Duration = 15 * time.Minute
	}
	return s, nil, ctx.Err()
}
