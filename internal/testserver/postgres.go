package testserver

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a PostgreSQL server of one test package, started on the
// first Database call in a temporary folder on 127.0.0.1 and stopped by
// Stop (from TestMain). Each test gets a database of its own. The zero
// value is ready to use:
//
//	var pg testserver.Postgres
//
//	func TestMain(m *testing.M) { code := m.Run(); pg.Stop(); os.Exit(code) }
//
// initdb refuses to run as root: as root, the server runs as the Debian
// user postgres, which owns the folder.
type Postgres struct {
	mu      sync.Mutex
	started bool
	err     error  // why the server could not start
	missing string // what is not installed
	bin     string // PostgreSQL's bin directory
	dir     string // data directory (also the socket directory)
	port    int
	asUser  string // "postgres" when running as root
	n       int    // databases created
}

// postgresBin finds the newest PostgreSQL bin directory Debian installed.
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return a > b
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

// Database returns the URL of a new, empty database on the package's
// server, starting the server first when needed. It skips the test when
// PostgreSQL is not installed, except in CI, where that fails it.
func (p *Postgres) Database(t testing.TB) string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		p.started = true
		p.err = p.start()
	}
	if p.missing != "" {
		missing(t, p.missing, "postgresql")
	}
	if p.err != nil {
		t.Fatalf("testserver: %v", p.err)
	}
	p.n++
	name := fmt.Sprintf("t%d_%s", p.n, strings.ToLower(sanitize(t.Name())))
	if len(name) > 60 {
		name = name[:60]
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.url("postgres"))
	if err != nil {
		t.Fatalf("testserver: connect to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("testserver: create database %s: %v", name, err)
	}
	return p.url(name)
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func (p *Postgres) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, db)
}

// command runs a PostgreSQL program as the server's user.
func (p *Postgres) command(name string, args ...string) *exec.Cmd {
	prog := filepath.Join(p.bin, name)
	if p.asUser != "" {
		return exec.Command("runuser", append([]string{"-u", p.asUser, "--", prog}, args...)...)
	}
	return exec.Command(prog, args...)
}

func (p *Postgres) start() error {
	if p.bin = postgresBin(); p.bin == "" {
		p.missing = "PostgreSQL (initdb)"
		return nil
	}
	if os.Geteuid() == 0 {
		p.asUser = "postgres"
	}
	dir, err := os.MkdirTemp("", "rmctl-pg-")
	if err != nil {
		return err
	}
	p.dir = dir
	if p.asUser != "" {
		u, err := user.Lookup(p.asUser)
		if err != nil {
			return fmt.Errorf("PostgreSQL runs as %s: %w", p.asUser, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := p.command("initdb", "-D", data, "--auth=trust", "--username=postgres", "--no-sync", "--encoding=UTF8", "--locale=C")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	var lastErr error
	for range startAttempts {
		p.port = freePortNoT()
		if lastErr = p.pgctl("start"); lastErr == nil {
			return nil
		}
	}
	return lastErr
}

// pgctl starts or restarts the server and waits until it accepts
// connections. fsync is off: the tests check rmctl's transactions, not the
// disk's durability, and it keeps them fast.
func (p *Postgres) pgctl(action string) error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100", p.port, p.dir)
	cmd := p.command("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-l", filepath.Join(p.dir, "server.log"), "-o", opts, "-w", "-t", strconv.Itoa(int(readyTimeout/time.Second)), action)
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "server.log"))
		return fmt.Errorf("pg_ctl %s: %v\n%s\nserver log:\n%s", action, err, out, tail(log))
	}
	return nil
}

func tail(b []byte) string {
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// Restart stops the server (fast shutdown: open sessions end) and starts
// it again on the same port, for tests of an apply that loses its
// connections.
func (p *Postgres) Restart(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.pgctl("restart"); err != nil {
		t.Fatalf("testserver: %v", err)
	}
}

// Stop stops the server and removes its folder. It does nothing when the
// server was never started.
func (p *Postgres) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dir == "" {
		return
	}
	_ = p.command("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-m", "immediate", "-w", "stop").Run()
	_ = os.RemoveAll(p.dir)
	p.dir = ""
}

// freePortNoT is freePort for code that runs outside a test's lifetime.
func freePortNoT() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
