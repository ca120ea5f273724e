package timeline

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rmctl/rmctl/schema"
)

// Warn attaches the load's warnings to the pairs and sessions they are
// about, found by their field path (pairs.<id>..., and
// pairs.<id>.sessions.<n>... for one session), so the picture shows what
// validate warned about where it happens. Diagnostics about anything else
// are left to validate.
func Warn(tl *Timeline, progs []*schema.Program, diags schema.Diagnostics) {
	for _, d := range diags {
		if d.Severity != schema.Warning {
			continue
		}
		segs := splitPath(d.Path)
		if len(segs) < 2 || segs[0] != "pairs" {
			continue
		}
		pairID, session := segs[1], 0
		if len(segs) >= 4 && segs[2] == "sessions" {
			session, _ = strconv.Atoi(segs[3])
		}
		for i := range tl.Programs {
			if !about(&tl.Programs[i], progs, d) {
				continue
			}
			for j := range tl.Programs[i].Pairs {
				pr := &tl.Programs[i].Pairs[j]
				if pr.ID != pairID {
					continue
				}
				attached := false
				for k := range pr.Sessions {
					if pr.Sessions[k].Number == session {
						pr.Sessions[k].Warnings = append(pr.Sessions[k].Warnings, d.Message)
						attached = true
					}
				}
				if !attached {
					pr.Warnings = append(pr.Warnings, d.Message)
				}
			}
		}
	}
}

// about reports whether d was found in the files of program p: its file
// lies in the program's directory, or, when no loaded program's directory
// can be told to hold it, the program has the pair at all. Diagnostics name
// files relative to the working directory, while a program's Dir is a path
// in the file system it was loaded from (absolute without the leading
// slash for a disk), so the file's directory is matched as a suffix.
func about(p *Program, progs []*schema.Program, d schema.Diagnostic) bool {
	dir := filepath.ToSlash(filepath.Clean(filepath.Dir(d.Pos.Filename)))
	matched := false
	for _, sp := range progs {
		pd := "/" + strings.TrimPrefix(filepath.ToSlash(filepath.Clean(sp.Dir)), "/")
		if dir != "." && !strings.HasPrefix(dir, "..") && strings.HasSuffix(pd, "/"+strings.TrimPrefix(dir, "/")) {
			if sp.ID == p.ID {
				return true
			}
			matched = true
		}
	}
	return !matched
}

// splitPath splits a diagnostic path such as pairs."a.b".sessions[3] into
// its segments, unquoting quoted ones and keeping indexes as numbers.
func splitPath(path string) []string {
	var segs []string
	for len(path) > 0 {
		switch path[0] {
		case '.':
			path = path[1:]
			continue
		case '"':
			end := 1
			for end < len(path) && (path[end] != '"' || path[end-1] == '\\') {
				end++
			}
			if end >= len(path) {
				return segs
			}
			s, err := strconv.Unquote(path[:end+1])
			if err != nil {
				return segs
			}
			segs = append(segs, s)
			path = path[end+1:]
			continue
		case '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return segs
			}
			segs = append(segs, path[1:end])
			path = path[end+1:]
			continue
		}
		end := strings.IndexAny(path, ".[")
		if end < 0 {
			end = len(path)
		}
		segs = append(segs, path[:end])
		path = path[end:]
	}
	return segs
}
