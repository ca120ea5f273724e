package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestInstallRelease runs the script action.yml uses for version: vX.Y.Z
// against a release folder served as file://: it installs the archive
// for this machine only when the archive matches its SHA256SUMS line.
func TestInstallRelease(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("the script runs on the Linux and macOS runners here; Windows runners use the same code path with unzip")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	script, err := filepath.Abs("../../.github/scripts/install-release.sh")
	if err != nil {
		t.Fatal(err)
	}
	const version = "v1.2.3"
	archive := fmt.Sprintf("rmctl_%s_%s_%s.tar.gz", version, runtime.GOOS, runtime.GOARCH)
	good := tarGz(t, "rmctl", "#!/bin/sh\necho fake rmctl \"$@\"\n")
	sum := func(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

	tests := []struct {
		name     string
		version  string
		served   []byte // the archive the "server" has
		sums     string // its SHA256SUMS
		wantCode int
		wantErr  string
	}{
		{name: "matching checksum", version: version, served: good, sums: sum(good) + "  " + archive + "\n"},
		{
			name: "archive differs from SHA256SUMS", version: version,
			served:   append(bytes.Clone(good), 0),
			sums:     sum(good) + "  " + archive + "\n",
			wantCode: 1, wantErr: "checksum mismatch",
		},
		{
			// Only a longer name contains the archive's name: no match.
			name: "no line for this archive", version: version, served: good,
			sums:     sum(good) + "  x" + archive + "\n",
			wantCode: 1, wantErr: "no checksum for " + archive,
		},
		{name: "not a release tag", version: "latest", served: good, wantCode: 2, wantErr: "vX.Y.Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			rel := filepath.Join(base, version)
			if err := os.MkdirAll(rel, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(rel, archive), tt.served, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(rel, "SHA256SUMS"), []byte(tt.sums), 0o644); err != nil {
				t.Fatal(err)
			}
			dest := filepath.Join(t.TempDir(), "bin")
			cmd := exec.Command("bash", script, tt.version, dest)
			cmd.Env = append(os.Environ(), "RMCTL_RELEASE_BASE=file://"+base)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr.String(), tt.wantCode, tt.wantErr)
			}
			installed := filepath.Join(dest, "rmctl")
			if tt.wantCode != 0 {
				if _, err := os.Stat(installed); !os.IsNotExist(err) {
					t.Errorf("failed install left %s (stat: %v)", installed, err)
				}
				return
			}
			out, err := exec.Command(installed, "version").Output()
			if err != nil || string(out) != "fake rmctl version\n" {
				t.Errorf("installed rmctl version = %q, %v", out, err)
			}
		})
	}
}

// tarGz returns a gzipped tar holding one executable file.
func tarGz(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(content))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
