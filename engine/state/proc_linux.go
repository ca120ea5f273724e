package state

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// machine identifies the process namespace this process runs in: a PID
// names the same process only for the same host name, the same boot (the
// kernel's random boot id) and the same PID namespace (containers on one
// kernel share the boot id but not their PIDs).
func machine() (host, bootID, pidNS string, err error) {
	if host, err = os.Hostname(); err != nil {
		return "", "", "", err
	}
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", "", "", err
	}
	if pidNS, err = os.Readlink("/proc/self/ns/pid"); err != nil {
		return "", "", "", err
	}
	return host, strings.TrimSpace(string(b)), pidNS, nil
}

// processStart returns when process pid started, in clock ticks since boot
// (field 22 of /proc/PID/stat), and whether it is still running. A zombie
// (killed, not yet reaped by its parent) is not running.
func processStart(pid int) (start uint64, running bool, err error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	// The second field is the command name in parentheses, which may itself
	// hold spaces and parentheses: count fields from the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, false, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(data[i+1:])) // f[0] is field 3, the state
	if len(f) < 20 {
		return 0, false, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	start, err = strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("/proc/%d/stat: start time: %w", pid, err)
	}
	return start, f[0] != "Z" && f[0] != "X", nil
}
