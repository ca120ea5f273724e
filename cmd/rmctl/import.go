package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rmctl/rmctl/engine/importcsv"
	"github.com/rmctl/rmctl/schema"
)

func newImportCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Bring data from other systems into the program's CUE files",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newImportPeopleCmd(a, nil))
	return cmd
}

type importPeopleOptions struct {
	app     *app
	CSV     string
	Map     string
	Out     string
	Package string
	Force   bool
}

func newImportPeopleCmd(a *app, runF func(*importPeopleOptions) error) *cobra.Command {
	opts := &importPeopleOptions{app: a}
	cmd := &cobra.Command{
		Use:   "people FILE.csv",
		Short: "Turn an HR export (CSV) into people.cue, merging with what is there",
		Long: `Import people reads a CSV export (comma or semicolon separated, with or
without a UTF-8 byte order mark, as Excel writes it) and writes the people in
it to people.cue, formatted as 'rmctl fmt' formats it.

Columns are found by their header: name, email, department, timezone,
language, manager, description, and common variants (Full Name, Mail, Org
Unit, TZ, ...); --map names them explicitly. Ids are the e-mail's local part,
made valid (lower case, umlauts spelled out) and unique. Managers may be
given by e-mail or by id.

A re-import merges by e-mail: people keep their ids, fields the export
gives are updated, hand-written fields and comments stay, and people no
longer in the export are reported as left but kept (they may be in pairs).

Rows without an e-mail, with a duplicate e-mail or an unknown manager are
reported with their line numbers; then nothing is written, unless --force
writes the good rows.`,
		Example: `  rmctl import people hr-export.csv -o programs/dl-2027/people.cue
  rmctl import people export.csv --map 'name=Full Name,email=Mail,department=Org Unit,manager=Manager Email,timezone=TZ'`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.CSV = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runImportPeople(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Map, "map", "", "column mapping: field=Header,... (fields: "+strings.Join(importcsv.Fields, ", ")+")")
	cmd.Flags().StringVarP(&opts.Out, "output", "o", "people.cue", "the people file to write (merged with it when it exists)")
	cmd.Flags().StringVar(&opts.Package, "package", "", "CUE package of a new file (default: that of the .cue files beside it)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "write the good rows even when some rows are bad")
	return cmd
}

var cuePackageRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func runImportPeople(opts *importPeopleOptions) error {
	s := opts.app.streams
	m, err := importcsv.ParseMapping(opts.Map)
	if err != nil {
		return &usageError{err}
	}
	f, err := os.Open(opts.CSV)
	if err != nil {
		return fmt.Errorf("import people: %w", err)
	}
	table, err := importcsv.Read(f, m)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", opts.CSV, err)
	}

	var pf *schema.PeopleFile
	var mode fs.FileMode = 0o644
	src, err := os.ReadFile(opts.Out)
	switch {
	case err == nil:
		if pf, err = schema.ParsePeopleFile(opts.Out, src); err != nil {
			return err
		}
		if fi, err := os.Stat(opts.Out); err == nil {
			mode = fi.Mode().Perm()
		}
	case errors.Is(err, fs.ErrNotExist):
		pkg := opts.Package
		if pkg == "" {
			if pkg, err = schema.PackageOf(filepath.Dir(opts.Out), opts.Out); err != nil {
				return err
			}
		}
		if pkg == "" {
			return usageErrorf("%s is new and no .cue file beside it names the package: pass --package NAME", opts.Out)
		}
		if !cuePackageRE.MatchString(pkg) {
			return usageErrorf("--package %q: not a CUE package name", pkg)
		}
		pf = schema.NewPeopleFile(opts.Out, pkg)
	default:
		return fmt.Errorf("import people: %w", err)
	}

	res := importcsv.Resolve(table, importcsv.ExistingIn(pf))
	for _, p := range res.Problems {
		fmt.Fprintf(s.ErrOut, "%s:%d: %s\n", opts.CSV, p.Line, p.Message)
	}
	if len(res.Problems) > 0 && !opts.Force {
		return fmt.Errorf("%d bad rows in %s; nothing was written (fix them, or pass --force to write the good rows)", len(res.Problems), opts.CSV)
	}
	c := importcsv.Merge(pf, res)
	out, err := pf.Bytes()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(opts.Out, out, mode); err != nil {
		return err
	}
	for _, id := range c.Added {
		fmt.Fprintf(s.Out, "+ %s\n", id)
	}
	for _, ch := range c.Changed {
		fmt.Fprintf(s.Out, "~ %s  %s\n", ch.ID, strings.Join(ch.Fields, ", "))
	}
	for _, id := range c.Left {
		fmt.Fprintf(s.Out, "- %s  not in the export (kept: remove them and their pairs by hand if they left)\n", id)
	}
	fmt.Fprintf(s.Out, "%s: %d added, %d changed, %d left, %d unchanged.\n", opts.Out, len(c.Added), len(c.Changed), len(c.Left), c.Unchanged)
	return nil
}

// writeFileAtomic replaces name with data, so an interrupted import never
// leaves half a people.cue.
func writeFileAtomic(name string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
