// Package schema owns rmctl's language: the CUE schema embedded in the
// binary, the Go types programs decode into, and Load, which reads program
// directories, applies the schema, runs the semantic checks that CUE is not
// good at (references, uniqueness, calendars across time zones) and returns
// the programs with every diagnostic found.
//
// It is the only package that imports CUE: the rest of rmctl sees plain Go
// values, so the engine can be tested without it.
package schema

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// Source is the embedded schema, printed by `rmctl schema`.
//
//go:embed schema.cue
var Source []byte

// schemaFile is the name schema positions carry; diagnostics never point there
// when a user position is available.
const schemaFile = "rmctl:schema.cue"

// topLevel are the fields a program package may declare.
var topLevel = []string{"program", "people", "pairs", "moved"}

// Loader loads program directories. A Loader holds one CUE context and may be
// reused for many loads, but not concurrently.
type Loader struct {
	ctx    *cue.Context
	schema cue.Value

	// LoadLocation resolves IANA time zone names; tests inject a fixed database.
	LoadLocation func(name string) (*time.Location, error)

	// Limits bound each program directory's loading (DefaultLimits by default).
	Limits Limits

	// Tags are the build tags set, like `cue -t`: a file whose @if(...)
	// condition is false for them is not part of its program.
	Tags []string

	// PeopleFile, when set, is a CUE file outside the repository whose
	// people join every program loaded (settings: peopleFile).
	PeopleFile string

	// plain checks people and pairs that are plain data without CUE
	// (loadplain.go); nil if the schema uses what it does not understand.
	plain *plainChecker
	// noPlain turns that off, for tests that compare both ways.
	noPlain bool

	// stopped is set when a load was abandoned mid-evaluation: the CUE
	// context is still in use by it, so the Loader must not be used again.
	stopped error
}

// NewLoader compiles the embedded schema once.
func NewLoader() (*Loader, error) {
	ctx := cuecontext.New()
	v := ctx.CompileBytes(Source, cue.Filename(schemaFile))
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("compiling embedded schema: %w", err)
	}
	// A schema the plain checker cannot compile is still a schema: every
	// load then goes through CUE alone (TestPlainCheckerCompiles keeps the
	// embedded one compilable).
	plain, _ := compilePlainChecker(Source)
	return &Loader{ctx: ctx, schema: v, plain: plain, LoadLocation: time.LoadLocation, Limits: DefaultLimits()}, nil
}

// Result is what Load found: the programs that decoded and every diagnostic.
// A program with errors is still returned when it decoded, so callers can
// show partial information; callers that act on programs must check
// Diagnostics.HasErrors first.
type Result struct {
	Programs    []*Program
	Diagnostics Diagnostics
}

// Load loads the program directories matched by patterns from the operating
// system's file system. A pattern is a directory or dir/... for every
// directory below dir that holds .cue files. File names in diagnostics are
// relative to the working directory when they lie below it.
//
// Files are read only inside the pattern's root: the enclosing git
// repository's work tree, or the pattern's directory outside git. A symlink
// that leads elsewhere, a file that is not regular (a FIFO, a device) or one
// larger than MaxFileSize is reported, not read.
func (l *Loader) Load(ctx context.Context, patterns ...string) (*Result, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("finding working directory: %w", err)
	}
	roots := map[string]*tree{}
	reqs := make([]request, 0, len(patterns))
	for _, p := range patterns {
		rec := strings.HasSuffix(p, "/...") || p == "..."
		dir := strings.TrimSuffix(strings.TrimSuffix(p, "..."), "/")
		if dir == "" {
			dir = "."
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(cwd, dir)
		}
		dir = filepath.Clean(dir)
		root := rootOf(dir)
		t, ok := roots[root]
		if !ok {
			r, err := os.OpenRoot(root)
			if err != nil {
				return nil, fmt.Errorf("opening %s: %w", root, err)
			}
			defer r.Close()
			t = &tree{fsys: rootFS{r}, display: displayBelow(cwd, root)}
			roots[root] = t
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return nil, fmt.Errorf("finding %s in %s: %w", dir, root, err)
		}
		a := filepath.ToSlash(rel)
		if rec {
			if a == "." {
				a = "..."
			} else {
				a += "/..."
			}
		}
		reqs = append(reqs, request{tree: t, pattern: a})
	}
	return l.load(ctx, reqs)
}

