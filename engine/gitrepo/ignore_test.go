package gitrepo

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestExposed checks Exposed against the ignore rules git applies: root and
// nested .gitignore files, info/exclude, a directory pattern hiding a
// folder that does not exist yet, negation, and tracked files, which no
// rule hides.
func TestExposed(t *testing.T) {
	isolate(t)
	dir, _ := initRepo(t)
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	open := func() *Repo {
		t.Helper()
		r, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	check := func(r *Repo, path string, isDir, want bool) {
		t.Helper()
		got, err := r.Exposed(filepath.Join(dir, filepath.FromSlash(path)), isDir)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("Exposed(%s) = %v, want %v", path, got, want)
		}
		// And git agrees, for paths inside the work tree.
		if _, err := exec.LookPath("git"); err == nil && filepath.IsLocal(path) {
			arg := path
			if isDir {
				arg += "/"
			}
			cmd := exec.Command("git", "check-ignore", "-q", arg)
			cmd.Dir = dir
			err := cmd.Run()
			var ee *exec.ExitError
			switch {
			case err != nil && !errors.As(err, &ee):
				t.Fatalf("git check-ignore: %v", err)
			case err != nil && ee.ExitCode() != 1:
				t.Fatalf("git check-ignore %s: %v", arg, err)
			case (err == nil) == want: // exit 0: ignored
				t.Errorf("git check-ignore %s: ignored = %v, but Exposed = %v", arg, err == nil, want)
			}
		}
	}

	r := open()
	check(r, ".rmctl", true, true) // nothing ignores it, and it does not exist yet
	check(r, ".rmctl/state.json", false, true)
	check(r, "../elsewhere/.rmctl", true, false)

	write(".gitignore", "# rmctl's state\n.rmctl/\n")
	r = open()
	check(r, ".rmctl", true, false)
	check(r, ".rmctl/state.json", false, false)
	check(r, "programs/x/.rmctl", true, false) // a slash only at the end: it matches at any depth
	write(".gitignore", "/.rmctl/\n")
	r = open()
	check(r, "programs/x/.rmctl", true, true)
	write("programs/x/.gitignore", ".rmctl/\n")
	r = open()
	check(r, "programs/x/.rmctl/outbox", true, false)

	// A file pattern does not hide a directory of that name.
	write(".gitignore", "state.json\n")
	r = open()
	check(r, ".rmctl", true, true)
	check(r, ".rmctl/state.json", false, false)

	// info/exclude counts like .gitignore.
	write(".gitignore", "")
	write(".git/info/exclude", ".rmctl\n")
	r = open()
	check(r, ".rmctl", true, false)

	// A tracked file is exposed whatever the rules say.
	write(".rmctl/state.json", "{}")
	gitCLI(t, dir, "add", "-f", ".rmctl/state.json")
	r = open()
	check(r, ".rmctl/state.json", false, true)
	check(r, ".rmctl", true, true)
	if out := gitCLI(t, dir, "status", "--porcelain", "--ignored"); out == "" {
		t.Error("git status shows nothing")
	}
}
