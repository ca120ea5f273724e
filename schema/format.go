package schema

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
)

// FormatResult lists the files that were (or, without write, would be)
// reformatted, and files that could not be parsed.
type FormatResult struct {
	Changed     []string
	Diagnostics Diagnostics
}

// Format formats the .cue files named by paths (files, directories, or
// dir/... for a whole tree) in CUE's canonical style. With write false it
// only reports which files differ.
func Format(paths []string, write bool) (*FormatResult, error) {
	files, err := collectCUEFiles(paths)
	if err != nil {
		return nil, err
	}
	res := &FormatResult{}
	for _, name := range files {
		src, err := readLocalFile(name)
		if err != nil {
			return nil, fmt.Errorf("fmt: %w", err)
		}
		f, err := parser.ParseFile(name, src, parser.ParseComments)
		if err != nil {
			res.Diagnostics = append(res.Diagnostics, fromCUE(err, noUser, cue.Value{})...)
			continue
		}
		out, err := format.Node(f, format.Simplify())
		if err != nil {
			res.Diagnostics = append(res.Diagnostics, fromCUE(err, noUser, cue.Value{})...)
			continue
		}
		if bytes.Equal(src, out) {
			continue
		}
		res.Changed = append(res.Changed, name)
		if write {
			if err := writeFileKeepMode(name, out); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

func writeFileKeepMode(name string, data []byte) error {
	fi, err := os.Stat(name)
	if err != nil {
		return fmt.Errorf("formatting %s: %w", name, err)
	}
	tmp := name + ".rmctl-fmt"
	if err := os.WriteFile(tmp, data, fi.Mode().Perm()); err != nil {
		return fmt.Errorf("formatting %s: %w", name, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("formatting %s: %w", name, err)
	}
	return nil
}

func collectCUEFiles(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var files []string
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	for _, p := range paths {
		rec := p == "..." || strings.HasSuffix(p, "/...")
		root := filepath.Clean(strings.TrimSuffix(strings.TrimSuffix(p, "..."), "/"))
		if root == "" {
			root = "."
		}
		fi, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("fmt: %w", err)
		}
		if !fi.IsDir() {
			add(root)
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != root && (!rec || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") || d.Name() == "testdata") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(path, ".cue") {
				add(path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("fmt: %w", err)
		}
	}
	sort.Strings(files)
	return files, nil
}