// rootOf returns the directory files below dir may be read from: the
// nearest enclosing directory holding .git, else dir itself. When dir is not
// a directory it is the nearest ancestor that is, so that the pattern is
// reported as missing rather than the root; nothing is read from it.
func rootOf(dir string) string {
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	for d := dir; ; {
		if info, err := os.Stat(d); err == nil && info.IsDir() {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return d
		}
		d = parent
	}
}

// displayBelow maps slash paths inside root to what the user reads: paths
// relative to cwd when below it, absolute otherwise.
func displayBelow(cwd, root string) func(string) string {
	return func(name string) string {
		full := filepath.Join(root, filepath.FromSlash(name))
		if rel, err := filepath.Rel(cwd, full); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return rel
		}
		return full
	}
}

// LoadFS loads programs from fsys, for example a git revision. Patterns and
// file names in diagnostics are slash-separated paths within fsys. Only
// regular files of at most MaxFileSize are read; keeping symlinks inside a
// root is fsys's part.
func (l *Loader) LoadFS(ctx context.Context, fsys fs.FS, patterns ...string) (*Result, error) {
	t := &tree{fsys: fsys, display: func(s string) string { return s }}
	reqs := make([]request, len(patterns))
	for i, p := range patterns {
		reqs[i] = request{tree: t, pattern: p}
	}
	return l.load(ctx, reqs)
}

// tree is a file system programs are loaded from and how its names are shown.
type tree struct {
	fsys    fs.FS
	display func(string) string
}

// request is one pattern within a tree.
type request struct {
	tree    *tree
	pattern string
}

func (l *Loader) load(ctx context.Context, reqs []request) (*Result, error) {
	res := &Result{}
	type progDir struct {
		tree *tree
		dir  string
	}
	var dirs []progDir
	seen := map[string]bool{}
	for _, r := range reqs {
		found, diag := expandPattern(r.tree.fsys, r.pattern, r.tree.display)
		if diag != nil {
			res.Diagnostics = append(res.Diagnostics, *diag)
		}
		for _, d := range found {
			if key := r.tree.display(d); !seen[key] {
				seen[key] = true
				dirs = append(dirs, progDir{r.tree, d})
			}
		}
	}
	for _, d := range dirs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		prog, diags, err := l.loadDirBounded(ctx, d.tree.fsys, d.dir, d.tree.display)
		if err != nil {
			return nil, err
		}
		res.Diagnostics = append(res.Diagnostics, diags...)
		if prog != nil {
			res.Programs = append(res.Programs, prog)
		}
	}
	res.Diagnostics = append(res.Diagnostics, checkAcross(res.Programs)...)
	res.Diagnostics.Sort()
	// Every diagnostic is made: let the CUE values and syntax go, so a plan
	// that follows does not carry (and garbage-collect around) them.
	for _, p := range res.Programs {
		p.src.release()
	}
	return res, nil
}

