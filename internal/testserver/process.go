package testserver

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Python is Debian's interpreter. It is called by full path on purpose: the
// python3 first on PATH may be another installation without python3-caldav
// or python3-aiosmtpd.
const Python = "/usr/bin/python3"

const (
	// readyTimeout bounds how long a server may take to answer. Radicale and
	// aiosmtpd are ready in well under a second, Xandikos in about one; the
	// margin is for a loaded CI machine.
	readyTimeout = 20 * time.Second
	// stopTimeout is how long a server gets to exit after SIGTERM before it
	// is killed.
	stopTimeout = 5 * time.Second
	// startAttempts covers the small race between picking a free port and the
	// server binding it: another process may take the port in between.
	startAttempts = 3
)

// missing reports a missing prerequisite: a skip on a developer machine, a
// failure in CI (where the packages are supposed to be installed).
func missing(t testing.TB, what, debianPackage string) {
	t.Helper()
	msg := fmt.Sprintf("%s not available; install the Debian package %s (apt-get install %s)", what, debianPackage, debianPackage)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// requireBinary returns the path of an executable or skips/fails the test.
func requireBinary(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		// Debian puts them in /usr/bin; PATH may be trimmed in CI.
		if _, statErr := os.Stat(filepath.Join("/usr/bin", name)); statErr == nil {
			return filepath.Join("/usr/bin", name)
		}
		missing(t, name, debianPackage)
	}
	return p
}

// requirePythonModule checks that Debian's python can import module.
func requirePythonModule(t testing.TB, module, debianPackage string) {
	t.Helper()
	if _, err := os.Stat(Python); err != nil {
		missing(t, Python, "python3")
	}
	out, err := exec.Command(Python, "-c", "import "+module).CombinedOutput()
	if err != nil {
		t.Logf("%s -c 'import %s': %v\n%s", Python, module, err, out)
		missing(t, "python module "+module, debianPackage)
	}
}

// freePort asks the kernel for an unused TCP port on 127.0.0.1. The listener
// is closed before the server binds the port, hence startAttempts.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testserver: pick a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// process is a started server whose output goes to a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when the process has exited
	waitErr error         // valid after done is closed
}

func startProcess(t testing.TB, name, logPath string, argv []string, env []string) (*process, error) {
	t.Helper()
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Env = append(os.Environ(), env...)
	// A process group of its own keeps a Ctrl-C in the terminal from reaching
	// the server before the test's cleanup runs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and, if the process lingers, SIGKILL. It signals only
// this process's own id.
func (p *process) stop() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// logTail returns the last part of the server's output, for failure messages.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	const max = 4000
	if len(b) > max {
		b = append([]byte("[…]"), b[len(b)-max:]...)
	}
	return string(bytes.TrimSpace(b))
}

// waitReady polls probe until it succeeds, the process exits, or
// readyTimeout passes.
func (p *process) waitReady(probe func() error) error {
	deadline := time.Now().Add(readyTimeout)
	delay := 20 * time.Millisecond
	var lastErr error
	for {
		if p.exited() {
			return fmt.Errorf("%s exited before it was ready (%v); log:\n%s", p.name, p.waitErr, p.logTail())
		}
		if lastErr = probe(); lastErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %v: %v; log:\n%s", p.name, readyTimeout, lastErr, p.logTail())
		}
		time.Sleep(delay)
		if delay < 200*time.Millisecond {
			delay *= 2
		}
	}
}

// launch starts a server up to startAttempts times (a fresh port each time)
// and registers its cleanup. build returns the argv for a given port.
func launch(t testing.TB, name, dir string, build func(port int) ([]string, []string), probe func(port int) error) (*process, int) {
	t.Helper()
	var lastErr error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		port := freePort(t)
		argv, env := build(port)
		logPath := filepath.Join(dir, name+".log")
		p, err := startProcess(t, name, logPath, argv, env)
		if err != nil {
			t.Fatalf("testserver: %v", err)
		}
		err = p.waitReady(func() error { return probe(port) })
		if err == nil {
			t.Cleanup(func() {
				p.stop()
				if t.Failed() {
					t.Logf("testserver: %s log (%s):\n%s", name, logPath, p.logTail())
				}
			})
			return p, port
		}
		p.stop()
		lastErr = err
		// Keep each attempt's log apart so the last one is readable.
		_ = os.Rename(logPath, logPath+"."+strconv.Itoa(attempt))
	}
	t.Fatalf("testserver: %v", lastErr)
	return nil, 0
}
