package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	tagged := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/rmctl/rmctl", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{
			{Key: "-trimpath", Value: "true"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-11-29T20:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	devel := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/rmctl/rmctl", Version: "(devel)"}}
	link := linkInfo{version: "v9.9.9", commit: "fedcba9876543210fedcba9876543210fedcba98", date: "2026-12-01T00:00:00Z"}
	tests := []struct {
		name     string
		bi       *debug.BuildInfo
		link     linkInfo
		wantText string
		wantJSON versionInfo
	}{
		{
			name:     "tagged build with VCS stamp",
			bi:       tagged,
			wantText: "rmctl v1.2.3 (commit 0123456789ab+modified, 2026-11-29T20:00:00Z) go1.26.8\n",
			wantJSON: versionInfo{Version: "v1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2026-11-29T20:00:00Z", Modified: true, GoVersion: "go1.26.8"},
		},
		{
			name:     "build info wins over link-time values",
			bi:       tagged,
			link:     link,
			wantText: "rmctl v1.2.3 (commit 0123456789ab+modified, 2026-11-29T20:00:00Z) go1.26.8\n",
			wantJSON: versionInfo{Version: "v1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2026-11-29T20:00:00Z", Modified: true, GoVersion: "go1.26.8"},
		},
		{
			name:     "source build without VCS",
			bi:       devel,
			wantText: "rmctl (devel) go1.26.8\n",
			wantJSON: versionInfo{Version: "(devel)", GoVersion: "go1.26.8"},
		},
		{
			name:     "release build: link-time values fill what build info lacks",
			bi:       devel,
			link:     link,
			wantText: "rmctl v9.9.9 (commit fedcba987654, 2026-12-01T00:00:00Z) go1.26.8\n",
			wantJSON: versionInfo{Version: "v9.9.9", Commit: link.commit, Date: link.date, GoVersion: "go1.26.8"},
		},
		{
			name:     "no build info",
			wantText: "rmctl (devel)\n",
			wantJSON: versionInfo{Version: "(devel)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := buildVersion(tt.bi, tt.link)
			if v != tt.wantJSON {
				t.Errorf("buildVersion = %+v, want %+v", v, tt.wantJSON)
			}
			var buf bytes.Buffer
			if err := v.writeText(&buf); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.wantText {
				t.Errorf("text = %q, want %q", buf.String(), tt.wantText)
			}
		})
	}
}

func TestVersionCmdOutput(t *testing.T) {
	a, out, _ := testApp()
	if code, err := execUnderRoot(t, a, newVersionCmd(a), "-o", "json"); code != 0 {
		t.Fatalf("version -o json: exit %d: %v", code, err)
	}
	var v versionInfo
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || v.Version == "" {
		t.Fatalf("version -o json = %q: %v", out.String(), err)
	}
	if code, _ := execUnderRoot(t, a, newVersionCmd(a), "-o", "yaml"); code != exitUsage {
		t.Errorf("-o yaml: exit %d, want %d", code, exitUsage)
	}
}

// A release build stamps the version with -ldflags -X; the binary must
// report it (the test build has no VCS stamp: go test builds with
// -buildvcs=auto, and .ci/run sets -buildvcs=false).
func TestVersionLinkTime(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "rmctl")
	ld := "-X main.version=v0.0.0-test -X main.commit=0123456789abcdef0123456789abcdef01234567 -X main.date=2026-11-29T20:00:00Z"
	build := exec.Command("go", "build", "-buildvcs=false", "-ldflags", ld, "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version", "-o", "json").Output()
	if err != nil {
		t.Fatalf("rmctl version -o json: %v", err)
	}
	var v versionInfo
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("rmctl version -o json = %q: %v", out, err)
	}
	want := versionInfo{Version: "v0.0.0-test", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2026-11-29T20:00:00Z", GoVersion: v.GoVersion}
	if v != want || v.GoVersion == "" {
		t.Errorf("version = %+v, want %+v", v, want)
	}
	text, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("rmctl version: %v", err)
	}
	if wantText := "rmctl v0.0.0-test (commit 0123456789ab, 2026-11-29T20:00:00Z) " + v.GoVersion + "\n"; string(text) != wantText {
		t.Errorf("rmctl version = %q, want %q", text, wantText)
	}
}

// A tagged build (what `go install …@vX.Y.Z` and the release workflow
// make) reports the tag and commit from the build info alone. The copy is
// built with the release script's flags, so after .ci/run's cross-build
// the packages come from the build cache and this takes seconds.
func TestVersionTaggedBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	files, err := exec.Command("git", "-C", "../..", "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	repo := t.TempDir()
	for _, f := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join("../..", f))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(repo, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.org", "GIT_COMMITTER_DATE=2026-11-29T20:00:00Z", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "release")
	git("tag", "v1.2.3")
	rev := git("rev-parse", "HEAD")

	bin := filepath.Join(t.TempDir(), "rmctl")
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=true", "-ldflags=-s -w", "-o", bin, "./cmd/rmctl")
	build.Dir = repo
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version", "-o", "json").Output()
	if err != nil {
		t.Fatalf("rmctl version -o json: %v", err)
	}
	var v versionInfo
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("rmctl version -o json = %q: %v", out, err)
	}
	want := versionInfo{Version: "v1.2.3", Commit: rev, Date: "2026-11-29T20:00:00Z", GoVersion: v.GoVersion}
	if v != want {
		t.Errorf("version = %+v, want %+v", v, want)
	}
}