// loadDirBounded runs loadDir under Limits and ctx. CUE evaluation cannot
// be interrupted, so loadDir runs on its own goroutine and is abandoned when
// a limit is reached or ctx is done; the Loader is unusable afterwards.
func (l *Loader) loadDirBounded(ctx context.Context, fsys fs.FS, dir string, display func(string) string) (*Program, Diagnostics, error) {
	if l.stopped != nil {
		return nil, nil, fmt.Errorf("the loader was stopped by an earlier error: %w", l.stopped)
	}
	type result struct {
		prog     *Program
		diags    Diagnostics
		panicked bool
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			// No input may crash rmctl: a panic in CUE becomes an error
			// about the directory that caused it.
			if p := recover(); p != nil {
				r = result{diags: Diagnostics{{Severity: Error, Pos: Pos{Filename: display(dir)},
					Message: fmt.Sprintf("internal error while evaluating this program (please report it): %v", p)}}, panicked: true}
			}
			done <- r
		}()
		r.prog, r.diags = l.loadDir(fsys, dir, display)
	}()
	limit := l.Limits
	var timeout <-chan time.Time
	if limit.Time > 0 {
		t := time.NewTimer(limit.Time)
		defer t.Stop()
		timeout = t.C
	}
	var tick <-chan time.Time
	if limit.Heap > 0 {
		t := time.NewTicker(heapCheckEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case r := <-done:
			if r.panicked {
				// The CUE context may be left inconsistent.
				l.stopped = fmt.Errorf("%s: evaluation failed", display(dir))
			}
			return r.prog, r.diags, nil
		case <-ctx.Done():
			l.stopped = ctx.Err()
			return nil, nil, ctx.Err()
		case <-timeout:
			l.stopped = &LimitError{Dir: display(dir), Reason: fmt.Sprintf("the program took longer than %v to evaluate", limit.Time)}
			return nil, nil, l.stopped
		case <-tick:
			if n := heapInUse(); n > limit.Heap {
				l.stopped = &LimitError{Dir: display(dir), Reason: fmt.Sprintf("evaluating the program used more than %s of memory", formatBytes(limit.Heap))}
				return nil, nil, l.stopped
			}
		}
	}
}

// expandPattern turns one pattern into program directories.
func expandPattern(fsys fs.FS, pattern string, display func(string) string) ([]string, *Diagnostic) {
	rec := pattern == "..." || strings.HasSuffix(pattern, "/...")
	root := path.Clean(strings.TrimSuffix(strings.TrimSuffix(pattern, "..."), "/"))
	if root == "" {
		root = "."
	}
	fail := func(msg string) *Diagnostic {
		return &Diagnostic{Severity: Error, Pos: Pos{Filename: display(root)}, Message: msg}
	}
	info, err := fs.Stat(fsys, root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fail("no such directory")
	case err != nil:
		return nil, fail(fmt.Sprintf("cannot read: %v", explainStatError(fsys, root, err)))
	case !info.IsDir():
		return nil, fail("not a directory: give the program's directory, not a file")
	}
	if !rec {
		return []string{root}, nil
	}
	var dirs []string
	err = fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") || d.Name() == "testdata" || d.Name() == "cue.mod") {
			return fs.SkipDir
		}
		if files, _ := cueFiles(fsys, p); len(files) > 0 {
			dirs = append(dirs, p)
		}
		return nil
	})
	if err != nil {
		return nil, fail(fmt.Sprintf("cannot read: %v", trimPathError(err)))
	}
	if len(dirs) == 0 {
		return nil, fail("no programs found: no directory below holds .cue files")
	}
	return dirs, nil
}

func trimPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func cueFiles(fsys fs.FS, dir string) ([]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		// rmctl.cue holds settings, not program data: a program directory
		// may hold it too (rmctl init writes both side by side).
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".cue") && !strings.HasPrefix(e.Name(), ".") && e.Name() != SettingsFile {
			files = append(files, path.Join(dir, e.Name()))
		}
	}
	sort.Strings(files)
	return files, nil
}

// source keeps what diagnostics and schedules need after decoding: the user's
// own value (without the schema, so positions point into the user's files)
// and the resolved time zones.
type source struct {
	build func() cue.Value
	built *cue.Value
	// files are the user's parsed files: most positions are found in them
	// without evaluating anything (see Program.pos).
	files []*ast.File
	zones map[string]*time.Location
	dir   string
}

// release drops what only diagnostics need.
func (s *source) release() { s.build, s.built, s.files = nil, nil, nil }

// user returns the user's files evaluated without the schema, built on first
// use: only diagnostics need it.
func (s *source) user() cue.Value {
	if s.built == nil {
		v := s.build()
		s.built = &v
	}
	return *s.built
}

// build evaluates files (and the schema file, when given) as one package.
func (l *Loader) build(dir string, files []*ast.File, schema *ast.File) (cue.Value, error) {
	inst := build.NewContext().NewInstance(dir, nil)
	for _, f := range append(files[:len(files):len(files)], schema) {
		if f == nil {
			continue
		}
		if err := inst.AddSyntax(f); err != nil {
			return cue.Value{}, err
		}
	}
	v := l.ctx.BuildInstance(inst)
	return v, nil
}

