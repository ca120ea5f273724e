//go:build !linux

package state

import "errors"

// Elsewhere rmctl cannot tell a process's start time, so it never takes a
// lock over from a holder it thinks dead: such locks wait for their TTL or
// force-unlock.
func machine() (host, bootID, pidNS string, err error) {
	return "", "", "", errors.ErrUnsupported
}

func processStart(int) (uint64, bool, error) { return 0, false, errors.ErrUnsupported }
