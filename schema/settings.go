package schema

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"

	"github.com/rmctl/rmctl/internal/address"
)

//go:embed settings.cue
var settingsSource []byte

// settingsSchemaFile is the name the settings schema's positions carry;
// like schemaFile, diagnostics never point there.
const settingsSchemaFile = "rmctl:settings.cue"

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
		// With backend "postgres": the environment variable holding the
		// database URL, the schema and the workspace.
		URLEnv    string `json:"urlEnv,omitempty"`
		Schema    string `json:"schema,omitempty"`
		Workspace string `json:"workspace,omitempty"`
	} `json:"state"`
	// PeopleFile is a CUE file of people outside the repository ("" when
	// people are declared with the programs).
	PeopleFile string `json:"peopleFile,omitempty"`

	// Replies is where attendees' replies are read; nil when not set.
	Replies *RepliesConfig `json:"replies,omitempty"`

	pos map[string]Pos // positions of some fields in File, for later checks
}

// RepliesConfig is the replies block: an IMAP mailbox. The password comes
// from the environment variable PasswordEnv, never from the settings.
type RepliesConfig struct {
	IMAP        string `json:"imap"`
	Username    string `json:"username"`
	PasswordEnv string `json:"passwordEnv"`
	Mailbox     string `json:"mailbox"`
	TLS         string `json:"tls"`
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
	sch := l.ctx.CompileBytes(settingsSource, cue.Filename(settingsSchemaFile)).LookupPath(cue.ParsePath("#Settings"))
	if err := sch.Err(); err != nil {
		return nil, nil, fmt.Errorf("compiling embedded settings schema: %w", err)
	}
	v, user := sch, cue.Value{}
	s := &Settings{Dir: cwd}
	if file != "" {
		src, err := readLocalFile(file)
		if err != nil {
			return nil, nil, fmt.Errorf("reading settings: %w", err)
		}
		name := file
		if rel, err := filepath.Rel(cwd, file); err == nil && !filepath.IsAbs(rel) && len(rel) > 0 && rel[0] != '.' {
			name = rel
		}
		f, err := parser.ParseFile(name, src)
		if err != nil {
			return nil, fromCUE(err, noUser, sch), nil
		}
		user = l.ctx.BuildFile(f)
		if err := user.Err(); err != nil {
			return nil, fromCUE(err, func() cue.Value { return user }, sch), nil
		}
		v = sch.Unify(user)
		s.File, s.Dir = file, filepath.Dir(file)
	}
	if err := v.Validate(cue.Concrete(true)); err != nil {
		var errs []cueerrors.Error
		collectErrors(v, &errs)
		return nil, fromCUEList(errs, func() cue.Value { return user }, sch), nil
	}
	if err := v.Decode(s); err != nil {
		return nil, nil, fmt.Errorf("decoding settings: %w", err)
	}
	if s.Target.From != "" {
		// The sender is checked as every other address is, so the e-mail
		// target never fails on an address validate accepted.
		if err := address.Email(s.Target.From); err != nil {
			return nil, Diagnostics{{Severity: Error, Pos: lookupPos(user, []string{"target", "from"}), Path: "target.from",
				Message: fmt.Sprintf("%s %v", shorten(fmt.Sprintf("%q", s.Target.From)), err)}}, nil
		}
	}
	if s.Target.Kind == "caldav" {
		if err := address.URL(strings.ReplaceAll(s.Target.URL, "{person}", "p")); err != nil {
			return nil, Diagnostics{{Severity: Error, Pos: lookupPos(user, []string{"target", "url"}), Path: "target.url",
				Message: fmt.Sprintf("%s %v", shorten(fmt.Sprintf("%q", s.Target.URL)), err)}}, nil
		}
	}
	if s.State.LockTTL.Duration == 0 {
		s.State.LockTTL.Duration = 15 * time.Minute
	}
	// Positions for checks made after loading (CheckReplies).
	s.pos = map[string]Pos{}
	if file != "" {
		for _, path := range []string{"replies.username", "target.from"} {
			if f := user.LookupPath(cue.ParsePath(path)); f.Exists() {
				s.pos[path] = toPos(f.Pos())
			}
		}
	}
	return s, nil, ctx.Err()
}

// CheckReplies warns when the replies mailbox is not where replies go.
// Attendees answer the ORGANIZER, which is the sender for the e-mail
// target (target.from, else the program's organizer) and the program's
// organizer for the others. A replies.username that is an e-mail address
// other than that one logs in to a mailbox replies may never reach: a
// warning, not an error, since the account may receive them by an alias.
func (s *Settings) CheckReplies(progs []*Program) Diagnostics {
	if s.Replies == nil || !strings.Contains(s.Replies.Username, "@") {
		return nil
	}
	pos := s.pos["replies.username"]
	if pos.Filename == "" {
		pos = Pos{Filename: s.File}
	}
	warn := func(whose string) Diagnostic {
		return Diagnostic{Severity: Warning, Pos: pos, Path: "replies.username", Message: fmt.Sprintf(
			"is not the address invitations name as ORGANIZER (%s): attendees' replies go to that mailbox, which rmctl sync replies does not read", whose)}
	}
	if s.Target.Kind == "email" && s.Target.From != "" {
		if !strings.EqualFold(s.Target.From, s.Replies.Username) {
			return Diagnostics{warn("target.from")}
		}
		return nil
	}
	var out Diagnostics
	for _, p := range progs {
		if p.Organizer.Email != "" && !strings.EqualFold(p.Organizer.Email, s.Replies.Username) {
			out = append(out, warn("the organizer of program "+p.ID))
		}
	}
	return out
}