// isEvalOnly reports whether err is an evaluation error that Validate will
// report field by field, rather than a build error (bad reference, import).
func isEvalOnly(err error) bool {
	for _, e := range cueerrors.Errors(err) {
		if len(e.Path()) == 0 {
			return false
		}
	}
	return true
}

// loadDir loads one program package.
func (l *Loader) loadDir(fsys fs.FS, dir string, display func(string) string) (*Program, Diagnostics) {
	dirPos := Pos{Filename: display(dir)}
	files, err := cueFiles(fsys, dir)
	if err != nil {
		return nil, Diagnostics{{Severity: Error, Pos: dirPos, Message: fmt.Sprintf("cannot read directory: %v", trimPathError(err))}}
	}
	if len(files) == 0 {
		return nil, Diagnostics{{Severity: Error, Pos: dirPos, Message: "no .cue files in this directory"}}
	}

	var diags Diagnostics
	var parsed []*ast.File
	tags := map[string]bool{}
	for _, t := range l.Tags {
		tags[t] = true
	}
	excluded := 0
	for _, name := range files {
		src, err := readSource(fsys, name)
		if err != nil {
			diags = append(diags, Diagnostic{Severity: Error, Pos: Pos{Filename: display(name)}, Message: fmt.Sprintf("cannot read file: %v", err)})
			continue
		}
		f, err := parser.ParseFile(display(name), src)
		if err != nil {
			diags = append(diags, fromCUE(err, noUser, l.schema)...)
			continue
		}
		if ok, d := buildTagsAllow(f, tags); d != nil {
			diags = append(diags, *d)
			continue
		} else if !ok {
			excluded++
			continue
		}
		diags = append(diags, guardFile(f)...)
		parsed = append(parsed, f)
	}
	if excluded == len(files) {
		return nil, Diagnostics{{Severity: Error, Pos: dirPos, Message: fmt.Sprintf("every .cue file here has an @if(...) condition that the build tags set (%s) do not meet; set tags with -t", tagList(l.Tags))}}
	}
	pkg, userFiles, pkgDiags := samePackage(parsed)
	diags = append(diags, pkgDiags...)
	if diags.HasErrors() {
		return nil, diags
	}
	if l.PeopleFile != "" {
		f, ds := l.peopleFileAST(pkg)
		if diags = append(diags, ds...); diags.HasErrors() {
			return nil, diags
		}
		userFiles = append(userFiles, f)
	}
	if !declares(userFiles, "program") {
		return nil, Diagnostics{{Severity: Error, Pos: Pos{Filename: display(files[0]), Line: 1, Column: 1},
			Message: "this package declares no program: every program directory needs a program: {...} block (see rmctl schema)"}}
	}
	src := &source{dir: display(dir), zones: map[string]*time.Location{}, files: userFiles}
	src.build = func() cue.Value {
		v, _ := l.build(display(dir), userFiles, nil)
		return v
	}

	// The schema joins the package as one more file, as it would for
	// `cue vet`: one evaluation instead of evaluating the user's files and
	// then unifying them with the schema, which costs twice the time.
	schemaAST, err := parser.ParseFile(schemaFile, []byte(replacePackage(string(Source), pkg)))
	if err != nil {
		return nil, Diagnostics{{Severity: Error, Pos: dirPos, Message: fmt.Sprintf("embedded schema: %v", err)}}
	}
	if p, ds, ok := l.loadPlain(display(dir), userFiles, schemaAST, src); ok {
		return p, append(diags, ds...)
	}
	v, err := l.build(display(dir), userFiles, schemaAST)
	if err != nil {
		return nil, placeDiagnostics(fromCUE(err, noUser, l.schema), userFiles)
	}
	if err := v.Err(); err != nil && !isEvalOnly(err) {
		return nil, placeDiagnostics(fromCUE(err, src.user, l.schema), userFiles)
	}
	diags = append(diags, checkTopLevel(v)...)
	if v.Validate(cue.Concrete(true)) != nil {
		return nil, append(diags, l.invalid(v, src, userFiles, nil)...)
	}

	var raw rawModel
	if err := decodeModel(v, userFiles, &raw.Program, &raw.People, &raw.Pairs, &raw.Moved); err != nil {
		return nil, append(diags, placeDiagnostics(fromCUE(err, src.user, l.schema), userFiles)...)
	}
	p := raw.program(display(dir), src)
	p.peopleFile = l.PeopleFile
	diags = append(diags, l.check(p, nil)...)
	return p, diags
}

