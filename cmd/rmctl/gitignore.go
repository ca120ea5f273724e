package main

import (
	"fmt"
	"path/filepath"

	"github.com/rmctl/rmctl/engine/gitrepo"
)

// warnStateExposed warns, once per command, when the state folder (and an
// outbox folder) lies in a git work tree without being ignored: it holds
// every participant's e-mail address, and `git add -A` would commit it.
// Outside git, or when git cannot be read, it says nothing: the check is
// advice, not a condition for planning.
func (a *app) warnStateExposed(ws *workspace) {
	s := ws.settings
	dirs := []string{filepath.Dir(s.Path(s.State.Path))}
	if s.Target.Kind == "outbox" && s.Target.Dir != "" {
		dirs = append(dirs, s.Path(s.Target.Dir))
	}
	repo, err := gitrepo.Open(s.Dir)
	if err != nil {
		return
	}
	defer repo.Close()
	for _, dir := range dirs {
		exposed, err := repo.Exposed(dir, true)
		if err != nil || !exposed {
			continue
		}
		rel, err := filepath.Rel(repo.Root(), dir)
		if err != nil {
			rel = dir
		}
		rel = filepath.ToSlash(rel) + "/"
		fmt.Fprintf(a.streams.ErrOut, "rmctl: warning: %s is not ignored by git, and it holds every participant's e-mail address: add %q to .gitignore so that `git add -A` does not commit it\n", rel, rel)
		return
	}
}
