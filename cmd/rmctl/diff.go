package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/rmctl/rmctl/engine/diff"
	"github.com/rmctl/rmctl/engine/gitrepo"
	"github.com/rmctl/rmctl/engine/view"
)

type diffOptions struct {
	app    *app
	Base   string
	Head   string
	Paths  []string
	Output string
	planFlags
}

func newDiffCmd(a *app, runF func(*diffOptions) error) *cobra.Command {
	opts := &diffOptions{app: a}
	cmd := &cobra.Command{
		Use:   "diff [BASE [HEAD]]",
		Short: "Show what a change to the programs means for people and their calendars",
		Long: `Diff loads the programs at two revisions straight from git (no checkout)
and shows what changed in people, pairs, events, the session plan and
tutorials, and what that means: which invitations would be sent, moved or
cancelled, per person.

BASE defaults to the merge base of HEAD with the default branch
(origin/HEAD, main or master); HEAD defaults to the working tree.`,
		Example: `  rmctl diff                   # this branch against where it left main
  rmctl diff origin/main
  rmctl diff HEAD~3 HEAD -o markdown`,
		Args: usageArgs(cobra.MaximumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Base = args[0]
			}
			if len(args) > 1 {
				opts.Head = args[1]
			}
			if err := outputFormat(opts.Output, "text", "json", "markdown"); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runDiff(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: text, json or markdown")
	cmd.Flags().StringArrayVar(&opts.Paths, "path", []string{"programs/..."}, "program directories to compare, relative to the current directory (repeatable)")
	opts.loadFlags.register(cmd)
	cmd.Flags().StringVar(&opts.Now, "now", "", "as if it were this time; sessions before it count as past")
	return cmd
}

func runDiff(ctx context.Context, opts *diffOptions) error {
	a := opts.app
	now, err := opts.planFlags.now(a)
	if err != nil {
		return err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	repo, err := gitrepo.Open(cwd)
	if err != nil {
		return err
	}
	defer repo.Close()
	patterns, err := repoPatterns(repo.Root(), cwd, opts.Paths)
	if err != nil {
		return err
	}

	headHash := plumbing.ZeroHash
	if opts.Head != "" {
		if headHash, err = repo.Resolve(opts.Head); err != nil {
			return err
		}
	}
	baseRev := opts.Base
	var baseHash plumbing.Hash
	if baseRev == "" {
		def, err := repo.DefaultBranch()
		if err != nil {
			return fmt.Errorf("finding what to compare with: %w; name a base revision", err)
		}
		defHash, err := repo.Resolve(def)
		if err != nil {
			return err
		}
		tip := headHash
		if tip.IsZero() {
			if tip, err = repo.Resolve("HEAD"); err != nil {
				return err
			}
		}
		if baseHash, err = repo.MergeBase(defHash, tip); err != nil {
			return err
		}
		baseRev = "merge base with " + def
	} else if baseHash, err = repo.Resolve(baseRev); err != nil {
		return err
	}

	headLabel := opts.Head
	if headLabel == "" {
		headLabel = "working tree"
	}
	// Both sides load at once, each with its own loader (a CUE context is
	// not shared between goroutines): a diff takes about one validate's
	// time per core rather than two in a row.
	// The people file lies outside the repository: both sides read the
	// working copy, and the output says so.
	peopleFile, err := a.settingsPeopleFile(ctx)
	if err != nil {
		return err
	}
	lf := loadFlags{Tags: opts.Tags, peopleFile: peopleFile}
	var base, head *diff.Side
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		base, err = loadSide(gctx, repo, baseRev, baseHash, patterns, lf)
		return err
	})
	g.Go(func() (err error) {
		head, err = loadSide(gctx, repo, headLabel, headHash, patterns, lf)
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}

	r := diff.Compare(base, head, now)
	if peopleFile != "" {
		r.Notes = append(r.Notes, fmt.Sprintf("People come from %s (settings: peopleFile), outside the repository: both sides read its current version, so changes to it do not show here.", peopleFile))
	}
	s := a.streams
	shown := r
	if a.redacting(opts.Output) {
		shown = a.people.Diff(r)
	}
	switch opts.Output {
	case "json":
		err = view.DiffJSON(s.Out, shown)
	case "markdown":
		err = view.DiffMarkdown(s.Out, shown)
	default:
		view.DiffText(s.Out, shown, s.Color())
	}
	if err != nil {
		return err
	}
	if !head.Valid() {
		return &silentError{exitError}
	}
	return nil
}

// loadSide loads the programs of one revision (the working tree for a zero
// hash). A pattern whose directory does not exist at that revision simply
// contributes no programs: a program that is added or deleted is a change,
// not an error.
func loadSide(ctx context.Context, repo *gitrepo.Repo, label string, h plumbing.Hash, patterns []string, lf loadFlags) (*diff.Side, error) {
	l, err := lf.newLoader()
	if err != nil {
		return nil, err
	}
	side := &diff.Side{Label: label}
	fsys := repo.WorkTree()
	if !h.IsZero() {
		t, err := repo.Tree(h)
		if err != nil {
			return nil, err
		}
		fsys = t
		if info, err := repo.CommitInfo(h); err == nil {
			side.Commit, side.Subject = info.Hash, info.Subject
		}
	}
	var present []string
	for _, p := range patterns {
		root := strings.TrimSuffix(strings.TrimSuffix(p, "..."), "/")
		if root == "" {
			root = "."
		}
		if _, err := fs.Stat(fsys, root); err == nil {
			present = append(present, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("reading %s at %s: %w", root, label, err)
		}
	}
	if len(present) == 0 {
		return side, nil
	}
	res, err := l.LoadFS(ctx, fsys, present...)
	if err != nil {
		return nil, err
	}
	// "no programs found" under an existing but emptied directory is not a
	// validation error of the revision.
	for _, d := range res.Diagnostics {
		if d.Path == "" && d.Pos.Line == 0 && strings.HasPrefix(d.Message, "no programs found") {
			continue
		}
		side.Diagnostics = append(side.Diagnostics, d)
	}
	side.Programs = res.Programs
	return side, nil
}

// repoPatterns turns patterns relative to the working directory into
// slash-separated patterns relative to the repository root.
func repoPatterns(root, cwd string, patterns []string) ([]string, error) {
	out := make([]string, 0, len(patterns))
	for _, p := range patterns {
		rec := p == "..." || strings.HasSuffix(p, "/...")
		dir := strings.TrimSuffix(strings.TrimSuffix(p, "..."), "/")
		if dir == "" {
			dir = "."
		}
		abs := dir
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(cwd, dir)
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil || strings.HasPrefix(rel, "..") {
			return nil, usageErrorf("--path %s lies outside the repository %s", p, root)
		}
		rel = path.Clean(filepath.ToSlash(rel))
		if rec {
			if rel == "." {
				rel = "..."
			} else {
				rel += "/..."
			}
		}
		out = append(out, rel)
	}
	return out, nil
}