// invalid reports everything wrong with a package v that failed the
// schema. plain, when not nil, holds entries of people and pairs that were
// checked without CUE (loadplain.go) and so are not part of v.
func (l *Loader) invalid(v cue.Value, src *source, files []*ast.File, plain *rawModel) Diagnostics {
	// CUE drops "incomplete" errors (missing fields) from a result that
	// also holds conflicts, so one pass would hide some problems until
	// the others are fixed. Descending into the failing parts finds all.
	var errs []cueerrors.Error
	collectErrors(v, &errs)
	diags := placeDiagnostics(fromCUEList(errs, src.user, l.schema), files)
	// Check what did decode, so one run shows every problem (partial.go);
	// the program itself is not returned: it is incomplete.
	raw := decodePartial(v)
	if plain != nil {
		raw.People = mergeEntries(raw.People, plain.People)
		raw.Pairs = mergeEntries(raw.Pairs, plain.Pairs)
	}
	p := raw.program(src.dir, src)
	return append(diags, l.check(p, newShapeErrors(errs))...)
}

func mergeEntries[T any](into, from map[string]T) map[string]T {
	if into == nil {
		into = make(map[string]T, len(from))
	}
	for k, x := range from {
		into[k] = x
	}
	return into
}

// rawModel is a package's top-level fields as decoded.
type rawModel struct {
	Program Program           `json:"program"`
	People  map[string]Person `json:"people"`
	Pairs   map[string]Pair   `json:"pairs"`
	Moved   []Moved           `json:"moved"`
}

// program assembles the decoded parts into one Program.
func (raw *rawModel) program(dir string, src *source) *Program {
	p := &raw.Program
	p.Dir = dir
	p.People, p.Pairs, p.Moved = raw.People, raw.Pairs, raw.Moved
	if p.People == nil {
		p.People = map[string]Person{}
	}
	if p.Pairs == nil {
		p.Pairs = map[string]Pair{}
	}
	p.EventIDs = sortedKeys(p.Events)
	p.TutorialIDs = sortedKeys(p.Tutorials)
	p.PersonIDs = sortedKeys(p.People)
	p.PairIDs = sortedKeys(p.Pairs)
	p.src = src
	return p
}

func tagList(tags []string) string {
	if len(tags) == 0 {
		return "none"
	}
	return strings.Join(tags, ", ")
}

// decodeModel decodes a validated package. People and pairs come from the
// syntax when they are plain data (see fastdecode.go), the rest through CUE.
func decodeModel(v cue.Value, files []*ast.File, prog *Program, people *map[string]Person, pairs *map[string]Pair, moved *[]Moved) error {
	for _, part := range []struct {
		name string
		into any
	}{{"program", prog}, {"moved", moved}} {
		if err := v.LookupPath(cue.ParsePath(part.name)).Decode(part.into); err != nil {
			return err
		}
	}
	if data, ok := literalData(files, "people"); ok {
		if m, ok := decodeLiteral[Person](data); ok {
			*people = m
		}
	}
	if *people == nil {
		if err := v.LookupPath(cue.ParsePath("people")).Decode(people); err != nil {
			return err
		}
	}
	if data, viaCUE, ok := literalEntries(files, "pairs"); ok {
		if m, ok := decodeLiteral[Pair](data); ok {
			for id, p := range m {
				// The schema's defaults below pairs that plain data
				// leaves out; TestFastDecodeMatchesCUE guards them.
				if p.Status == "" {
					p.Status = StatusActive
				}
				for i := range p.Plan {
					p.Plan[i] = planDefaults(p.Plan[i])
				}
				m[id] = p
			}
			for id := range viaCUE {
				var pair Pair
				if err := v.LookupPath(cue.MakePath(cue.Str("pairs"), cue.Str(id))).Decode(&pair); err != nil {
					return err
				}
				m[id] = pair
			}
			*pairs = m
		}
	}
	if *pairs == nil {
		if err := v.LookupPath(cue.ParsePath("pairs")).Decode(pairs); err != nil {
			return err
		}
	}
	return nil
}

// declares reports whether any file declares the top-level field name.
func declares(files []*ast.File, name string) bool {
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.Field); ok {
				if n, ok := labelName(fd); ok && n == name {
					return true
				}
			}
			if _, ok := d.(*ast.EmbedDecl); ok {
				return true // an embedding may supply it: let CUE decide
			}
		}
	}
	return false
}

// replacePackage gives the schema the user's package clause, so it can join
// their package as one more file.
func replacePackage(schema, pkg string) string {
	return strings.Replace(schema, "\npackage rmctl\n", "\npackage "+pkg+"\n", 1)
}

// samePackage picks the package most files declare (the first file's on a
// tie) and reports the files that differ, so one stray file is blamed rather
// than all the others.
func samePackage(files []*ast.File) (string, []*ast.File, Diagnostics) {
	count := map[string]int{}
	best := ""
	for _, f := range files {
		count[f.PackageName()]++
	}
	for i, f := range files {
		if n := f.PackageName(); i == 0 || count[n] > count[best] {
			best = n
		}
	}
	var ok []*ast.File
	var diags Diagnostics
	var example string
	for _, f := range files {
		if f.PackageName() == best {
			ok = append(ok, f)
			if example == "" {
				example = f.Filename
			}
		}
	}
	for _, f := range files {
		if n := f.PackageName(); n != best {
			diags = append(diags, Diagnostic{Severity: Error, Pos: packagePos(f, f.Filename),
				Message: fmt.Sprintf("package %q differs from package %q in %s: all files of a program share one package", n, best, example)})
		}
	}
	return best, ok, diags
}

func packagePos(f *ast.File, name string) Pos {
	for _, d := range f.Decls {
		if pc, ok := d.(*ast.Package); ok {
			return toPos(pc.Name.Pos())
		}
	}
	return Pos{Filename: name, Line: 1, Column: 1}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkTopLevel reports fields the schema does not know at the top of a
// package. The schema's own top level stays open so `cue vet` can use it
// with a user's package; this check closes it for rmctl.
func checkTopLevel(user cue.Value) Diagnostics {
	it, err := user.Fields()
	if err != nil {
		return nil
	}
	var diags Diagnostics
	for it.Next() {
		name := it.Selector().String()
		if !contains(topLevel, name) {
			diags = append(diags, Diagnostic{Severity: Error, Pos: toPos(it.Value().Pos()), Path: name,
				Message: unknownFieldMessage(name, topLevel)})
		}
	}
	return diags
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pos returns the position of a field in the user's files, walking up to the
// nearest ancestor that exists when the field itself is missing.
func (p *Program) pos(segs ...string) Pos {
	if p.src == nil {
		return Pos{}
	}
	if p.src.build == nil && p.src.built == nil {
		return Pos{Filename: p.src.dir}
	}
	// A path of field names is found in the syntax. Evaluating the user's
	// files without the schema, to ask CUE, cost 0.6 s and 90 MB for one
	// warning at 10,000 pairs; paths into lists still do that.
	if p.src.files != nil && !slices.ContainsFunc(segs, func(s string) bool { _, ok := indexSeg(s); return ok }) {
		if pos, ok := fieldPos(p.src.files, segs); ok {
			return pos
		}
	}
	for n := len(segs); n > 0; n-- {
		sels := make([]cue.Selector, n)
		for i, s := range segs[:n] {
			if idx, ok := indexSeg(s); ok {
				sels[i] = cue.Index(idx)
			} else {
				sels[i] = cue.Str(s)
			}
		}
		if v := p.src.user().LookupPath(cue.MakePath(sels...)); v.Exists() {
			if pos := toPos(v.Pos()); pos.Line > 0 {
				return pos
			}
		}
	}
	return Pos{Filename: p.src.dir}
}

// Index returns the path segment for a list index, shown as [i].
func Index(i int) string { return "[" + strconv.Itoa(i) + "]" }

func indexSeg(s string) (int, bool) {
	if len(s) < 3 || s[0] != '[' || s[len(s)-1] != ']' {
		return 0, false
	}
	i, err := strconv.Atoi(s[1 : len(s)-1])
	return i, err == nil
}

func toPos(p token.Pos) Pos {
	if !p.IsValid() {
		return Pos{}
	}
	return Pos{Filename: p.Filename(), Line: p.Line(), Column: p.Column(), Offset: p.Offset()}
}

// collectErrors validates v and, where it fails, each of its children, so
// every leaf error is found. Only failing subtrees are revisited.
func collectErrors(v cue.Value, out *[]cueerrors.Error) {
	err := v.Validate(cue.Concrete(true))
	if err == nil {
		return
	}
	// A struct's own error repeats its children's, so report the children
	// and fall back to the parent's error only when none of them failed.
	n := len(*out)
	if it, ierr := v.Fields(); ierr == nil {
		for it.Next() {
			collectErrors(it.Value(), out)
		}
	} else if it, ierr := v.List(); ierr == nil {
		for it.Next() {
			collectErrors(it.Value(), out)
		}
	}
	if len(*out) == n {
		for _, e := range cueerrors.Errors(err) {
			*out = append(*out, pathInto(e, v))
		}
	}
}

// pathInto gives an error the path of the value it was found in when CUE
// reports it by the schema definition that failed (#Contact.email for a
// missing program.organizer.email), which names no field of the user's.
func pathInto(e cueerrors.Error, v cue.Value) cueerrors.Error {
	p := e.Path()
	if len(p) == 0 || !strings.HasPrefix(p[0], "#") {
		return e
	}
	var at []string
	for _, sel := range v.Path().Selectors() {
		at = append(at, sel.String())
	}
	if len(at) == 0 {
		return e
	}
	// The definition's own name is replaced by where it is used; v is
	// usually the failing field itself, whose path already ends in the rest.
	rest := p[1:]
	if len(at) >= len(rest) && slices.Equal(at[len(at)-len(rest):], rest) {
		rest = nil
	}
	return pathedError{err: e, path: append(at, rest...)}
}

// pathedError is a CUE error with another path.
type pathedError struct {
	err  cueerrors.Error
	path []string
}

func (e pathedError) Path() []string                   { return e.path }
func (e pathedError) Error() string                    { return e.err.Error() }
func (e pathedError) Position() token.Pos              { return e.err.Position() }
func (e pathedError) InputPositions() []token.Pos      { return e.err.InputPositions() }
func (e pathedError) Msg() (format string, args []any) { return e.err.Msg() }

// placeDiagnostics gives diagnostics that CUE reported without a position
// (a structural cycle in a hidden field, an error on a definition) the
// nearest one in the user's files: the field the path names, or its nearest
// declared ancestor, or the start of the first file.
func placeDiagnostics(diags Diagnostics, files []*ast.File) Diagnostics {
	for i, d := range diags {
		if d.Message == "structural cycle" {
			diags[i].Message = "structural cycle: this value contains itself (a field refers to one of its own parents), so it would be infinitely deep"
		}
		if d.Pos.Line > 0 || len(files) == 0 {
			continue
		}
		if p, ok := fieldPos(files, splitPath(d.Path)); ok {
			diags[i].Pos = p
		} else {
			diags[i].Pos = packagePos(files[0], files[0].Filename)
		}
	}
	return diags
}

// splitPath undoes FormatPath well enough to find fields: ids are split at
// dots outside quotes and list indices are dropped.
func splitPath(p string) []string {
	var segs []string
	var cur strings.Builder
	quoted := false
	for _, r := range p {
		switch {
		case r == '"':
			quoted = !quoted
		case r == '.' && !quoted:
			segs = append(segs, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	segs = append(segs, cur.String())
	for i, s := range segs {
		if j := strings.IndexByte(s, '['); j >= 0 && !strings.HasPrefix(s, "[") {
			segs[i] = s[:j]
		}
	}
	return segs
}

// anyLabel is a field's name, hidden and definition names included.
func anyLabel(f *ast.Field) (string, bool) {
	if id, ok := f.Label.(*ast.Ident); ok {
		return id.Name, true
	}
	return labelName(f)
}

// fieldPos finds the deepest declared field along segs in the files' syntax.
func fieldPos(files []*ast.File, segs []string) (Pos, bool) {
	var best Pos
	depth := 0
	for _, f := range files {
		decls := f.Decls
		for i, seg := range segs {
			var next []ast.Decl
			for _, d := range decls {
				fd, ok := d.(*ast.Field)
				if !ok {
					continue
				}
				if n, ok := anyLabel(fd); !ok || n != seg {
					continue
				}
				if i+1 > depth {
					best, depth = toPos(fd.Pos()), i+1
				}
				if st, ok := fd.Value.(*ast.StructLit); ok {
					next = append(next, st.Elts...)
				}
			}
			if next == nil {
				break
			}
			decls = next
		}
	}
	return best, depth > 0 && best.Line > 0
}

// fromCUE turns CUE errors into diagnostics, preferring positions in the
// user's files over positions in the schema, and rewording CUE's messages.
// user returns the user's files evaluated without the schema; only some
// messages need it, and building it costs as much as a load, so it is
// asked for only then (source.user caches it).
func fromCUE(err error, user func() cue.Value, schema cue.Value) Diagnostics {
	return fromCUEList(cueerrors.Errors(err), user, schema)
}

func fromCUEList(errs []cueerrors.Error, user func() cue.Value, schema cue.Value) Diagnostics {
	// CUE reports one error per failed branch of a disjunction; group them by
	// field so the user reads one sentence per field.
	type group struct {
		path []string
		pos  Pos
		msgs []string
	}
	var order []string
	groups := map[string]*group{}
	for _, e := range errs {
		key := strings.Join(e.Path(), "\x00")
		g, ok := groups[key]
		if !ok {
			g = &group{path: e.Path()}
			groups[key] = g
			order = append(order, key)
		}
		if p := userPos(e); p.Line > 0 && (g.pos.Line == 0 || p.Offset > g.pos.Offset) {
			g.pos = p
		}
		f, args := e.Msg()
		g.msgs = append(g.msgs, fmt.Sprintf(f, args...))
	}
	var diags Diagnostics
	for _, key := range order {
		g := groups[key]
		d := Diagnostic{Severity: Error, Path: cuePath(g.path), Pos: g.pos}
		d.Message = humanize(g.path, g.msgs, user, schema)
		if d.Pos.Line == 0 && user().Exists() {
			d.Pos = lookupPos(user(), g.path)
		}
		diags = append(diags, d)
	}
	return diags
}

func userPos(e cueerrors.Error) Pos {
	var best Pos
	for _, p := range append([]token.Pos{e.Position()}, e.InputPositions()...) {
		if !p.IsValid() || p.Filename() == schemaFile || p.Filename() == settingsSchemaFile {
			continue
		}
		// The last user position is usually the value at fault, the first
		// one can be the reference that led there.
		best = toPos(p)
	}
	return best
}

// noUser is the user value when there is none to ask.
func noUser() cue.Value { return cue.Value{} }

// lookupPos finds the nearest existing ancestor of a path in the user's value.
func lookupPos(user cue.Value, segs []string) Pos {
	for n := len(segs); n > 0; n-- {
		p := cue.ParsePath(strings.Join(segs[:n], "."))
		if p.Err() != nil {
			continue
		}
		if v := user.LookupPath(p); v.Exists() {
			if pos := toPos(v.Pos()); pos.Line > 0 {
				return pos
			}
		}
	}
	return Pos{}
}

// cuePath converts CUE's path segments (quoted where needed) to FormatPath form.
func cuePath(segs []string) string {
	out := make([]string, len(segs))
	for i, s := range segs {
		if u, err := strconv.Unquote(s); err == nil {
			s = u
		} else if _, err := strconv.Atoi(s); err == nil {
			s = "[" + s + "]" // CUE prints list indices unquoted, keys like "3" quoted
		}
		out[i] = s
	}
	return FormatPath(out...)
}
